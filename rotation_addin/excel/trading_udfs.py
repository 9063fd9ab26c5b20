"""Trading UDFs: walked slippage and depth (venues) and the journal's entry check.

Declared in Excel through :mod:`rotation_addin.udfs` (the module ``xlwings.conf`` names), which
imports them; each is thin: Excel-shaped input in, a desk call, a cell value out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import xlwings as xw

from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.execution import DEPTH_BANDS, depth_within, walk_book
from rotation_addin.core.types import Side
from rotation_addin.excel import args as a
from rotation_addin.excel import context
from rotation_addin.excel.guard import udf_guard

CATEGORY = "Rotation Desk"
Cell = Any


def _venue(value: Cell) -> str | None:
    if a.is_missing(value):
        return None
    # deferred: data.venues: asyncio + ssl (~140 ms, -X importtime) off the UDF module's import
    from rotation_addin.data.venues import check_venues

    try:
        return check_venues([a.text("venue", value)])[0]
    except InputError as exc:  # the CLI's flag is --venues; this argument is venue
        raise InputError("venue", exc.reason) from None


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("symbol", doc="Symbol, e.g. RENDER.")
@xw.arg("notional", doc="Order notional in USD (> 0).")
@xw.arg("side", doc="Optional: buy/long (default) or sell/short.")
@xw.arg("venue", doc="Optional: ccxt exchange id (default: the settings' exchange).")
@udf_guard
def SLIPPAGE(symbol: Cell, notional: Cell, side: Cell = None, venue: Cell = None) -> Any:
    """Walked slippage of a market order vs the mid price (fraction; 0.001 = 0.1 %)."""
    base = a.symbol("symbol", symbol)
    size = a.number("notional", notional)
    chosen = a.side("side", side, Side.LONG)
    book = context.order_book(base, _venue(venue))
    walk = walk_book(book.bids, book.asks, size, chosen)
    if walk.too_thin:
        raise DataError(f"{base}: book too thin for {size:,.0f} USD (visible "
                        f"{walk.filled_notional_usd:,.0f} USD)")
    return walk.slippage


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("symbol", doc="Symbol, e.g. RENDER.")
@xw.arg("band", doc="Optional: band around the mid, 0.005 (default) or 1%.")
@xw.arg("venue", doc="Optional: ccxt exchange id (default: the settings' exchange).")
@udf_guard
def DEPTH(symbol: Cell, band: Cell = None, venue: Cell = None) -> Any:
    """USD resting within the band of the mid: spills [bid USD, ask USD] with a header."""
    base = a.symbol("symbol", symbol)
    # the engine refuses 0 itself: open at 0 here too, so both ends say one range
    width = a.fraction("band", band, DEPTH_BANDS[0], high=0.5, low_inclusive=False)
    book = context.order_book(base, _venue(venue))
    depth = depth_within(book.bids, book.asks, width)
    return [["bid USD", "ask USD"], [depth.bid_usd, depth.ask_usd]]


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("symbol", doc="Symbol, e.g. RENDER.")
@xw.arg("side", doc="long or short.")
@xw.arg("entry", doc="Entry price in USD (empty: the current price).")
@xw.arg("stop", doc="Stop price in USD (required by the rules).")
@xw.arg("quantity_or_risk", doc="Quantity in base units, or a risk as text with % (\"1%\").")
@udf_guard
def TRADE_CHECK(symbol: Cell, side: Cell, entry: Cell, stop: Cell,
                quantity_or_risk: Cell) -> Any:
    """OK, or every discipline rule the trade breaks with its numbers, checked against the
    paper journal (cool-down, risk cap, stop, liquidation, positions, stressed loss...)."""
    # deferred: desk.journal (~60 ms, -X importtime) only for =TRADE_CHECK: off the UDF import
    from rotation_addin.desk.journal import JournalInputs, OrderRequest, check_trade

    data = context.dataset()
    size = quantity_or_risk
    is_risk = isinstance(size, str) and size.strip().endswith("%")
    amount = a.number("quantity_or_risk", size)
    inputs = JournalInputs(params=context.session().plan_parameters(),
                           dataset=data, now=max(datetime.now(UTC), data.as_of))
    request = OrderRequest(
        symbol=a.symbol("symbol", symbol), side=a.side("side", side).value,
        stop=a.number("stop", stop),
        entry=None if a.is_missing(entry) else a.number("entry", entry),
        quantity=None if is_risk else amount, risk_fraction=amount if is_risk else None)
    try:
        return check_trade(inputs, request).line
    except InputError as exc:  # the journal names its quantity/risk; the cell is one argument
        if exc.field in SIZE_FIELDS:
            raise InputError("quantity_or_risk", exc.reason) from None
        raise


SIZE_FIELDS = frozenset({"quantity", "risk", "risk_fraction"})
"""Fields of the journal's order check that ``TRADE_CHECK``'s ``quantity_or_risk`` feeds."""
