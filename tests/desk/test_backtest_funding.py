"""The funding a backtest pays follows where its data came from, the same for every surface
(``desk.backtest.backtest_funding``: the CLI's ``rotation backtest --strategy`` and the app's
Backtest tab both call it)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from rotation_addin.data.cache import MarketCache
from rotation_addin.data.demo import demo_dataset
from rotation_addin.data.funding import demo_funding
from rotation_addin.desk.backtest import backtest_funding


def test_demo_pays_its_own_funding_a_csv_import_none_a_cache_what_refresh_stored(
        tmp_path: Path) -> None:
    demo = demo_dataset(days=120)
    pd.testing.assert_frame_equal(backtest_funding(demo, "bybit", from_cache=True),
                                  demo_funding(demo))  # a cached demo refresh too
    imported = replace(demo, source="csv import")
    assert backtest_funding(imported, "bybit", from_cache=False) is None
    base = imported.bases[0]
    times = pd.to_datetime(["2026-11-01 00:00", "2026-11-01 08:00"], utc=True)
    cache_file = tmp_path / "cache.sqlite"
    with MarketCache(cache_file) as cache:
        cache.write_funding("bybit", base, pd.Series([0.0001, -0.0002], index=times), "test")
    stored = backtest_funding(imported, "bybit", from_cache=True, cache_file=cache_file)
    assert stored is not None and list(stored.columns) == [base]
    assert stored[base].tolist() == [0.0001, -0.0002]
    other_venue = backtest_funding(imported, "okx", from_cache=True, cache_file=cache_file)
    assert other_venue is not None and other_venue.empty


def test_a_sweep_orders_its_settings_by_sharpe_with_the_undefined_last() -> None:
    from types import SimpleNamespace

    from rotation_addin.desk.backtest import SweepRow, SweepSummary

    sharpes = [0.5, float("nan"), 1.5, -0.2, float("nan"), 1.0]
    rows = tuple(SweepRow(f"theta={k}", 0.0, x, 0.0) for k, x in enumerate(sharpes))
    sweep = SweepSummary(SimpleNamespace(), rows, ("theta",))  # type: ignore[arg-type]
    assert sweep.by_sharpe() == [2, 5, 0, 3, 1, 4]  # by hand: 1.5, 1.0, 0.5, -0.2, NaN, NaN
