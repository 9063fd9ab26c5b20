"""A cached demo market is the demo market, or it is refused: never a mix of two runs.

The demo simulator's values depend on each day's position in the series, so two runs ending
on different days put different prices on the same dates. These tests run the real
``refresh_demo`` into real SQLite files and compare what ``load_market("cache",
exchange_id="demo")`` returns with the in-memory simulator (``load_market("demo")``), an
independent path that never touches SQLite.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rotation_addin.cli.main import main
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import DataError
from rotation_addin.core.universe import Universe
from rotation_addin.data import cache_schema
from rotation_addin.data.cache import MarketCache
from rotation_addin.data.demo import DEFAULT_SEED, DemoMarket, default_end
from rotation_addin.data.loader import load_market
from rotation_addin.data.refresh import DEMO_RUN_META_KEY, refresh_demo
from rotation_addin.data.universe_io import default_universe

SMALL = Universe({"render": ("RENDER", "LPT"), "benchmark": ("BTC",)})
MISMATCH = "cached demo data comes from another simulator run: run `rotation refresh --demo` again"
FRAMES = ("open", "high", "low", "close", "volume_usd", "macro", "social_volume",
          "onchain_activity")


def demo_end() -> date:
    """The demo's last day (yesterday UTC, pinned for the session by tests/conftest.py)."""
    return default_end()


