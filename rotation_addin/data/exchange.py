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
import contextlib
import contextvars
import itertools
import json
import math
import random
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import ccxt.async_support as ccxt_async
import numpy as np
import pandas as pd

from rotation_addin.core.dataset import OrderBook, Ticker
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.types import ContractSpec
from rotation_addin.core.validation import positive, positive_int
from rotation_addin.data.candles import (
    CANDLE_COLUMNS,
    TIMEFRAME_MS,
    aggregate_days,
    empty_candles,
)
from rotation_addin.data.exchange_results import (
    BatchResult,
    ExchangeBannedError,
    FetchCancelledError,
    FundingHistory,
    FundingRate,
    LeverageTiersResult,
    OhlcvResult,
    ProgressEvent,
    RetryableError,
    SymbolFetchError,
)
from rotation_addin.data.markets import Contract, MarketMap
from rotation_addin.data.weights import (
    BINANCE_WEIGHT_EXCHANGES,
    DEPTH_LIMITS,
    PREMIUM_INDEX_ALL_WEIGHT,
    TICKER_24HR_ALL_WEIGHT,
    WeightBudget,
    depth_weight,
    klines_weight,
    plan_pages,
    plan_weight,
)

T = TypeVar("T")
FUNDING_PAGE_LIMIT = 1000
FUNDING_PAGE_LIMITS = {"bybit": 200, "okx": 100}
"""Largest funding-history page where it is not Binance's 1,000 (Bybit v5 200, OKX v5 100)."""
BULK_TICKER_MIN_SYMBOLS = 20  # below this, per-symbol tickers (2 weight each) beat bulk (50)
RATE_LIMIT_RETRIES = 20  # 429s do not count against max_retries (we wait as told)
PUBLIC_TIER_EXCHANGES = frozenset({"bybit", "okx"})
"""Exchanges whose risk-limit (leverage) tiers are public: used as maintenance brackets."""


# ---------------------------------------------------------------------------- response hook
@dataclass
class _ResponseRecord:
    status: int | None = None
    used_weight: int | None = None
    retry_after_s: float | None = None
    server_time_ms: int | None = None
    malformed: bool = False


_CURRENT_RECORD: contextvars.ContextVar[_ResponseRecord | None] = contextvars.ContextVar(
    "rotation_exchange_record", default=None
)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def _on_rest_response(
    self: Any,
    code: Any,
    reason: Any,
    url: Any,
    method: Any,
    response_headers: Any,
    response_body: Any,
    request_headers: Any,
    request_body: Any,
) -> Any:
    """ccxt hook (called once per HTTP response): record status and rate-limit headers."""
    record = _CURRENT_RECORD.get()
    if record is not None:
        headers = response_headers or {}
        record.status = int(code) if code is not None else None
        used = _header(headers, "X-MBX-USED-WEIGHT-1M")
        if used is not None and used.strip().isdigit():
            record.used_weight = int(used)
        retry_after = _header(headers, "Retry-After")
        if retry_after is not None:
            try:
                record.retry_after_s = float(retry_after)
            except ValueError:
                record.retry_after_s = None
        date = _header(headers, "Date")
        if date:
            try:
                record.server_time_ms = int(parsedate_to_datetime(date).timestamp() * 1000)
            except (TypeError, ValueError):
                record.server_time_ms = None
        body = (response_body or "").strip()
        if record.status == 200 and body[:1] in ("[", "{"):
            try:
                json.loads(body)
            except ValueError:
                record.malformed = True
    ccxt_class: Any = type(self).__mro__[1]  # the ccxt class's own hook
    return ccxt_class.on_rest_response(
        self,
        code,
        reason,
        url,
        method,
        response_headers,
        response_body,
        request_headers,
        request_body,
    )


def _ms_to_dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _to_ms(moment: datetime | int, field_name: str) -> int:
    """Aware datetime or Unix milliseconds -> Unix milliseconds."""
    if isinstance(moment, int) and not isinstance(moment, bool):
        if moment < 0:
            raise InputError(field_name, f"must be Unix milliseconds >= 0 (got {moment})")
        return moment
    return _dt_to_ms(moment, field_name)  # type: ignore[arg-type]


def _dt_to_ms(moment: datetime, field_name: str) -> int:
    if not isinstance(moment, datetime):
        raise InputError(field_name, f"must be a datetime (got {moment!r})")
    if moment.tzinfo is None:
        raise InputError(field_name, f"must be timezone-aware UTC (got naive {moment.isoformat()})")
    return int(moment.timestamp() * 1000)


