"""The Correlation sheet: sector correlation matrices as a colour-scale heatmap."""

from __future__ import annotations

import math

import pandas as pd
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from rotation_addin.core import formats
from rotation_addin.core.correlation_picture import inverse_pairs_line
from rotation_addin.core.stress import StressCorrelation
from workbook import layout as lay
from workbook import styles as st
from workbook.context import FillContext, Rows, banner_text


def build(ws: Worksheet) -> None:
    """Titles, number formats and the heatmap rules."""
    st.write_title(ws, "Correlation",
                   "Pearson correlation of the sector indices' daily log returns. Colours: "
                   f"{formats.CORR_COLOUR_LEGEND} (measured, not a hedge).")
    ws["A2"].font = st.DEMO_FONT
    for name in ("corr_usd", "corr_relative"):
        b = lay.block(name)
        for row in range(b.top + 1, b.bottom + 1):
            ws.cell(row=row, column=b.left).font = st.BOLD
            for col in range(b.left + 1, b.right + 1):
                ws.cell(row=row, column=col).number_format = st.FMT_CORR
        for col in range(b.left, b.right + 1):
            ws.cell(row=b.top, column=col).font = st.BOLD
    for name in ("corr_usd_title", "corr_relative_title"):
        b = lay.block(name)
        ws.cell(row=b.top, column=b.left).font = st.SECTION_FONT
    notes = lay.block("corr_notes")
    ws.cell(row=notes.top - 1, column=notes.left, value="Reading the matrix").font = st.SECTION_FONT
    st.set_widths(ws, {"A": 14})
    for col in range(2, lay.CORR_SIZE + 1):
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = 13
    st.print_one_page(ws, landscape=False)
    ws.print_area = f"A1:{ws.cell(row=1, column=lay.CORR_SIZE).column_letter}{notes.bottom}"


def _matrix_rows(matrix: pd.DataFrame) -> Rows:
    names = [str(c) for c in matrix.columns]
    matrix = matrix.loc[list(matrix.columns), list(matrix.columns)]
    rows: Rows = [["", *names]]
    for name in names:
        rows.append([name, *[float(v) for v in matrix.loc[name].to_numpy()]])
    return rows


def _notes(ctx: FillContext) -> list[str]:
    pic = ctx.report.correlation
    lines = [f"Window: last {pic.window_days} days. Top: USD returns; bottom: returns relative "
             "to BTC (the market factor removed)."]
    if math.isfinite(pic.average_pairwise):
        lines.append("Average pairwise correlation (USD): "
                     f"{formats.format_correlation(pic.average_pairwise)}")
    for label, pairs in (("USD", pic.natural_hedges_usd),
                         ("BTC-relative", pic.natural_hedges_relative)):
        lines.append(inverse_pairs_line(label, pairs))
    if pic.decay_alert is not None:
        lines.append(f"Correlation trend: {pic.decay_alert.message}")
    for sector, row in pic.betas.iterrows():
        lines.append(  # as the Sectors sheet and rotation corr write them
            f"{sector}: beta to BTC "
            f"{formats.format_number(float(row['beta']), formats.RATIO_DECIMALS)}, BTC "
            f"explains {formats.format_pct(float(row['r_squared']), formats.PCT_DECIMALS)} "
            "of its variance")
    if pic.stress is not None:
        lines.extend(_stress_lines(pic.stress))
    lines.extend(pic.warnings)
    return lines


def _stress_lines(stress: StressCorrelation) -> list[str]:
    lines = [f"Stress days: {stress.stress_days} days with {stress.benchmark} at or below "
             f"{stress.threshold_return:+.1%} (normal {stress.normal_days}); risk limits "
             "assume correlation 1 under stress."]
    for pair, row in stress.table.iterrows():
        first, second = pair if isinstance(pair, tuple) else (pair, "")
        normal, stressed, adjusted = (formats.format_correlation(row[c], signed=True) for c in
                                      ("normal_corr", "stress_corr", "stress_corr_adjusted"))
        lines.append(f"  {first} vs {second}: normal {normal}, stress {stressed} "
                     f"(adjusted {adjusted})")
    return lines


def content(ctx: FillContext) -> dict[str, Rows]:
    """Owned-range values of the Correlation sheet."""
    pic = ctx.report.correlation
    return {
        "correlation_banner": [[banner_text(ctx)]],
        "corr_usd_title": [[f"USD returns, {pic.window_days} days"]],
        "corr_usd": _matrix_rows(pic.sector_matrix_usd),
        "corr_relative_title": [[f"BTC-relative returns, {pic.window_days} days"]],
        "corr_relative": _matrix_rows(pic.sector_matrix_relative),
        "corr_notes": [[line] for line in _notes(ctx)],
    }


def heatmap_rule() -> ColorScaleRule:
    """Blue (-1) -> white (0) -> red (+1): the app heatmap's colours
    (:mod:`rotation_addin.core.formats`)."""
    return ColorScaleRule(start_type="num", start_value=-1,
                          start_color=formats.CORR_MINUS_ONE_HEX,
                          mid_type="num", mid_value=0, mid_color=formats.CORR_ZERO_HEX,
                          end_type="num", end_value=1, end_color=formats.CORR_PLUS_ONE_HEX)


def heatmap_ranges() -> list[str]:
    """Cell ranges the heatmap colours (matrix bodies)."""
    ranges = []
    for name in ("corr_usd", "corr_relative"):
        b = lay.block(name)
        first = ws_ref(b.top + 1, b.left + 1)
        last = ws_ref(b.bottom, b.right)
        ranges.append(f"{first}:{last}")
    return ranges


def ws_ref(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"


def decorate(ws: Worksheet, ctx: FillContext | None) -> None:
    """(Re-)apply the heatmap, replacing earlier copies of the tool's rules only."""
    ours = set(heatmap_ranges())
    kept = [(rng, rules) for rng, rules in ws.conditional_formatting._cf_rules.items()
            if str(rng.sqref) not in ours]

    ws.conditional_formatting = ConditionalFormattingList()
    for rng, rules in kept:
        for rule in rules:
            ws.conditional_formatting.add(str(rng.sqref), rule)
    for ref in sorted(ours):
        ws.conditional_formatting.add(ref, heatmap_rule())
