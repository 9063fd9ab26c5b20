"""The Regime sheet: the macro verdict (risk-on / neutral / risk-off) and one reason per input."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from workbook import layout as lay
from workbook import styles as st
from workbook.context import FillContext, Rows, banner_text

INPUT_HEADERS = ("Input", "Value (%)", "Vote", "Reason")


def build(ws: Worksheet) -> None:
    """Titles and formats."""
    st.write_title(ws, "Macro regime",
                   "BTC dominance trend, stablecoin supply flow and an equity index each vote "
                   "+1 / 0 / −1; rotation within alts is on unless the sum says risk-off.")
    ws["A2"].font = st.DEMO_FONT
    ws["A4"] = "Verdict"
    ws["A4"].font = st.SECTION_FONT
    inputs = lay.block("regime_inputs")
    ws.cell(row=inputs.top - 1, column=1, value="Votes").font = st.SECTION_FONT
    st.write_header(ws, inputs.top, inputs.left, INPUT_HEADERS)
    st.column_formats(ws, inputs.top + 1, inputs.bottom, {2: "0.00", 3: "+0;-0;0"})
    warn = lay.block("regime_warnings")
    ws.cell(row=warn.top - 1, column=1, value="Missing inputs").font = st.SECTION_FONT
    for row in range(5, 9):
        ws.cell(row=row, column=1).font = st.BOLD
        ws.cell(row=row, column=2).alignment = st.Alignment(horizontal="left")
    st.set_widths(ws, {"A": 26, "B": 14, "C": 8, "D": 80})
    st.print_one_page(ws)
    ws.print_area = f"A1:D{warn.bottom}"


def content(ctx: FillContext) -> dict[str, Rows]:
    """Owned-range values of the Regime sheet."""
    verdict = ctx.report.regime
    inputs: Rows = [list(INPUT_HEADERS)]
    for vote in verdict.votes:
        inputs.append([vote.name, vote.value, vote.vote, vote.reason])
    return {
        "regime_banner": [[banner_text(ctx)]],
        "regime_summary": [
            ["Regime", verdict.label],
            ["Score (sum of votes)", verdict.score],
            ["Rotation within alts", "enabled" if verdict.rotation_enabled else "disabled"],
            ["Summary", verdict.summary],
        ],
        "regime_inputs": inputs,
        "regime_warnings": [[w] for w in verdict.warnings] or [["none"]],
    }


def decorate(ws: Worksheet, ctx: FillContext | None) -> None:
    """Nothing to re-create (no charts)."""
