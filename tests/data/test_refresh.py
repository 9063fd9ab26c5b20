"""refresh_exchange against the loopback Binance emulator (real ccxt, real SQLite), refresh_demo.

Expected candles come from the market the emulator serves (``FixtureMarket``), never from the
code under test; request counts and weights are counted by the emulator independently.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.universe import Universe
from rotation_addin.data.cache import MarketCache
from rotation_addin.data.refresh import RefreshSummary, refresh_demo, refresh_exchange
from tests.emulator.binance import BinanceEmulator, Fault
from tests.emulator.fixture_market import FixtureMarket, utc
from tests.emulator.harness import raw_get

UNIVERSE = Universe({"alpha": ("SYM00", "SYM01"), "benchmark": ("SYM02",),
                     "unlisted": ("NOPE",)}, benchmark="SYM02")
HISTORY = {"1d": 40, "1h": 25}  # 25 days of hourly candles = 600 -> two klines pages
FAST_CLIENT = {"timeout_s": 1.0,  # a loaded 2-core machine answers well inside it
               "backoff_base_s": 0.01, "backoff_cap_s": 0.05,
               "max_retries": 2}
END = utc(2024, 6, 1)
START_NOW = utc(2024, 5, 30, 12) + timedelta(minutes=30)  # emulator clock at the start


@pytest.fixture(scope="module")
def market() -> FixtureMarket:
    return FixtureMarket.synthetic(3, end=END, days=60, seed=5)


@pytest.fixture
def emulator(market: FixtureMarket) -> Iterator[BinanceEmulator]:
    with BinanceEmulator(market, now=START_NOW) as emu:
        yield emu


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[MarketCache]:
    with MarketCache(tmp_path / "cache.sqlite3") as c:
        yield c


def refresh(emu: BinanceEmulator, cache: MarketCache, **kwargs: Any) -> RefreshSummary:
    options = {"history_days": HISTORY, "client_options": FAST_CLIENT, **kwargs}
    return refresh_exchange(UNIVERSE, cache=cache, api_base_url=emu.base_url, **options)


def expected(market: FixtureMarket, base: str, tf: str, first: datetime,
             last_open: datetime) -> pd.DataFrame:
    frame = market.daily_candles(base) if tf == "1d" else market.hourly_candles(base)
    return frame[(frame.index >= first) & (frame.index <= last_open)]


def assert_cache_matches(cache: MarketCache, market: FixtureMarket, base: str, tf: str,
                         first: datetime, last_open: datetime) -> None:
    got = cache.read_candles("binanceusdm", base, tf)
    want = expected(market, base, tf, first, last_open)
    assert list(got.index) == list(want.index), (base, tf)
    for column in ("open", "high", "low", "close", "volume", "volume_usd"):
        np.testing.assert_allclose(got[column].to_numpy(), want[column].to_numpy(), rtol=1e-9)


def snapshot(cache: MarketCache, base: str) -> dict[str, list[tuple[object, ...]]]:
    return {t: cache.table_rows(t, exchange="binanceusdm", base=base)
            for t in ("candles", "funding", "order_books", "markets", "tickers")}


def klines_requests(emu: BinanceEmulator, base: str | None = None) -> list[Any]:
    return [r for r in emu.request_log if r.path == "/fapi/v1/klines" and r.status == 200
            and (base is None or r.params.get("symbol") == f"{base}USDT")]


def test_full_refresh_stores_exactly_the_closed_candles(
    emulator: BinanceEmulator, market: FixtureMarket, cache: MarketCache
) -> None:
    seen: list[tuple[int, int]] = []
    summary = refresh(emulator, cache, progress=lambda d, t, _x: seen.append((d, t)))
    assert summary.outcome == "ok", summary.failures
    assert summary.symbols_ok == ("SYM00", "SYM01", "SYM02")
    assert summary.unlisted == ("NOPE",)  # reported, not silently dropped
    assert summary.rate_limited_429 == 0 and emulator.count_429 == 0
    # the client's weight equals the emulator's independent count
    assert summary.weight_used == emulator.weight_used > 0
    assert summary.requests == len(emulator.request_log)
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)
    # server clock 2024-05-30 12:30: last closed daily candle opened 05-29, hourly 11:00;
    # history: 40 days of daily and 25 days of hourly before the server clock
    now = emulator.now
    for base in summary.symbols_ok:
        assert_cache_matches(cache, market, base, "1d", now - timedelta(days=40), utc(2024, 5, 29))
        assert_cache_matches(cache, market, base, "1h", now - timedelta(days=25),
                             utc(2024, 5, 30, 11))
    # daily: opens 04-21 .. 05-29 (since 04-20 12:30 rounds up) = 39 per symbol;
    # hourly: opens 05-05 13:00 .. 05-30 11:00 = 25 * 24 - 1 = 599 per symbol
    assert summary.candles_by_timeframe == {"1d": 3 * 39, "1h": 3 * 599}
    paths = {r.path for r in emulator.request_log}  # before the direct checks below
    # the ticker is completed from the hourly candles: the same figures as Binance's 24 h
    # ticker (asked here directly, an independent path), without its request in the refresh
    tickers = cache.read_tickers("binanceusdm")
    assert set(tickers) == {"SYM00", "SYM01", "SYM02"}
    for base, ticker in tickers.items():
        direct = raw_get(emulator.base_url, "/fapi/v1/ticker/24hr", symbol=f"{base}USDT").json()
        assert ticker.last_price_usd == pytest.approx(float(direct["lastPrice"]), rel=1e-12)
        assert ticker.volume_24h_usd == pytest.approx(float(direct["quoteVolume"]), rel=1e-9)
    # order books and funding history are fetched on demand, not by the refresh
    assert not paths & {"/fapi/v1/depth", "/fapi/v1/fundingRate", "/fapi/v1/ticker/24hr"}
    assert cache.read_order_books("binanceusdm") == {}
    assert cache.read_funding("binanceusdm", "SYM00").empty
    # Binance's leverage brackets need an API key: said once, defaults apply, nothing stored
    assert [w for w in summary.warnings if w.startswith("leverage tiers")] == [
        "leverage tiers: binanceusdm leverage tiers need an API key (signed endpoint); "
        "bundled bracket defaults apply"]
    assert cache.table_rows("brackets") == []
    (log,) = cache.refresh_history("binanceusdm")
    assert log.outcome == "ok" and log.detail["weight_used"] == summary.weight_used


def test_incremental_refresh_fetches_only_new_candles(
    emulator: BinanceEmulator, market: FixtureMarket, cache: MarketCache
) -> None:
    full = refresh(emulator, cache)
    full_weight = emulator.weight_used
    before = {b: snapshot(cache, b)["candles"] for b in full.symbols_ok}

    emulator.reset_counters()  # same clock: nothing new has closed
    again = refresh(emulator, cache)
    assert again.ok and again.candles_written == 0
    assert klines_requests(emulator) == []
    assert {b: snapshot(cache, b)["candles"] for b in full.symbols_ok} == before

    # 5 more hourly candles closed (12..16 h)
    emulator.set_now(utc(2024, 5, 30, 17) + timedelta(minutes=10))
    emulator.reset_counters()
    later = refresh(emulator, cache)
    assert later.ok
    assert later.candles_by_timeframe == {"1h": 3 * 5}
    requests = klines_requests(emulator)
    assert len(requests) == 3  # one small page per symbol, daily not asked
    # hourly only (the client may stretch the page back to midnight at no extra weight and
    # derive the daily candle from it); never a daily request
    assert all(r.params["interval"] == "1h" and int(r.params["limit"]) < 100 for r in requests)
    # Binance weight of a klines request with limit < 100 is 1: three in all
    assert sum(r.weight for r in requests) == 3
    assert emulator.weight_used < full_weight
    for base in full.symbols_ok:
        assert_cache_matches(cache, market, base, "1h", START_NOW - timedelta(days=25),
                             utc(2024, 5, 30, 16))


@pytest.mark.parametrize(
    "fault",
    [
        Fault("server_error", path="/fapi/v1/klines", symbol="SYM01", count=1),
        Fault("timeout", path="/fapi/v1/klines", symbol="SYM01", count=1, hang_s=1.6),
        Fault("malformed", path="/fapi/v1/klines", symbol="SYM01", count=1),
        Fault("short_page", path="/fapi/v1/klines", symbol="SYM01", interval="1h", count=2),
        Fault("latency", path="/fapi/v1/klines", symbol="SYM01", count=3, latency_s=0.2),
    ],
    ids=lambda f: f"{f.kind}-{f.path.rsplit('/', 1)[-1] if f.path else 'all'}",
)
def test_transient_fault_ends_in_correct_data(
    emulator: BinanceEmulator, market: FixtureMarket, cache: MarketCache, fault: Fault
) -> None:
    emulator.faults.append(fault)
    summary = refresh(emulator, cache)
    assert fault.hits >= 1
    assert summary.ok, summary.failures
    now = emulator.now
    assert_cache_matches(cache, market, "SYM01", "1d", now - timedelta(days=40), utc(2024, 5, 29))
    assert_cache_matches(cache, market, "SYM01", "1h", now - timedelta(days=25),
                         utc(2024, 5, 30, 11))


@pytest.mark.parametrize(
    "fault",
    [
        Fault("server_error", path="/fapi/v1/klines", symbol="SYM01", count=None),
        Fault("timeout", path="/fapi/v1/klines", symbol="SYM01", interval="1h", count=None,
              hang_s=1.6),
        Fault("malformed", path="/fapi/v1/klines", symbol="SYM01", interval="1h", count=None),
    ],
    ids=lambda f: f"{f.kind}-{f.path.rsplit('/', 1)[-1] if f.path else 'all'}",
)
def test_persistent_fault_is_a_per_symbol_failure_with_cache_unchanged(
    emulator: BinanceEmulator, market: FixtureMarket, cache: MarketCache, fault: Fault
) -> None:
    assert refresh(emulator, cache).ok  # good rows first
    # a new daily and 15 new hourly candles
    emulator.set_now(utc(2024, 5, 31, 3) + timedelta(minutes=30))
    before = snapshot(cache, "SYM01")
    emulator.faults.append(fault)
    summary = refresh(emulator, cache)
    assert summary.outcome == "partial"
    assert summary.symbols_ok == ("SYM00", "SYM02")
    (failure,) = summary.failures
    assert failure.base == "SYM01" and failure.reason  # a clear, non-empty reason
    assert snapshot(cache, "SYM01") == before  # nothing of SYM01 was written
    # the others are complete up to the new clock
    assert_cache_matches(cache, market, "SYM00", "1h", START_NOW - timedelta(days=25),
                         utc(2024, 5, 31, 2))
    assert cache.refresh_history("binanceusdm")[0].failures == {"SYM01": failure.reason}


def test_gap_at_the_exchange_is_reported_and_not_filled(
    emulator: BinanceEmulator, market: FixtureMarket, cache: MarketCache
) -> None:
    emulator.faults.append(Fault("gap", path="/fapi/v1/klines", symbol="SYM00", interval="1h",
                                 start=utc(2024, 5, 20, 3), end=utc(2024, 5, 20, 7)))
    summary = refresh(emulator, cache)
    assert summary.ok and summary.gaps == 1
    stored = cache.read_candles("binanceusdm", "SYM00", "1h")
    hole = pd.date_range(utc(2024, 5, 20, 3), periods=4, freq="h")
    assert not stored.index.isin(hole).any()
    want = expected(market, "SYM00", "1h", emulator.now - timedelta(days=25),
                    utc(2024, 5, 30, 11)).drop(hole)
    np.testing.assert_allclose(stored["close"].to_numpy(), want["close"].to_numpy(), rtol=1e-9)
    status = {(s.base, s.timeframe): s for s in cache.status("binanceusdm")}
    assert (status[("SYM00", "1h")].gaps, status[("SYM00", "1h")].missing_candles) == (1, 4)


def test_ban_stops_everything_and_keeps_the_cache(
    emulator: BinanceEmulator, cache: MarketCache
) -> None:
    assert refresh(emulator, cache).ok
    emulator.set_now(utc(2024, 5, 31, 3) + timedelta(minutes=30))
    before = {b: snapshot(cache, b) for b in ("SYM00", "SYM01", "SYM02")}
    emulator.faults.append(Fault("server_error", path="/fapi/v1/klines", count=None,
                                 status=418))
    summary = refresh(emulator, cache)
    assert summary.outcome == "failed" and summary.symbols_ok == ()
    assert {f.base for f in summary.failures} == {"SYM00", "SYM01", "SYM02"}
    assert all("418" in f.reason or "ban" in f.reason.lower() for f in summary.failures)
    assert {b: snapshot(cache, b) for b in before} == before


def test_cancel_keeps_committed_symbols_and_leaves_the_rest_unchanged(
    emulator: BinanceEmulator, cache: MarketCache
) -> None:
    cancel = threading.Event()

    def progress(done: int, total: int, detail: str) -> None:
        if done >= 1:
            cancel.set()

    summary = refresh(emulator, cache, progress=progress, cancel=cancel,
                      client_options={**FAST_CLIENT, "max_concurrency": 1})
    assert summary.cancelled and summary.outcome == "cancelled"
    assert len(summary.symbols_ok) >= 1
    failed = {f.base for f in summary.failures}
    assert failed and failed.isdisjoint(summary.symbols_ok)
    for base in failed:
        assert cache.table_rows("candles", exchange="binanceusdm", base=base) == []


def test_bad_arguments_are_input_errors(cache: MarketCache) -> None:
    with pytest.raises(InputError, match="symbols"):
        refresh_exchange(UNIVERSE, cache=cache, symbols=["BTC"])
    with pytest.raises(InputError, match="timeframe"):
        refresh_exchange(UNIVERSE, cache=cache, timeframes=["2d"])
    with pytest.raises(InputError, match="since"):
        refresh_exchange(UNIVERSE, cache=cache, since=datetime(2999, 1, 1))
    with pytest.raises(InputError, match="refresh_demo"):
        refresh_exchange(UNIVERSE, cache=cache, exchange_id="demo")


def test_unreachable_exchange_is_a_data_error(cache: MarketCache) -> None:
    with pytest.raises(DataError):
        refresh_exchange(UNIVERSE, cache=cache, api_base_url="http://127.0.0.1:9",
                         client_options=FAST_CLIENT)
    assert cache.table_rows("candles") == []


def test_refresh_demo_writes_labelled_demo_rows(cache: MarketCache) -> None:
    small = Universe({"render": ("RENDER",), "benchmark": ("BTC",)})
    seen: list[int] = []
    summary = refresh_demo(small, cache=cache, progress=lambda d, t, x: seen.append(d))
    assert summary.ok and summary.exchange_id == "demo"
    assert summary.source == "demo (simulated)" and summary.weight_used == 0
    assert seen == [0, 1, 2]
    rows = cache.table_rows("candles")
    assert {r[0] for r in rows} == {"demo"} and {r[-1] for r in rows} == {"demo (simulated)"}
    daily = cache.read_candles("demo", "RENDER", "1d")
    hourly = cache.read_candles("demo", "RENDER", "1h")
    assert len(daily) >= 3 * 365 and len(hourly) == 365 * 24
    assert summary.candles_by_timeframe == {"1d": 2 * len(daily), "1h": 2 * len(hourly)}
    assert not cache.read_series("macro", demo=True).empty
    assert cache.read_series("macro").empty  # demo never lands in the live realm


def test_cancel_before_start_returns_a_cancelled_summary(
    emulator: BinanceEmulator, cache: MarketCache
) -> None:
    cancel = threading.Event()
    cancel.set()
    summary = refresh(emulator, cache, cancel=cancel)
    assert summary.cancelled and summary.symbols_ok == ()
    # the market list was never loaded, so even NOPE is "not written" rather than unlisted
    assert {f.base for f in summary.failures} == {"SYM00", "SYM01", "SYM02", "NOPE"}
    assert cache.table_rows("candles") == []
    assert cache.refresh_history("binanceusdm")[0].outcome == "cancelled"


def test_explicit_since_before_the_stored_history_backfills(
    emulator: BinanceEmulator, market: FixtureMarket, cache: MarketCache
) -> None:
    assert refresh(emulator, cache, history_days={"1d": 10, "1h": 2}).ok
    assert cache.first_open_time("binanceusdm", "SYM00", "1d") == int(
        utc(2024, 5, 21).timestamp() * 1000)  # 05-20 12:30 rounds up to 05-21
    summary = refresh(emulator, cache, since=utc(2024, 5, 1), timeframes=("1d",))
    assert summary.ok
    # 05-01 .. 05-20 backfilled: 20 per symbol; nothing new at the end (same clock)
    assert summary.candles_by_timeframe == {"1d": 3 * 20}
    for base in summary.symbols_ok:
        assert_cache_matches(cache, market, base, "1d", utc(2024, 5, 1), utc(2024, 5, 29))


def test_sync_wrapper_works_inside_a_running_event_loop(
    emulator: BinanceEmulator, cache: MarketCache
) -> None:
    import asyncio

    async def caller() -> RefreshSummary:  # e.g. a notebook or an async host
        return refresh(emulator, cache, timeframes=("1d",))

    summary = asyncio.run(caller())
    assert summary.ok and summary.candles_by_timeframe == {"1d": 3 * 39}