@pytest.fixture(scope="module")
def full_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One complete default-universe demo refresh, shared read-only (copy it to modify)."""
    path = tmp_path_factory.mktemp("full") / "cache.sqlite3"
    summary = refresh_demo(default_universe(), cache=path)
    assert summary.ok and not summary.failures
    return path


def copy_cache(src: Path, dst_dir: Path) -> Path:
    dst = dst_dir / "cache.sqlite3"
    with sqlite3.connect(src) as conn:  # folds the WAL in, so one file is a complete copy
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(src, dst)
    return dst


def assert_same_numbers(cached: MarketDataset, direct: MarketDataset) -> None:
    """Frame for frame: same dates, same columns, bit-identical values (NaN where NaN)."""
    assert cached.as_of == direct.as_of
    for name in FRAMES:
        a, b = getattr(cached, name), getattr(direct, name)
        assert list(a.columns) == list(b.columns), name
        assert list(a.index) == list(b.index), name
        np.testing.assert_array_equal(a.to_numpy(dtype=float), b.to_numpy(dtype=float),
                                      err_msg=name)
    assert cached.contracts == dict(direct.contracts)
    assert cached.tickers == dict(direct.tickers)


def gpu_momentum_7d_pct(data: MarketDataset) -> float:
    """Sum of the last 7 daily BTC-relative log returns of the gpu_compute sector mean (%).

    The number the QA report saw differ (15.86 % cached vs 13.01 % demo), by hand with pandas.
    """
    ratio = data.close / data.close.shift(1)
    log_returns = pd.DataFrame(np.log(ratio.to_numpy()), index=ratio.index, columns=ratio.columns)
    relative = log_returns.sub(log_returns["BTC"], axis=0)
    members = list(data.universe.sectors["gpu_compute"])
    return float(100 * relative[members].mean(axis=1).iloc[-7:].sum())


def read_fingerprint(path: Path) -> dict[str, object] | None:
    with MarketCache(path) as cache:
        return cache.read_meta(DEMO_RUN_META_KEY)


def test_complete_refresh_reproduces_the_demo_frame_for_frame(full_cache: Path) -> None:
    cached = load_market("cache", exchange_id="demo", cache_file=full_cache)
    direct = load_market("demo")
    assert cached.is_demo and cached.warnings == ()
    assert_same_numbers(cached, direct)
    assert gpu_momentum_7d_pct(cached) == gpu_momentum_7d_pct(direct)
    fingerprint = read_fingerprint(full_cache)
    assert fingerprint is not None
    assert fingerprint["seed"] == DEFAULT_SEED and fingerprint["end"] == demo_end().isoformat()
    assert fingerprint["days"] == len(direct.close)


def test_cancelled_second_refresh_keeps_the_first_run(full_cache: Path, tmp_path: Path) -> None:
    path = copy_cache(full_cache, tmp_path)
    before = read_fingerprint(path)
    stop = {"now": False}

    def progress(done: int, total: int, detail: str) -> None:
        if done >= 9:  # Ctrl-C after 9 of 22 symbols were built
            stop["now"] = True

    # another seed, so any row it wrote would differ from the first run's
    summary = refresh_demo(default_universe(), cache=path, seed=7, progress=progress,
                           cancel=lambda: stop["now"])
    assert summary.cancelled and summary.outcome == "cancelled"
    assert summary.symbols_ok == () and summary.candles_written == 0
    assert {f.base for f in summary.failures} == set(default_universe().bases)
    assert read_fingerprint(path) == before
    with MarketCache(path) as cache:
        assert cache.refresh_history("demo", limit=1)[0].outcome == "cancelled"
    cached = load_market("cache", exchange_id="demo", cache_file=path)
    assert_same_numbers(cached, load_market("demo"))


def test_cancel_after_the_last_symbol_still_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    assert refresh_demo(SMALL, cache=path, seed=3).ok
    before = read_fingerprint(path)
    n = len(SMALL.bases)
    flags: list[bool] = []
    summary = refresh_demo(SMALL, cache=path, progress=lambda d, t, x: flags.append(d == n),
                           cancel=lambda: bool(flags) and flags[-1])
    assert summary.cancelled and summary.symbols_ok == ()
    assert read_fingerprint(path) == before
    data = load_market("cache", exchange_id="demo", universe=SMALL, cache_file=path, seed=3)
    assert_same_numbers(data, load_market("demo", universe=SMALL, seed=3))


def test_a_failing_symbol_keeps_the_previous_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cache.sqlite3"
    assert refresh_demo(SMALL, cache=path, seed=4).ok
    before = read_fingerprint(path)
    original: Callable[..., object] = DemoMarket.order_book

    def broken(self: DemoMarket, base: str) -> object:  # fault injection for one symbol
        if base == "LPT":
            raise RuntimeError("simulated failure")
        return original(self, base)

    monkeypatch.setattr(DemoMarket, "order_book", broken)
    summary = refresh_demo(SMALL, cache=path)
    assert summary.outcome == "failed" and summary.symbols_ok == ()
    reasons = {f.base: f.reason for f in summary.failures}
    assert "simulated failure" in reasons["LPT"]
    assert "LPT failed" in reasons["RENDER"] and "previous demo data kept" in reasons["BTC"]
    assert read_fingerprint(path) == before
    monkeypatch.undo()
    data = load_market("cache", exchange_id="demo", universe=SMALL, cache_file=path, seed=4)
    assert_same_numbers(data, load_market("demo", universe=SMALL, seed=4))


def test_qa_scenario_old_run_then_interrupted_refresh_is_refused(tmp_path: Path) -> None:
    """QA repro: a run made a day earlier, then today's refresh interrupted part-way."""
    path = tmp_path / "cache.sqlite3"
    assert refresh_demo(cache=path, end=demo_end() - timedelta(days=1)).ok
    stop = {"now": False}
    summary = refresh_demo(cache=path, cancel=lambda: stop["now"],
                           progress=lambda d, t, x: stop.update(now=d >= 9))
    assert summary.cancelled
    with MarketCache(path) as cache:  # the cache still holds exactly one run: the old one
        ends = {s.last_open.date() for s in cache.status("demo") if s.timeframe == "1d"}
    assert ends == {demo_end() - timedelta(days=1)}
    with pytest.raises(DataError, match="end: cached") as info:
        load_market("cache", exchange_id="demo", cache_file=path)
    assert str(info.value).startswith(MISMATCH)
    # a complete refresh repairs it
    assert refresh_demo(cache=path).ok
    cached = load_market("cache", exchange_id="demo", cache_file=path)
    assert gpu_momentum_7d_pct(cached) == gpu_momentum_7d_pct(load_market("demo"))


