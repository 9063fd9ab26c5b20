"""The backtest's array snapshots equal the live plan's ``market_snapshot``, bit for bit."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd

from rotation_addin.core.bt_day import DayRun, _snapshots, window_view
from rotation_addin.core.bt_features import build_features
from rotation_addin.core.fills import Ledger
from rotation_addin.core.market_snapshot import trailing_atr_and_vol
from rotation_addin.core.report import candle_snapshot, market_snapshot
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.core.strategy_backtest import PLAN_WINDOW_DAYS
from rotation_addin.core.strategy_book import Book
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


def _bad_prices(dataset, zero_close: bool = True):  # type: ignore[no-untyped-def]
    """The gaps of ``_with_gaps`` plus prices the estimators refuse: a low above its high,
    a price beyond ``PRICE_RANGE`` and (``zero_close``) a zero close."""
    frames = {n: getattr(_with_gaps(dataset), n).copy() for n in ("open", "high", "low",
                                                                  "close")}
    bases = list(frames["close"].columns)
    j = frames["low"].columns.get_loc(bases[5])
    frames["low"].iloc[300, j] = frames["high"].iloc[300, j] * 1.01
    if zero_close:  # the features refuse it: not in a backtest
        frames["close"].iloc[330, frames["close"].columns.get_loc(bases[6])] = 0.0
    frames["high"].iloc[340, frames["high"].columns.get_loc(bases[7])] = 1e13
    return replace(dataset, **frames)


def test_every_rows_table_equals_candle_snapshot_bit_for_bit() -> None:
    """``trailing_atr_and_vol`` (every row at once) gives candle_snapshot's own figures on
    each row it calls exact, and calls exact every row whose candles (the last 180, or all
    of them in the first 179 rows) are complete and valid; the other rows are left to
    candle_snapshot (NaN in the table)."""
    dataset = _bad_prices(demo_dataset(days=420))
    bases = list(dataset.close.columns)
    high, low, close = (getattr(dataset, n).reindex(columns=bases).to_numpy(dtype=float)
                        for n in ("high", "low", "close"))
    for window in (14, 5):
        params = PlanParameters(atr_window_days=window)
        atr, vol, exact = trailing_atr_and_vol(high, low, close, window)
        assert exact[:179].sum() > 1000 and exact[179:].sum() > 3000  # short and full
        for row, j in itertools.product(range(len(close)), range(len(bases))):
            low_row = max(0, row + 1 - PLAN_WINDOW_DAYS)
            got = candle_snapshot(dataset, bases[j], high[low_row:row + 1, j],
                                  low[low_row:row + 1, j], close[low_row:row + 1, j], params)
            span = slice(max(0, row - 179), row + 1)  # the candles both read
            window_ok = all(np.isfinite(a[span, j]).all() for a in (high, low, close))
            if exact[row, j]:
                assert got is not None and (got.atr_usd, got.daily_vol) == (atr[row, j],
                                                                             vol[row, j])
            else:
                assert np.isnan(atr[row, j]) and np.isnan(vol[row, j])
                # not exact: short history, a gap, or a refused price in the 180 candles
                assert not window_ok or got is None or not np.isfinite(got.atr_usd)


def test_the_backtest_reads_the_live_snapshot_on_every_day() -> None:
    """The backtest's snapshot of each (day, base) -- from the table, the window arrays or
    the window view -- equals ``market_snapshot`` on the day's window view."""
    dataset = _bad_prices(demo_dataset(days=420), zero_close=False)
    features = build_features(dataset)
    day = DayRun(dataset=dataset, features=features, params=PlanParameters(),
                 slippage_rate=0.0, book=Book(ledger=Ledger(10_000.0), funding=pd.DataFrame()),
                 refusals={})
    _snapshots(day, 400)(str(dataset.close.columns[0]))  # a table from row 400 on first
    for row in range(150, len(dataset.close), 7):
        view = window_view(dataset, row)
        snapshot_of = _snapshots(day, row)
        for base in dataset.close.columns:
            assert snapshot_of(str(base)) == market_snapshot(view, str(base), PlanParameters())
