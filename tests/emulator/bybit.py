"""Loopback Bybit v5 public market emulator (127.0.0.1 only): a second dialect, same market.

Speaks what ccxt's ``bybit`` class calls (checked against ccxt's source in the venv):

=================================  ===========================================================
path                               what (ccxt method)
=================================  ===========================================================
``/v5/market/time``                server time
``/v5/market/instruments-info``    ``category=linear`` contracts (load_markets; ``spot``,
                                   ``inverse``, ``option`` and ``status=PreLaunch``: empty)
``/v5/market/kline``               candles newest first, ``interval`` ``60``/``D``,
                                   ``start``/``end``/``limit`` (<= 1000; fetch_ohlcv)
``/v5/market/tickers``             last, mark, funding now, 24 h turnover (fetch_tickers,
                                   fetch_funding_rates)
``/v5/market/orderbook``           ``b``/``a`` levels (limit <= 500; fetch_order_book)
``/v5/market/funding/history``     ``fundingRateTimestamp`` newest first (limit <= 200;
                                   fetch_funding_rate_history)
``/v5/market/risk-limit``          public risk-limit tiers (fetch_leverage_tiers)
=================================  ===========================================================

Every answer is ``{"retCode": 0, "retMsg": "OK", "result": ..., "time": ms}``; errors are
HTTP 200 with a non-zero ``retCode`` as Bybit sends them. Every request weighs 1 (Bybit limits
requests per IP, 600 per 5 s). Contracts come from the same :class:`Listing` objects as the
Binance emulator, named the Bybit way (USDC perpetuals ``BTCPERP``, quarterlies
``BTCUSDT-18NOV26``); prices and books are the same source series.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np

from tests.emulator.binance import BinanceEmulator, _contract_spec, _num
from tests.emulator.listings import Listing

BYBIT_INTERVALS = {"60": "1h", "D": "1d"}
RISK_TIERS = ((200_000, 0.01, 50), (1_000_000, 0.025, 20), (5_000_000, 0.05, 10),
              (20_000_000, 0.1, 5))
"""(riskLimitValue USD, maintenance margin rate, max leverage) of the emulated tiers."""


def bybit_id(contract: Listing) -> str:
    """Bybit's name of a contract: ``BTCUSDT``, ``BTCPERP`` (USDC), ``BTCUSDT-18NOV26``."""
    if contract.is_perpetual:
        return f"{contract.base_asset}PERP" if contract.quote == "USDC" else contract.id
    expiry = datetime.fromtimestamp(contract.delivery_ms / 1000, tz=UTC)
    return f"{contract.base_asset}{contract.quote}-{expiry:%d%b%y}".upper()