# ---------------------------------------------------------------------------- the client
class ExchangeClient:
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
        False uses ccxt's unified calls at weight 1 each, paced by ccxt's own throttler.
    ccxt_throttle : bool or None
        Keep ccxt's own pacing (default: off for Binance weights, on elsewhere); off, the
        budget (weight 1 per request) paces alone -- for venues whose request limit is known
        (:data:`rotation_addin.data.venues.VENUE_BUDGETS`).
    derive_daily : bool or None
        Aggregate daily candles from complete hourly ones in :meth:`fetch_candles` (default:
        on for Binance, whose daily klines are UTC days).
    """

    def __init__(
        self,
        exchange_id: str = "binanceusdm",
        *,
        api_base_url: str | None = None,
        weight_budget_per_minute: int = 2400,
        max_concurrency: int = 8,
        timeout_s: float = 10.0,
        max_retries: int = 5,
        progress: Callable[[ProgressEvent], None] | None = None,
        cancel: threading.Event | Callable[[], bool] | None = None,
        weight_window_s: float = 60.0,
        backoff_base_s: float = 0.5,
        backoff_cap_s: float = 30.0,
        quote: str = "USDT",
        derive_daily: bool | None = None,
        weight_margin_s: float | None = None,
        binance_weights: bool | None = None,
        ccxt_throttle: bool | None = None,
    ) -> None:
        if not isinstance(exchange_id, str) or exchange_id not in ccxt_async.exchanges:
            raise InputError(
                "exchange_id",
                f"must be a ccxt exchange id such as 'binanceusdm' (got {exchange_id!r})",
            )
        if api_base_url is not None:
            parts = urlsplit(api_base_url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise InputError("api_base_url", f"must be an http(s) URL (got {api_base_url!r})")
        self.exchange_id = exchange_id
        self.api_base_url = api_base_url.rstrip("/") if api_base_url else None
        self.budget = WeightBudget(
            weight_budget_per_minute, window_s=weight_window_s, margin_s=weight_margin_s
        )
        self.max_concurrency = positive_int("max_concurrency", max_concurrency)
        self.timeout_s = positive("timeout_s", timeout_s)
        self.max_retries = positive_int("max_retries", max_retries, minimum=0)
        self.backoff_base_s = positive("backoff_base_s", backoff_base_s)
        self.backoff_cap_s = positive("backoff_cap_s", backoff_cap_s)
        self.progress = progress
        self.cancel = cancel
        self.quote = quote
        known = exchange_id in BINANCE_WEIGHT_EXCHANGES
        self.uses_binance_weights = known if binance_weights is None else bool(binance_weights)
        self.derive_daily = self.uses_binance_weights if derive_daily is None else derive_daily
        self.ccxt_throttle = (not self.uses_binance_weights if ccxt_throttle is None
                              else bool(ccxt_throttle))
        self.requests_sent = 0
        self.retries = 0
        self.rate_limited = 0
        self.server_used_weight: int | None = None
        self._exchange: Any = None
        self._semaphore: asyncio.Semaphore | None = None
        self._banned: ExchangeBannedError | None = None
        self._symbols: dict[str, str] = {}
        self._specs: dict[str, ContractSpec] = {}
        self._clock_offset_ms: float | None = None
        self.market_map: MarketMap | None = None
        self._contracts: dict[str, Contract] = {}

    # ------------------------------------------------------------------ lifecycle
    async def __aenter__(self) -> ExchangeClient:
        base_class = getattr(ccxt_async, self.exchange_id)
        hooked = type(
            f"{self.exchange_id}_rotation", (base_class,), {"on_rest_response": _on_rest_response}
        )
        config: dict[str, Any] = {"timeout": int(self.timeout_s * 1000)}
        # Binance: our budget schedules every request by its real weight, so ccxt's own
        # throttler (which paces at 20 weight/s, half of 2,400/min) is switched off.
        # Elsewhere the weights are unknown: keep ccxt's pacing as the exchange intends.
        config["enableRateLimit"] = self.ccxt_throttle
        self._exchange = hooked(config)
        if self.api_base_url is not None:
            self._exchange.urls["api"] = self._rebase(self._exchange.urls.get("api"))
        self._semaphore = asyncio.Semaphore(self.max_concurrency)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._exchange is not None:
            await self._exchange.close()
            self._exchange = None

    def _rebase(self, urls: Any) -> Any:
        if isinstance(urls, dict):
            return {k: self._rebase(v) for k, v in urls.items()}
        if isinstance(urls, str) and "://" in urls:
            parts = urlsplit(urls)
            return urls.replace(f"{parts.scheme}://{parts.netloc}", str(self.api_base_url), 1)
        return urls

    @property
    def weight_used(self) -> int:
        """Weight this client has sent (retries included)."""
        return self.budget.weight_sent

    @property
    def requests(self) -> int:
        """Requests sent (alias of ``requests_sent``)."""
        return self.requests_sent

    @property
    def rate_limited_429(self) -> int:
        """429 answers received (each waited out, then retried)."""
        return self.rate_limited

    # ------------------------------------------------------------------ request core
    def _require_open(self) -> Any:
        if self._exchange is None or self._semaphore is None:
            raise DataError(
                "ExchangeClient is not open: use 'async with ExchangeClient(...) as client'"
            )
        return self._exchange

    def _backoff(self, attempt: int) -> float:
        delay = min(self.backoff_cap_s, self.backoff_base_s * (2.0**attempt))
        return delay * random.uniform(0.5, 1.0)

    def _cancel_requested(self) -> bool:
        if self.cancel is None:
            return False
        if isinstance(self.cancel, threading.Event):
            return self.cancel.is_set()
        return bool(self.cancel())

    def _check_stop(self) -> None:
        if self._banned is not None:
            raise self._banned
        if self._cancel_requested():
            raise FetchCancelledError("refresh cancelled by the user")

    async def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while True:
            self._check_stop()
            left = end - time.monotonic()
            if left <= 0:
                return
            await asyncio.sleep(min(left, 0.1))

    async def _request(
        self,
        weight: int,
        call: Callable[[], Awaitable[T]],
        *,
        label: str,
        validate: Callable[[T], None] | None = None,
    ) -> tuple[T, _ResponseRecord]:
        """Send one request through the budget with retries; return (result, record)."""
        self._require_open()
        assert self._semaphore is not None
        failures = 0
        limited = 0
        while True:
            self._check_stop()
            record = _ResponseRecord()
            async with self._semaphore:
                await self._acquire(weight)
                token = _CURRENT_RECORD.set(record)
                self.requests_sent += 1
                try:
                    result = await call()
                    if record.malformed:
                        raise RetryableError(f"{label}: malformed JSON from the exchange")
                    if validate is not None:
                        validate(result)
                    return result, record
                except RetryableError as exc:
                    problem: RetryableError = exc
                except Exception as exc:  # classify ccxt / network errors
                    problem = self._classify(exc, record, label)
                finally:
                    _CURRENT_RECORD.reset(token)
                    if record.used_weight is not None:
                        self.server_used_weight = record.used_weight
                        self.budget.observe_used(record.used_weight)
            # outside the semaphore: wait before retrying
            if record.status == 429:
                limited += 1
                self.rate_limited += 1
                wait = (
                    record.retry_after_s
                    if record.retry_after_s is not None
                    else self._backoff(limited)
                )
                self.budget.pause(wait)
                if limited > RATE_LIMIT_RETRIES:
                    raise DataError(f"{label}: still rate-limited after {limited} waits")
                continue
            failures += 1
            self.retries += 1
            if failures > self.max_retries:
                raise DataError(f"{label}: failed after {failures} attempts: {problem}")
            wait = max(self._backoff(failures - 1), problem.retry_after_s or 0.0)
            await self._sleep(wait)

    async def _acquire(self, weight: int) -> None:
        while True:
            self._check_stop()
            if self.budget.wait_time(weight) <= 0.0:
                await self.budget.acquire(weight)
                return
            await asyncio.sleep(min(self.budget.wait_time(weight), 0.1))

    def _classify(self, exc: Exception, record: _ResponseRecord, label: str) -> RetryableError:
        """Turn an exception into a retryable problem, or raise a final error."""
        if isinstance(exc, DataError):
            raise exc
        if record.status == 418:
            self._banned = ExchangeBannedError(
                f"{self.exchange_id} banned this IP (HTTP 418) for {record.retry_after_s or '?'} s "
                f"after too many requests; every request stopped (while fetching {label})"
            )
            raise self._banned
        if record.status == 429:
            return RetryableError(f"{label}: rate-limited (429)", record.retry_after_s)
        if isinstance(exc, ccxt_async.AuthenticationError):
            raise DataError(f"{label}: needs an API key ({exc})")
        if record.status is not None and record.status >= 500:
            return RetryableError(f"{label}: HTTP {record.status}", record.retry_after_s)
        if isinstance(
            exc, ccxt_async.NetworkError | ValueError | TypeError | KeyError | IndexError
        ):
            return RetryableError(f"{label}: {type(exc).__name__}: {exc}")
        if isinstance(exc, ccxt_async.BadSymbol):
            raise DataError(f"{label}: symbol not listed ({exc})")
        raise DataError(f"{label}: {type(exc).__name__}: {exc}")

    async def _cancellable(self, coro: Awaitable[T]) -> T:
        """Run ``coro``; cancel it within ~0.1 s when ``self.cancel`` is set."""
        task: asyncio.Future[T] = asyncio.ensure_future(coro)
        if self.cancel is None:
            return await task
        while not task.done():
            if self._cancel_requested():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, FetchCancelledError):
                    await task
                raise FetchCancelledError("refresh cancelled by the user")
            await asyncio.wait({task}, timeout=0.05)
        return task.result()

    def _emit(
        self, done: int, total: int, symbol: str | None, stage: str, failures: int = 0
    ) -> None:
        if self.progress is not None:
            self.progress(ProgressEvent(done, total, self.weight_used, symbol, stage, failures))

    # ------------------------------------------------------------------ markets
    async def load_markets(self) -> dict[str, ContractSpec]:
        """Contract rules of every linear perpetual quoted in ``quote``, by base.

        The perpetual of each base is chosen by :class:`~rotation_addin.data.markets.MarketMap`
        (quote, contract type, aliases, ``1000``-prefixed multiples); rules, prices and
        amounts this client returns are in units of the universe base.

        Precision (tick, step), limits (min amount, min notional), contract size and fees
        come from ccxt's parse of the exchange's market list; ``max_leverage`` from the
        exchange's ``requiredMarginPercent`` (Binance: 100 / initial margin %) when sent.
        """
        return await self._cancellable(self._load_markets())

    async def _load_markets(self) -> dict[str, ContractSpec]:
        exchange = self._require_open()
        started = time.time() * 1000

        async def call() -> Any:
            return await exchange.load_markets(reload=True)

        markets, record = await self._request(1, call, label="markets")
        if record.server_time_ms is not None:
            self._clock_offset_ms = record.server_time_ms - started
        specs: dict[str, ContractSpec] = {}
        symbols: dict[str, str] = {}
        self.market_map = MarketMap.from_ccxt(markets.values(), self.quote)
        contracts = self.market_map.perpetuals()
        for base, contract in contracts.items():
            try:
                specs[base] = contract.spec(self._spec_from_market(markets[contract.symbol]))
            except (TypeError, ValueError):
                continue
            symbols[base] = contract.symbol
        self._contracts = {b: contracts[b] for b in specs}
        if not specs:
            raise DataError(
                f"{self.exchange_id}: no active linear perpetuals quoted in {self.quote}"
            )
        self._specs, self._symbols = specs, symbols
        return dict(specs)

    @staticmethod
    def _spec_from_market(market: Mapping[str, Any]) -> ContractSpec:
        precision = market.get("precision") or {}
        limits = market.get("limits") or {}
        info = market.get("info") or {}
        step = float(precision.get("amount") or 0.001)
        tick = float(precision.get("price") or 0.0001)
        min_amount = float((limits.get("amount") or {}).get("min") or step)
        min_notional = float((limits.get("cost") or {}).get("min") or 5.0)
        leverage_max = (limits.get("leverage") or {}).get("max")
        required = info.get("requiredMarginPercent") if isinstance(info, dict) else None
        if leverage_max is None and required not in (None, "", "0"):
            leverage_max = 100.0 / float(required)
        values = [step, tick, min_amount, min_notional]
        if not all(math.isfinite(v) and v > 0 for v in values):
            raise ValueError("non-positive precision")
        return ContractSpec(
            symbol=str(market["symbol"]),
            base=str(market["base"]),
            amount_step=step,
            min_amount=min_amount,
            min_notional_usd=min_notional,
            price_tick=tick,
            contract_size=float(market.get("contractSize") or 1.0),
            taker_fee_rate=float(market.get("taker") or 0.0005),
            maker_fee_rate=float(market.get("maker") or 0.0002),
            max_leverage=float(leverage_max) if leverage_max else 20.0,
        )

    def contract(self, base: str) -> Contract | None:
        """The perpetual chosen for ``base`` (after :meth:`load_markets`), or None."""
        return self._contracts.get(base)

    def _multiplier(self, base: str) -> float:
        """Contract price / base price (1000 for ``1000PEPE``)."""
        contract = self._contracts.get(base)
        return contract.multiplier if contract is not None else 1.0

    def _amount_factor(self, base: str) -> float:
        """Base units per exchange amount unit (multiple × ccxt ``contractSize``)."""
        contract = self._contracts.get(base)
        return contract.amount_factor if contract is not None else 1.0

    def missing_bases(self, bases: Iterable[str]) -> tuple[str, ...]:
        """Bases the exchange does not list (after :meth:`load_markets`)."""
        return tuple(b for b in bases if b not in self._symbols)

    async def _symbol(self, base: str) -> str:
        if not self._symbols:
            await self._load_markets()
        symbol = self._symbols.get(base)
        if symbol is None:
            raise SymbolFetchError(
                base, f"not listed as a {self.quote} perpetual on {self.exchange_id}"
            )
        return symbol

    def _server_now_ms(self) -> int:
        offset = self._clock_offset_ms or 0.0
        return int(time.time() * 1000 + offset)

    # ------------------------------------------------------------------ candles
    async def fetch_ohlcv(
        self,
        base: str,
        timeframe: str,
        since: datetime | int,
        until: datetime | int | None = None,
    ) -> OhlcvResult:
        """Closed candles of ``base`` with open time in ``[since, until)``.

        Pages are planned for the least request weight (:func:`weights.plan_pages`: pages of
        499 candles, the last one sized to what is left). If nothing can have closed since
        ``since``, no request is sent.

        Parameters
        ----------
        base : str
            Base asset (``"RENDER"``).
        timeframe : str
            ``"1d"`` or ``"1h"`` (also 1m/5m/15m/4h/8h).
        since : datetime or int
            First open time wanted (aware UTC datetime or Unix ms). For an incremental
            refresh pass the last stored open time + one candle.
        until : datetime, int or None
            Exclusive end of open times (datetime or Unix ms); default: the last closed one.
        """
        return await self._cancellable(self._fetch_ohlcv(base, timeframe, since, until))

    def _window(
        self, timeframe: str, since: datetime | int, until: datetime | int | None
    ) -> tuple[int, int, int]:
        """Validate; return (step ms, first open wanted, last open that may be closed)."""
        if timeframe not in TIMEFRAME_MS:
            raise InputError(
                "timeframe", f"must be one of {sorted(TIMEFRAME_MS)} (got {timeframe!r})"
            )
        step = TIMEFRAME_MS[timeframe]
        since_ms = _to_ms(since, "since")
        until_ms = _to_ms(until, "until") if until is not None else None
        if until_ms is not None and until_ms <= since_ms:
            raise InputError("until", f"must be after since {since!r} (got {until!r})")
        first_open = -(-since_ms // step) * step
        last_open = (self._server_now_ms() // step) * step - step
        if until_ms is not None:
            last_open = min(last_open, ((until_ms - 1) // step) * step)
        return step, first_open, last_open

    async def _fetch_ohlcv(
        self, base: str, timeframe: str, since: datetime | int, until: datetime | int | None
    ) -> OhlcvResult:
        await self._symbol(base)  # loads markets first: they set the exchange clock offset
        _, first_open, last_open = self._window(timeframe, since, until)
        stats = {"requests": 0, "weight": 0, "server_now": 0}
        rows, closed_limit = await self._fetch_rows(base, timeframe, first_open, last_open, stats)
        return self._assemble(base, timeframe, rows, first_open, closed_limit, stats)

    async def _fetch_rows(
        self, base: str, timeframe: str, first_open: int, last_open: int, stats: dict[str, int]
    ) -> tuple[list[list[float]], int]:
        """Raw rows for open times in [first_open, last_open]; (rows, last closed open time)."""
        step = TIMEFRAME_MS[timeframe]
        if last_open < first_open:
            return [], last_open
        symbol = await self._symbol(base)
        n_candles = (last_open - first_open) // step + 1
        chunks: list[tuple[int, int]] = []
        cursor = first_open
        for size in plan_pages(n_candles):
            chunks.append((cursor, cursor + (size - 1) * step))
            cursor += size * step
        pages = await asyncio.gather(
            *(self._fetch_chunk(base, symbol, timeframe, lo, hi, stats) for lo, hi in chunks)
        )
        rows = [row for page in pages for row in page]
        server_now = stats["server_now"] or self._server_now_ms()
        return rows, min(last_open, (server_now // step) * step - step)

    async def fetch_candles(
        self,
        base: str,
        since: Mapping[str, datetime | int],
        until: datetime | int | None = None,
    ) -> dict[str, OhlcvResult]:
        """Candles of one symbol for several timeframes: ``since`` maps timeframe -> start.

        With both ``"1d"`` and ``"1h"`` (and ``derive_daily`` on), daily candles covered by
        the hourly download are aggregated from it instead of being requested: a UTC daily
        kline *is* its 24 hourly klines (open of the first, max high, min low, close of the
        last, summed volumes). The hourly download is stretched back to earlier midnights
        only while that costs no extra weight; days with an hourly gap are still requested.
        An incremental refresh then costs one request (weight 1) per symbol.
        """
        return await self._cancellable(self._fetch_candles(base, dict(since), until))

    async def _fetch_candles(
        self, base: str, since: dict[str, datetime | int], until: datetime | int | None
    ) -> dict[str, OhlcvResult]:
        out: dict[str, OhlcvResult] = {}
        pair = self.derive_daily and "1d" in since and "1h" in since
        for timeframe, start in since.items():
            if not pair or timeframe not in ("1d", "1h"):
                out[timeframe] = await self._fetch_ohlcv(base, timeframe, start, until)
        if pair:
            out["1h"], out["1d"] = await self._hourly_and_daily(
                base, since["1h"], since["1d"], until
            )
        return {tf: out[tf] for tf in since}

    async def _hourly_and_daily(
        self,
        base: str,
        since_h: datetime | int,
        since_d: datetime | int,
        until: datetime | int | None,
    ) -> tuple[OhlcvResult, OhlcvResult]:
        hour, day = TIMEFRAME_MS["1h"], TIMEFRAME_MS["1d"]
        await self._symbol(base)
        _, h_first, h_last = self._window("1h", since_h, until)
        _, d_first, d_last = self._window("1d", since_d, until)
        start = h_first
        if h_last >= h_first:
            weight = plan_weight((h_last - h_first) // hour + 1)
            candidate = (h_first // day) * day
            while candidate >= d_first and plan_weight((h_last - candidate) // hour + 1) == weight:
                start, candidate = candidate, candidate - day
        stats_h = {"requests": 0, "weight": 0, "server_now": 0}
        rows_h, closed_h = await self._fetch_rows(base, "1h", start, h_last, stats_h)
        hourly = self._assemble(
            base, "1h", [r for r in rows_h if r[0] >= h_first], h_first, closed_h, stats_h
        )
        full_hourly = self._assemble(base, "1h", rows_h, start, closed_h, stats_h).candles
        closed_d = min(d_last, ((closed_h + hour) // day) * day - day)
        first_derived = max(-(-start // day) * day, d_first)
        derived, incomplete = aggregate_days(full_hourly, first_derived, closed_d)
        stats_d = {"requests": 0, "weight": 0, "server_now": 0}
        rows_d: list[list[float]] = []
        ranges = [(d_first, min(first_derived - day, closed_d))]
        if incomplete:
            ranges.append((min(incomplete), max(incomplete)))
        for lo, hi in ranges:
            fetched, _ = await self._fetch_rows(base, "1d", lo, hi, stats_d)
            rows_d.extend(fetched)
        fetched_days = {int(r[0]) for r in rows_d}
        rows_d.extend(r for r in derived if int(r[0]) not in fetched_days)
        daily = self._assemble(base, "1d", rows_d, d_first, closed_d, stats_d)
        n_derived = sum(1 for r in derived if int(r[0]) not in fetched_days)
        if n_derived:
            note = f"{n_derived} daily candles aggregated from complete hourly candles"
            daily = replace(daily, warnings=(*daily.warnings, note))
        return hourly, daily

    async def _fetch_chunk(
        self, base: str, symbol: str, timeframe: str, lo: int, hi: int, stats: dict[str, int]
    ) -> list[list[float]]:
        """Candles with open in [lo, hi]; re-asks after a short page until confirmed."""
        step = TIMEFRAME_MS[timeframe]
        rows: list[list[float]] = []
        start = lo
        while start <= hi:
            limit = (hi - start) // step + 1
            page, server_time = await self._klines(base, symbol, timeframe, start, hi, limit, stats)
            page = [r for r in page if start <= r[0] <= hi]
            if server_time:
                stats["server_now"] = max(stats["server_now"], server_time)
            if not page:
                break
            rows.extend(page)
            last = max(r[0] for r in page)
            if len(page) >= limit or last >= hi:
                break
            start = int(last) + step  # short page or gap at the end: confirm the rest
        return rows

    async def _klines(
        self,
        base: str,
        symbol: str,
        timeframe: str,
        start: int,
        end: int,
        limit: int,
        stats: dict[str, int],
    ) -> tuple[list[list[float]], int | None]:
        exchange = self._require_open()
        label = f"{base} {timeframe} candles"
        raw_api = self.uses_binance_weights and hasattr(exchange, "fapiPublicGetKlines")
        weight = klines_weight(limit) if self.uses_binance_weights else 1
        if raw_api:
            market_id = exchange.market(symbol)["id"]
            params = {
                "symbol": market_id,
                "interval": timeframe,
                "startTime": start,
                "endTime": end,
                "limit": limit,
            }

            async def call() -> Any:
                return await exchange.fapiPublicGetKlines(params)

            data, record = await self._request(
                weight, call, label=label, validate=_check_raw_klines
            )
            rows = [
                [
                    float(r[0]),
                    float(r[1]),
                    float(r[2]),
                    float(r[3]),
                    float(r[4]),
                    float(r[5]),
                    float(r[7]),
                ]
                for r in data
            ]
        else:

            async def call() -> Any:
                return await exchange.fetch_ohlcv(
                    symbol, timeframe, since=start, limit=limit, params={"until": end}
                )

            data, record = await self._request(
                weight, call, label=label, validate=_check_unified_ohlcv
            )
            rows = [
                [
                    float(r[0]),
                    float(r[1]),
                    float(r[2]),
                    float(r[3]),
                    float(r[4]),
                    float(r[5]),
                    float("nan"),
                ]
                for r in data
            ]
        stats["requests"] += 1
        stats["weight"] += weight
        units, amounts = self._multiplier(base), self._amount_factor(base)
        if units != 1.0 or amounts != 1.0:  # contract units -> base units
            rows = [[r[0], r[1] / units, r[2] / units, r[3] / units, r[4] / units, r[5] * amounts,
                     r[6]] for r in rows]
        return rows, record.server_time_ms

    def _assemble(
        self,
        base: str,
        timeframe: str,
        rows: list[list[float]],
        first_open: int,
        closed_limit: int,
        stats: Mapping[str, int],
    ) -> OhlcvResult:
        step = TIMEFRAME_MS[timeframe]
        warnings: list[str] = []
        if rows:
            array = np.asarray(rows, dtype=float)
            opens = array[:, 0].astype(np.int64)
            out_of_order = int(np.sum(np.diff(opens) < 0))
            keep = (opens <= closed_limit) & (opens % step == 0)
            array, opens = array[keep], opens[keep]
            order = np.argsort(opens, kind="stable")
            array, opens = array[order], opens[order]
            unique = (
                np.concatenate([[True], np.diff(opens) != 0]) if len(opens) else np.array([], bool)
            )
            duplicates = int(np.sum(~unique))
            array, opens = array[unique], opens[unique]
        else:
            array, opens, out_of_order, duplicates = np.empty((0, 7)), np.empty(0, np.int64), 0, 0
        if len(opens) == 0:
            candles = empty_candles()
        else:
            volume_usd = array[:, 6]
            if np.isnan(volume_usd).any():
                volume_usd = np.where(np.isnan(volume_usd), array[:, 5] * array[:, 4], volume_usd)
                warnings.append(
                    "volume_usd approximated as volume x close (no quote volume from the exchange)"
                )
            index = pd.DatetimeIndex(pd.to_datetime(opens, unit="ms", utc=True), name="date")
            candles = pd.DataFrame(
                {
                    "open": array[:, 1],
                    "high": array[:, 2],
                    "low": array[:, 3],
                    "close": array[:, 4],
                    "volume": array[:, 5],
                    "volume_usd": volume_usd,
                },
                index=index,
            )
        gaps: list[tuple[datetime, datetime]] = []
        if not len(opens):
            if closed_limit >= first_open:
                warnings.append(
                    f"no closed candles from {_ms_to_dt(first_open).isoformat()} "
                    f"to {_ms_to_dt(closed_limit).isoformat()}"
                )
        else:
            if opens[0] > first_open:
                warnings.append(
                    f"no candles before {_ms_to_dt(int(opens[0])).isoformat()} "
                    f"(asked from {_ms_to_dt(first_open).isoformat()}; listed later?)"
                )
            expected_end = closed_limit + step
            edges = np.concatenate([opens, [expected_end]])
            for prev, nxt in itertools.pairwise(edges):
                if nxt - prev > step:
                    gaps.append((_ms_to_dt(int(prev + step)), _ms_to_dt(int(nxt))))
        if duplicates:
            warnings.append(f"{duplicates} duplicate candles dropped")
        if out_of_order:
            warnings.append(f"{out_of_order} candles arrived out of order (sorted)")
        if gaps:
            missing = sum((b - a).total_seconds() * 1000 // step for a, b in gaps)
            warnings.append(
                f"{int(missing)} candles missing in {len(gaps)} gap(s) (reported, not filled)"
            )
        return OhlcvResult(
            base=base,
            timeframe=timeframe,
            candles=candles,
            gaps=tuple(gaps),
            requests=stats["requests"],
            weight=stats["weight"],
            duplicates_dropped=duplicates,
            out_of_order=out_of_order,
            last_closed=_ms_to_dt(closed_limit),
            warnings=tuple(warnings),
        )

    async def fetch_ohlcv_many(
        self,
        bases: Sequence[str],
        timeframes: Sequence[str] = ("1d", "1h"),
        since: datetime | int | Mapping[tuple[str, str], datetime | int] | None = None,
        until: datetime | None = None,
    ) -> BatchResult:
        """Candles of many symbols at once (bounded by the shared budget and concurrency).

        ``since`` is one datetime for all, or a mapping ``(base, timeframe) -> datetime``
        (incremental refresh: the last stored open time). A symbol that fails is listed in
        ``failures`` with the reason; the others carry on. A 418 ban or a cancel stops all.
        """
        if since is None:
            raise InputError(
                "since", "must be a datetime or a mapping (base, timeframe) -> datetime"
            )
        return await self._cancellable(
            self._fetch_many(list(bases), list(timeframes), since, until)
        )

    async def _fetch_many(
        self,
        bases: list[str],
        timeframes: list[str],
        since: datetime | int | Mapping[tuple[str, str], datetime | int],
        until: datetime | None,
    ) -> BatchResult:
        if not self._symbols:
            await self._load_markets()
        results: dict[tuple[str, str], OhlcvResult] = {}
        failures: dict[str, str] = {}
        done = 0
        total = len(bases)
        weight_before = self.weight_used
        requests_before = self.requests_sent
        self._emit(0, total, None, "candles")

        async def one(base: str) -> None:
            nonlocal done
            try:
                starts: dict[str, datetime | int] = {}
                for timeframe in timeframes:
                    start = since.get((base, timeframe)) if isinstance(since, Mapping) else since
                    if start is None:
                        raise SymbolFetchError(base, f"no start time for {timeframe}")
                    starts[timeframe] = start
                fetched = await self._fetch_candles(base, starts, until)
                results.update({(base, tf): result for tf, result in fetched.items()})
            except (ExchangeBannedError, FetchCancelledError):
                raise
            except DataError as exc:
                failures[base] = str(exc)
            done += 1
            self._emit(done, total, base, "candles", len(failures))

        try:
            async with asyncio.TaskGroup() as group:
                for base in bases:
                    group.create_task(one(base))
        except* ExchangeBannedError as banned:
            raise banned.exceptions[0] from None
        except* FetchCancelledError as cancelled:
            raise cancelled.exceptions[0] from None
        return BatchResult(
            results,
            failures,
            self.weight_used - weight_before,
            self.requests_sent - requests_before,
        )

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
        ``available=False`` and says so (use the bundled bracket defaults instead).
        """
        exchange = self._require_open()
        if not exchange.has.get("fetchLeverageTiers"):
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

        try:
            tiers, _ = await self._request(1, call, label="leverage tiers", validate=_check_dict)
        except DataError as exc:
            return LeverageTiersResult(False, {}, str(exc))
        by_base = {b: tuple(tiers.get(s) or ()) for b, s in symbols.items()}
        return LeverageTiersResult(True, by_base, "")


