"""The Binance USDⓈ-M loopback emulator on its own: plain HTTP (urllib), then real ccxt.

References: Binance USDⓈ-M REST docs ("Kline/Candlestick Data": default limit 500, max 1500,
weight by limit [1,100) 1, [100,500) 2, [500,1000] 5, >1000 10; "General Info / Limits":
X-MBX-USED-WEIGHT-1M on every response, 429 + Retry-After past the budget, 418 on abuse).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import ccxt
import pandas as pd
import pytest

from tests.emulator.binance import BinanceEmulator, Fault
from tests.emulator.harness import REAL_NOW, price_market, raw_get

HOUR_MS = 3_600_000
DAY_MS = 86_400_000
NOW_MS = int(REAL_NOW.timestamp() * 1000)


@pytest.fixture
def emulator() -> Iterator[BinanceEmulator]:
    with BinanceEmulator(price_market(), now=REAL_NOW) as emu:
        yield emu


def test_klines_default_limit_is_500_with_weight_5_and_the_open_candle_last(
    emulator: BinanceEmulator
) -> None:
    reply = raw_get(emulator.base_url, "/fapi/v1/klines", symbol="BTCUSDT", interval="1h")
    rows = reply.json()
    assert reply.status == 200 and len(rows) == 500
    assert reply.headers["X-MBX-USED-WEIGHT-1M"] == "5"  # limit 500 -> weight 5
    # the last row is the candle open at 12:00 while the clock says 12:30 (still open)
    assert rows[-1][0] == NOW_MS - HOUR_MS // 2
    assert rows[-1][6] == rows[-1][0] + HOUR_MS - 1
    final = (
        price_market()
        .hourly_candles("BTC")
        .loc[pd.Timestamp(rows[-1][0], unit="ms", tz="UTC")]
    )
    assert float(rows[-1][4]) != pytest.approx(final["close"], rel=1e-12)  # partial, not final
    # the one before is closed and exactly the market's candle
    before = (
        price_market()
        .hourly_candles("BTC")
        .loc[pd.Timestamp(rows[-2][0], unit="ms", tz="UTC")]
    )
    assert float(rows[-2][4]) == pytest.approx(before["close"], rel=1e-15)
    assert float(rows[-2][7]) == pytest.approx(before["volume_usd"], rel=1e-15)


@pytest.mark.parametrize(
    ("limit", "weight"),
    [(1, 1), (99, 1), (100, 2), (499, 2), (500, 5), (1000, 5), (1001, 10), (1500, 10)],
)
def test_klines_weight_by_limit(emulator: BinanceEmulator, limit: int, weight: int) -> None:
    reply = raw_get(
        emulator.base_url,
        "/fapi/v1/klines",
        symbol="LTCUSDT",
        interval="1h",
        limit=limit,
        startTime=NOW_MS - 3000 * HOUR_MS,
    )
    assert reply.status == 200 and len(reply.json()) == limit
    assert int(reply.headers["X-MBX-USED-WEIGHT-1M"]) == weight
    assert emulator.weight_used == weight


def test_klines_start_end_semantics(emulator: BinanceEmulator) -> None:
    start = NOW_MS - 10 * DAY_MS - 10 * HOUR_MS  # 02:30: the first candle is the next midnight
    rows = raw_get(
        emulator.base_url,
        "/fapi/v1/klines",
        symbol="BTCUSDT",
        interval="1d",
        startTime=start,
        limit=3,
    ).json()
    first_midnight = start + 21 * HOUR_MS + HOUR_MS // 2  # 02:30 + 21.5 h = 00:00
    assert first_midnight % DAY_MS == 0
    assert [r[0] for r in rows] == [first_midnight + i * DAY_MS for i in range(3)]
    end = rows[1][0]
    only_end = raw_get(
        emulator.base_url, "/fapi/v1/klines", symbol="BTCUSDT", interval="1d", endTime=end, limit=2
    ).json()
    assert [r[0] for r in only_end] == [end - DAY_MS, end]  # the last `limit` up to endTime
    both = raw_get(
        emulator.base_url,
        "/fapi/v1/klines",
        symbol="BTCUSDT",
        interval="1d",
        startTime=rows[0][0],
        endTime=rows[2][0],
        limit=1000,
    ).json()
    assert [r[0] for r in both] == [r[0] for r in rows]
    too_many = raw_get(
        emulator.base_url, "/fapi/v1/klines", symbol="BTCUSDT", interval="1d", limit=1501
    )
    assert too_many.status == 400 and too_many.json()["code"] == -1130
    unknown = raw_get(emulator.base_url, "/fapi/v1/klines", symbol="NOPEUSDT", interval="1d")
    assert unknown.status == 400 and unknown.json()["code"] == -1121


def test_budget_gives_429_with_retry_after_then_418_on_hammering() -> None:
    market = price_market()
    with BinanceEmulator(
        market,
        now=REAL_NOW,
        weight_limit_per_minute=10,
        minute_seconds=30,
        ban_after_violations=2,
        violation_grace_s=0.0,
    ) as emu:
        for _ in range(2):  # 2 x 5 = 10: exactly the budget
            assert (
                raw_get(emu.base_url, "/fapi/v1/klines", symbol="BTCUSDT", interval="1h").status
                == 200
            )
        limited = raw_get(emu.base_url, "/fapi/v1/klines", symbol="BTCUSDT", interval="1h")
        assert limited.status == 429 and limited.json()["code"] == -1003
        assert 1 <= int(limited.headers["Retry-After"]) <= 30
        assert limited.headers["X-MBX-USED-WEIGHT-1M"] == "10"
        assert raw_get(emu.base_url, "/fapi/v1/ping").status == 429  # 1st violation
        banned = raw_get(emu.base_url, "/fapi/v1/ping")  # 2nd violation -> ban
        assert banned.status == 418 and int(banned.headers["Retry-After"]) >= 1
        assert emu.count_429 == 2 and emu.count_418 == 1
        assert emu.weight_used == 10


def test_window_resets_after_minute_seconds() -> None:
    with BinanceEmulator(
        price_market(),
        now=REAL_NOW,
        weight_limit_per_minute=2,
        minute_seconds=0.5,
    ) as emu:
        assert raw_get(emu.base_url, "/fapi/v1/time").status == 200
        assert raw_get(emu.base_url, "/fapi/v1/time").status == 200
        time.sleep(0.55)
        reply = raw_get(emu.base_url, "/fapi/v1/time")
        assert reply.status == 200 and reply.headers["X-MBX-USED-WEIGHT-1M"] == "1"
        assert reply.json() == {"serverTime": NOW_MS}


def test_faults_are_count_limited_and_shaped(emulator: BinanceEmulator) -> None:
    emulator.faults[:] = [
        Fault("server_error", path="/fapi/v1/klines", symbol="BTC", count=1, status=502),
        Fault("malformed", path="/fapi/v1/klines", symbol="BTC", count=1),
        Fault("short_page", path="/fapi/v1/klines", symbol="BTC", count=1, keep=7),
    ]
    params = {
        "symbol": "BTCUSDT",
        "interval": "1h",
        "limit": 50,
        "startTime": NOW_MS - 100 * HOUR_MS,
    }
    assert raw_get(emulator.base_url, "/fapi/v1/klines", **params).status == 502
    broken = raw_get(emulator.base_url, "/fapi/v1/klines", **params)
    assert broken.status == 200
    with pytest.raises(ValueError):
        broken.json()
    assert len(raw_get(emulator.base_url, "/fapi/v1/klines", **params).json()) == 7
    assert (
        len(raw_get(emulator.base_url, "/fapi/v1/klines", **params).json()) == 50
    )  # faults used up
    assert [f.hits for f in emulator.faults] == [1, 1, 1]


def test_gap_fault_removes_candles_and_latency_fault_delays(emulator: BinanceEmulator) -> None:
    gap_start = REAL_NOW - timedelta(hours=20, minutes=30)
    emulator.faults.append(
        Fault(
            "gap", symbol="LTC", interval="1h", start=gap_start, end=gap_start + timedelta(hours=3)
        )
    )
    emulator.faults.append(Fault("latency", path="/fapi/v1/klines", symbol="LTC", latency_s=0.3))
    t0 = time.monotonic()
    rows = raw_get(
        emulator.base_url, "/fapi/v1/klines", symbol="LTCUSDT", interval="1h", limit=30
    ).json()
    assert time.monotonic() - t0 >= 0.3
    opens = {r[0] for r in rows}
    missing = {int(gap_start.timestamp() * 1000) + i * HOUR_MS for i in range(3)}
    assert not opens & missing and len(rows) == 30


def test_real_ccxt_parses_markets_and_reads_everything(
    emulator: BinanceEmulator
) -> None:
    exchange = ccxt.binanceusdm({"enableRateLimit": False})
    exchange.urls["api"] = {
        k: v.replace("https://fapi.binance.com", emulator.base_url) if isinstance(v, str) else v
        for k, v in exchange.urls["api"].items()
    }
    markets = exchange.load_markets()
    specs = price_market().contract_specs()
    assert sorted(m["base"] for m in markets.values()) == sorted(specs)
    btc = markets["BTC/USDT:USDT"]
    assert btc["swap"] and btc["linear"] and btc["active"] and btc["settle"] == "USDT"
    assert btc["precision"]["price"] == specs["BTC"].price_tick
    assert btc["precision"]["amount"] == specs["BTC"].amount_step
    assert btc["limits"]["cost"]["min"] == specs["BTC"].min_notional_usd
    assert btc["limits"]["amount"]["min"] == specs["BTC"].min_amount
    candles = exchange.fetch_ohlcv("BTC/USDT:USDT", "1d", since=NOW_MS - 5 * DAY_MS, limit=3)
    midnight_after = NOW_MS - 5 * DAY_MS + 11 * HOUR_MS + HOUR_MS // 2  # 12:30 + 11.5 h
    assert [c[0] for c in candles] == [midnight_after + i * DAY_MS for i in range(3)]
    assert exchange.fetch_ticker("BTC/USDT:USDT")["last"] > 0
    assert exchange.fetch_funding_rate("BTC/USDT:USDT")["fundingRate"] is not None
    book = exchange.fetch_order_book("BTC/USDT:USDT", 5)
    assert len(book["bids"]) == 5 and book["bids"][0][0] < book["asks"][0][0]
    assert exchange.fetch_time() == NOW_MS
    with pytest.raises(ccxt.AuthenticationError):
        exchange.fetch_leverage_tiers(["BTC/USDT:USDT"])
    # every answer carries the used-weight header, and the log agrees with the counter
    assert exchange.last_response_headers["X-MBX-USED-WEIGHT-1M"] == str(emulator.used_weight_1m())
    assert sum(r.weight for r in emulator.request_log if r.status == 200) == emulator.weight_used