class BybitEmulator(BinanceEmulator):
    """Bybit v5 public market data over the same market, clock and fault machinery."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("weight_limit_per_minute", 600)
        super().__init__(*args, **kwargs)
        self._contracts = {bybit_id(c): c for c in self._contracts.values()}
        self._ids = {cid: c.source for cid, c in self._contracts.items()}

    def weight_of(self, path: str, params: dict[str, str]) -> int:
        return 1

    def _ok(self, result: Any) -> tuple[int, Any]:
        return 200, {"retCode": 0, "retMsg": "OK", "result": result, "retExtInfo": {},
                     "time": self._now_ms}

    def _error(self, code: int, message: str) -> tuple[int, Any]:
        return 200, {"retCode": code, "retMsg": message, "result": {}, "retExtInfo": {},
                     "time": self._now_ms}

    def route(self, path: str, params: dict[str, str]) -> tuple[int, Any]:
        if path == "/v5/market/time":
            seconds = self._now_ms // 1000
            return self._ok({"timeSecond": str(seconds), "timeNano": str(self._now_ms * 10**6)})
        if path == "/v5/market/instruments-info":
            linear = params.get("category") == "linear" and params.get("status") != "PreLaunch"
            return self._ok({"category": params.get("category", ""), "nextPageCursor": "",
                             "list": self._instruments() if linear else []})
        if path == "/v5/market/tickers":
            chosen = ([self._contracts[params["symbol"]]] if params.get("symbol") in
                      self._contracts else list(self._contracts.values()))
            if "symbol" in params and params["symbol"] not in self._contracts:
                return self._error(10001, "params error: symbol invalid")
            return self._ok({"category": "linear", "list": [
                self._ticker(c) for c in chosen if c.status == "TRADING"]})
        contract = self._contracts.get(params.get("symbol", ""))
        if path == "/v5/market/risk-limit":
            return self._ok({"category": "linear", "nextPageCursor": "",
                             "list": self._risk_limits(contract)})
        if contract is None:
            return self._error(10001, "params error: symbol invalid")
        if path == "/v5/market/kline":
            return self._kline(contract, params)
        if path == "/v5/market/orderbook":
            return self._orderbook(contract, params)
        if path == "/v5/market/funding/history":
            return self._funding_history(contract, params)
        return 404, {"retCode": 10404, "retMsg": f"unknown path {path}"}

    # ------------------------------------------------------------------ answers
    def _instruments(self) -> list[dict[str, Any]]:
        out = []
        for cid, c in self._contracts.items():
            spec = _contract_spec(self._specs[c.source], c)
            status = {"TRADING": "Trading", "SETTLING": "Settling"}.get(c.status, "Closed")
            out.append({
                "symbol": cid, "contractType": "LinearPerpetual" if c.is_perpetual
                else "LinearFutures", "status": status, "baseCoin": c.base_asset,
                "quoteCoin": c.quote, "settleCoin": c.quote, "launchTime": "1585526400000",
                "deliveryTime": "0" if c.is_perpetual else str(c.delivery_ms),
                "deliveryFeeRate": "", "priceScale": "6",
                "leverageFilter": {"minLeverage": "1", "maxLeverage": _num(spec.max_leverage),
                                   "leverageStep": "0.01"},
                "priceFilter": {"minPrice": _num(spec.price_tick), "maxPrice": "1999999",
                                "tickSize": _num(spec.price_tick)},
                "lotSizeFilter": {"maxOrderQty": "1000000", "minOrderQty": _num(spec.min_amount),
                                  "qtyStep": _num(spec.amount_step),
                                  "postOnlyMaxOrderQty": "1000000",
                                  "minNotionalValue": _num(spec.min_notional_usd)},
                "unifiedMarginTrade": True, "fundingInterval": 480,
                "copyTrading": "both", "upperFundingRate": "0.005",
                "lowerFundingRate": "-0.005"})
        return out

    def _ticker(self, contract: Listing) -> dict[str, Any]:
        day = self.ticker_24hr(contract)
        premium = self.premium_index(contract)
        return {
            "symbol": bybit_id(contract), "lastPrice": day["lastPrice"],
            "indexPrice": premium["indexPrice"], "markPrice": premium["markPrice"],
            "prevPrice24h": day["openPrice"], "price24hPcnt": _num(
                float(day["priceChangePercent"]) / 100), "highPrice24h": day["highPrice"],
            "lowPrice24h": day["lowPrice"], "turnover24h": day["quoteVolume"],
            "volume24h": day["volume"], "openInterest": "1000", "openInterestValue": "1000000",
            "fundingRate": premium["lastFundingRate"] if contract.is_perpetual else "",
            "nextFundingTime": str(premium["nextFundingTime"]) if contract.is_perpetual else "",
            "bid1Price": day["lastPrice"], "ask1Price": day["lastPrice"], "bid1Size": "1",
            "ask1Size": "1", "deliveryTime": "0", "basis": "", "predictedDeliveryPrice": "",
        }

    def _kline(self, contract: Listing, params: dict[str, str]) -> tuple[int, Any]:
        interval = BYBIT_INTERVALS.get(params.get("interval", ""))
        if interval is None:
            return self._error(10001, "params error: invalid interval")
        limit = int(params.get("limit", 200))
        if not 1 <= limit <= 1000:
            return self._error(10001, "params error: limit")
        query = {"symbol": contract.id, "interval": interval, "limit": str(min(limit, 1000))}
        for ours, theirs in (("start", "startTime"), ("end", "endTime")):
            if ours in params:
                query[theirs] = params[ours]
        status, rows = self.klines(query)  # the Binance view of the same candles
        if status != 200:
            return self._error(10001, "params error")
        listed = [[str(r[0]), r[1], r[2], r[3], r[4], r[5], r[7]] for r in rows]
        return self._ok({"category": "linear", "symbol": bybit_id(contract),
                         "list": listed[::-1]})  # newest first, as Bybit sends them

    def _contract_of(self, params: dict[str, str]) -> Listing | None:
        wanted = params.get("symbol", "")
        found = self._contracts.get(wanted)
        if found is not None:
            return found
        return next((c for c in self._contracts.values() if c.id == wanted), None)

    def _orderbook(self, contract: Listing, params: dict[str, str]) -> tuple[int, Any]:
        limit = int(params.get("limit", 25))
        if not 1 <= limit <= 500:
            return self._error(10001, "params error: limit")
        book = self.book_of(contract, max(limit, 5))
        return self._ok({"s": bybit_id(contract), "ts": self._now_ms, "u": 1, "seq": 1,
                         "cts": self._now_ms,
                         "b": [[_num(p), _num(q)] for p, q in book.bids[:limit]],
                         "a": [[_num(p), _num(q)] for p, q in book.asks[:limit]]})

    def _funding_history(self, contract: Listing, params: dict[str, str]) -> tuple[int, Any]:
        limit = int(params.get("limit", 200))
        if not 1 <= limit <= 200:
            return self._error(10001, "params error: limit")
        if not contract.is_perpetual:
            return self._ok({"category": "linear", "list": []})
        funding = self._funding[contract.source]
        times = funding.index.as_unit("ms").asi8.astype(np.int64)
        keep = times <= min(self._now_ms, int(params.get("endTime", self._now_ms)))
        if "startTime" in params:
            keep &= times >= int(params["startTime"])
        rows = np.flatnonzero(keep)[-limit:]
        return self._ok({"category": "linear", "list": [
            {"symbol": bybit_id(contract), "fundingRate": _num(float(
                funding["funding_rate"].iloc[i])), "fundingRateTimestamp": str(int(times[i]))}
            for i in rows[::-1]]})

    def _risk_limits(self, contract: Listing | None) -> list[dict[str, Any]]:
        chosen = [contract] if contract else [c for c in self._contracts.values()
                                              if c.is_perpetual and c.status == "TRADING"]
        return [{"id": i + 1, "symbol": bybit_id(c), "riskLimitValue": str(cap),
                 "maintenanceMargin": _num(mmr), "initialMargin": _num(1 / lev),
                 "isLowestRisk": 1 if i == 0 else 0, "maxLeverage": _num(float(lev)),
                 "mmDeduction": ""}
                for c in chosen for i, (cap, mmr, lev) in enumerate(RISK_TIERS)]


__all__ = ["BYBIT_INTERVALS", "RISK_TIERS", "BybitEmulator", "bybit_id"]