@pytest.mark.parametrize(
    ("refresh_kwargs", "load_kwargs", "detail"),
    [
        ({"seed": 5}, {}, "seed: cached 5"),
        ({"end": date(2025, 6, 30)}, {}, "end: cached 2025-06-30"),
        ({}, {"seed": 5}, f"seed: cached {DEFAULT_SEED}, current 5"),
    ],
)
def test_a_cache_from_another_run_is_refused(
    tmp_path: Path, refresh_kwargs: dict[str, object], load_kwargs: dict[str, object],
    detail: str
) -> None:
    path = tmp_path / "cache.sqlite3"
    assert refresh_demo(SMALL, cache=path, **refresh_kwargs).ok  # type: ignore[arg-type]
    with pytest.raises(DataError) as info:
        load_market("cache", exchange_id="demo", universe=SMALL, cache_file=path,
                    **load_kwargs)  # type: ignore[arg-type]
    assert str(info.value).startswith(MISMATCH) and detail in str(info.value)


def test_the_run_asked_for_by_seed_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    assert refresh_demo(SMALL, cache=path, seed=5).ok
    cached = load_market("cache", exchange_id="demo", universe=SMALL, cache_file=path, seed=5)
    assert_same_numbers(cached, load_market("demo", universe=SMALL, seed=5))


def test_other_universe_changed_simulator_or_no_fingerprint_are_refused(
    full_cache: Path, tmp_path: Path
) -> None:
    path = copy_cache(full_cache, tmp_path)
    with pytest.raises(DataError, match="sector universe changed"):
        load_market("cache", exchange_id="demo", universe=SMALL, cache_file=path)
    with MarketCache(path) as cache:
        fingerprint = cache.read_meta(DEMO_RUN_META_KEY)
        assert fingerprint is not None
        cache.write_meta(DEMO_RUN_META_KEY, {**fingerprint, "simulator_sha256": "0" * 64})
    with pytest.raises(DataError, match="parameters or code changed"):
        load_market("cache", exchange_id="demo", cache_file=path)
    with MarketCache(path) as cache:
        cache.delete_meta(DEMO_RUN_META_KEY)
    with pytest.raises(DataError, match="stores no fingerprint") as info:
        load_market("cache", exchange_id="demo", cache_file=path)
    assert str(info.value).startswith(MISMATCH)


def test_demo_symbol_ending_early_is_refused(full_cache: Path, tmp_path: Path) -> None:
    path = copy_cache(full_cache, tmp_path)
    with sqlite3.connect(path) as conn:  # a row lost behind the cache's back
        conn.execute("DELETE FROM candles WHERE exchange='demo' AND base='LPT' AND timeframe='1d'"
                     " AND open_time_ms=(SELECT MAX(open_time_ms) FROM candles WHERE "
                     "exchange='demo' AND base='LPT' AND timeframe='1d')")
    with pytest.raises(DataError, match=r"but LPT ends"):
        load_market("cache", exchange_id="demo", cache_file=path)


def daily(start: str, n: int) -> pd.DataFrame:
    close = 10.0 + np.arange(n, dtype=float)
    index = pd.date_range(start, periods=n, freq="D", tz="UTC")
    return pd.DataFrame({"open": close, "high": close + 1, "low": close - 1, "close": close,
                         "volume": 5.0, "volume_usd": close * 5.0}, index=index)


