"""The Dashboard: regime, top sectors, plan size, warnings and the sector-scores chart."""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from rotation_addin.core import formats
from workbook import layout as lay
from workbook import styles as st
from workbook.context import FillContext, Rows, banner_text, utc_text
from workbook.sheets.charts import replace_chart

SCORES_CHART_ANCHOR = "A18"
ORDER_HEADERS = ("Symbol", "Order", "Quantity", "Entry", "Stop", "Liquidation", "Risk")
PRICE_COLUMNS = (4, 5, 6)
QUANTITY_COLUMNS = (3,)


def order_rows(ctx: FillContext) -> Rows:
    """Today's orders, top first (the plan's order), as the Rebalance sheet lists them."""
    block = lay.block("dashboard_orders")
    orders = ctx.report.plan.orders
    rows: Rows = [list(ORDER_HEADERS)]
    for o in orders[: block.rows - 1]:
        lev = f", {formats.format_leverage(o.leverage)}" if o.leverage is not None else ""
        rows.append([o.symbol, f"{o.action} {o.order_side}{lev}", o.quantity_base,
                     o.entry_price_usd, o.stop_price_usd, o.liquidation_price_usd, o.risk_usd])
    if not orders:
        rows.append(["no orders today"])
    elif len(orders) > block.rows - 1:
        rows[-1] = [f"… {len(orders) - block.rows + 2} more on the Rebalance sheet"]
    return rows


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
    st.column_formats(ws, 6, 10, {6: st.FMT_SCORE})  # top sectors' score, as on Sectors
    st.column_formats(ws, 12, 14, {2: st.FMT_USD})
    ws["A16"].font = st.BOLD_BLUE
    ws["A17"] = "Sector scores (higher = stronger rotation candidate)"
    ws["A17"].font = st.SECTION_FONT
    ws["A33"] = "Warnings and notes"
    ws["A33"].font = st.SECTION_FONT
    st.set_widths(ws, {"A": 30, "B": 26, "C": 12, "D": 11, "E": 16, "F": 11, "G": 40})
    orders = lay.block("dashboard_orders")
    ws.cell(row=orders.top - 1, column=1,
            value="Today's orders (a proposal: nothing is sent)").font = st.SECTION_FONT
    st.write_header(ws, orders.top, orders.left, ORDER_HEADERS)
    st.column_formats(ws, orders.top + 1, orders.bottom, {7: st.FMT_USD})
    st.print_one_page(ws)
    ws.print_area = f"A1:H{orders.bottom}"
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
        "dashboard_orders": order_rows(ctx),
    }


def decorate(ws: Worksheet, ctx: FillContext | None) -> None:
    """Bar chart of the sector scores (data on the Sectors sheet); order rows' formats."""
    if ctx is not None:
        block = lay.block("dashboard_orders")
        for offset, order in enumerate(ctx.report.plan.orders[: block.rows - 1]):
            contract = ctx.dataset.contracts.get(order.base)
            st.price_and_quantity_formats(
                ws, block.top + 1 + offset, PRICE_COLUMNS, QUANTITY_COLUMNS,
                contract.price_tick if contract else None,
                contract.amount_step if contract else None, order.entry_price_usd)
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
