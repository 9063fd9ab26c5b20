"""The Platforms sheet: where to execute each plan order, venue by venue.

For every order of the plan (up to :data:`MAX_PLATFORM_ORDERS`) one row per venue, priced by
the desk (:func:`rotation_addin.desk.venues.plan_order_venues`): the loaded data's own venue
(demo (simulated) market or the cache's exchange, from its stored book) and, when the refresh
is asked for them, live venues (public endpoints, fetched during the refresh). Columns: fee,
funding now and its 30-day mean, max leverage and the bracket at that size, minimum order,
depth within ±0.5 % / ±1 %, walked fill and slippage, round-trip cost, data age. A venue
without the contract, or with a book that cannot be walked, says so in *Status*.

Two native formulas beside the owned block are built once and recalculate in Excel or
LibreOffice: *Round trip USD* = notional × round trip, and *Cheapest* = no other row of the
same order has a lower round trip.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from rotation_addin.data.venues import DEFAULT_HOLDING_DAYS, PlatformRow
from rotation_addin.desk.venues import OrderVenues, plan_order_venues
from workbook import layout as lay
from workbook import styles as st
from workbook.context import FillContext, Rows, banner_text

HEADERS = ("Order", "Action", "Symbol", "Side", "Notional USD", "Venue", "Contract", "Status",
           "Taker fee", "Maker fee", "Funding now", "Funding 30d mean", "Max leverage",
           "Leverage at size", "MMR at size", "Min order", "Min notional USD",
           "Depth ±0.5% bids USD", "Depth ±0.5% asks USD", "Depth ±1% bids USD",
           "Depth ±1% asks USD", "Avg fill", "Slippage", "Round trip", "Data age s")
FORMULA_HEADERS = ("Round trip USD", "Cheapest")
ROUND_TRIP_COL = HEADERS.index("Round trip") + 1
NOTIONAL_COL = HEADERS.index("Notional USD") + 1
MAX_PLATFORM_ORDERS = lay.MAX_ORDERS


def _rows_block() -> lay.Block:
    return lay.block("platforms_table")


def build(ws: Worksheet) -> None:
    """Titles, headers, number formats and the two formula columns."""
    st.write_title(ws, "Platforms: where to execute",
                   "Each plan order on each venue: fees, funding, brackets, depth, walked "
                   "slippage and the all-in round trip (taker both sides + slippage both "
                   "sides + expected funding). Read-only: nothing is sent.")
    ws["A2"].font = st.DEMO_FONT
    table = _rows_block()
    ws.cell(row=table.top - 1, column=1, value="Venues per plan order").font = st.SECTION_FONT
    st.write_header(ws, table.top, table.left, HEADERS)
    st.write_header(ws, table.top, table.right + 1, FORMULA_HEADERS)
    first, last = table.top + 1, table.bottom
    st.column_formats(ws, first, last, {
        5: st.FMT_USD0, 9: "0.000%", 10: "0.000%", 11: "0.0000%", 12: "0.0000%",
        13: st.FMT_LEV, 14: st.FMT_LEV, 15: st.FMT_PCT, 16: st.FMT_QTY, 17: st.FMT_USD0,
        18: st.FMT_USD0, 19: st.FMT_USD0, 20: st.FMT_USD0, 21: st.FMT_USD0, 22: st.FMT_PRICE,
        23: "0.0000%", 24: "0.0000%", 25: "0", table.right + 1: st.FMT_USD})
    cost = get_column_letter(ROUND_TRIP_COL)
    notional = get_column_letter(NOTIONAL_COL)
    span = f"${cost}${first}:${cost}${last}"
    orders = f"$A${first}:$A${last}"
    for row in range(first, last + 1):
        ws.cell(row=row, column=table.right + 1,
                value=f'=IF(ISNUMBER({cost}{row}),{notional}{row}*{cost}{row},"")')
        ws.cell(row=row, column=table.right + 2,
                value=f'=IF(ISNUMBER({cost}{row}),IF(SUMPRODUCT(({orders}=A{row})*'
                      f'ISNUMBER({span})*({span}<{cost}{row}))=0,"cheapest",""),"")')
    st.set_widths(ws, {"A": 7, "B": 9, "C": 10, "D": 6, "E": 13, "F": 18, "G": 20, "H": 22,
                       **{get_column_letter(c): 12 for c in range(9, table.right + 3)},
                       **{get_column_letter(c): 16 for c in range(18, 22)}})
    ws.freeze_panes = ws.cell(row=table.top + 1, column=7)
    st.print_one_page(ws)


def _cells(index: int, order: OrderVenues, row: PlatformRow) -> list[object]:
    head: list[object] = [index, order.action, order.base, order.side.value, order.notional_usd,
                          row.venue, row.symbol or ""]
    if row.status != "ok":
        return [*head, row.status]
    half = row.depth_half_pct_usd or (None, None)
    one = row.depth_one_pct_usd or (None, None)
    return [*head, "book too thin" if row.too_thin else "ok", row.taker_fee, row.maker_fee,
            row.funding_now, row.funding_mean_30d, row.max_leverage, row.bracket_max_leverage,
            row.bracket_mmr, row.min_amount, row.min_notional_usd, half[0], half[1], one[0],
            one[1], row.average_price, row.slippage, row.round_trip_cost, row.data_age_s]


def table_rows(priced: list[OrderVenues]) -> Rows:
    """Header + one row per (order, venue), orders numbered from 1."""
    rows: Rows = [list(HEADERS)]
    for index, order in enumerate(priced, start=1):
        rows.extend(_cells(index, order, row) for row in order.rows)
    return rows


def content(ctx: FillContext) -> dict[str, Rows]:
    """Owned-range values of the Platforms sheet (the desk prices every order)."""
    priced = plan_order_venues(ctx.report.plan.orders, ctx.dataset, venues=ctx.venues,
                               holding_days=DEFAULT_HOLDING_DAYS,
                               api_urls=ctx.venue_api_urls, limit=MAX_PLATFORM_ORDERS,
                               now=ctx.refreshed_at, quarterlies=ctx.venue_quarterlies)
    live = ", ".join(ctx.venues) if ctx.venues else "none (refresh with --venues to add)"
    if ctx.venues and ctx.venue_quarterlies:
        live += " (with their quarterlies)"
    return {
        "platforms_banner": [[banner_text(ctx)]],
        "platforms_summary": [
            ["Orders priced", len(priced)],
            ["Holding days (funding part)", DEFAULT_HOLDING_DAYS],
            ["Live venues", live],
        ],
        "platforms_table": table_rows(priced),
    }


def decorate(ws: Worksheet, ctx: FillContext | None) -> None:
    """Print area: the title and the rows in use (at least 12), all columns on one page."""
    table = _rows_block()
    used = table.top
    for row in range(table.top + 1, table.bottom + 1):
        if ws.cell(row=row, column=1).value is not None:
            used = row
    last = max(used, table.top + 12)
    ws.print_area = f"A1:{get_column_letter(table.right + 2)}{last}"
