"""Loopback OKX v5 public market emulator (127.0.0.1 only): a third dialect, same market.

Speaks what ccxt's ``okx`` class calls for ``rotation platforms`` (checked against ccxt's
``okx.py`` in the venv; the client loads ``types swap,future`` only):

======================================  =====  ============================================
path                                    /2 s   what (ccxt method)
======================================  =====  ============================================
``/api/v5/public/instruments``          20     ``instType`` ``SWAP`` / ``FUTURES`` (load_markets)
``/api/v5/public/time``                 10     server time
``/api/v5/market/ticker(s)``            20     last, 24 h open/high/low, volumes (fetch_ticker(s))
``/api/v5/market/books``                40     ``sz`` <= 400 levels, sizes in contracts
``/api/v5/public/funding-rate``         20     ``instId`` or ``ANY`` (fetch_funding_rates)
``/api/v5/public/funding-rate-history`` 10     newest first, ``limit`` <= 100, ``before``/``after``
``/api/v5/public/position-tiers``       10     public tiers by ``instFamily``, sizes in contracts
======================================  =====  ============================================

Rate limits are OKX's per-endpoint, per-IP limits over 2 s ("Rate Limit: 20 requests per 2
seconds", "Rule: IP") as the OKX v5 docs give them; ASSUMED, not re-read here: they agree with
ccxt's per-endpoint costs (110 ms a unit) except ``funding-rate``, which ccxt books at 10 per
2 s. Each endpoint has its own sliding window (``window_s``,
2 s; benches shrink it with the rate kept). Past it OKX answers HTTP 429
``{"code": "50011", "msg": "Too Many Requests"}``. Every other answer is
``{"code": "0", "msg": "", "data": [...]}``; a bad parameter is HTTP 400 with code ``51000``
and an unknown instrument ``51001`` as OKX sends them.

Contracts come from the same :class:`Listing` objects as the Binance emulator, named the OKX
way and sized the OKX way: OKX counts amounts in contracts of ``ctVal`` base units (BTC
0.01, ETH 0.1, PEPE 10,000,000, else a power of ten worth about 10 USD) and lists no
``1000``-prefixed contract (``1000PEPEUSDT`` is ``PEPE-USDT-SWAP`` at the coin's price), the
settling old symbol of a renamed token is ``state suspend`` and a delisted market is absent.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np

from tests.emulator.binance import BinanceEmulator, _contract_spec, _num
from tests.emulator.listings import Listing

OKX_LIMITS_PER_2S = {
    "/api/v5/public/instruments": 20, "/api/v5/public/time": 10,
    "/api/v5/market/ticker": 20, "/api/v5/market/tickers": 20, "/api/v5/market/books": 40,
    "/api/v5/public/funding-rate": 20, "/api/v5/public/funding-rate-history": 10,
    "/api/v5/public/position-tiers": 10,
}
"""Requests per 2 s per IP of each endpoint (OKX v5 API docs, "Rate Limit" of each)."""
BOOK_MAX_SIZE = 400
FUNDING_HISTORY_MAX = 100
TIER_CAPS_USD = ((200_000, 0.004, 100), (1_000_000, 0.01, 50), (5_000_000, 0.02, 20),
                 (20_000_000, 0.05, 10))
"""(position cap in USD at the contract's price when the emulator starts, maintenance
margin rate, max leverage) of the emulated tiers; OKX publishes the caps in contracts."""
CONTRACT_VALUES = {"BTC": 0.01, "ETH": 0.1, "PEPE": 10_000_000.0}


def contract_value(source: str, price: float) -> float:
    """``ctVal``: base units per contract (OKX's for BTC/ETH/PEPE, else ~10 USD a contract)."""
    if source in CONTRACT_VALUES:
        return CONTRACT_VALUES[source]
    return float(10.0 ** round(math.log10(10.0 / price)))


def okx_id(contract: Listing) -> str:
    """OKX's name: ``BTC-USDT-SWAP``, ``BTC-USDC-SWAP``, ``BTC-USDT-261118``, ``PEPE-USDT-SWAP``
    (OKX lists the coin itself where Binance lists ``1000PEPE``)."""
    coin = contract.source if contract.multiplier != 1.0 else contract.base_asset
    if contract.is_perpetual:
        return f"{coin}-{contract.quote}-SWAP"
    expiry = datetime.fromtimestamp(contract.delivery_ms / 1000, tz=UTC)
    return f"{coin}-{contract.quote}-{expiry:%y%m%d}"


def _dec(value: float) -> str:
    return format(Decimal(repr(value)).normalize(), "f")


class OkxEmulator(BinanceEmulator):
    """OKX v5 public market data over the same market, clock and fault machinery.

    ``window_s`` is the length of every endpoint's rate-limit window (2 s; the limits per
    window stay OKX's). Binance's ``weight_limit_per_minute`` is not used.
    """

    def __init__(self, *args: Any, window_s: float = 2.0, **kwargs: Any) -> None:
        kwargs.pop("weight_limit_per_minute", None)
        super().__init__(*args, weight_limit_per_minute=10**9, **kwargs)
        self.window_s = float(window_s)
        listed = [c for c in self._contracts.values() if c.status != "CLOSE"]
        self._contracts = {okx_id(c): c for c in listed}
        self._ids = {cid: c.source for cid, c in self._contracts.items()}
        self._seen: dict[str, deque[float]] = {}
        self._okx_lock = threading.Lock()
        self.ct_val = {cid: contract_value(c.source, self._last(c)) for cid, c in
                       self._contracts.items()}

    # ------------------------------------------------------------------ rate limits
    def weight_of(self, path: str, params: dict[str, str]) -> int:
        return 1

    def admit(self, path: str, weight: int) -> tuple[int, float]:
        """200, or 429 when ``path`` had its limit of requests in the last ``window_s``."""
        limit = OKX_LIMITS_PER_2S.get(path, 20)
        with self._okx_lock:
            now = time.monotonic()
            seen = self._seen.setdefault(path, deque())
            while seen and seen[0] <= now - self.window_s:
                seen.popleft()
            if len(seen) >= limit:
                self.count_429 += 1
                return 429, seen[0] + self.window_s - now
            seen.append(now)
            self.weight_used += 1
            return 200, 0.0

    def limited_body(self, status: int) -> dict[str, Any]:
        return {"code": "50011", "msg": "Too Many Requests", "data": []}

    def _ok(self, data: list[Any]) -> tuple[int, Any]:
        return 200, {"code": "0", "msg": "", "data": data}

    @staticmethod
    def _error(code: str, message: str) -> tuple[int, Any]:
        return 400, {"code": code, "msg": message, "data": []}

    # ------------------------------------------------------------------ routing
    def route(self, path: str, params: dict[str, str]) -> tuple[int, Any]:
        if path == "/api/v5/public/time":
            return self._ok([{"ts": str(self._now_ms)}])
        if path == "/api/v5/public/instruments":
            kind = params.get("instType", "")
            if kind not in ("SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION"):
                return self._error("51000", "Parameter instType error")
            return self._ok(self._instruments(kind))
        if path == "/api/v5/market/tickers":
            kind = params.get("instType", "")
            return self._ok([self._ticker(cid, c) for cid, c in self._contracts.items()
                             if self._kind(c) == kind and c.status == "TRADING"])
        if path == "/api/v5/public/funding-rate" and params.get("instId") == "ANY":
            return self._ok([self._funding_now_row(cid, c) for cid, c in self._contracts.items()
                             if c.is_perpetual and c.status == "TRADING"])
        if path == "/api/v5/public/position-tiers":
            return self._tiers(params)
        cid = params.get("instId", "")
        contract = self._contracts.get(cid)
        if contract is None:
            if path in OKX_LIMITS_PER_2S:
                return self._error("51001", "Instrument ID does not exist")
            return 404, {"code": "404", "msg": f"unknown path {path}", "data": []}
        if path == "/api/v5/market/ticker":
            return self._ok([self._ticker(cid, contract)])
        if path == "/api/v5/market/books":
            return self._books(cid, contract, params)
        if path == "/api/v5/public/funding-rate":
            return self._ok([self._funding_now_row(cid, contract)] if contract.is_perpetual
                            else [])
        if path == "/api/v5/public/funding-rate-history":
            return self._funding_history(cid, contract, params)
        return 404, {"code": "404", "msg": f"unknown path {path}", "data": []}

    # ------------------------------------------------------------------ answers
    @staticmethod
    def _kind(contract: Listing) -> str:
        return "SWAP" if contract.is_perpetual else "FUTURES"

    def _last(self, contract: Listing) -> float:
        """Last closed hour's close of the contract in coin units (OKX prices per coin)."""
        found = self._last_closed_hour(contract.source)
        close = float(found[1][found[0], 3]) if found else float(
            self._series[(contract.source, "1h")].values[0, 0])
        return close * contract.premium

    def contract_units(self, cid: str) -> tuple[float, float]:
        """(price factor, base units per contract) of ``cid`` relative to the source series."""
        return self._contracts[cid].premium, self.ct_val[cid]

    def _instruments(self, kind: str) -> list[dict[str, Any]]:
        out = []
        for cid, c in self._contracts.items():
            if self._kind(c) != kind:
                continue
            spec = _contract_spec(self._specs[c.source], c)
            coin = cid.split("-")[0]
            ct_val = self.ct_val[cid]
            lot = Decimal(repr(spec.amount_step * c.multiplier)) / Decimal(repr(ct_val))
            tick = spec.price_tick / c.multiplier
            out.append({
                "instType": kind, "instId": cid, "uly": f"{coin}-{c.quote}",
                "instFamily": f"{coin}-{c.quote}", "baseCcy": "", "quoteCcy": "",
                "settleCcy": c.quote, "ctVal": _dec(ct_val), "ctMult": "1", "ctValCcy": coin,
                "ctType": "linear", "optType": "", "stk": "", "listTime": "1606468572000",
                "contTdSwTime": "1606468572000",
                "expTime": "" if c.is_perpetual else str(c.delivery_ms),
                "lever": _num(spec.max_leverage), "tickSz": _dec(tick),
                "lotSz": format(lot.normalize(), "f"), "minSz": format(lot.normalize(), "f"),
                "maxLmtSz": "100000000", "maxMktSz": "12000", "maxTwapSz": "", "maxIcebergSz": "",
                "maxTriggerSz": "", "maxStopSz": "", "alias": "" if c.is_perpetual else (
                    "next_quarter" if c.contract_type == "NEXT_QUARTER" else "quarter"),
                "state": "live" if c.status == "TRADING" else "suspend", "ruleType": "normal",
                "category": "1"})
        return out

    def _ticker(self, cid: str, contract: Listing) -> dict[str, Any]:
        day = self.ticker_24hr(contract)
        units = contract.multiplier
        last = float(day["lastPrice"]) / units
        coins = float(day["volume"]) * units
        return {"instType": self._kind(contract), "instId": cid, "last": _num(last),
                "lastSz": "1", "askPx": _num(last), "askSz": "1", "bidPx": _num(last),
                "bidSz": "1", "open24h": _num(float(day["openPrice"]) / units),
                "high24h": _num(float(day["highPrice"]) / units),
                "low24h": _num(float(day["lowPrice"]) / units),
                "volCcy24h": _num(coins), "vol24h": _num(coins / self.ct_val[cid]),
                "sodUtc0": _num(last), "sodUtc8": _num(last), "ts": str(self._now_ms)}

    def _books(self, cid: str, contract: Listing, params: dict[str, str]) -> tuple[int, Any]:
        try:
            size = int(params.get("sz", 1))
        except ValueError:
            size = -1
        if not 1 <= size <= BOOK_MAX_SIZE:
            return self._error("51000", "Parameter sz error")
        book = self.market.order_book(contract.source, max(size, 5))
        price, ct_val = contract.premium, self.ct_val[cid]

        def levels(side: tuple[tuple[float, float], ...]) -> list[list[str]]:
            return [[_num(p * price), _num(q / ct_val), "0", "1"] for p, q in side[:size]]

        return self._ok([{"asks": levels(book.asks), "bids": levels(book.bids),
                          "ts": str(self._now_ms)}])

    def _funding_now_row(self, cid: str, contract: Listing) -> dict[str, Any]:
        rate, _ = self._funding_now(contract.source)
        eight_h = 8 * 3_600_000
        settle = (self._now_ms // eight_h + 1) * eight_h
        return {"instType": "SWAP", "instId": cid, "fundingRate": _num(rate),
                "nextFundingRate": "", "fundingTime": str(settle),
                "nextFundingTime": str(settle + eight_h), "method": "current_period",
                "formulaType": "withRate", "settState": "settled", "settFundingRate": _num(rate),
                "minFundingRate": "-0.0075", "maxFundingRate": "0.0075", "premium": "0",
                "interestRate": "0.0001", "impactValue": "", "ts": str(self._now_ms)}

    def _funding_history(self, cid: str, contract: Listing,
                         params: dict[str, str]) -> tuple[int, Any]:
        """OKX semantics: ``before`` = newer than, ``after`` = older than; the newest
        ``limit`` records that qualify, newest first."""
        try:
            limit = int(params.get("limit", FUNDING_HISTORY_MAX))
        except ValueError:
            limit = -1
        if not 1 <= limit <= FUNDING_HISTORY_MAX:
            return self._error("51000", "Parameter limit error")
        if not contract.is_perpetual:
            return self._ok([])
        funding = self._funding[contract.source]
        times = funding.index.as_unit("ms").asi8.astype(np.int64)
        keep = times <= self._now_ms
        if "before" in params:
            keep &= times > int(params["before"])
        if "after" in params:
            keep &= times < int(params["after"])
        rows = np.flatnonzero(keep)[-limit:]
        return self._ok([
            {"instType": "SWAP", "instId": cid, "formulaType": "withRate",
             "fundingRate": _num(float(funding["funding_rate"].iloc[i])),
             "realizedRate": _num(float(funding["funding_rate"].iloc[i])),
             "fundingTime": str(int(times[i])), "method": "current_period"}
            for i in rows[::-1]])

    def tier_caps(self, cid: str) -> list[int]:
        """Tier caps in contracts: :data:`TIER_CAPS_USD` at the start price, whole contracts."""
        contract = self._contracts[cid]
        value = self.ct_val[cid] * self._last(contract)
        return [max(1, round(cap / value)) for cap, _, _ in TIER_CAPS_USD]

    def _tiers(self, params: dict[str, str]) -> tuple[int, Any]:
        kind, family = params.get("instType", ""), params.get("instFamily", "")
        if kind not in ("SWAP", "FUTURES", "MARGIN", "OPTION") or params.get(
                "tdMode") not in ("cross", "isolated"):
            return self._error("51000", "Parameter instType or tdMode error")
        chosen = [cid for cid, c in self._contracts.items()
                  if self._kind(c) == kind and cid.rsplit("-", 1)[0] == family]
        if not chosen:
            return self._error("51001", "Instrument family does not exist")
        cid = chosen[0]
        caps = self.tier_caps(cid)
        floors = [0, *caps[:-1]]
        return self._ok([
            {"tier": str(i + 1), "instFamily": family, "uly": family, "instId": "",
             "minSz": str(low), "maxSz": str(cap), "mmr": _num(mmr), "imr": _num(1 / lev),
             "maxLever": _num(float(lev)), "optMgnFactor": "0", "quoteMaxLoan": "",
             "baseMaxLoan": ""}
            for i, (low, cap, (_, mmr, lev)) in enumerate(zip(floors, caps, TIER_CAPS_USD,
                                                              strict=True))])


__all__ = ["OKX_LIMITS_PER_2S", "TIER_CAPS_USD", "OkxEmulator", "contract_value", "okx_id"]
