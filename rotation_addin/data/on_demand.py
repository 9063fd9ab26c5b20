"""Data fetched when a view asks for it, not by every refresh: order books, funding history.

An incremental ``rotation refresh`` fetches only new candles and the mark prices / funding
now (one request each). What only the execution views read -- the order book (weight 2..20
per symbol on Binance) and the funding history (1 per page) -- is fetched here, for the
symbols asked, and stored in the cache like any refresh artifact (one transaction).

* :func:`ticker_from_hourly`: the latest ticker completed from the stored hourly candles
  (last price = close of the last closed hour, 24 h volume = its last 24 hourly quote
  volumes: the figures Binance's 24 h ticker reports).
* :func:`fetch_execution_inputs`: contract rules, a fresh book, funding now and the funding
  history of ``funding_days`` days for one base on one exchange.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from rotation_addin.core.dataset import OrderBook, Ticker
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.types import ContractSpec
from rotation_addin.data.cache import MarketCache, ms_to_datetime
from rotation_addin.data.venue_defaults import TIER_SIZES_IN_CONTRACTS

HOUR_MS = 3_600_000

FUNDING_RECHECK_MS = 8 * HOUR_MS
"""Stored funding history younger than this (8 h, Binance's funding interval) is reused."""

DEFAULT_FUNDING_DAYS = 30
"""Funding history behind "30-day mean" and the expected funding of a holding period."""

DEFAULT_BOOK_DEPTH = 100
"""Levels per side asked for a book (Binance weight 5)."""


def ticker_from_hourly(store: MarketCache, exchange_id: str, base: str,
                       rate: Any) -> Ticker | None:
    """Latest :class:`Ticker` of ``base`` from its stored hourly candles and ``rate``.

    Parameters
    ----------
    store : MarketCache
        Holds the hourly candles (those just written in the same transaction included).
    rate : FundingRate
        Mark price and funding now (``rotation_addin.data.exchange_results.FundingRate``).

    Returns
    -------
    Ticker or None
        None when no hourly candle is stored.
    """
    last = store.last_closed_open_time(exchange_id, base, "1h")
    if last is None:
        return None
    frame = store.read_candles(exchange_id, base, "1h", start_ms=last - 23 * HOUR_MS,
                               end_ms=last)
    if frame.empty:
        return None
    last_price = float(frame["close"].iloc[-1])
    mark = float(rate.mark_price_usd)
    stamp = rate.timestamp or ms_to_datetime(last + HOUR_MS)
    return Ticker(base=base, last_price_usd=last_price,
                  mark_price_usd=mark if math.isfinite(mark) and mark > 0 else last_price,
                  funding_rate=float(rate.funding_rate),
                  volume_24h_usd=float(frame["volume_usd"].sum()), timestamp=stamp)


@dataclass(frozen=True)
class ExecutionInputs:
    """What the execution views need of one base on one exchange (base units).

    Attributes
    ----------
    exchange_id, base : str
    symbol : str
        The contract chosen (``"1000PEPE/USDT:USDT"``).
    spec : ContractSpec
        Contract rules (fees, steps, minimums, max leverage).
    book : OrderBook
        A fresh book.
    funding_now : float or None
        Current funding rate per interval (None when the exchange gave none).
    funding : pd.Series
        Funding rates of the last ``funding_days`` days, indexed by funding time (UTC).
    brackets : tuple of dict
        The exchange's published leverage tiers at this symbol (ccxt unified), or ().
    fetched_at : datetime
        When the book was stamped (UTC): the data's age is measured from it.
    """

    exchange_id: str
    base: str
    symbol: str
    spec: ContractSpec
    book: OrderBook
    funding_now: float | None
    funding: pd.Series
    brackets: tuple[dict[str, Any], ...]
    fetched_at: datetime


def fetch_execution_inputs(
    exchange_id: str, base: str, *, api_base_url: str | None = None,
    cache: MarketCache | Path | str | None = None, funding_days: int = DEFAULT_FUNDING_DAYS,
    depth: int = DEFAULT_BOOK_DEPTH, client_options: Mapping[str, Any] | None = None,
) -> ExecutionInputs:
    """Fetch (and store) the book, funding now and funding history of ``base``.

    Raises
    ------
    InputError
        ``symbol`` when the exchange lists no active perpetual of ``base`` in the quote.
    DataError
        When the exchange cannot be reached or answers malformed data.
    """
    return asyncio.run(fetch_execution_inputs_async(
        exchange_id, base, api_base_url=api_base_url, cache=cache, funding_days=funding_days,
        depth=depth, client_options=client_options))


async def fetch_execution_inputs_async(
    exchange_id: str, base: str, *, api_base_url: str | None = None,
    cache: MarketCache | Path | str | None = None, funding_days: int = DEFAULT_FUNDING_DAYS,
    depth: int = DEFAULT_BOOK_DEPTH, client_options: Mapping[str, Any] | None = None,
) -> ExecutionInputs:
    """Asynchronous :func:`fetch_execution_inputs`."""
    from rotation_addin.data.exchange import ExchangeClient  # deferred: imports ccxt

    async with ExchangeClient(exchange_id, api_base_url=api_base_url,
                              **dict(client_options or {})) as client:
        specs = await client.load_markets()
        inputs = await inputs_from_client(client, specs, base, funding_days=funding_days,
                                          depth=depth)
    _store(cache, exchange_id, base, inputs.book, inputs.funding)
    return inputs


async def inputs_from_client(client: Any, specs: Mapping[str, ContractSpec], base: str, *,
                             funding_days: int = DEFAULT_FUNDING_DAYS,
                             depth: int = DEFAULT_BOOK_DEPTH) -> ExecutionInputs:
    """:class:`ExecutionInputs` of ``base`` with an open client whose markets are loaded."""
    if isinstance(funding_days, bool) or not isinstance(funding_days, int) or funding_days < 1:
        raise InputError("funding_days", f"must be a whole number >= 1 (got {funding_days!r})")
    if base not in specs:
        status = client.market_map.status(base) if client.market_map else "not listed"
        raise InputError("symbol", f"{base} is {status} as a {client.quote} perpetual on "
                                   f"{client.exchange_id}")
    book, now, tiers = await asyncio.gather(client.fetch_order_book(base, depth),
                                            client.fetch_funding_rates([base]),
                                            client.fetch_leverage_tiers([base]))
    since = book.timestamp - timedelta(days=funding_days)
    history = await client.fetch_funding_history(base, since)
    rate = now.get(base)
    published = tuple(tiers.tiers.get(base, ())) if tiers.available else ()
    if published and client.exchange_id in TIER_SIZES_IN_CONTRACTS:
        published = tiers_in_usd(published, client._amount_factor(base), book)
    return ExecutionInputs(client.exchange_id, base, specs[base].symbol, specs[base], book,
                           None if rate is None else rate.funding_rate, history.rates,
                           published, book.timestamp.astimezone(UTC))


def tiers_in_usd(tiers: tuple[dict[str, Any], ...], base_per_contract: float,
                 book: OrderBook) -> tuple[dict[str, Any], ...]:
    """Tiers whose sizes count contracts (OKX) as USD notionals at the book's mid price.

    ``minNotional`` and ``maxNotional`` × ``base_per_contract`` (base units per contract) ×
    the mid ``(best bid + best ask) / 2`` (USD per base unit); other keys unchanged. A book
    without both sides leaves no tiers (the bundled brackets apply).
    """
    if not book.bids or not book.asks:
        return ()
    usd = base_per_contract * (book.bids[0][0] + book.asks[0][0]) / 2.0
    return tuple({**t, "minNotional": float(t["minNotional"]) * usd,
                  "maxNotional": float(t["maxNotional"]) * usd} for t in tiers)


def _store(cache: MarketCache | Path | str | None, exchange_id: str, base: str,
           book: OrderBook, funding: pd.Series) -> None:
    """Write the book and the funding history in one transaction (no cache: nothing)."""
    if cache is None:
        return
    store = cache if isinstance(cache, MarketCache) else MarketCache(Path(cache))
    try:
        with store.transaction():
            store.write_order_book(exchange_id, book, exchange_id)
            if len(funding):
                store.write_funding(exchange_id, base, funding, exchange_id)
    except (OSError, ValueError) as exc:
        raise DataError(f"{exchange_id} {base}: cannot store the book: {exc}") from exc
    finally:
        if store is not cache:
            store.close()


__all__ = [
    "DEFAULT_BOOK_DEPTH",
    "DEFAULT_FUNDING_DAYS",
    "FUNDING_RECHECK_MS",
    "ExecutionInputs",
    "fetch_execution_inputs",
    "fetch_execution_inputs_async",
    "inputs_from_client",
    "ticker_from_hourly",
    "tiers_in_usd",
]
