"""The Rebalance sheet: proposed orders (never sent), refusals by rule and the plan's notes."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from workbook import layout as lay
from workbook import styles as st
from workbook.context import FillContext, Rows, banner_text

ORDER_HEADERS = ("Action", "Symbol", "Sector", "Side", "Quantity", "Entry", "Notional USD",
                 "Margin USD", "Leverage", "Stop", "Take-profit", "Liquidation", "Risk USD",
                 "Role", "Reason")
REFUSAL_HEADERS = ("Symbol", "Rule", "Detail")


def build(ws: Worksheet) -> None:
    """Titles, header styles and number formats."""
    st.write_title(ws, "Rebalance plan",
                   "Orders the rules allow today, closes first. A proposal only: nothing is "
                   "sent to an exchange.")
    ws["A2"].font = st.DEMO_FONT
    ws["A4"] = "Plan"
    ws["A4"].font = st.SECTION_FONT
    orders = lay.block("rebalance_orders")
    ws.cell(row=orders.top - 1, column=1, value="Orders").font = st.SECTION_FONT
    st.write_header(ws, orders.top, orders.left, ORDER_HEADERS)
    st.column_formats(ws, orders.top + 1, orders.bottom, {
        5: st.FMT_QTY, 6: st.FMT_PRICE, 7: st.FMT_USD, 8: st.FMT_USD, 9: st.FMT_LEV,
        10: st.FMT_PRICE, 11: st.FMT_PRICE, 12: st.FMT_PRICE, 13: st.FMT_USD})
    refusals = lay.block("rebalance_refusals")
    ws.cell(row=refusals.top - 1, column=1, value="Refused by a rule").font = st.SECTION_FONT
    notes = lay.block("rebalance_notes")
    ws.cell(row=notes.top - 1, column=notes.left, value="Notes").font = st.SECTION_FONT
    st.column_formats(ws, 6, 7, {2: st.FMT_USD})
    st.set_widths(ws, {"A": 22, "B": 18, "C": 13, "D": 7, "E": 12, "F": 11, "G": 13,
                       "H": 12, "I": 9, "J": 11, "K": 11, "L": 11, "M": 11, "N": 12, "O": 70})
    ws.freeze_panes = ws.cell(row=orders.top + 1, column=3)
    st.print_one_page(ws)
    ws.print_area = f"A1:O{notes.bottom}"


def content(ctx: FillContext) -> dict[str, Rows]:
    """Owned-range values of the Rebalance sheet."""
    plan = ctx.report.plan
    orders: Rows = [list(ORDER_HEADERS)]
    for o in plan.orders:
        orders.append([o.action, o.symbol, o.sector, o.side.value, o.quantity_base,
                       o.entry_price_usd, o.notional_usd, o.margin_usd, o.leverage,
                       o.stop_price_usd, o.take_profit_price_usd, o.liquidation_price_usd,
                       o.risk_usd, o.role, o.reason])
    refusals: Rows = [list(REFUSAL_HEADERS)]
    refusals.extend([r.symbol, r.rule, r.detail] for r in plan.refusals)
    return {
        "rebalance_banner": [[banner_text(ctx)]],
        "rebalance_summary": [
            ["Orders proposed", len(plan.orders)],
            ["Stressed loss if all stops hit (corr. 1)", plan.stressed_loss_usd],
            ["Portfolio risk cap", plan.portfolio_risk_cap_usd],
            ["Refused by rules", len(plan.refusals)],
        ],
        "rebalance_orders": orders,
        "rebalance_refusals": refusals,
        "rebalance_notes": [[n] for n in plan.notes],
    }


def decorate(ws: Worksheet, ctx: FillContext | None) -> None:
    """Nothing to re-create (no charts)."""
