"""A real SIGKILL of a process in the middle of a refresh leaves a sound cache.

The child process runs the real demo refresh into a real SQLite file. The demo refresh is all
or nothing: it builds every symbol, then replaces the whole demo run (rows, series and the
run's fingerprint) in ONE transaction. To kill it at a known point *inside* that open write
transaction, the child pauses right after a candle write of one symbol (the delete of the old
run and the new rows written so far are pending, uncommitted); the parent then sends SIGKILL.
A second test slows every candle write a little and kills the write part-way; a third kills
the real ``rotation refresh`` against the emulator, whose symbols commit one by one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from rotation_addin.core.universe import Universe
from rotation_addin.data.cache import MarketCache
from rotation_addin.data.loader import load_market
from rotation_addin.data.refresh import DEMO_RUN_META_KEY, refresh_demo
from rotation_addin.data.universe_io import default_universe

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signal test")

SMALL = Universe({"render": ("RENDER", "LPT"), "benchmark": ("BTC",)})

CHILD = textwrap.dedent(
    """
    import sys, time
    from rotation_addin.data import cache as c

    pause_base = sys.argv[2]
    original = c.MarketCache.write_candles

    def write_then_maybe_pause(self, exchange, base, timeframe, frame, source):
        n = original(self, exchange, base, timeframe, frame, source)
        if pause_base == "slow":  # the run's transaction stays open a little longer per write
            print("WRITING", base, timeframe, flush=True)
            time.sleep(0.2)
        elif base == pause_base and timeframe == "1h":
            print("MID-TRANSACTION", base, flush=True)
            time.sleep(120)
        return n

    c.MarketCache.write_candles = write_then_maybe_pause
    from rotation_addin.data.refresh import refresh_demo
    refresh_demo(cache=sys.argv[1], progress=lambda d, t, x: print("DONE", d, x, flush=True))
    print("FINISHED", flush=True)
    """
)


def _start_child(path: Path, pause_base: str, home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "ROTATION_DESK_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), pause_base],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _wait_for_line(proc: subprocess.Popen[str], prefix: str, timeout_s: float) -> list[str]:
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.strip())
        if line.startswith(prefix):
            return lines
    proc.kill()
    err = proc.stderr.read() if proc.stderr else ""
    pytest.fail(f"child never printed {prefix!r}; stdout={lines} stderr={err[-2000:]}")


def _snapshot(path: Path) -> dict[str, object]:
    """Every demo row of every table, the demo series and the run fingerprint."""
    with MarketCache(path) as cache:
        tables = ("candles", "markets", "tickers", "funding", "order_books")
        out: dict[str, object] = {t: cache.table_rows(t, exchange="demo") for t in tables}
        out["series"] = [r for r in cache.table_rows("series") if r[3] == "demo"]
        out["fingerprint"] = cache.read_meta(DEMO_RUN_META_KEY)
        return out


def test_sigkill_inside_the_run_transaction_keeps_the_previous_run(
    tmp_path: Path, isolated_home: Path
) -> None:
    path = tmp_path / "cache.sqlite3"
    # earlier good rows: a demo refresh with another seed and universe, so old and new differ
    assert refresh_demo(SMALL, cache=path, seed=1).ok
    before = _snapshot(path)
    assert all(before.values())
    assert before["fingerprint"]["seed"] == 1  # type: ignore[index]

    proc = _start_child(path, "LPT", isolated_home)  # default universe: RENDER, LPT, THETA...
    lines = _wait_for_line(proc, "MID-TRANSACTION", timeout_s=120)
    # every symbol was built (progress per symbol) before the one write began
    n_bases = len(default_universe().bases)
    assert any(line.startswith(f"DONE {n_bases} ") for line in lines), lines
    wal = path.with_name(path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the run's uncommitted pages are in the WAL
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL

    with MarketCache(path) as cache:
        report = cache.integrity_check()
        assert report.ok, report
        # the killed run never logged a result; the earlier run did
        assert [r.outcome for r in cache.refresh_history("demo")] == ["ok"]
    # all or nothing for the whole run: RENDER (written first) is the old run's too
    assert _snapshot(path) == before
    data = load_market("cache", exchange_id="demo", universe=SMALL, cache_file=path, seed=1)
    assert list(data.close.columns) == ["RENDER", "LPT", "BTC"]


def test_sigkill_while_the_run_is_written_leaves_the_previous_run(
    tmp_path: Path, isolated_home: Path
) -> None:
    path = tmp_path / "cache.sqlite3"
    assert refresh_demo(SMALL, cache=path, seed=2).ok
    before = _snapshot(path)

    # each candle write sleeps 0.2 s in the child (2 per symbol): the write lasts ~9 s and
    # the kill lands while several symbols are already written inside the transaction
    proc = _start_child(path, "slow", isolated_home)
    lines = _wait_for_line(proc, "WRITING THETA 1h", timeout_s=120)  # 3rd of 22 symbols
    assert not any(line.startswith("FINISHED") for line in lines)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    with MarketCache(path) as cache:
        assert cache.integrity_check().ok
    assert _snapshot(path) == before


def test_sigkill_of_rotation_refresh_against_the_emulator(tmp_path: Path) -> None:
    """The real console script refreshing from the loopback exchange, killed mid-run."""
    from datetime import timedelta

    from tests.emulator.binance import BinanceEmulator, Fault
    from tests.emulator.fixture_market import FixtureMarket, utc

    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    bases = [f"SYM{i:02d}" for i in range(6)]
    (home / "config" / "universe.toml").write_text(
        f'quote = "USDT"\nbenchmark = "SYM00"\n\n[sectors]\nbenchmark = ["SYM00"]\n'
        f"alpha = {bases[1:]!r}\n".replace("'", '"'),
        encoding="utf-8",
    )
    path = home / "data" / "cache.sqlite3"
    market = FixtureMarket.synthetic(6, end=utc(2024, 6, 1), days=60, seed=9)
    first_clock = utc(2024, 5, 20, 12) + timedelta(minutes=30)
    with BinanceEmulator(market, now=first_clock) as emu:
        env = {**os.environ, "ROTATION_DESK_HOME": str(home), "PYTHONUNBUFFERED": "1"}
        args = [
            str(Path(sys.executable).parent / "rotation"),
            "refresh",
            "--api-url",
            emu.base_url,
            "--since",
            "2024-04-10",
        ]
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        with MarketCache(path) as cache:
            before = {b: cache.table_rows("candles", base=b) for b in bases}
        assert all(before.values())

        emu.set_now(utc(2024, 5, 31, 12) + timedelta(minutes=30))  # 11 more days to fetch
        # SYM04 and SYM05 answer slowly, so they are still in flight when the kill comes
        emu.faults += [Fault("latency", path="/fapi/v1/klines", symbol=b, count=None,
                             latency_s=3.0) for b in ("SYM04", "SYM05")]
        proc = subprocess.Popen(
            args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert proc.stderr is not None
        deadline = time.monotonic() + 120
        seen = []
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            seen.append(line)
            if "3/6" in line or not line:
                break
        assert any("3/6" in line for line in seen), seen
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL

    with MarketCache(path) as cache:
        assert cache.integrity_check().ok
        updated = 0
        for base in bases:
            rows = cache.table_rows("candles", base=base)
            hourly = cache.read_candles("binanceusdm", base, "1h")
            if rows == before[base]:
                continue
            # updated symbols are complete up to the new clock (last closed hour 11:00)
            assert hourly.index[-1] == utc(2024, 5, 31, 11), base
            want = market.hourly_candles(base).loc[hourly.index[0] : utc(2024, 5, 31, 11)]
            assert list(hourly.index) == list(want.index)
            updated += 1
        assert 3 <= updated <= 4  # SYM04 and SYM05 untouched
        assert [r.outcome for r in cache.refresh_history("binanceusdm")] == ["ok"]
