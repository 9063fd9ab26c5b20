"""Transport and pacing of the exchange client: the ccxt session, the shared weight budget,
retries with backoff, cancellation and the response hook that reads rate-limit headers.

:class:`ExchangeTransport` is the base of :class:`~rotation_addin.data.exchange.ExchangeClient`;
its parameters are documented there.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

import ccxt.async_support as ccxt_async

from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.types import ContractSpec
from rotation_addin.core.validation import positive, positive_int
from rotation_addin.data.exchange_response import CURRENT_RECORD, ResponseRecord, on_rest_response
from rotation_addin.data.exchange_results import (
    ExchangeBannedError,
    FetchCancelledError,
    ProgressEvent,
    RetryableError,
)
from rotation_addin.data.markets import Contract, MarketMap
from rotation_addin.data.unreachable import unreachable_reason
from rotation_addin.data.weights import (
    BINANCE_WEIGHT_EXCHANGES,
    WeightBudget,
)

T = TypeVar("T")
FUNDING_PAGE_LIMIT = 1000
FUNDING_PAGE_LIMITS = {"bybit": 200, "okx": 100}
"""Largest funding-history page where it is not Binance's 1,000 (Bybit v5 200, OKX v5 100)."""
BULK_TICKER_MIN_SYMBOLS = 20  # below this, per-symbol tickers (2 weight each) beat bulk (50)
RATE_LIMIT_RETRIES = 20  # 429s do not count against max_retries (we wait as told)
PUBLIC_TIER_EXCHANGES = frozenset({"bybit", "okx"})
"""Exchanges whose risk-limit (leverage) tiers are public: used as maintenance brackets."""
ENDPOINT_LIMITS: dict[str, dict[str, int]] = {
    "okx": {"public/instruments": 20, "public/time": 10, "market/ticker": 20,
            "market/tickers": 20, "market/books": 40, "public/funding-rate": 20,
            "public/funding-rate-history": 10, "public/position-tiers": 10},
}
"""Requests per 2 s per IP of each public endpoint where a venue limits endpoints one by one
(OKX v5 docs, "Rate Limit" of each endpoint); unlisted endpoints of that venue: 10 / 2 s."""
ENDPOINT_WINDOW_S = 2.0
MARKET_TYPES: dict[str, dict[str, Any]] = {
    "bybit": {"fetchMarkets": {"types": ["linear"]}},
    "okx": {"fetchMarkets": {"types": ["swap", "future"]}},
}
"""ccxt options loading only the contracts the tool reads (linear perpetuals and dated
futures): ccxt's defaults also page through spot, inverse and three option lists (Bybit: 11
requests instead of 1-2 per market load)."""


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


def _endpoint_budgets(exchange_id: str, window_s: float | None,
                      margin_s: float | None) -> dict[str, WeightBudget]:
    """One budget per endpoint of a venue in :data:`ENDPOINT_LIMITS` (else none); the key
    ``""`` holds the unlisted endpoints (10 per window)."""
    limits = ENDPOINT_LIMITS.get(exchange_id)
    if not limits:
        return {}
    window = positive("endpoint_window_s", window_s or ENDPOINT_WINDOW_S)
    return {path: WeightBudget(cap, window_s=window, margin_s=margin_s)
            for path, cap in {**limits, "": 10}.items()}


def _paced_fetch2(base_class: Any, budgets: dict[str, WeightBudget]) -> Any:
    """ccxt's ``fetch2`` waiting first for the endpoint's own budget (venues limiting each
    endpoint: :data:`ENDPOINT_LIMITS`; the key ``""`` paces the unlisted ones)."""

    async def fetch2(exchange: Any, path: str, *args: Any, **kwargs: Any) -> Any:
        await budgets.get(path, budgets[""]).acquire(1, poll_s=0.01)
        return await base_class.fetch2(exchange, path, *args, **kwargs)

    return fetch2


class ExchangeTransport:
    """Session, budget, retries and cancellation shared by every request of a client."""

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
        ccxt_throttle: bool | None = None, endpoint_window_s: float | None = None,
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
        self.endpoint_budgets = _endpoint_budgets(exchange_id, endpoint_window_s, weight_margin_s)
        paced = self.uses_binance_weights or bool(self.endpoint_budgets)  # by our budgets
        self.ccxt_throttle = not paced if ccxt_throttle is None else bool(ccxt_throttle)
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
    async def __aenter__(self) -> Self:
        base_class = getattr(ccxt_async, self.exchange_id)
        methods: dict[str, Any] = {"on_rest_response": on_rest_response}
        if self.endpoint_budgets:
            methods["fetch2"] = _paced_fetch2(base_class, self.endpoint_budgets)
        hooked = type(f"{self.exchange_id}_rotation", (base_class,), methods)
        config: dict[str, Any] = {"timeout": int(self.timeout_s * 1000)}
        # Binance: our budget schedules every request by its real weight, so ccxt's own
        # throttler (which paces at 20 weight/s, half of 2,400/min) is switched off.
        # Elsewhere the weights are unknown: keep ccxt's pacing as the exchange intends.
        config["enableRateLimit"] = self.ccxt_throttle
        if self.exchange_id in MARKET_TYPES:
            config["options"] = MARKET_TYPES[self.exchange_id]
        self._exchange = hooked(config)
        if self.api_base_url is not None and self.api_base_url.startswith("http://"):
            # ccxt sleeps 0.25 s on close so TLS transports can shut down; plain HTTP
            # (a local proxy, the loopback emulators) has none to wait for
            self._exchange.timeout_on_exit = 0
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
    ) -> tuple[T, ResponseRecord]:
        """Send one request through the budget with retries; return (result, record)."""
        self._require_open()
        assert self._semaphore is not None
        failures = 0
        limited = 0
        while True:
            self._check_stop()
            record = ResponseRecord()
            async with self._semaphore:
                await self._acquire(weight)
                token = CURRENT_RECORD.set(record)
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
                    CURRENT_RECORD.reset(token)
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

    def _classify(self, exc: Exception, record: ResponseRecord, label: str) -> RetryableError:
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
        final = unreachable_reason(exc)
        if final is not None:  # DNS failure, network down, nothing listening: not retried
            raise DataError(f"{label}: {self.exchange_id} unreachable ({final}); not retried")
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

