"""ExchangeClient with the REAL ccxt (async) against the loopback Binance emulator.

No monkeypatched ccxt: every request crosses a real socket to ``tests/emulator/binance.py``.
Expected values come from the fixture market (the data the emulator serves), from the
emulator's own request log (weights computed by its independent table) and from hand
arithmetic written next to each assertion.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.types import ContractSpec
from rotation_addin.data.exchange import (
    ExchangeBannedError,
    ExchangeClient,
    FetchCancelledError,
    ProgressEvent,
)
from rotation_addin.data.weights import WeightBudget, klines_weight, plan_pages, plan_weight
from tests.emulator.binance import BinanceEmulator, Fault
from tests.emulator.fixture_market import FixtureMarket
from tests.emulator.harness import REAL_BASES, REAL_NOW, price_market, raw_get, run

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
LAST_CLOSED_HOUR = datetime(2023, 12, 14, 11, tzinfo=UTC)  # clock 12:30 -> 11:00 closed
LAST_CLOSED_DAY = datetime(2023, 12, 13, tzinfo=UTC)
FAST = {"backoff_base_s": 0.02, "backoff_cap_s": 0.2}


@pytest.fixture
def market() -> FixtureMarket:
    return price_market()


@pytest.fixture
def emulator(market: FixtureMarket) -> Iterator[BinanceEmulator]:
    with BinanceEmulator(market, now=REAL_NOW) as emu:
        yield emu


def client_for(emu: BinanceEmulator, **kwargs: object) -> ExchangeClient:
    options: dict[str, object] = {"api_base_url": emu.base_url, **FAST}
    options.update(kwargs)
    return ExchangeClient(**options)  # type: ignore[arg-type]


def expected(
    market: FixtureMarket, base: str, tf: str, since: datetime, last: datetime
) -> pd.DataFrame:
    frame = market.hourly_candles(base) if tf == "1h" else market.daily_candles(base)
    return frame.loc[since:last]


def assert_same_candles(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.index) == list(want.index)
    np.testing.assert_allclose(got[list(want.columns)].to_numpy(), want.to_numpy(), rtol=1e-12)


# ---------------------------------------------------------------------------- weight planning
def brute_force_weight(n: int) -> int:
    """Cheapest weight over every mix of page counts (tiers 99/1, 499/2, 1000/5, 1500/10)."""
    best = 10**9
    for a, b, c, d in itertools.product(range(12), range(6), range(3), range(2)):
        if 99 * a + 499 * b + 1000 * c + 1500 * d >= n:
            best = min(best, a + 2 * b + 5 * c + 10 * d)
    return best


@pytest.mark.parametrize("n", [1, 99, 100, 198, 199, 499, 500, 598, 600, 997, 998, 1100, 2000])
def test_page_plan_is_the_cheapest(n: int) -> None:
    pages = plan_pages(n)
    assert sum(pages) == n and all(1 <= p <= 1500 for p in pages)
    assert plan_weight(n) == sum(klines_weight(p) for p in pages) == brute_force_weight(n)


def test_one_year_hourly_plan_matches_hand_arithmetic() -> None:
    # 8,760 = 17 x 499 + 277 -> 18 pages of weight 2 = 36 (limit 1500: 6 x 10 = 60)
    assert plan_pages(8760) == (499,) * 17 + (277,)
    assert plan_weight(8760) == 36
    assert plan_weight(365) == 2 and plan_weight(24) == 1


def test_budget_rejects_nonsense() -> None:
    with pytest.raises(InputError, match="weight_budget_per_minute"):
        WeightBudget(0)
    with pytest.raises(InputError, match="exchange_id"):
        ExchangeClient("no-such-exchange")
    with pytest.raises(InputError, match="api_base_url"):
        ExchangeClient(api_base_url="ftp://x")


# ---------------------------------------------------------------------------- markets
def test_load_markets_parses_contract_rules(
    emulator: BinanceEmulator, market: FixtureMarket
) -> None:
    async def go() -> dict[str, ContractSpec]:
        async with client_for(emulator) as client:
            return await client.load_markets()

    specs = run(go)
    want = market.contract_specs()
    assert set(specs) == set(REAL_BASES)
    for base in REAL_BASES:
        got, ref = specs[base], want[base]
        assert got.symbol == f"{base}/USDT:USDT"
        assert (got.price_tick, got.amount_step, got.min_amount) == (
            ref.price_tick,
            ref.amount_step,
            ref.min_amount,
        )
        assert got.min_notional_usd == ref.min_notional_usd
        assert got.max_leverage == pytest.approx(ref.max_leverage)  # 100 / requiredMarginPercent
        assert got.contract_size == 1.0
        assert (got.taker_fee_rate, got.maker_fee_rate) == (0.0005, 0.0002)  # ccxt's linear fees


# ---------------------------------------------------------------------------- candles
def test_one_year_hourly_in_18_pages_of_weight_2_closed_only(
    emulator: BinanceEmulator, market: FixtureMarket
) -> None:
    since = LAST_CLOSED_HOUR - 8759 * HOUR  # exactly 8,760 closed candles

    async def go():  # type: ignore[no-untyped-def]
        async with client_for(emulator) as client:
            await client.load_markets()
            return await client.fetch_ohlcv("BTC", "1h", since)

    emulator.reset_counters()
    result = run(go)
    assert_same_candles(result.candles, expected(market, "BTC", "1h", since, LAST_CLOSED_HOUR))
    assert result.candles.index[-1] == LAST_CLOSED_HOUR  # the 12:00 candle is still open
    assert result.last_closed == LAST_CLOSED_HOUR
    assert result.gaps == () and result.requests == 18 and result.weight == 36
    klines = [r for r in emulator.request_log if r.path == "/fapi/v1/klines"]
    assert sorted(int(r.params["limit"]) for r in klines) == [277] + [499] * 17
    assert sum(r.weight for r in klines) == 36  # the emulator's own weight table agrees


def test_daily_candles_and_until_bound(emulator: BinanceEmulator, market: FixtureMarket) -> None:
    since = datetime(2023, 1, 1, tzinfo=UTC)
    until = datetime(2023, 7, 1, tzinfo=UTC)

    async def go():  # type: ignore[no-untyped-def]
        async with client_for(emulator) as client:
            full = await client.fetch_ohlcv("RENDER", "1d", since)
            part = await client.fetch_ohlcv("RENDER", "1d", int(since.timestamp() * 1000), until)
            return full, part

    full, part = run(go)
    assert_same_candles(full.candles, expected(market, "RENDER", "1d", since, LAST_CLOSED_DAY))
    assert part.candles.index[-1] == until - DAY and len(part.candles) == 181  # Jan..Jun 2023
    assert full.requests == 1 and full.weight == 2  # 347 candles: one page of weight 2


def test_nothing_new_closed_sends_no_request(emulator: BinanceEmulator) -> None:
    async def go():  # type: ignore[no-untyped-def]
        async with client_for(emulator) as client:
            await client.load_markets()
            sent = client.requests_sent
            result = await client.fetch_ohlcv("BTC", "1d", LAST_CLOSED_DAY + DAY)
            return result, client.requests_sent - sent

    result, sent = run(go)
    assert sent == 0 and result.candles.empty


def test_gaps_are_reported_never_filled(emulator: BinanceEmulator, market: FixtureMarket) -> None:
    gap_start = datetime(2023, 12, 1, 5, tzinfo=UTC)
    gap_end = gap_start + 7 * HOUR
    emulator.faults.append(Fault("gap", symbol="LTC", interval="1h", start=gap_start, end=gap_end))
    tail_gap = LAST_CLOSED_HOUR - 2 * HOUR  # the last three closed hours are missing too
    emulator.faults.append(Fault("gap", symbol="LTC", interval="1h", start=tail_gap, end=REAL_NOW))
    since = datetime(2023, 11, 20, tzinfo=UTC)

    async def go():  # type: ignore[no-untyped-def]
        async with client_for(emulator) as client:
            return await client.fetch_ohlcv("LTC", "1h", since)

    result = run(go)
    assert result.gaps == ((gap_start, gap_end), (tail_gap, LAST_CLOSED_HOUR + HOUR))
    want = expected(market, "LTC", "1h", since, tail_gap - HOUR)
    want = want[(want.index < gap_start) | (want.index >= gap_end)]
    assert_same_candles(result.candles, want)
    assert any("missing" in w for w in result.warnings)


def test_duplicates_and_out_of_order_are_repaired(
    emulator: BinanceEmulator, market: FixtureMarket
) -> None:
    emulator.faults.append(
        Fault("disorder", path="/fapi/v1/klines", symbol="FET", keep=5, count=None)
    )
    since = datetime(2023, 12, 1, tzinfo=UTC)

    async def go():  # type: ignore[no-untyped-def]
        async with client_for(emulator) as client:
            return await client.fetch_ohlcv("FET", "1h", since)

    result = run(go)
    assert_same_candles(result.candles, expected(market, "FET", "1h", since, LAST_CLOSED_HOUR))
    assert result.duplicates_dropped == 5 and result.out_of_order > 0


FAULTS = [
    {"kind": "server_error", "count": 2, "status": 503},
    {"kind": "server_error", "count": 1, "status": 500},
    {"kind": "timeout", "count": 2, "hang_s": 1.6},  # above the 1.0 s client timeout
    {"kind": "malformed", "count": 2},
    {"kind": "short_page", "count": 3, "keep": 40},
    {"kind": "latency", "count": 3, "latency_s": 0.2},
]


@pytest.mark.parametrize("spec", FAULTS, ids=lambda f: f"{f['kind']}-{f['count']}")
def test_each_fault_ends_in_correct_data(
    emulator: BinanceEmulator, market: FixtureMarket, spec: dict[str, Any]
) -> None:
    fault = Fault(path="/fapi/v1/klines", symbol="BTC", **spec)
    emulator.faults.append(fault)
    since = LAST_CLOSED_HOUR - 1199 * HOUR  # 1,200 candles: 499 + 499 + 202

    async def go():  # type: ignore[no-untyped-def]
        async with client_for(emulator, timeout_s=1.0) as client:  # 0.3 s: loaded runs retried
            result = await client.fetch_ohlcv("BTC", "1h", since)
            return result, client.retries

    result, retries = run(go)
    assert_same_candles(result.candles, expected(market, "BTC", "1h", since, LAST_CLOSED_HOUR))
    assert result.gaps == ()
    assert fault.hits == spec["count"]  # every injected fault was actually hit
    if fault.kind in ("server_error", "timeout", "malformed"):
        assert retries == spec["count"]


def test_persistent_fault_is_a_clear_per_symbol_failure(
    emulator: BinanceEmulator, market: FixtureMarket
) -> None:
    emulator.faults.append(
        Fault("server_error", path="/fapi/v1/klines", symbol="RENDER", count=None)
    )
    since = datetime(2023, 12, 10, tzinfo=UTC)

    async def go():  # type: ignore[no-untyped-def]
        async with client_for(emulator, max_retries=2) as client:
            return await client.fetch_ohlcv_many(["BTC", "RENDER", "NOPE"], ("1d", "1h"), since)

    batch = run(go)
    assert set(batch.failures) == {"RENDER", "NOPE"}
    assert (
        "failed after 3 attempts" in batch.failures["RENDER"]
        and "HTTP 503" in batch.failures["RENDER"]
    )
    assert "not listed" in batch.failures["NOPE"]
    assert_same_candles(
        batch.results[("BTC", "1h")].candles, expected(market, "BTC", "1h", since, LAST_CLOSED_HOUR)
    )


# ---------------------------------------------------------------------------- rate limits
def test_weight_budget_holds_with_zero_429s(market: FixtureMarket) -> None:
    # Budget 60 per 1-second window; 4 symbols x 1y hourly (18 pages x 2 = 36; the daily
    # candles are aggregated from them) = 144 weight needs 3 windows (60 + 60 + 24): the client
    # must pace. A 1 s booking margin covers request delays on a loaded 2-CPU machine.
    with BinanceEmulator(
        market, now=REAL_NOW, weight_limit_per_minute=60, minute_seconds=1.0
    ) as emu:

        async def go():  # type: ignore[no-untyped-def]
            async with client_for(
                emu,
                weight_budget_per_minute=60,
                weight_window_s=1.0,
                weight_margin_s=1.0,
                max_concurrency=4,
            ) as client:
                await client.load_markets()
                emu.reset_counters()
                t0 = time.monotonic()
                batch = await client.fetch_ohlcv_many(
                    list(REAL_BASES), ("1d", "1h"), LAST_CLOSED_HOUR - 8759 * HOUR
                )
                return batch, time.monotonic() - t0

        batch, elapsed = run(go)
        assert emu.count_429 == 0 and emu.count_418 == 0
        assert batch.failures == {} and batch.weight == emu.weight_used
        assert max(r.used_weight_1m for r in emu.request_log) <= 60
        assert batch.weight == 144
        assert elapsed >= 2.0  # the third 60-weight slice waits for two windows to pass
        for base in ("BTC", "LTC"):  # the two with data over the whole year
            assert len(batch.results[(base, "1h")].candles) == 8760


def test_429_is_honoured_with_zero_data_loss(market: FixtureMarket) -> None:
    # The client believes in 2,400/min, the server allows 12 per 1 s window: 429s must come,
    # be waited out (Retry-After) and retried without a ban and without losing a candle.
    with BinanceEmulator(
        market, now=REAL_NOW, weight_limit_per_minute=12, minute_seconds=1.0
    ) as emu:

        async def go():  # type: ignore[no-untyped-def]
            async with client_for(emu, weight_budget_per_minute=2400) as client:
                return await client.fetch_ohlcv_many(
                    ["BTC", "LTC"], ("1h",), LAST_CLOSED_HOUR - 4000 * HOUR
                )

        batch = run(go)
        assert emu.count_429 > 0 and emu.count_418 == 0
        assert batch.failures == {}
        for base in ("BTC", "LTC"):
            want = expected(market, base, "1h", LAST_CLOSED_HOUR - 4000 * HOUR, LAST_CLOSED_HOUR)
            assert_same_candles(batch.results[(base, "1h")].candles, want)


def test_used_weight_header_resyncs_the_budget(market: FixtureMarket) -> None:
    # Another program on the same IP used 50 of the 60 weight: the first answer's header says
    # so and the client waits for the next window instead of running into 429s.
    with BinanceEmulator(
        market, now=REAL_NOW, weight_limit_per_minute=60, minute_seconds=1.5
    ) as emu:
        for _ in range(10):
            raw_get(
                emu.base_url, "/fapi/v1/klines", symbol="BTCUSDT", interval="1d", limit=10
            )  # weight 1
        for _ in range(8):
            raw_get(
                emu.base_url, "/fapi/v1/klines", symbol="BTCUSDT", interval="1d", limit=500
            )  # weight 5

        async def go():  # type: ignore[no-untyped-def]
            async with client_for(
                emu, weight_budget_per_minute=60, weight_window_s=1.5, max_concurrency=1
            ) as client:
                await client.load_markets()
                batch = await client.fetch_ohlcv_many(
                    ["BTC"], ("1h",), LAST_CLOSED_HOUR - 4000 * HOUR
                )
                return batch, client.budget.foreign_weight_seen

        batch, foreign = run(go)
        assert foreign >= 40 and emu.count_429 == 0 and batch.failures == {}


def test_418_stops_everything_at_once(market: FixtureMarket) -> None:
    with BinanceEmulator(
        market,
        now=REAL_NOW,
        weight_limit_per_minute=5,
        minute_seconds=60,
        ban_after_violations=1,
        violation_grace_s=0.0,
    ) as emu:
        raw_get(emu.base_url, "/fapi/v1/klines", symbol="BTCUSDT", interval="1d")  # 5 = budget
        raw_get(emu.base_url, "/fapi/v1/ping")  # 429
        assert raw_get(emu.base_url, "/fapi/v1/ping").status == 418  # banned
        emu.reset_counters()

        async def go():  # type: ignore[no-untyped-def]
            async with client_for(emu, weight_budget_per_minute=2400) as client:
                await client.fetch_ohlcv_many(
                    list(REAL_BASES), ("1d", "1h"), LAST_CLOSED_HOUR - 8759 * HOUR
                )

        t0 = time.monotonic()
        with pytest.raises(ExchangeBannedError, match="418"):
            run(go)
        assert time.monotonic() - t0 < 4.0  # no backoff waits (slack for a loaded machine)
        assert len(emu.request_log) <= 8  # no retries after the ban (first request: markets)


# ---------------------------------------------------------------------------- cancel, progress
def test_cancel_stops_within_a_second(market: FixtureMarket) -> None:
    with BinanceEmulator(
        market,
        now=REAL_NOW,
        faults=[Fault("latency", path="/fapi/v1/klines", count=None, latency_s=2.0)],
    ) as emu:
        cancel = threading.Event()
        threading.Timer(0.3, cancel.set).start()

        async def go():  # type: ignore[no-untyped-def]
            async with client_for(emu, cancel=cancel) as client:
                await client.fetch_ohlcv_many(
                    list(REAL_BASES), ("1h",), LAST_CLOSED_HOUR - 8759 * HOUR
                )

        t0 = time.monotonic()
        with pytest.raises(FetchCancelledError):
            run(go)
        assert time.monotonic() - t0 < 1.9  # set at 0.3 s; a 2 s request was in flight, not awaited


def test_progress_reports_symbols_and_weight(emulator: BinanceEmulator) -> None:
    events: list[ProgressEvent] = []

    async def go():  # type: ignore[no-untyped-def]
        async with client_for(emulator, progress=events.append) as client:
            return await client.fetch_ohlcv_many(
                list(REAL_BASES), ("1d", "1h"), datetime(2023, 12, 1, tzinfo=UTC)
            )

    batch = run(go)
    assert [e.done for e in events] == list(range(len(REAL_BASES) + 1))
    assert all(e.total == len(REAL_BASES) for e in events)
    assert {e.symbol for e in events[1:]} == set(REAL_BASES)
    weights = [e.weight_used for e in events]
    assert (
        weights == sorted(weights) and weights[-1] == emulator.weight_used == batch.weight + 1
    )  # + markets


def test_incremental_refresh_fetches_only_new_candles(
    emulator: BinanceEmulator, market: FixtureMarket
) -> None:
    async def first():  # type: ignore[no-untyped-def]
        async with client_for(emulator) as client:
            return await client.fetch_ohlcv("BTC", "1h", datetime(2023, 11, 1, tzinfo=UTC))

    stored = run(first)
    emulator.set_now(REAL_NOW + DAY)
    emulator.reset_counters()

    async def later():  # type: ignore[no-untyped-def]
        async with client_for(emulator) as client:
            await client.load_markets()
            return await client.fetch_ohlcv("BTC", "1h", stored.candles.index[-1] + HOUR)

    fresh = run(later)
    assert len(fresh.candles) == 24 and fresh.requests == 1 and fresh.weight == 1  # limit 24
    assert_same_candles(
        fresh.candles,
        expected(market, "BTC", "1h", LAST_CLOSED_HOUR + HOUR, LAST_CLOSED_HOUR + DAY),
    )


# ---------------------------------------------------------------------------- other data
def test_tickers_funding_book_and_tiers(emulator: BinanceEmulator, market: FixtureMarket) -> None:
    async def go():  # type: ignore[no-untyped-def]
        async with client_for(emulator) as client:
            tickers = await client.fetch_tickers(["BTC", "LTC"])
            history = await client.fetch_funding_history("BTC", datetime(2023, 1, 1, tzinfo=UTC))
            book = await client.fetch_order_book("LTC", 10)
            tiers = await client.fetch_leverage_tiers(["BTC"])
            return tickers, history, book, tiers

    tickers, history, book, tiers = run(go)
    last_close = market.hourly_candles("BTC")["close"].loc[pd.Timestamp(LAST_CLOSED_HOUR)]
    assert tickers["BTC"].last_price_usd == pytest.approx(last_close, rel=1e-12)
    assert tickers["BTC"].mark_price_usd == pytest.approx(last_close * 1.0002, rel=1e-12)
    day = market.hourly_candles("BTC").loc[LAST_CLOSED_HOUR - 23 * HOUR : LAST_CLOSED_HOUR]
    assert tickers["BTC"].volume_24h_usd == pytest.approx(day["volume_usd"].sum(), rel=1e-9)
    funding = market.funding_history("BTC")
    want = funding.loc[datetime(2023, 1, 1, tzinfo=UTC) : REAL_NOW]
    assert len(history.frame) == len(want) > 1000  # more than one page of 1,000
    np.testing.assert_allclose(
        history.rates.to_numpy(), want["funding_rate"].to_numpy(), rtol=1e-12
    )
    assert tickers["BTC"].funding_rate == pytest.approx(want["funding_rate"].iloc[-1], rel=1e-12)
    ref = market.order_book("LTC", 10)
    assert book.bids == ref.bids and book.asks == ref.asks
    assert not tiers.available and "API key" in tiers.message


def test_bad_inputs_are_named(emulator: BinanceEmulator) -> None:
    async def go(coro_name: str) -> None:
        async with client_for(emulator) as client:
            if coro_name == "timeframe":
                await client.fetch_ohlcv("BTC", "7h", datetime(2023, 1, 1, tzinfo=UTC))
            elif coro_name == "since":
                await client.fetch_ohlcv("BTC", "1h", datetime(2023, 1, 1))  # naive
            elif coro_name == "limit":
                await client.fetch_order_book("BTC", 7)

    for name in ("timeframe", "since", "limit"):
        with pytest.raises(InputError, match=name):
            asyncio.run(go(name))
    with pytest.raises(DataError, match="not open"):
        asyncio.run(ExchangeClient().load_markets())


# ---------------------------------------------------------------------------- daily from hourly
def test_daily_from_hourly_costs_no_daily_request(
    emulator: BinanceEmulator, market: FixtureMarket
) -> None:
    since = LAST_CLOSED_HOUR - 8759 * HOUR  # 2022-12-15 12:00 -> hourly stretched to midnight
    gap_start = datetime(2023, 6, 1, 3, tzinfo=UTC)
    emulator.faults.append(
        Fault("gap", symbol="BTC", interval="1h", start=gap_start, end=gap_start + 2 * HOUR)
    )

    async def go():  # type: ignore[no-untyped-def]
        async with client_for(emulator) as client:
            return await client.fetch_candles("BTC", {"1h": since, "1d": since})

    got = run(go)
    hourly, daily = got["1h"], got["1d"]
    assert hourly.candles.index[0] == since and hourly.gaps == ((gap_start, gap_start + 2 * HOUR),)
    # every daily candle equals the exchange's own daily candle, including 2023-06-01 whose
    # hourly candles have a hole (that one day is requested instead of aggregated)
    assert_same_candles(
        daily.candles, expected(market, "BTC", "1d", since.replace(hour=0) + DAY, LAST_CLOSED_DAY)
    )
    assert daily.requests == 1 and daily.weight == 1  # the one incomplete day
    log = [
        r.params
        for r in emulator.request_log
        if r.path == "/fapi/v1/klines" and r.params["interval"] == "1d"
    ]
    assert len(log) == 1 and int(log[0]["startTime"]) == int(
        datetime(2023, 6, 1, tzinfo=UTC).timestamp() * 1000
    )
    assert (
        hourly.requests == 18 and hourly.weight == 36
    )  # 8,772 candles from midnight: still 18 x 2
    assert any("aggregated" in w for w in daily.warnings)


def test_incremental_refresh_of_both_timeframes_costs_weight_1(
    emulator: BinanceEmulator, market: FixtureMarket
) -> None:
    emulator.set_now(REAL_NOW + DAY)
    next_hour, next_day = LAST_CLOSED_HOUR + HOUR, LAST_CLOSED_DAY + DAY

    async def go():  # type: ignore[no-untyped-def]
        async with client_for(emulator) as client:
            await client.load_markets()
            emulator.reset_counters()
            return await client.fetch_ohlcv_many(
                ["BTC"], ("1d", "1h"), {("BTC", "1h"): next_hour, ("BTC", "1d"): next_day}
            )

    batch = run(go)
    # one hourly request from midnight (36 candles, limit < 100 -> weight 1) gives the new day
    assert emulator.weight_used == 1 and batch.requests == 1
    assert_same_candles(
        batch.results[("BTC", "1d")].candles, expected(market, "BTC", "1d", next_day, next_day)
    )
    assert_same_candles(
        batch.results[("BTC", "1h")].candles,
        expected(market, "BTC", "1h", next_hour, LAST_CLOSED_HOUR + DAY),
    )


# ---------------------------------------------------------------------------- the demo market
def test_client_reads_the_demo_market_through_the_emulator() -> None:
    from rotation_addin.data.demo import DemoMarket

    demo = DemoMarket(days=130)
    with BinanceEmulator(demo) as emu:  # default clock: 30 min into the demo's last hour
        since = emu.now - timedelta(days=20)

        async def go():  # type: ignore[no-untyped-def]
            async with client_for(emu) as client:
                specs = await client.load_markets()
                return specs, await client.fetch_ohlcv_many(list(specs), ("1d", "1h"), since)

        specs, batch = run(go)
    want_specs = demo.contract_specs()
    assert set(specs) == set(want_specs) and batch.failures == {}
    last_hour = pd.Timestamp(emu.now).floor("h") - HOUR
    last_day = pd.Timestamp(emu.now).floor("D") - DAY
    for base, spec in specs.items():
        assert (spec.price_tick, spec.amount_step) == (
            want_specs[base].price_tick,
            want_specs[base].amount_step,
        )
        hourly = demo.hourly_candles(base).loc[pd.Timestamp(since).ceil("h") : last_hour]
        daily = demo.daily_candles(base).loc[pd.Timestamp(since).ceil("D") : last_day]
        assert_same_candles(batch.results[(base, "1h")].candles, hourly)
        assert_same_candles(batch.results[(base, "1d")].candles, daily)


def test_weight_budget_sliding_window_arithmetic() -> None:
    now = [0.0]
    budget = WeightBudget(10, window_s=60.0, margin_s=1.0, clock=lambda: now[0])
    asyncio.run(budget.acquire(6))  # t = 0: 6 booked
    now[0] = 30.0
    asyncio.run(budget.acquire(4))  # t = 30: 10 booked, the budget is full
    assert budget.wait_time(1) == pytest.approx(31.0)  # the 6 leave at 0 + 60 + 1 = 61 s
    assert budget.wait_time(7) == pytest.approx(61.0)  # 7 needs the 4 gone too: 30 + 61 = 91 s
    budget.observe_used(15)  # the exchange counts 15: 5 more than booked -> someone else
    assert budget.foreign_weight_seen == 5 and budget.in_window() == 15
    budget.pause(100.0)  # a 429's Retry-After at t = 30: nothing before 130 s
    now[0] = 95.0
    assert budget.in_window() == 0  # everything booked at 30 s left at 91 s
    assert budget.wait_time(1) == pytest.approx(35.0)
    now[0] = 131.0
    assert budget.wait_time(10) == 0.0


def test_generic_ccxt_path_for_other_exchanges(
    emulator: BinanceEmulator, market: FixtureMarket
) -> None:
    # What any non-Binance ccxt id gets: unified fetch_ohlcv, ccxt's own pacing, weight 1 per
    # request, no quote volume (approximated as volume x close, with a warning).
    since = LAST_CLOSED_HOUR - 599 * HOUR  # 600 candles: 499 + 101 -> two requests

    async def go():  # type: ignore[no-untyped-def]
        async with client_for(emulator, binance_weights=False) as client:
            return await client.fetch_candles("LTC", {"1h": since, "1d": since})

    got = run(go)
    hourly, daily = got["1h"], got["1d"]
    want = expected(market, "LTC", "1h", since, LAST_CLOSED_HOUR)
    cols = ["open", "high", "low", "close", "volume"]
    assert_same_candles(hourly.candles[cols], want[cols])
    approx = (want["volume"] * want["close"]).to_numpy()
    np.testing.assert_allclose(hourly.candles["volume_usd"].to_numpy(), approx, rtol=1e-12)
    assert (
        hourly.requests == 2
        and hourly.weight == 2
        and any("approximated" in w for w in hourly.warnings)
    )
    assert daily.requests == 1  # not derived from hourly outside Binance
    assert_same_candles(
        daily.candles[cols],
        expected(market, "LTC", "1d", since.replace(hour=0) + DAY, LAST_CLOSED_DAY)[cols],
    )
