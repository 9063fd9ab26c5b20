"""Live prices (ccxt.pro) against the loopback websocket + REST emulators, fault by fault.

Real parts: ccxt.pro's own websocket client parses the emulator's frames, the REST fallback is
ccxt against the REST emulator, backfilled candles go into a real SQLite cache. Expected prices
are the ones the test published; expected candles come from the market the REST emulator
serves (refresh first, then the stream's backfill), never from the code under test.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import numpy as np
import pytest

from rotation_addin.core.universe import Universe
from rotation_addin.data.cache import MarketCache
from rotation_addin.data.live import LivePrices, LiveTick
from rotation_addin.data.live_runner import LiveRunner
from rotation_addin.data.refresh import refresh_exchange
from tests.emulator.binance import BinanceEmulator
from tests.emulator.binance_ws import BinanceStreamEmulator, StreamTick
from tests.emulator.fixture_market import FixtureMarket, utc

BASES = ("SYM00", "SYM01")
IDS = tuple(f"{b}USDT" for b in BASES)
START_NOW = utc(2024, 5, 30, 12) + timedelta(minutes=30)


@pytest.fixture(scope="module")
def market() -> FixtureMarket:
    return FixtureMarket.synthetic(2, end=utc(2024, 6, 1), days=40, seed=3)


@pytest.fixture
def rest(market: FixtureMarket) -> Iterator[BinanceEmulator]:
    with BinanceEmulator(market, now=START_NOW) as emu:
        yield emu


@pytest.fixture
def ws() -> Iterator[BinanceStreamEmulator]:
    with BinanceStreamEmulator() as emu:
        yield emu


class Collector:
    """Runs a LivePrices stream on its thread and keeps every tick it yields."""

    def __init__(self, stream: LivePrices) -> None:
        self.stream = stream
        self.ticks: list[LiveTick] = []
        self.runner = LiveRunner(stream, self.ticks.extend)

    def __enter__(self) -> Collector:
        self.runner.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.runner.stop(10), "the stream did not stop within 10 s"

    def stream_prices(self, base: str) -> list[float]:
        return [t.last_price_usd for t in self.ticks
                if t.base == base and t.via == "stream" and t.last_price_usd is not None]


def wait_for(condition: Callable[[], bool], timeout_s: float = 10.0) -> float:
    """Poll ``condition``; return the seconds it took (fails after ``timeout_s``)."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout_s:
            raise AssertionError(f"condition not met within {timeout_s} s")
        time.sleep(0.02)
    return time.monotonic() - start


def subscribed(ws: BinanceStreamEmulator) -> bool:
    return {f"{i.lower()}@miniTicker" for i in IDS} <= ws.subscribed_streams()


def make_stream(rest: BinanceEmulator, ws: BinanceStreamEmulator, **kwargs: object) -> LivePrices:
    options: dict[str, object] = {"rest_poll_s": 0.5, **kwargs}
    return LivePrices(BASES, api_base_url=rest.base_url, ws_base_url=ws.ws_url,
                      **options)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the emulator itself
def test_emulator_speaks_the_binance_stream_dialect(ws: BinanceStreamEmulator) -> None:
    """A plain aiohttp client (not ccxt): SUBSCRIBE is acknowledged, frames have Binance's
    fields, per-symbol streams get objects and ``!…@arr`` streams one array."""

    async def session() -> list[object]:
        async with aiohttp.ClientSession() as http, \
                http.ws_connect(ws.ws_url.replace("/ws", "/market/ws/0")) as sock:
            streams = ["sym00usdt@miniTicker", "!markPrice@arr@1s"]
            await sock.send_str(json.dumps({"method": "SUBSCRIBE", "id": 7, "params": streams}))
            frames = [json.loads((await sock.receive(timeout=5)).data)]
            await asyncio.to_thread(ws.publish, [StreamTick("SYM00USDT", 12.5, 12.4)], 1000)
            frames += [json.loads((await sock.receive(timeout=5)).data) for _ in range(2)]
            return frames

    ack, first, second = asyncio.run(session())
    assert ack == {"result": None, "id": 7}
    mini = first if isinstance(first, dict) else second
    marks = second if isinstance(first, dict) else first
    assert mini == {"e": "24hrMiniTicker", "E": 1000, "s": "SYM00USDT", "c": "12.5",
                    "o": "12.5", "h": "12.5", "l": "12.5", "v": "1000", "q": "12500"}
    assert isinstance(marks, list) and marks[0]["e"] == "markPriceUpdate"
    assert marks[0]["p"] == "12.4" and marks[0]["T"] == 8 * 3_600_000


# ---------------------------------------------------------------- ccxt.pro parses it
def test_stream_yields_the_published_prices(rest: BinanceEmulator,
                                            ws: BinanceStreamEmulator) -> None:
    with Collector(make_stream(rest, ws, marks=True)) as got:
        wait_for(lambda: subscribed(ws))
        wait_for(lambda: any("markPrice" in s for s in ws.subscribed_streams()))
        ws.publish([StreamTick("SYM00USDT", 101.25, 101.5), StreamTick("SYM01USDT", 3.5)])
        wait_for(lambda: len(got.stream_prices("SYM01")) >= 1
                 and any(t.mark_price_usd == 101.5 for t in got.ticks))
    assert got.stream_prices("SYM00") == [101.25]
    assert got.stream_prices("SYM01") == [3.5]
    assert got.stream.status.mode == "stream" and got.stream.status.malformed_frames == 0


