"""The Dashboard: regime, top sectors, plan size, warnings and the sector-scores chart."""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from workbook import layout as lay
from workbook import styles as st
from workbook.context import FillContext, Rows, banner_text, utc_text
from workbook.sheets.charts import replace_chart

SCORES_CHART_ANCHOR = "A18"


def build(ws: Worksheet) -> None:
    """Titles, labels and formats (values come from :func:`content`)."""
    st.write_title(ws, "Rotation Desk — dashboard",
                   "Sector rotation for crypto perpetuals. Orders are proposals: "
                   "nothing is ever sent to an exchange.")
    ws["A2"].font = st.DEMO_FONT
    ws["A4"] = "Today"
    ws["A4"].font = st.SECTION_FONT
    ws["D4"] = "Top sectors"
    ws["D4"].font = st.SECTION_FONT
    for row in range(5, 15):
        ws.cell(row=row, column=1).font = st.BOLD
    st.column_formats(ws, 6, 10, {6: "0.00"})
    st.column_formats(ws, 12, 14, {2: st.FMT_USD})
    ws["A16"].font = st.BOLD_BLUE
    ws["A17"] = "Sector scores (higher = stronger rotation candidate)"
    ws["A17"].font = st.SECTION_FONT
    ws["A33"] = "Warnings and notes"
    ws["A33"].font = st.SECTION_FONT
    st.set_widths(ws, {"A": 30, "B": 26, "C": 3, "D": 7, "E": 16, "F": 9, "G": 40})
    st.print_one_page(ws)
    ws.print_area = "A1:H46"
    st.write_header(ws, 5, 4, ["Rank", "Sector", "Score", "Flags"])


def content(ctx: FillContext) -> dict[str, Rows]:
    """Owned-range values of the Dashboard."""
    report = ctx.report
    plan = report.plan
    top = report.sectors[0].sector if report.sectors else "—"
    summary: Rows = [
        ["Data source", ctx.dataset.source],
        ["As of", utc_text(report.as_of)],
        ["Regime", f"{report.regime.label} (score {report.regime.score:+d})"],
        ["Rotation within alts", "enabled" if report.regime.rotation_enabled else "disabled"],
        ["Top sector", top],
        ["Orders proposed", len(plan.orders)],
        ["Orders refused by rules", len(plan.refusals)],
        ["Stressed loss (corr. 1), USD", plan.stressed_loss_usd],
        ["Portfolio risk cap, USD", plan.portfolio_risk_cap_usd],
        ["Equity, USD", ctx.settings.equity_usd],
    ]
    top_rows: Rows = [["Rank", "Sector", "Score", "Flags"]]
    for score in report.sectors[:5]:
        top_rows.append([score.rank, score.sector, score.score, ", ".join(score.flags)])
    notes = [*report.warnings, *plan.notes]
    return {
        "dashboard_banner": [[banner_text(ctx)]],
        "dashboard_summary": summary,
        "dashboard_top": top_rows,
        "dashboard_regime": [[report.regime.summary]],
        "dashboard_warnings": [[n] for n in notes] or [["none"]],
    }


def decorate(ws: Worksheet, ctx: FillContext | None) -> None:
    """Bar chart of the sector scores (data on the Sectors sheet)."""
    n = len(ctx.report.sectors) if ctx else 0
    if n == 0:
        replace_chart(ws, SCORES_CHART_ANCHOR, None)
        return
    table = lay.block("sectors_table")
    sectors_ws = ws.parent[lay.SECTORS]
    chart = BarChart()
    chart.type = "bar"
    chart.title = "Sector score"
    chart.style = 10
    chart.legend = None
    chart.y_axis.title = "score (z)"
    chart.height, chart.width = 7.2, 16.0
    data = Reference(sectors_ws, min_col=table.left + 3, min_row=table.top + 1,
                     max_row=table.top + n)
    cats = Reference(sectors_ws, min_col=table.left + 1, min_row=table.top + 1,
                     max_row=table.top + n)
    chart.add_data(data, titles_from_data=False)
    chart.set_categories(cats)
    chart.x_axis.scaling.orientation = "maxMin"
    chart.x_axis.tickLblPos = "low"
    replace_chart(ws, SCORES_CHART_ANCHOR, chart)