def test_ragged_live_ends_are_a_dataset_warning(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    with MarketCache(path) as cache:
        cache.write_candles("binanceusdm", "RENDER", "1d", daily("2024-03-01", 6), "x")
        cache.write_candles("binanceusdm", "LPT", "1d", daily("2024-03-01", 6), "x")
        cache.write_candles("binanceusdm", "BTC", "1d", daily("2024-03-01", 4), "x")
    data = load_market("cache", universe=SMALL, cache_file=path)
    # RENDER/LPT end 2024-03-06 (1 + 5 days), BTC 2024-03-04 (1 + 3 days)
    (warning,) = data.warnings
    assert "BTC (2024-03-04)" in warning and "2024-03-06" in warning
    assert "RENDER (" not in warning and "rotation refresh --exchange binanceusdm" in warning
    assert data.close["BTC"].iloc[-2:].isna().all()  # NaN, never another date's value
    assert data.close["RENDER"].iloc[-1] == 15.0


def test_aligned_live_ends_have_no_warning(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    with MarketCache(path) as cache:
        cache.write_candles("binanceusdm", "RENDER", "1d", daily("2024-03-03", 4), "x")
        cache.write_candles("binanceusdm", "BTC", "1d", daily("2024-03-01", 6), "x")
    data = load_market("cache", universe=SMALL, cache_file=path)
    assert data.warnings == ()  # later listing (ragged start) is normal


def test_a_v1_cache_migrates_and_its_demo_rows_need_a_refresh(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    assert cache_schema.migrate(conn, path, cache_schema.MIGRATIONS[:1]) == 1
    rows = [(ex, base, "1d", 1709251200000 + i * 86_400_000, 10.0, 11.0, 9.0, 10.5, 1.0,
             10.5, src) for ex, src in (("demo", "demo (simulated)"), ("binanceusdm", "b"))
            for base in ("RENDER", "BTC") for i in range(3)]
    conn.executemany("INSERT INTO candles VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    conn.close()

    with MarketCache(path) as cache:
        assert cache.schema_version == 2
        assert cache.integrity_check().ok
        assert len(cache.table_rows("candles")) == len(rows)  # rows kept
        assert cache.read_meta(DEMO_RUN_META_KEY) is None and cache.table_rows("meta") == []
    live = load_market("cache", universe=SMALL, cache_file=path)
    assert list(live.close.columns) == ["RENDER", "BTC"] and len(live.close) == 3
    with pytest.raises(DataError, match="stores no fingerprint"):
        load_market("cache", exchange_id="demo", universe=SMALL, cache_file=path)
    assert refresh_demo(SMALL, cache=path).ok  # the refresh rewrites the run whole
    assert_same_numbers(load_market("cache", exchange_id="demo", universe=SMALL, cache_file=path),
                        load_market("demo", universe=SMALL))


def test_cli_refresh_exchange_demo_points_to_refresh_demo(
    capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["refresh", "--exchange", "demo"]) == 2
    err = capsys.readouterr().err
    assert "rotation refresh --demo" in err and "refresh_demo()" not in err


def test_cli_status_of_an_unknown_exchange_exits_4(
    full_cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy_cache(full_cache, tmp_path)
    assert main(["data", "status", "--exchange", "nope", "--cache", str(path)]) == 4
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert "'nope'" in err and "exchanges in the cache: demo" in err
    assert main(["data", "status", "--exchange", "demo", "--cache", str(path), "--json"]) == 0

    empty = tmp_path / "empty.sqlite3"
    MarketCache(empty).close()
    assert main(["data", "status", "--exchange", "nope", "--cache", str(empty)]) == 4
    assert "none (run `rotation refresh` first)" in capsys.readouterr().err


def test_cli_status_notes_ragged_ends_and_a_stale_demo_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cache.sqlite3"
    old_end = demo_end() - timedelta(days=2)
    assert refresh_demo(SMALL, cache=path, end=old_end).ok
    with MarketCache(path) as cache:
        cache.write_candles("binanceusdm", "RENDER", "1d", daily("2024-03-01", 6), "x")
        cache.write_candles("binanceusdm", "BTC", "1d", daily("2024-03-01", 4), "x")
    assert main(["data", "status", "--cache", str(path)]) == 0
    out = capsys.readouterr().out
    assert "note: binanceusdm: daily candles end on different days" in out
    assert "BTC (2024-03-04)" in out
    assert f"note: demo: the cached run (seed {DEFAULT_SEED}) ends {old_end.isoformat()}" in out

    assert refresh_demo(SMALL, cache=path).ok  # current run: no demo note any more
    assert main(["data", "status", "--exchange", "demo", "--cache", str(path), "--json"]) == 0
    assert '"notes": []' in capsys.readouterr().out
