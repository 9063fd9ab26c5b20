"""The backtest's array snapshots equal the live plan's ``market_snapshot``, bit for bit."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd

from rotation_addin.core.report import candle_snapshot, market_snapshot
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.core.strategy_backtest import PLAN_WINDOW_DAYS
from rotation_addin.data.demo import demo_dataset


def _with_gaps(dataset):  # type: ignore[no-untyped-def]
    """Holes in the highs, lows and closes (a base listed late, missing candles)."""
    frames = {n: getattr(dataset, n).copy() for n in ("open", "high", "low", "close")}
    bases = list(frames["close"].columns)
    frames["close"].iloc[:150, frames["close"].columns.get_loc(bases[1])] = np.nan
    frames["high"].iloc[200:203, frames["high"].columns.get_loc(bases[2])] = np.nan
    frames["low"].iloc[210, frames["low"].columns.get_loc(bases[3])] = np.nan
    frames["close"].iloc[220:260, frames["close"].columns.get_loc(bases[4])] = np.nan
    return replace(dataset, **frames)


def test_candle_snapshot_equals_market_snapshot_on_the_cut_data() -> None:
    dataset = _with_gaps(demo_dataset(days=260))
    # the same high frame on a calendar one day longer: market_snapshot aligns it with pandas
    longer = dataset.close.index.append(pd.DatetimeIndex(
        [dataset.close.index[-1] + pd.Timedelta(days=1)]))
    compared = 0
    for row in (20, 205, 211, 259):
        low = max(0, row + 1 - PLAN_WINDOW_DAYS)
        cut = replace(dataset, **{n: getattr(dataset, n).iloc[low:row + 1] for n in
                                  ("open", "high", "low", "close", "volume_usd")},
                      tickers={})  # as the backtest's day view: no live ticker
        aligned = replace(cut, high=cut.high.reindex(longer[low:row + 2]))
        for base, window in itertools.product(dataset.close.columns, (14, 5)):
            params = PlanParameters(atr_window_days=window)
            arrays = [getattr(dataset, n)[base].to_numpy(dtype=float)[low:row + 1]
                      for n in ("high", "low", "close")]
            got = candle_snapshot(cut, base, *arrays, params)
            assert got == market_snapshot(cut, base, params)
            if window == 14:  # the pandas path (slow: once)
                assert got == market_snapshot(aligned, base, params)
            compared += got is not None and np.isfinite(got.atr_usd)
    assert compared > 60
