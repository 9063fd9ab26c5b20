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
    # readable at 100 % zoom on a 1280 px screen: narrow columns, the reason wraps
    st.set_widths(ws, {"A": 16, "B": 15, "C": 12, "D": 6, "E": 10, "F": 10, "G": 12,
                       "H": 11, "I": 6, "J": 10, "K": 10, "L": 10, "M": 11, "N": 9, "O": 42})
    for row in range(5, 9):
        ws.cell(row=row, column=1).alignment = st.Alignment(wrap_text=True, vertical="top")
    for row in range(orders.top + 1, orders.bottom + 1):
        ws.cell(row=row, column=orders.left + 14).alignment = st.Alignment(
            wrap_text=True, vertical="top")
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


PRICE_COLUMNS = (6, 10, 11, 12)
"""Entry, stop, take-profit and liquidation: written to each contract's tick."""
QUANTITY_COLUMNS = (5,)


def decorate(ws: Worksheet, ctx: FillContext | None) -> None:
    """Each order row's prices to its contract's tick and quantity to its amount step."""
    if ctx is None:
        return
    orders = lay.block("rebalance_orders")
    for offset, order in enumerate(ctx.report.plan.orders[: orders.rows - 1]):
        contract = ctx.dataset.contracts.get(order.base)
        st.price_and_quantity_formats(
            ws, orders.top + 1 + offset, [orders.left + c - 1 for c in PRICE_COLUMNS],
            [orders.left + c - 1 for c in QUANTITY_COLUMNS],
            contract.price_tick if contract else None,
            contract.amount_step if contract else None, order.entry_price_usd)