# ---------------------------------------------------------------------------- validators
def _check_raw_klines(data: Any) -> None:
    if not isinstance(data, list):
        raise RetryableError(f"klines: expected a JSON list, got {type(data).__name__}")
    for row in data:
        if not isinstance(row, list) or len(row) < 8:
            raise RetryableError("klines: malformed row")
        values = [float(row[i]) for i in (0, 1, 2, 3, 4, 5, 7)]
        if not all(math.isfinite(v) for v in values):
            raise RetryableError("klines: non-finite value")


def _check_unified_ohlcv(data: Any) -> None:
    if not isinstance(data, list) or any(
        not isinstance(r, list) or len(r) < 6 or r[0] is None for r in data
    ):
        raise RetryableError("ohlcv: malformed response")


def _check_dict(data: Any) -> None:
    if not isinstance(data, dict):
        raise RetryableError(f"expected a JSON object, got {type(data).__name__}")


def _check_list(data: Any) -> None:
    if not isinstance(data, list):
        raise RetryableError(f"expected a JSON list, got {type(data).__name__}")


def _check_book(data: Any) -> None:
    _check_dict(data)
    if not isinstance(data.get("bids"), list) or not isinstance(data.get("asks"), list):
        raise RetryableError("order book: malformed response")


__all__ = [
    "CANDLE_COLUMNS",
    "BatchResult",
    "ExchangeBannedError",
    "ExchangeClient",
    "FetchCancelledError",
    "FundingHistory",
    "FundingRate",
    "LeverageTiersResult",
    "OhlcvResult",
    "ProgressEvent",
    "SymbolFetchError",
]
