"""Market-data UDFs: live prices, funding, candles, funding history, data source, error log.

Declared in Excel through :mod:`rotation_addin.udfs` (the module ``xlwings.conf`` names), which
imports them. A symbol may carry an exchange prefix (``"BYBIT:RENDER"``): the live figures
then come from that venue (ccxt id, :func:`rotation_addin.excel.args.market`); history comes
from the configured data source, whose exchange a prefix must then name.

Live functions run in xlwings' ``async_mode="threading"`` (a cold fetch shows ``#N/A
waiting...`` instead of freezing Excel) and ``CRYPTO_PRICE`` is volatile (it re-reads the shared
snapshot at every recalculation; the snapshot itself is fetched once per TTL for all cells).
Spilled tables hold data only: their source and as-of come from ``=DATA_SOURCE()``.
"""

from __future__ import annotations

from typing import Any

import xlwings as xw

from rotation_addin.core.errors import DataError, InputError
from rotation_addin.desk.history import INTERVALS, candles, funding_history
from rotation_addin.excel import args as a
from rotation_addin.excel import cell_errors, context
from rotation_addin.excel.guard import udf_guard

CATEGORY = "Rotation Desk"
Cell = Any
PRICE_FIELDS: tuple[str, ...] = ("last", "mark", "index", "bid", "ask", "mid", "spread",
                                 "change_24h", "volume_24h")
"""What ``CRYPTO_PRICE`` returns: USD prices; spread = (ask - bid) / mid and change_24h as
fractions; volume_24h in USD."""
DEFAULT_CANDLES = 30
"""Candles ``OHLCV`` spills when no start date is given (the most recent)."""
MAX_ROWS = 20_000
"""Rows a history function spills at most (a date range longer than that is refused)."""


def _history_base(name: str, value: Cell) -> str:
    """The base of a history function; a prefix must name the source's own exchange."""
    venue, base = a.market(name, value)
    if venue is not None:
        current = context.settings()
        if current.data_source == "demo" or venue != current.exchange_id:
            raise InputError(name, f"history comes from {context.dataset().source}; "
                                   f"drop the {venue} prefix or refresh that exchange")
    return base


@xw.func(category=CATEGORY, call_in_wizard=False, volatile=True, async_mode="threading")
@xw.arg("symbol", doc="Symbol, e.g. RENDER, or with an exchange: BYBIT:RENDER.")
@xw.arg("field", doc="Optional: last (default), mark, index, bid, ask, mid, spread, "
                     "change_24h, volume_24h.")
@udf_guard
def CRYPTO_PRICE(symbol: Cell, field: Cell = None) -> Any:
    """Live price figure (USD; spread and change_24h as fractions); one snapshot per TTL."""
    venue, base = a.market("symbol", symbol)
    chosen = a.choice("field", field, PRICE_FIELDS, "last")
    quote = context.quote(base, venue)
    bid, ask = quote.bid_usd, quote.ask_usd
    mid = None if bid is None or ask is None else (bid + ask) / 2.0
    value = {"last": quote.last_price_usd, "mark": quote.mark_price_usd,
             "index": quote.index_price_usd, "bid": bid, "ask": ask, "mid": mid,
             "spread": None if mid is None or ask is None or bid is None else (ask - bid) / mid,
             "change_24h": quote.change_24h, "volume_24h": quote.volume_24h_usd}[chosen]
    if value is None:
        raise DataError(f"{quote.base}: {venue or 'the source'} gave no {chosen} figure")
    return value


@xw.func(category=CATEGORY, call_in_wizard=False, async_mode="threading")
@xw.arg("symbol", doc="Symbol, e.g. RENDER, or with an exchange: BYBIT:RENDER.")
@udf_guard
def FUNDING_RATE(symbol: Cell) -> Any:
    """Current funding rate per funding interval (fraction; 0.0001 = 0.01 %)."""
    venue, base = a.market("symbol", symbol)
    quote = context.quote(base, venue)
    if quote.funding_rate is None:
        raise DataError(f"{quote.base}: the exchange gave no funding rate")
    return quote.funding_rate


@xw.func(category=CATEGORY, call_in_wizard=False, async_mode="threading")
@xw.arg("symbol", doc="Symbol with an exchange, e.g. BINANCE:RENDER (or the cache source's).")
@xw.arg("unit", doc="Optional: base (default, base units) or usd (x the mark price).")
@udf_guard
def OPEN_INTEREST(symbol: Cell, unit: Cell = None) -> Any:
    """Open interest of the perpetual in base units (or USD at the mark); one request per
    symbol per TTL."""
    venue, base = a.market("symbol", symbol)
    chosen = a.choice("unit", unit, ("base", "usd"), "base")
    figure = context.open_interest(base, venue)
    if chosen == "base":
        return figure.amount_base
    mark = context.quote(base, venue).mark_price_usd
    if mark is None:
        raise DataError(f"{base}: no mark price to value the open interest")
    return figure.amount_base * mark


