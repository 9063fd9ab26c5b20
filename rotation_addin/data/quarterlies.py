"""Quarterly (dated) contracts of a base beside its perpetual, fetched on demand.

For each active quarterly the :class:`~rotation_addin.data.markets.MarketMap` lists for the
base (nearest expiry first): basis and annualised basis against the perpetual's last price,
days to expiry and a roll warning (:func:`rotation_addin.core.quarterly.quarterly_view`), and
the walked round trip on its own book with no funding (a dated contract pays none; its carry
is the basis). Prices and amounts are in base units (``1000``-prefixed contracts divided).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rotation_addin.core import parameters as pdef
from rotation_addin.core.dataset import OrderBook
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.execution import round_trip_cost
from rotation_addin.core.quarterly import QuarterlyView, basis_carry, quarterly_view
from rotation_addin.core.types import Side
from rotation_addin.data.markets import MarketMap, normalise_base
from rotation_addin.data.quotes import point_exchange_at


@dataclass(frozen=True)
class QuarterlyRow:
    """One dated contract: its view against the perpetual and its round trip (no funding).

    ``round_trip_cost`` = taker both sides + walked slippage both sides + ``carry`` (the
    basis given up over the holding period, :func:`rotation_addin.core.quarterly.basis_carry`);
    None when the book is too thin. ``expires_first``: it settles before the holding period
    ends (a position would have to be rolled).
    """

    venue: str
    view: QuarterlyView
    price: float
    perpetual_price: float
    taker_fee: float
    round_trip_cost: float | None
    too_thin: bool
    carry: float = 0.0
    holding_days: float = 0.0
    expires_first: bool = False


def _exchange(venue: str, api_base_url: str | None, timeout_s: float) -> Any:
    import ccxt  # deferred: importing ccxt costs ~0.3 s

    if venue not in ccxt.exchanges:
        raise InputError("venues", f"{venue!r} is not a ccxt exchange id")
    exchange = getattr(ccxt, venue)({"enableRateLimit": True, "timeout": int(timeout_s * 1000)})
    if api_base_url:
        point_exchange_at(exchange, api_base_url)
    return exchange


def quarterly_rows(venue: str, symbol: str, notional_usd: float, *, side: Side | str = "long",
                   quote: str = "USDT", api_base_url: str | None = None,
                   now: datetime | None = None, timeout_s: float = 10.0,
                   holding_days: float = 0.0) -> list[QuarterlyRow]:
    """Every active quarterly of ``symbol`` on ``venue`` (empty when it lists none).

    ``holding_days`` (>= 0) prices the basis carry into the round trip, as the funding is
    priced into a perpetual's.

    Raises
    ------
    DataError
        The venue cannot be reached, or the base has no perpetual to measure the basis on.
    """
    base = normalise_base(symbol)
    exchange = _exchange(venue, api_base_url, timeout_s)
    try:
        exchange.load_markets()
        markets = MarketMap.from_ccxt(exchange.markets.values(), quote)
        perpetual, dated = markets.perpetual(base), markets.quarterlies(base)
        if not dated:
            return []
        if perpetual is None:
            raise DataError(f"{venue}: {base} has quarterlies but no perpetual to measure "
                            "the basis against")
        tickers = {c.symbol: exchange.fetch_ticker(c.symbol) for c in (perpetual, *dated)}
        books = {c.symbol: exchange.fetch_order_book(c.symbol, 100) for c in dated}
    except DataError:
        raise
    except Exception as exc:  # ccxt's own hierarchy: data trouble, one line
        raise DataError(f"{venue}: quarterly contracts unavailable ({type(exc).__name__})"
                        ) from None
    stamp = tickers[perpetual.symbol].get("timestamp")  # the exchange's clock when it sent one
    moment = now or (datetime.fromtimestamp(int(stamp) / 1000, tz=UTC) if stamp
                     else datetime.now(UTC))
    spot_like = perpetual.price(float(tickers[perpetual.symbol]["last"]))
    rows = []
    for contract in dated:
        raw = books[contract.symbol]
        book = contract.book(OrderBook(base, tuple((float(p), float(q)) for p, q, *_ in
                                                   raw["bids"]),
                                       tuple((float(p), float(q)) for p, q, *_ in raw["asks"]),
                                       moment))
        price = contract.price(float(tickers[contract.symbol]["last"]))
        if contract.expiry is None or contract.expiry <= moment:
            continue  # expired but still listed (settling): nothing left to trade
        view = quarterly_view(contract.symbol, contract.expiry, price, spot_like, moment)
        taker = float(exchange.markets[contract.symbol].get("taker") or pdef.TAKER_FEE_RATE.default)
        cost = round_trip_cost(book.bids, book.asks, notional_usd, side, taker_fee_rate=taker,
                               holding_days=0.0, funding_rates=None)
        carry = basis_carry(view.basis, view.days_to_expiry, holding_days,
                            Side.parse(side).sign)
        total = None if cost.total is None else cost.total + carry
        rows.append(QuarterlyRow(venue, view, price, spot_like, taker, total, cost.too_thin,
                                 carry, holding_days, holding_days > view.days_to_expiry))
    return rows


__all__ = ["QuarterlyRow", "quarterly_rows"]
