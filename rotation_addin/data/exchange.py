"""Asynchronous exchange client on ``ccxt.async_support`` (public market data only).

One :class:`ExchangeClient` serves a whole refresh: it shares one weight budget
(:class:`~rotation_addin.data.weights.WeightBudget`) and one concurrency limit across every
request, schedules each request *before* sending it (its weight is known from the endpoint
and ``limit``), resyncs with the exchange's ``X-MBX-USED-WEIGHT-1M`` header, retries 429 /
5xx / timeouts / malformed JSON with exponential backoff and jitter (honouring
``Retry-After``) and stops everything at once on a 418 ban. Nothing here sends orders or
needs an API key.

Candles are returned only once closed (open time + timeframe <= the exchange clock, read
from each response's ``Date`` header), sorted, de-duplicated, with gaps reported as
``(start, end)`` ranges -- never filled in.

Example
-------
>>> async with ExchangeClient() as client:                      # doctest: +SKIP
...     specs = await client.load_markets()
...     result = await client.fetch_ohlcv("BTC", "1h", since=datetime(2025, 1, 1, tzinfo=UTC))
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import ccxt.async_support as ccxt_async
import pandas as pd

from rotation_addin.core.dataset import OrderBook, Ticker
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.data.exchange_candles import CandleFetching
from rotation_addin.data.exchange_parsing import (
    _check_book,
    _check_dict,
    _check_list,
)
from rotation_addin.data.exchange_results import (  # re-exported: callers import them from here
    BatchResult,
    ExchangeBannedError,
    FetchCancelledError,
    FundingHistory,
    FundingRate,
    LeverageTiersResult,
    ProgressEvent,
)
from rotation_addin.data.exchange_transport import (
    BULK_TICKER_MIN_SYMBOLS,
    FUNDING_PAGE_LIMIT,
    FUNDING_PAGE_LIMITS,
    PUBLIC_TIER_EXCHANGES,
    _ms_to_dt,
    _to_ms,
)
from rotation_addin.data.weights import (
    DEPTH_LIMITS,
    PREMIUM_INDEX_ALL_WEIGHT,
    TICKER_24HR_ALL_WEIGHT,
    depth_weight,
)

__all__ = ["BatchResult", "ExchangeBannedError", "ExchangeClient", "FetchCancelledError",
           "ProgressEvent"]


class ExchangeClient(CandleFetching):
    """Rate-limit-aware public market-data client (async context manager).

    Parameters
    ----------
    exchange_id : str
        Any ccxt id; ``"binanceusdm"`` (default) uses Binance's weight table and raw klines
        (with quote volume); other exchanges use ccxt's unified methods, weight 1 per
        request and ccxt's own pacing.
    api_base_url : str or None
        Replace the scheme and host of every URL in ``exchange.urls['api']`` (loopback
        emulator: ``"http://127.0.0.1:PORT"``).
    weight_budget_per_minute : int
        Request weight allowed per minute (Binance USDⓈ-M: 2,400 per IP).
    max_concurrency : int
        Requests in flight at most.
    timeout_s : float
        Per-request timeout in seconds.
    max_retries : int
        Retries of one request after 5xx / timeout / malformed JSON (429s are waited out
        separately, up to 20 times).
    progress : callable or None
        Receives a :class:`ProgressEvent` as symbols start and finish.
    cancel : threading.Event, callable returning bool, or None
        When set, every pending call stops within about 0.1 s and raises
        :class:`FetchCancelledError`.
    weight_window_s : float
        Length of the exchange's rate-limit window in seconds (60; tests shrink it).
    backoff_base_s, backoff_cap_s : float
        Retry delay ``min(cap, base * 2**attempt)``, times a random jitter in [0.5, 1].
    quote : str
        Quote/settle currency of the perpetuals (``"USDT"``).
    weight_margin_s : float or None
        Seconds a request stays booked beyond the window, covering the delay until the
        exchange counts it (default: 2 % of the window, 0.25..1 s).
    binance_weights : bool or None
        Schedule by Binance USDⓈ-M weights with raw klines (default: for ``binanceusdm``);
        False uses ccxt's unified calls at weight 1 each, paced by ccxt's own throttler
        unless the venue limits each endpoint (OKX: one budget per endpoint instead,
        ``exchange_transport.ENDPOINT_LIMITS``).
    endpoint_window_s : float or None
        Window of those per-endpoint budgets in seconds (OKX: 2; benches shrink it).
    derive_daily : bool or None
        Aggregate daily candles from complete hourly ones in :meth:`fetch_candles` (default:
        on for Binance, whose daily klines are UTC days).
    """


    # ------------------------------------------------------------------ tickers & funding
    async def fetch_tickers(self, bases: Sequence[str]) -> dict[str, Ticker]:
        """Last price, mark price, current funding and 24 h quote volume by base.

        Fewer than 20 bases: one ticker + one premium-index request each (weight 2 per base);
        more: the two all-symbol requests (weight 40 + 10).
        """
        return await self._cancellable(self._fetch_tickers(list(bases)))

    async def _bulk_or_each(
        self,
        symbols: dict[str, str],
        *,
        bulk: bool,
        bulk_weight: int,
        fetch_all: Callable[[list[str]], Awaitable[Any]],
        fetch_one: Callable[[str], Awaitable[Any]],
        label: str,
    ) -> dict[str, Any]:
        """Raw ccxt answers by base: one bulk request, or one (weight 1) per symbol.

        The bulk call costs ``bulk_weight`` on Binance (1 elsewhere); below
        ``BULK_TICKER_MIN_SYMBOLS`` symbols the per-symbol calls are cheaper.
        """
        raw: dict[str, Any] = {}
        if bulk:
            weight = bulk_weight if self.uses_binance_weights else 1

            async def call_all() -> Any:
                return await fetch_all(list(symbols.values()))

            everything, _ = await self._request(
                weight, call_all, label=f"{label}s", validate=_check_dict
            )
            return {b: everything.get(s) for b, s in symbols.items()}
        for base, symbol in symbols.items():

            async def call_one(symbol: str = symbol) -> Any:
                return await fetch_one(symbol)

            raw[base], _ = await self._request(
                1, call_one, label=f"{base} {label}", validate=_check_dict
            )
        return raw

    async def _fetch_tickers(self, bases: list[str]) -> dict[str, Ticker]:
        exchange = self._require_open()
        symbols = {base: await self._symbol(base) for base in bases}
        funding = await self._fetch_funding_rates(bases)
        raw = await self._bulk_or_each(
            symbols, bulk=len(bases) >= BULK_TICKER_MIN_SYMBOLS or not self.uses_binance_weights,
            bulk_weight=TICKER_24HR_ALL_WEIGHT, fetch_all=exchange.fetch_tickers,
            fetch_one=exchange.fetch_ticker, label="ticker")
        tickers: dict[str, Ticker] = {}
        for base, ticker in raw.items():
            if not ticker or ticker.get("last") is None:
                continue
            rate = funding.get(base)
            stamp = ticker.get("timestamp")
            last = float(ticker["last"]) / self._multiplier(base)
            tickers[base] = Ticker(
                base=base,
                last_price_usd=last,
                mark_price_usd=float(rate.mark_price_usd if rate else last),
                funding_rate=float(rate.funding_rate if rate else 0.0),
                volume_24h_usd=float(ticker.get("quoteVolume") or 0.0),
                timestamp=_ms_to_dt(int(stamp)) if stamp else _ms_to_dt(self._server_now_ms()),
            )
        return tickers

    async def fetch_funding_rates(self, bases: Sequence[str]) -> dict[str, FundingRate]:
        """Current funding rate and mark price by base (Binance ``premiumIndex``)."""
        return await self._cancellable(self._fetch_funding_rates(list(bases)))

    async def _fetch_funding_rates(self, bases: list[str]) -> dict[str, FundingRate]:
        exchange = self._require_open()
        symbols = {base: await self._symbol(base) for base in bases}
        if not exchange.has.get("fetchFundingRates") and not exchange.has.get("fetchFundingRate"):
            return {}
        bulk = len(bases) >= BULK_TICKER_MIN_SYMBOLS or not self.uses_binance_weights
        raw = await self._bulk_or_each(
            symbols, bulk=bulk and bool(exchange.has.get("fetchFundingRates")),
            bulk_weight=PREMIUM_INDEX_ALL_WEIGHT, fetch_all=exchange.fetch_funding_rates,
            fetch_one=exchange.fetch_funding_rate, label="funding")
        out: dict[str, FundingRate] = {}
        for base, item in raw.items():
            if not item or item.get("fundingRate") is None:
                continue
            next_time = item.get("fundingTimestamp") or item.get("nextFundingTimestamp")
            stamp = item.get("timestamp")
            out[base] = FundingRate(
                base=base,
                funding_rate=float(item["fundingRate"]),
                mark_price_usd=float(item.get("markPrice") or "nan") / self._multiplier(base),
                next_funding_time=_ms_to_dt(int(next_time)) if next_time else None,
                timestamp=_ms_to_dt(int(stamp)) if stamp else None,
            )
        return out

    async def fetch_funding_history(
        self, base: str, since: datetime | int, until: datetime | int | None = None
    ) -> FundingHistory:
        """Funding history of ``base`` with funding time in ``[since, until)``.

        ``since``/``until`` are aware UTC datetimes or Unix milliseconds. Pages of 1,000
        (weight 1 each) until the exchange has nothing newer.
        """
        return await self._cancellable(self._fetch_funding_history(base, since, until))

    async def _fetch_funding_history(
        self, base: str, since: datetime | int, until: datetime | int | None
    ) -> FundingHistory:
        exchange = self._require_open()
        symbol = await self._symbol(base)
        cursor = _to_ms(since, "since")
        end = _to_ms(until, "until") if until is not None else None
        records: dict[int, tuple[float, float]] = {}
        page_limit = FUNDING_PAGE_LIMITS.get(self.exchange_id, FUNDING_PAGE_LIMIT)
        while end is None or cursor < end:

            async def call(start: int = cursor) -> Any:
                return await exchange.fetch_funding_rate_history(
                    symbol, since=start, limit=page_limit
                )

            page, _ = await self._request(
                1, call, label=f"{base} funding history", validate=_check_list
            )
            fresh = [
                p for p in page if p.get("timestamp") is not None and int(p["timestamp"]) >= cursor
            ]
            for item in fresh:
                stamp = int(item["timestamp"])
                if end is not None and stamp >= end:
                    continue
                mark = (item.get("info") or {}).get("markPrice")
                records[stamp] = (float(item["fundingRate"]),
                                  float(mark) / self._multiplier(base) if mark else math.nan)
            if len(page) < page_limit or not fresh:
                break
            cursor = max(int(p["timestamp"]) for p in fresh) + 1
        times = sorted(records)
        index = pd.DatetimeIndex(pd.to_datetime(times, unit="ms", utc=True), name="time")
        frame = pd.DataFrame(
            {
                "funding_rate": [records[t][0] for t in times],
                "mark_price": [records[t][1] for t in times],
            },
            index=index,
        )
        return FundingHistory(base=base, frame=frame)

    async def fetch_order_book(self, base: str, limit: int = 20) -> OrderBook:
        """Top ``limit`` levels of the book (Binance limits 5/10/20/50/100/500/1000)."""
        if self.uses_binance_weights and limit not in DEPTH_LIMITS:
            raise InputError("limit", f"must be one of {DEPTH_LIMITS} (got {limit!r})")
        return await self._cancellable(self._fetch_order_book(base, limit))

    async def _fetch_order_book(self, base: str, limit: int) -> OrderBook:
        exchange = self._require_open()
        symbol = await self._symbol(base)
        weight = depth_weight(limit) if self.uses_binance_weights else 1

        async def call() -> Any:
            return await exchange.fetch_order_book(symbol, limit)

        book, _ = await self._request(
            weight, call, label=f"{base} order book", validate=_check_book
        )
        stamp = book.get("timestamp")
        units, amounts = self._multiplier(base), self._amount_factor(base)  # -> base units
        return OrderBook(
            base=base,
            bids=tuple((float(p) / units, float(q) * amounts) for p, q, *_ in book["bids"][:limit]),
            asks=tuple((float(p) / units, float(q) * amounts) for p, q, *_ in book["asks"][:limit]),
            timestamp=_ms_to_dt(int(stamp)) if stamp else _ms_to_dt(self._server_now_ms()),
        )

    async def fetch_leverage_tiers(self, bases: Sequence[str]) -> LeverageTiersResult:
        """Leverage tiers where the exchange publishes them without a key.

        Binance's ``leverageBracket`` is a signed endpoint: without an API key this returns
        ``available=False`` and says so (use the bundled bracket defaults instead). OKX
        publishes its position tiers per instrument family (one request per base); their
        sizes count contracts (see :data:`TIER_SIZES_IN_CONTRACTS`).
        """
        exchange = self._require_open()
        per_market = (not exchange.has.get("fetchLeverageTiers")
                      and bool(exchange.has.get("fetchMarketLeverageTiers"))
                      and self.exchange_id in PUBLIC_TIER_EXCHANGES)
        if not exchange.has.get("fetchLeverageTiers") and not per_market:
            return LeverageTiersResult(
                False, {}, f"{self.exchange_id} does not publish leverage tiers"
            )
        symbols = {base: await self._symbol(base) for base in bases}
        try:
            if self.exchange_id not in PUBLIC_TIER_EXCHANGES:
                exchange.check_required_credentials()
        except ccxt_async.AuthenticationError:
            return LeverageTiersResult(
                False,
                {},
                f"{self.exchange_id} leverage tiers need an API key (signed endpoint); "
                "bundled bracket defaults apply",
            )

        async def call() -> Any:
            return await exchange.fetch_leverage_tiers(list(symbols.values()))

        async def one(symbol: str) -> Any:
            async def call_one() -> Any:
                return {symbol: await exchange.fetch_market_leverage_tiers(symbol)}
            found, _ = await self._request(1, call_one, label=f"{symbol} leverage tiers",
                                           validate=_check_dict)
            return found

        try:
            if per_market:
                tiers = {k: v for part in await asyncio.gather(
                    *(one(s) for s in symbols.values())) for k, v in part.items()}
            else:
                tiers, _ = await self._request(1, call, label="leverage tiers",
                                               validate=_check_dict)
        except DataError as exc:
            return LeverageTiersResult(False, {}, str(exc))
        by_base = {b: tuple(tiers.get(s) or ()) for b, s in symbols.items()}
        return LeverageTiersResult(True, by_base, "")