def test_a_burst_is_delivered_whole_and_in_order(rest: BinanceEmulator,
                                                 ws: BinanceStreamEmulator) -> None:
    burst = [StreamTick("SYM00USDT", 100.0 + i / 100) for i in range(500)]
    with Collector(make_stream(rest, ws)) as got:
        wait_for(lambda: subscribed(ws))
        ws.publish(burst)
        wait_for(lambda: len(got.stream_prices("SYM00")) >= 500)
    assert got.stream_prices("SYM00") == [t.last for t in burst]


def test_malformed_frames_are_counted_and_ignored(rest: BinanceEmulator,
                                                  ws: BinanceStreamEmulator,
                                                  caplog: pytest.LogCaptureFixture,
                                                  capfd: pytest.CaptureFixture[str]) -> None:
    bad = ['{"e":"24hrMiniTicker","s":', b"\xff\xfe\x00", '[{"e":"24hrMiniTicker"',
           '{"e":"24hrMiniTicker","E":1,"s":"SYM00USDT","c":"abc"}']
    with caplog.at_level(logging.DEBUG), Collector(make_stream(rest, ws)) as got:
        wait_for(lambda: subscribed(ws))
        for frame in bad:
            ws.send_raw(frame)
        ws.publish([StreamTick("SYM00USDT", 42.0)])
        wait_for(lambda: got.stream_prices("SYM00") == [42.0])
    assert got.stream.status.malformed_frames == len(bad)
    assert got.stream.status.drops == 0 and ws.connections_opened == 1  # same socket kept
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# ---------------------------------------------------------------- drops and outages
def test_a_dropped_socket_reconnects_within_5_s_with_rest_prices_meanwhile(
        rest: BinanceEmulator, ws: BinanceStreamEmulator) -> None:
    with Collector(make_stream(rest, ws)) as got:
        wait_for(lambda: subscribed(ws))
        ws.start_ticking(IDS, 10, lambda s, n: 50.0 + n)
        wait_for(lambda: len(got.stream_prices("SYM00")) >= 3)
        assert ws.drop_connections() == 1
        took = wait_for(lambda: ws.connections_opened == 2 and subscribed(ws), 5.0)
        wait_for(lambda: any(t.via == "rest" for t in got.ticks))
        seen = len(got.stream_prices("SYM00"))
        wait_for(lambda: len(got.stream_prices("SYM00")) > seen + 3)
        ws.stop_ticking()
    status = got.stream.status
    assert took < 5.0 and status.drops == 1 and status.mode == "stream"
    assert len(status.reconnect_s) == 1 and status.reconnect_s[0] < 5.0
    rest_ticks = {t.base: t for t in got.ticks if t.via == "rest"}
    closes = {b: rest.market.hourly_candles(b)["close"] for b in BASES}
    last_closed = START_NOW.replace(minute=0) - timedelta(hours=1)
    for base in BASES:  # the REST fallback price = the emulator's last closed hourly close
        assert rest_ticks[base].last_price_usd == pytest.approx(
            float(closes[base].loc[last_closed]), rel=1e-6)


def test_an_outage_keeps_rest_prices_coming_until_the_socket_is_back(
        rest: BinanceEmulator, ws: BinanceStreamEmulator) -> None:
    with Collector(make_stream(rest, ws)) as got:
        wait_for(lambda: subscribed(ws))
        ws.refuse_for(2.5)
        wait_for(lambda: sum(t.via == "rest" for t in got.ticks) >= 2 * len(BASES) * 3, 6)
        wait_for(lambda: ws.refused >= 1 and subscribed(ws), 8)
        ws.publish([StreamTick("SYM01USDT", 7.75)])
        wait_for(lambda: got.stream_prices("SYM01") == [7.75])
    assert got.stream.status.rest_snapshots >= 3 and got.stream.status.mode == "stream"


def test_the_missed_interval_is_backfilled_with_no_gap_in_stored_candles(
        rest: BinanceEmulator, ws: BinanceStreamEmulator, market: FixtureMarket,
        tmp_path: Path) -> None:
    universe = Universe({"alpha": BASES[:1], "benchmark": BASES[1:]}, benchmark=BASES[1])
    with MarketCache(tmp_path / "cache.sqlite3") as cache:
        refresh_exchange(universe, cache=cache, api_base_url=rest.base_url,
                         history_days={"1d": 20, "1h": 3})
        before = cache.last_closed_open_time("binanceusdm", "SYM00", "1h")
        with Collector(make_stream(rest, ws, cache=cache)) as got:
            wait_for(lambda: subscribed(ws))
            ws.drop_connections()
            rest.set_now(START_NOW + timedelta(hours=5))  # five hours pass while it is down
            wait_for(lambda: ws.connections_opened >= 2 and subscribed(ws), 5.0)
            wait_for(lambda: got.stream.status.backfilled_candles >= 2 * 5, 10)
        for base in BASES:
            stored = cache.read_candles("binanceusdm", base, "1h")
            steps = np.diff(stored.index.as_unit("ms").asi8)
            assert (steps == 3_600_000).all(), f"{base}: gap in the stored hourly candles"
            last_closed = START_NOW.replace(minute=0) + timedelta(hours=4)
            assert stored.index[-1] == last_closed
            want = market.hourly_candles(base)["close"].loc[stored.index[-5:]]
            assert np.allclose(stored["close"].iloc[-5:], want.to_numpy(), rtol=1e-9)
    assert before is not None and got.stream.status.backfill_errors == 0