def _range(start: Cell, end: Cell) -> tuple[Any, Any]:
    first = None if a.is_missing(start) else a.when("start", start)
    last = None if a.is_missing(end) else a.when("end", end)
    if first is not None and last is not None and last < first:
        raise InputError("end", f"must be on or after start {first:%Y-%m-%d} "
                                f"(got {last:%Y-%m-%d})")
    return first, last


@xw.func(category=CATEGORY, call_in_wizard=False, async_mode="threading")
@xw.arg("symbol", doc="Symbol, e.g. RENDER.")
@xw.arg("interval", doc="Optional: 1h, 4h, 1d (default) or 1w.")
@xw.arg("start", doc="Optional: first candle's date (default: the last 30 candles).")
@xw.arg("end", doc="Optional: last candle's date (default: the newest).")
@udf_guard
def OHLCV(symbol: Cell, interval: Cell = None, start: Cell = None, end: Cell = None) -> Any:
    """Candles (open time UTC, open, high, low, close, volume USD), newest last; spills."""
    base = _history_base("symbol", symbol)
    chosen = a.choice("interval", interval, INTERVALS, "1d")
    first, last = _range(start, end)
    table = candles(context.dataset(), base, chosen, exchange_id=context.settings().exchange_id,
                    start=first, end=last)
    if first is None:
        table = table.iloc[-DEFAULT_CANDLES:]
    if len(table) > MAX_ROWS:
        raise InputError("start", f"the range holds {len(table):,} {chosen} candles; at most "
                                  f"{MAX_ROWS:,} spill (choose a later start)")
    rows: list[list[Any]] = [["date", "open", "high", "low", "close", "volume_usd"]]
    rows += [[when.to_pydatetime(), *values]
             for when, values in zip(table.index, table.to_numpy().tolist(), strict=True)]
    return rows


@xw.func(category=CATEGORY, call_in_wizard=False, async_mode="threading")
@xw.arg("symbol", doc="Symbol, e.g. RENDER.")
@xw.arg("start", doc="Optional: first date (default: the last 30 days).")
@xw.arg("end", doc="Optional: last date (default: the newest).")
@udf_guard
def FUNDING_HISTORY(symbol: Cell, start: Cell = None, end: Cell = None) -> Any:
    """Funding rates (time UTC, rate per interval as a fraction), newest last; spills."""
    base = _history_base("symbol", symbol)
    first, last = _range(start, end)
    rates = funding_history(context.dataset(), base, exchange_id=context.settings().exchange_id,
                            start=first, end=last)
    if first is None:
        rates = rates[rates.index >= rates.index[-1] - _days(DEFAULT_CANDLES)]
    if len(rates) > MAX_ROWS:
        raise InputError("start", f"the range holds {len(rates):,} funding rates; at most "
                                  f"{MAX_ROWS:,} spill (choose a later start)")
    return [["time", "funding_rate"],
            *([when.to_pydatetime(), float(rate)]
              for when, rate in zip(rates.index, rates.to_numpy().tolist(), strict=True))]


def _days(count: int) -> Any:
    import pandas as pd

    return pd.Timedelta(days=count)


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("field", doc="Optional: source (default, e.g. demo (simulated)) or as_of (UTC).")
@udf_guard
def DATA_SOURCE(field: Cell = None) -> Any:
    """Where the history functions' data comes from, or its as-of time (last daily close)."""
    data = context.dataset()
    chosen = a.choice("field", field, ("source", "as_of"), "source")
    return data.source if chosen == "source" else data.as_of


@xw.func(category=CATEGORY, volatile=True)
@xw.arg("function", doc="Optional: only this function's errors (e.g. CRYPTO_PRICE).")
@xw.arg("count", doc="Optional: how many, newest first (default 10).")
@udf_guard
def LAST_ERRORS(function: Cell = None, count: Cell = None) -> Any:
    """Why recent cells show an error: time UTC, function, arguments, error, reason; spills."""
    name = None if a.is_missing(function) else a.text("function", function).upper()
    howmany = a.integer("count", count, 10, low=1, high=cell_errors.REASON_LOG_SIZE)
    entries = cell_errors.recent(name, howmany)
    if not entries:
        return "no errors" + (f" from {name}" if name else "") + " since the add-in started"
    return [["time", "function", "arguments", "error", "reason"],
            *([e.at, e.function, e.arguments, e.code, e.reason] for e in entries)]
