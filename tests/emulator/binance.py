"""Loopback Binance USDⓈ-M REST emulator for tests and benchmarks (127.0.0.1 only).

Speaks the public market-data dialect ccxt's ``binanceusdm`` uses:

===========================  ========================================  =====================
path                         what                                      weight
===========================  ========================================  =====================
``/fapi/v1/ping``            ``{}``                                    1
``/fapi/v1/time``            ``{"serverTime": ms}``                    1
``/fapi/v1/exchangeInfo``    symbols with filters (PRICE_FILTER, ...)  1
``/fapi/v1/klines``          candles (startTime/endTime/limit)         1/2/5/10 by limit
``/fapi/v1/ticker/24hr``     24 h statistics                           1, 40 without symbol
``/fapi/v1/premiumIndex``    mark price + funding                      1, 10 without symbol
``/fapi/v1/ticker/bookTicker`` best bid/ask (the served book's top)     2, 5 without symbol
``/fapi/v1/openInterest``    open interest (contracts: 24 h base volume)  1
``/fapi/v1/fundingRate``     funding history                           1
``/fapi/v1/depth``           order book                                2/5/10/20 by limit
``/fapi/v1/leverageBracket`` signed: always 401 without an API key     1
===========================  ========================================  =====================

Weights follow Binance's USDⓈ-M documentation (klines: limit < 100 -> 1, < 500 -> 2,
<= 1000 -> 5, else 10; depth: <= 50 -> 2, 100 -> 5, 500 -> 10, 1000 -> 20). They are
written here independently of the client's weight table so tests compare two sources.

Rate limits mimic Binance: the weight of accepted requests is counted per fixed window of
``minute_seconds`` (60 s by default; tests shrink it), every response carries
``X-MBX-USED-WEIGHT-1M``; a request that would pass the budget gets **429** with
``Retry-After`` (seconds to the end of the window); a client that keeps sending during a
Retry-After period ``ban_after_violations`` times is banned with **418** (+ Retry-After).

Klines follow Binance semantics: default limit 500, max 1500; ``startTime`` -> the first
``limit`` candles with open time >= startTime; ``endTime`` only -> the last ``limit`` candles
with open time <= endTime; neither -> the latest ``limit`` candles. The candle that is still
open at the server clock (``now``) is included with *partial* values, as Binance does.

Faults (see :class:`Fault`) are injected per path and/or symbol and consumed by count.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Protocol
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pandas as pd

from rotation_addin.core.dataset import OrderBook
from rotation_addin.core.types import ContractSpec
from tests.emulator.listings import Listing, default_listing

FaultKind = Literal[
    "latency", "server_error", "timeout", "malformed", "short_page", "gap", "disorder"
]
INTERVAL_MS = {"1h": 3_600_000, "1d": 86_400_000}
KLINES_DEFAULT_LIMIT = 500
KLINES_MAX_LIMIT = 1500
DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)
FUNDING_DEFAULT_LIMIT = 100
FUNDING_MAX_LIMIT = 1000
QUOTE = "USDT"


class MarketSource(Protocol):
    """What the emulator reads from a market (DemoMarket or the fixture market)."""

    def contract_specs(self) -> dict[str, ContractSpec]: ...
    def daily_candles(self, base: str) -> pd.DataFrame: ...
    def hourly_candles(self, base: str) -> pd.DataFrame: ...
    def funding_history(self, base: str) -> pd.DataFrame: ...
    def order_book(self, base: str, depth: int = ...) -> OrderBook: ...


@dataclass
class Fault:
    """One injected fault.

    Attributes
    ----------
    kind : str
        ``latency`` (sleep ``latency_s`` then answer), ``server_error`` (answer ``status``),
        ``timeout`` (hang ``hang_s`` -- longer than the client's timeout), ``malformed``
        (200 with truncated JSON), ``short_page`` (klines: only the first ``keep`` rows),
        ``gap`` (klines: candles with open time in ``[start, end)`` never exist; persistent,
        ``count`` is ignored), ``disorder`` (klines: rows reversed and the first ``keep``
        repeated -- duplicates and out-of-order rows).
    path : str or None
        Exact request path (``"/fapi/v1/klines"``); None matches every path.
    symbol : str or None
        Base (``"BTC"``) or exchange id (``"BTCUSDT"``); None matches every symbol.
    interval : str or None
        Kline interval (``"1h"``) for ``gap``/``short_page``; None matches every interval.
    count : int or None
        How many requests the fault hits; None = unlimited.
    """

    kind: FaultKind
    path: str | None = None
    symbol: str | None = None
    interval: str | None = None
    count: int | None = 1
    latency_s: float = 0.5
    status: int = 503
    hang_s: float = 5.0
    keep: int = 10
    start: datetime | None = None
    end: datetime | None = None
    hits: int = 0

    def matches(self, path: str, params: dict[str, str]) -> bool:
        if self.path is not None and self.path != path:
            return False
        if self.symbol is not None:
            symbol = params.get("symbol")
            if symbol not in (self.symbol, self.symbol + QUOTE):
                return False
        return self.interval is None or params.get("interval") == self.interval


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the emulator saw it (``time_s`` since the server started)."""

    path: str
    params: dict[str, str]
    weight: int
    status: int
    time_s: float
    used_weight_1m: int


@dataclass
class _Series:
    open_ms: np.ndarray  # int64, ascending
    values: np.ndarray  # (n, 6): open, high, low, close, volume, volume_usd


def _ms(moment: datetime | pd.Timestamp) -> int:
    return int(pd.Timestamp(moment).value // 1_000_000)


def _num(value: float) -> str:
    """Decimal string without exponent, as Binance sends numbers (shortest round-trip)."""
    text = repr(float(value))
    if "e" in text:
        text = format(Decimal(text), "f")
    return text


def _decimals(step: float) -> int:
    return max(0, -Decimal(repr(step)).normalize().as_tuple().exponent)  # type: ignore[operator]


def klines_weight(limit: int) -> int:
    """Binance USDⓈ-M klines weight: [1,100) 1, [100,500) 2, [500,1000] 5, >1000 10."""
    if limit < 100:
        return 1
    if limit < 500:
        return 2
    if limit <= 1000:
        return 5
    return 10


def depth_weight(limit: int) -> int:
    """Binance USDⓈ-M depth weight: 5/10/20/50 -> 2, 100 -> 5, 500 -> 10, 1000 -> 20."""
    if limit <= 50:
        return 2
    if limit <= 100:
        return 5
    if limit <= 500:
        return 10
    return 20


class BinanceEmulator:
    """Threaded loopback HTTP server emulating Binance USDⓈ-M public REST.

    Parameters
    ----------
    market : MarketSource
        Data source (``DemoMarket`` or ``FixtureMarket``).
    weight_limit_per_minute : int
        Request-weight budget per window.
    now : datetime or None
        Server clock (frozen until :meth:`set_now`); default 30 minutes into the last hourly
        candle of the data, so both the last hourly and the last daily candle are still open.
    faults : iterable of Fault
        Initial faults; ``self.faults`` can be changed at run time.
    minute_seconds : float
        Length of the rate-limit window in real seconds (60; tests use less).
    ban_after_violations : int
        Requests sent during a Retry-After period before a 418 ban.
    ban_seconds : float or None
        Length of a ban (default 2 windows).
    violation_grace_s : float
        Requests arriving this soon after the first 429 are not violations (they were in
        flight before the client could see the 429).
    bases : iterable of str or None
        Restrict the listed symbols (default: every base of the market).
    listings : iterable of Listing
        Contracts listed beside each base's ``<base>USDT`` perpetual (USDC perpetuals,
        quarterlies, ``1000``-prefixed, settling, delisted: see
        :func:`tests.emulator.listings.market_shapes`); those whose source base is not
        listed are ignored.
    """

    def __init__(
        self,
        market: MarketSource,
        *,
        weight_limit_per_minute: int = 2400,
        now: datetime | None = None,
        faults: Iterable[Fault] | None = None,
        minute_seconds: float = 60.0,
        ban_after_violations: int = 3,
        ban_seconds: float | None = None,
        bases: Iterable[str] | None = None,
        violation_grace_s: float = 0.2,
        listings: Iterable[Listing] = (),
    ) -> None:
        self.market = market
        self.weight_limit_per_minute = int(weight_limit_per_minute)
        self.minute_seconds = float(minute_seconds)
        self.ban_after_violations = int(ban_after_violations)
        self.ban_seconds = float(ban_seconds if ban_seconds is not None else 2 * minute_seconds)
        self.violation_grace_s = float(violation_grace_s)
        self.faults: list[Fault] = list(faults or [])
        self.request_log: list[LoggedRequest] = []
        self.weight_used = 0
        self.count_429 = 0
        self.count_418 = 0
        self._lock = threading.Lock()
        self._specs = market.contract_specs()
        wanted = list(bases) if bases is not None else list(self._specs)
        self._bases = [b for b in wanted if b in self._specs]
        extra = [c for c in listings if c.source in self._bases]
        replaced = {c.source for c in extra if c.replaces_default}
        self._contracts: dict[str, Listing] = {
            c.id: c for c in [default_listing(b, QUOTE) for b in self._bases if b not in replaced]
            + extra
        }
        self._ids = {cid: c.source for cid, c in self._contracts.items()}
        self._series: dict[tuple[str, str], _Series] = {}
        self._funding: dict[str, pd.DataFrame] = {}
        self._load_series()
        if now is None:
            last_hour = max(int(s.open_ms[-1]) for (_, iv), s in self._series.items() if iv == "1h")
            now_ms = last_hour + INTERVAL_MS["1h"] // 2
            now = datetime.fromtimestamp(now_ms / 1000, tz=UTC)
        self._now_ms = _ms(now)
        self._t0 = time.monotonic()
        self._window = -1
        self._window_used = 0
        self._retry_until = 0.0
        self._limited_at = 0.0
        self._violations = 0
        self._banned_until = 0.0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> BinanceEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        handler = _make_handler(self)
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` -- replaces ``https://fapi.binance.com`` for ccxt."""
        if self._server is None:
            raise RuntimeError("emulator not started (use it as a context manager)")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # ------------------------------------------------------------------ clock and counters
    @property
    def now(self) -> datetime:
        return datetime.fromtimestamp(self._now_ms / 1000, tz=UTC)

    def set_now(self, moment: datetime) -> None:
        """Move the server clock (data after it is never served)."""
        self._now_ms = _ms(moment)

    def reset_counters(self) -> None:
        """Forget the request log and counters (not the rate-limit window)."""
        with self._lock:
            self.request_log.clear()
            self.weight_used = 0
            self.count_429 = 0
            self.count_418 = 0

    def used_weight_1m(self) -> int:
        """Weight used in the current window."""
        with self._lock:
            self._roll_window(time.monotonic())
            return self._window_used

    def weight_of(self, path: str, params: dict[str, str]) -> int:
        """Binance request weight of a request (see module table)."""
        has_symbol = "symbol" in params
        if path == "/fapi/v1/klines":
            return klines_weight(_int_param(params, "limit", KLINES_DEFAULT_LIMIT))
        if path == "/fapi/v1/depth":
            return depth_weight(_int_param(params, "limit", 500))
        if path == "/fapi/v1/ticker/24hr":
            return 1 if has_symbol else 40
        if path == "/fapi/v1/premiumIndex":
            return 1 if has_symbol else 10
        if path == "/fapi/v1/ticker/bookTicker":
            return 2 if has_symbol else 5
        return 1

    # ------------------------------------------------------------------ rate limiting
    def _roll_window(self, t: float) -> None:
        window = int((t - self._t0) // self.minute_seconds)
        if window != self._window:
            self._window = window
            self._window_used = 0

    def _admit(self, weight: int) -> tuple[int, float]:
        """Decide 200 / 429 / 418 for a request of ``weight``; returns (status, retry_after_s)."""
        with self._lock:
            t = time.monotonic()
            self._roll_window(t)
            if t < self._banned_until:
                self.count_418 += 1
                return 418, self._banned_until - t
            if self._limited_at + self.violation_grace_s < t < self._retry_until:
                self._violations += 1
                if self._violations >= self.ban_after_violations:
                    self._banned_until = t + self.ban_seconds
                    self.count_418 += 1
                    return 418, self.ban_seconds
            if self._window_used + weight > self.weight_limit_per_minute:
                self.count_429 += 1
                window_end = self._t0 + (self._window + 1) * self.minute_seconds
                if t >= self._retry_until:
                    self._limited_at = t
                self._retry_until = window_end
                return 429, window_end - t
            self._window_used += weight
            self.weight_used += weight
            return 200, 0.0

    def admit(self, path: str, weight: int) -> tuple[int, float]:
        """Rate-limit decision for a request to ``path`` (Binance: one budget for all)."""
        return self._admit(weight)

    def limited_body(self, status: int) -> dict[str, Any]:
        """The JSON body of a 429 / 418 answer."""
        if status == 429:
            return {"code": -1003, "msg": f"Too many requests; current limit of IP(127.0.0.1) "
                                          f"is {self.weight_limit_per_minute} requests per minute."}
        return {"code": -1003,
                "msg": "Way too many requests; IP(127.0.0.1) banned. Please use the websocket."}

    def _log(self, path: str, params: dict[str, str], weight: int, status: int) -> int:
        with self._lock:
            used = self._window_used
            self.request_log.append(
                LoggedRequest(path, dict(params), weight, status, time.monotonic() - self._t0, used)
            )
            return used

    def _take_faults(self, path: str, params: dict[str, str]) -> list[Fault]:
        """The first matching fault with hits left (one per request; list order = priority)."""
        with self._lock:
            for fault in self.faults:
                if fault.kind == "gap" or not fault.matches(path, params):
                    continue
                if fault.count is not None and fault.count <= 0:
                    continue
                if fault.count is not None:
                    fault.count -= 1
                fault.hits += 1
                return [fault]
        return []

    # ------------------------------------------------------------------ data
    def _load_series(self) -> None:
        for base in self._bases:
            for interval, frame in (
                ("1d", self.market.daily_candles(base)),
                ("1h", self.market.hourly_candles(base)),
            ):
                index = pd.DatetimeIndex(frame.index)
                open_ms = (index.as_unit("ms").asi8).astype(np.int64)
                values = frame[["open", "high", "low", "close", "volume", "volume_usd"]].to_numpy(
                    float
                )
                self._series[(base, interval)] = _Series(open_ms, values)
            self._funding[base] = self.market.funding_history(base)

    def _base_of(self, params: dict[str, str]) -> str | None:
        return self._ids.get(params.get("symbol", ""))

    def _contract_of(self, params: dict[str, str]) -> Listing | None:
        return self._contracts.get(params.get("symbol", ""))

    @property
    def listings(self) -> tuple[Listing, ...]:
        """Every listed contract (default perpetuals first)."""
        return tuple(self._contracts.values())

    def klines(self, params: dict[str, str]) -> tuple[int, Any]:
        contract = self._contract_of(params)
        if contract is None:
            return 400, {"code": -1121, "msg": "Invalid symbol."}
        base, factor, units = contract.source, contract.price_factor, contract.multiplier
        interval = params.get("interval", "")
        if interval not in INTERVAL_MS:
            return 400, {"code": -1120, "msg": "Invalid interval."}
        limit = _int_param(params, "limit", KLINES_DEFAULT_LIMIT)
        if not 1 <= limit <= KLINES_MAX_LIMIT:
            return 400, {"code": -1130, "msg": "Data sent for parameter 'limit' is not valid."}
        series = self._series[(base, interval)]
        step = INTERVAL_MS[interval]
        mask = series.open_ms <= self._now_ms
        for fault in self.faults:
            if fault.kind == "gap" and fault.matches("/fapi/v1/klines", params):
                lo = _ms(fault.start) if fault.start else -(2**62)
                hi = _ms(fault.end) if fault.end else 2**62
                mask &= ~((series.open_ms >= lo) & (series.open_ms < hi))
        rows = np.flatnonzero(mask)
        start = params.get("startTime")
        end = params.get("endTime")
        if start is not None:
            rows = rows[series.open_ms[rows] >= int(start)]
        if end is not None:
            rows = rows[series.open_ms[rows] <= int(end)]
        rows = rows[:limit] if start is not None else rows[-limit:]
        out = []
        for i in rows:
            open_ms = int(series.open_ms[i])
            o, h, low, c, vol, vol_usd = series.values[i] * (factor, factor, factor, factor,
                                                             1 / units, contract.premium)
            if open_ms + step > self._now_ms:  # still open: partial values, as Binance shows
                frac = (self._now_ms - open_ms) / step
                c = o + (c - o) * frac
                h, low = max(o, c), min(o, c)
                vol, vol_usd = vol * frac, vol_usd * frac
            out.append(
                [
                    open_ms,
                    _num(o),
                    _num(h),
                    _num(low),
                    _num(c),
                    _num(vol),
                    open_ms + step - 1,
                    _num(vol_usd),
                    1000,
                    _num(vol / 2),
                    _num(vol_usd / 2),
                    "0",
                ]
            )
        return 200, out

    def exchange_info(self) -> dict[str, Any]:
        symbols = []
        for contract in self._contracts.values():
            spec = _contract_spec(self._specs[contract.source], contract)
            price_decimals = _decimals(spec.price_tick)
            qty_decimals = _decimals(spec.amount_step)
            symbols.append(
                {
                    "symbol": contract.id,
                    "pair": f"{contract.base_asset}{contract.quote}",
                    "contractType": contract.contract_type,
                    "deliveryDate": contract.delivery_ms,
                    "onboardDate": 1569398400000,
                    "status": contract.status,
                    "maintMarginPercent": "2.5000",
                    "requiredMarginPercent": _num(round(100.0 / spec.max_leverage, 4)),
                    "baseAsset": contract.base_asset,
                    "quoteAsset": contract.quote,
                    "marginAsset": contract.quote,
                    "pricePrecision": price_decimals,
                    "quantityPrecision": qty_decimals,
                    "baseAssetPrecision": 8,
                    "quotePrecision": 8,
                    "underlyingType": "COIN",
                    "underlyingSubType": [],
                    "triggerProtect": "0.0500",
                    "liquidationFee": "0.012500",
                    "marketTakeBound": "0.05",
                    "maxMoveOrderLimit": 10000,
                    "filters": [
                        {
                            "filterType": "PRICE_FILTER",
                            "minPrice": _num(spec.price_tick),
                            "maxPrice": "1000000",
                            "tickSize": _num(spec.price_tick),
                        },
                        {
                            "filterType": "LOT_SIZE",
                            "stepSize": _num(spec.amount_step),
                            "maxQty": "10000000",
                            "minQty": _num(spec.min_amount),
                        },
                        {
                            "filterType": "MARKET_LOT_SIZE",
                            "stepSize": _num(spec.amount_step),
                            "maxQty": "1000000",
                            "minQty": _num(spec.min_amount),
                        },
                        {"filterType": "MAX_NUM_ORDERS", "limit": 200},
                        {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
                        {"filterType": "MIN_NOTIONAL", "notional": _num(spec.min_notional_usd)},
                        {
                            "filterType": "PERCENT_PRICE",
                            "multiplierUp": "1.0500",
                            "multiplierDown": "0.9500",
                            "multiplierDecimal": "4",
                        },
                    ],
                    "orderTypes": [
                        "LIMIT",
                        "MARKET",
                        "STOP",
                        "STOP_MARKET",
                        "TAKE_PROFIT",
                        "TAKE_PROFIT_MARKET",
                        "TRAILING_STOP_MARKET",
                    ],
                    "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
                }
            )
        return {
            "timezone": "UTC",
            "serverTime": self._now_ms,
            "futuresType": "U_MARGINED",
            "rateLimits": [
                {
                    "rateLimitType": "REQUEST_WEIGHT",
                    "interval": "MINUTE",
                    "intervalNum": 1,
                    "limit": self.weight_limit_per_minute,
                },
                {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
            ],
            "exchangeFilters": [],
            "assets": [{"asset": q, "marginAvailable": True, "autoAssetExchange": "-10000"}
                       for q in sorted({c.quote for c in self._contracts.values()})],
            "symbols": symbols,
        }

    def _last_closed_hour(self, base: str) -> tuple[int, np.ndarray] | None:
        series = self._series[(base, "1h")]
        idx = np.flatnonzero(series.open_ms + INTERVAL_MS["1h"] <= self._now_ms)
        return None if idx.size == 0 else (int(idx[-1]), series.values)

    def ticker_24hr(self, contract: Listing) -> dict[str, Any]:
        base, factor = contract.source, contract.price_factor
        series = self._series[(base, "1h")]
        found = self._last_closed_hour(base)
        last = found[0] if found else 0
        first = max(0, last - 23)
        window = series.values[first : last + 1] * (factor, factor, factor, factor,
                                                    1 / contract.multiplier, contract.premium)
        close = float(window[-1, 3])
        open_ = float(window[0, 0])
        return {
            "symbol": contract.id,
            "priceChange": _num(close - open_),
            "priceChangePercent": _num(round((close / open_ - 1) * 100, 3)),
            "weightedAvgPrice": _num(float(window[:, 5].sum() / max(window[:, 4].sum(), 1e-12))),
            "lastPrice": _num(close),
            "lastQty": "1",
            "openPrice": _num(open_),
            "highPrice": _num(float(window[:, 1].max())),
            "lowPrice": _num(float(window[:, 2].min())),
            "volume": _num(float(window[:, 4].sum())),
            "quoteVolume": _num(float(window[:, 5].sum())),
            "openTime": int(series.open_ms[first]),
            "closeTime": self._now_ms,
            "firstId": 1,
            "lastId": 1000,
            "count": 1000,
        }

    def _funding_now(self, base: str) -> tuple[float, float]:
        funding = self._funding[base]
        past = funding[funding.index <= pd.Timestamp(self._now_ms, unit="ms", tz="UTC")]
        if past.empty:
            return 0.0001, float("nan")
        row = past.iloc[-1]
        return float(row["funding_rate"]), float(row["mark_price"])

    def premium_index(self, contract: Listing) -> dict[str, Any]:
        base = contract.source
        found = self._last_closed_hour(base)
        last_price = float(found[1][found[0], 3]) * contract.price_factor if found else 0.0
        rate, _ = self._funding_now(base)
        eight_h = 8 * INTERVAL_MS["1h"]
        perpetual = contract.is_perpetual
        return {
            "symbol": contract.id,
            "markPrice": _num(last_price * 1.0002),
            "indexPrice": _num(last_price / contract.premium),
            "estimatedSettlePrice": _num(last_price),
            "lastFundingRate": _num(rate) if perpetual else "",
            "interestRate": "0.00010000" if perpetual else "",
            "nextFundingTime": (self._now_ms // eight_h + 1) * eight_h if perpetual else 0,
            "time": self._now_ms,
        }

    def funding_rate(self, params: dict[str, str]) -> tuple[int, Any]:
        contract = self._contract_of(params)
        if contract is None:
            return 400, {"code": -1121, "msg": "Invalid symbol."}
        base, factor = contract.source, contract.price_factor
        limit = _int_param(params, "limit", FUNDING_DEFAULT_LIMIT)
        if not 1 <= limit <= FUNDING_MAX_LIMIT:
            return 400, {"code": -1130, "msg": "Data sent for parameter 'limit' is not valid."}
        if not contract.is_perpetual:
            return 200, []
        funding = self._funding[base]
        times = (pd.DatetimeIndex(funding.index).as_unit("ms").asi8).astype(np.int64)
        keep = times <= self._now_ms
        if "startTime" in params:
            keep &= times >= int(params["startTime"])
        if "endTime" in params:
            keep &= times <= int(params["endTime"])
        rows = np.flatnonzero(keep)
        rows = rows[:limit] if "startTime" in params else rows[-limit:]
        return 200, [
            {
                "symbol": contract.id,
                "fundingTime": int(times[i]),
                "fundingRate": _num(float(funding["funding_rate"].iloc[i])),
                "markPrice": _num(float(funding["mark_price"].iloc[i]) * factor),
            }
            for i in rows
        ]

    def depth(self, params: dict[str, str]) -> tuple[int, Any]:
        contract = self._contract_of(params)
        if contract is None:
            return 400, {"code": -1121, "msg": "Invalid symbol."}
        limit = _int_param(params, "limit", 500)
        if limit not in DEPTH_LIMITS:
            return 400, {"code": -1130, "msg": "Data sent for parameter 'limit' is not valid."}
        book = self.book_of(contract, limit)
        return 200, {
            "lastUpdateId": self._now_ms,
            "E": self._now_ms,
            "T": self._now_ms,
            "bids": [[_num(p), _num(q)] for p, q in book.bids[:limit]],
            "asks": [[_num(p), _num(q)] for p, q in book.asks[:limit]],
        }

    def open_interest(self, contract: Listing) -> dict[str, Any]:
        """Open interest in contracts: the fixture's convention is the 24 h volume in contracts
        (the emulator has no positions; any positive, reproducible figure serves the tests)."""
        return {"symbol": contract.id, "openInterest": self.ticker_24hr(contract)["volume"],
                "time": self._now_ms}

    def book_ticker(self, contract: Listing) -> dict[str, Any]:
        """Best bid and ask of the book :meth:`depth` serves (``/fapi/v1/ticker/bookTicker``)."""
        book = self.book_of(contract, 5)
        return {"symbol": contract.id,
                "bidPrice": _num(book.bids[0][0]), "bidQty": _num(book.bids[0][1]),
                "askPrice": _num(book.asks[0][0]), "askQty": _num(book.asks[0][1]),
                "time": self._now_ms, "lastUpdateId": self._now_ms}

    def book_of(self, contract: Listing, limit: int = 500) -> OrderBook:
        """The book the emulator serves for ``contract`` (the source's book, scaled)."""
        book = self.market.order_book(contract.source, limit)
        factor, units = contract.price_factor, contract.multiplier
        return OrderBook(
            contract.base_asset,
            tuple((p * factor, q / units) for p, q in book.bids),
            tuple((p * factor, q / units) for p, q in book.asks),
            book.timestamp,
        )

    def route(self, path: str, params: dict[str, str]) -> tuple[int, Any]:
        """Answer one request (no rate limiting or faults): (status, JSON-able body)."""
        if path == "/fapi/v1/ping":
            return 200, {}
        if path == "/fapi/v1/time":
            return 200, {"serverTime": self._now_ms}
        if path == "/fapi/v1/exchangeInfo":
            return 200, self.exchange_info()
        if path == "/fapi/v1/klines":
            return self.klines(params)
        if path in ("/fapi/v1/ticker/24hr", "/fapi/v1/premiumIndex",
                    "/fapi/v1/ticker/bookTicker"):
            make = {"/fapi/v1/ticker/24hr": self.ticker_24hr,
                    "/fapi/v1/premiumIndex": self.premium_index}.get(path, self.book_ticker)
            if "symbol" in params:
                contract = self._contract_of(params)
                if contract is None:
                    return 400, {"code": -1121, "msg": "Invalid symbol."}
                return 200, make(contract)
            return 200, [make(c) for c in self._contracts.values() if c.status == "TRADING"]
        if path == "/fapi/v1/fundingRate":
            return self.funding_rate(params)
        if path == "/fapi/v1/openInterest":
            contract = self._contract_of(params)
            if contract is None:
                return 400, {"code": -1121, "msg": "Invalid symbol."}
            return 200, self.open_interest(contract)
        if path == "/fapi/v1/depth":
            return self.depth(params)
        if path == "/fapi/v1/leverageBracket":
            return 401, {"code": -2014, "msg": "API-key format invalid."}
        return 404, {"code": -5, "msg": f"unknown path {path}"}


def _contract_spec(spec: ContractSpec, contract: Listing) -> ContractSpec:
    """The source's rules in contract units (tick × price factor, steps ÷ multiplier)."""
    if contract.price_factor == 1.0 and contract.multiplier == 1.0:
        return spec
    units = contract.multiplier
    tick = float(Decimal(repr(spec.price_tick)) * Decimal(repr(units)))
    return ContractSpec(
        symbol=contract.id, base=contract.base_asset,
        amount_step=float(Decimal(repr(spec.amount_step)) / Decimal(repr(units))),
        min_amount=float(Decimal(repr(spec.min_amount)) / Decimal(repr(units))),
        min_notional_usd=spec.min_notional_usd, price_tick=tick,
        max_leverage=spec.max_leverage,
    )


def _int_param(params: dict[str, str], name: str, default: int) -> int:
    try:
        return int(params.get(name, default))
    except ValueError:
        return -1


def _make_handler(emulator: BinanceEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def date_time_string(self, timestamp: float | None = None) -> str:
            """``Date`` header from the emulator's clock (clients read the exchange time there)."""
            return formatdate(emulator._now_ms / 1000, usegmt=True)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            params = dict(parse_qsl(parts.query))
            path = parts.path
            weight = emulator.weight_of(path, params)
            status, retry_after = emulator.admit(path, weight)
            if status != 200:
                self._limited(path, params, weight, status, retry_after)
                return
            faults = emulator._take_faults(path, params)
            for fault in faults:
                if fault.kind == "latency":
                    time.sleep(fault.latency_s)
                elif fault.kind == "timeout":
                    time.sleep(fault.hang_s)
                elif fault.kind == "server_error":
                    used = emulator._log(path, params, weight, fault.status)
                    body = {"code": -1001, "msg": "Internal error; unable to process your request."}
                    self._send(fault.status, json.dumps(body).encode(), used)
                    return
            status, payload = emulator.route(path, params)
            for fault in faults:
                if fault.kind == "short_page" and isinstance(payload, list):
                    payload = payload[: fault.keep]
                if fault.kind == "disorder" and isinstance(payload, list):
                    payload = payload[::-1] + payload[: fault.keep]
            raw = json.dumps(payload, separators=(",", ":")).encode()
            if any(f.kind == "malformed" for f in faults):
                raw = raw[: max(1, len(raw) // 2)]
            used = emulator._log(path, params, weight, status)
            self._send(status, raw, used)

        def _limited(
            self, path: str, params: dict[str, str], weight: int, status: int, retry_after: float
        ) -> None:
            used = emulator._log(path, params, weight, status)
            body = json.dumps(emulator.limited_body(status)).encode()
            self._send(status, body, used, retry_after=max(1, math.ceil(retry_after)))

        def _send(
            self, status: int, body: bytes, used: int, retry_after: int | None = None
        ) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-MBX-USED-WEIGHT-1M", str(used))
                if retry_after is not None:
                    self.send_header("Retry-After", str(retry_after))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    return Handler


__all__ = [
    "BinanceEmulator",
    "Fault",
    "LoggedRequest",
    "MarketSource",
    "depth_weight",
    "klines_weight",
]
