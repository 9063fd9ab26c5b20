"""Market snapshots: a base's price, ATR, daily volatility and contract rules as the plan sizes
orders with them (from the dataset's frames, or from candle arrays in the backtest).

Split out of :mod:`rotation_addin.core.report` (which still re-exports these names).
"""


from __future__ import annotations

import math

import numpy as np
import pandas as pd

from rotation_addin.core.brackets import default_bracket_table
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import InputError
from rotation_addin.core.orders import MarketSnapshot
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.core.volatility import (
    HISTORY_DAYS,
    PRICE_RANGE,
    RISKMETRICS_LAMBDA,
    average_true_range,
    ewma_vol,
    riskmetrics_step,
    true_range_of,
    wilder_step,
)

VOL_HISTORY_DAYS = HISTORY_DAYS
"""Candles used for ATR and EWMA volatility (``core.volatility.HISTORY_DAYS``, 180)."""


def market_snapshot(
    dataset: MarketDataset, base: str, params: PlanParameters
) -> MarketSnapshot | None:
    """Today's price, ATR, daily volatility and contract rules of ``base`` (None if no data)."""
    if base not in dataset.close.columns:
        return None
    close = dataset.close[base].dropna()
    if close.empty:
        return None
    ticker = dataset.tickers.get(base)
    price = float(close.iloc[-1])
    if ticker is not None and math.isfinite(ticker.mark_price_usd) and ticker.mark_price_usd > 0:
        price = ticker.mark_price_usd
    arrays = _candle_arrays(dataset, base)
    if arrays is not None:
        atr, vol = _atr_and_vol_of(arrays, close.to_numpy(dtype=float), params.atr_window_days)
    else:
        atr, vol = _atr_and_vol(dataset, base, close, params.atr_window_days)
    return snapshot_of_figures(dataset, base, price, atr, vol)


def candle_snapshot(dataset: MarketDataset, base: str, high: np.ndarray, low: np.ndarray,
                    close: np.ndarray, params: PlanParameters) -> MarketSnapshot | None:
    """:func:`market_snapshot` of ``base`` when its candles are given as arrays on one
    calendar (oldest first; the backtest's trailing window) and there is no live ticker:
    the same figures from the same functions, without building the frames."""
    closes = close[~np.isnan(close)]  # Series.dropna()
    if closes.size == 0:
        return None
    keep = np.isfinite(high) & np.isfinite(low) & np.isfinite(close)
    arrays = (high[keep][-VOL_HISTORY_DAYS:], low[keep][-VOL_HISTORY_DAYS:],
              close[keep][-VOL_HISTORY_DAYS:])
    atr, vol = _atr_and_vol_of(arrays, closes, params.atr_window_days)
    return snapshot_of_figures(dataset, base, float(closes[-1]), atr, vol)


def snapshot_of_figures(dataset: MarketDataset, base: str, price: float, atr: float,
                        vol: float) -> MarketSnapshot:
    """The snapshot of ``base`` at ``price`` (USD) with its ATR (USD) and daily volatility,
    its sector, symbol, contract and tiers from ``dataset`` (cached tiers first)."""
    try:
        sector = dataset.universe.sector_of(base)
    except InputError:
        sector = "unknown"
    return MarketSnapshot(
        base=base, symbol=dataset.universe.symbol_for(base), sector=sector, price_usd=price,
        atr_usd=atr, daily_vol=vol, contract=dataset.contracts.get(base),
        brackets=dataset.brackets.get(base) or default_bracket_table(base),  # cached tiers first
    )


def _candle_arrays(dataset: MarketDataset, base: str) -> tuple[np.ndarray, ...] | None:
    """High, low, close of ``base`` on the rows where all three exist (last 180), or None
    when the frames do not share the close's calendar (then pandas aligns them)."""
    high, low = dataset.high.get(base), dataset.low.get(base)
    if high is None or low is None:
        return None
    index = dataset.close.index
    if not (high.index is index or high.index.equals(index)) or \
            not (low.index is index or low.index.equals(index)):
        return None
    arrays = [np.asarray(x, dtype=float) for x in (high, low, dataset.close[base])]
    keep = np.isfinite(arrays[0]) & np.isfinite(arrays[1]) & np.isfinite(arrays[2])
    return tuple(a[keep][-VOL_HISTORY_DAYS:] for a in arrays)


def _atr_and_vol_of(candles: tuple[np.ndarray, ...], close: np.ndarray,
                    window: int) -> tuple[float, float]:
    """Wilder ATR of the complete candles (high, low, close; last 180) and EWMA daily
    volatility of the last 180 closes (NaN, NaN if too few)."""
    try:
        atr = average_true_range(candles[0], candles[1], candles[2], window=window)
        vol = ewma_vol(close[-VOL_HISTORY_DAYS:])
    except (InputError, IndexError):
        return math.nan, math.nan
    return atr, vol


def _atr_and_vol(dataset: MarketDataset, base: str, close: pd.Series,
                 window: int) -> tuple[float, float]:
    """Wilder ATR and EWMA daily volatility over the last 180 complete candles (NaN if too
    few), pandas aligning candles that do not share the close's calendar."""
    try:
        candles = pd.concat(
            [dataset.high.get(base), dataset.low.get(base), dataset.close[base]], axis=1
        ).dropna().iloc[-VOL_HISTORY_DAYS:]
        atr = average_true_range(candles.iloc[:, 0], candles.iloc[:, 1],
                                 candles.iloc[:, 2], window=window)
        vol = ewma_vol(close.iloc[-VOL_HISTORY_DAYS:].to_numpy(dtype=float))
    except (InputError, IndexError):
        return math.nan, math.nan
    return atr, vol



def trailing_atr_and_vol(high: np.ndarray, low: np.ndarray, close: np.ndarray,
                         window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row ``r`` of candle arrays (rows = days, columns = bases): the ATR (USD) and EWMA
    daily volatility :func:`candle_snapshot` computes on the trailing window ending at
    ``r``, for every row and base at once.

    Returns ``(atr_usd, daily_vol, exact)``, shaped as ``close``: the figures are those of
    :func:`candle_snapshot` where ``exact`` is True -- cells whose 180 candles
    ``r - 179 .. r`` (or, before row 179, every candle ``0 .. r``, at least ``window + 1``)
    are complete, with every price in ``volatility.PRICE_RANGE`` and high >= low: the
    cases where both read the same candles -- and NaN elsewhere (the caller asks
    :func:`candle_snapshot` there). The same floating-point operations in the same
    order (true range; Wilder's recursion seeded with the mean of the first ``window``
    ranges; RiskMetrics' recursion seeded with the first squared log return), run across
    cells instead of along one window: equal bit for bit (``tests/core/test_bt_snapshots.py``).
    """
    if close.ndim == 1:  # one base: a table of one column
        table = trailing_atr_and_vol(high[:, None], low[:, None], close[:, None], window)
        return table[0][:, 0], table[1][:, 0], table[2][:, 0]
    n = int(window)
    atr, vol = np.full(close.shape, np.nan), np.full(close.shape, np.nan)
    exact = np.zeros(close.shape, dtype=bool)
    if not 1 <= n <= VOL_HISTORY_DAYS - 1:
        return atr, vol, exact
    with np.errstate(all="ignore"):  # NaN and bad prices: their cells are not exact
        good = _good_candles(high, low, close)
        ranges = np.full(close.shape, np.nan)  # ranges[t]: the true range of bar t (t >= 1)
        ranges[1:] = true_range_of(high[1:], low[1:], close[:-1])
        squared = np.full(close.shape, np.nan)  # squared[t]: squared log return of bar t
        squared[1:] = np.diff(np.log(close), axis=0) ** 2
        ends = _complete_windows(good)
        if ends[0].size:
            atr[ends] = _wilder_atr(ranges, ends, n)
            vol[ends] = _riskmetrics_vol(squared, ends)
            exact[ends] = True
        _short_history(ranges, squared, good, n, (atr, vol, exact))
    return atr, vol, exact


def _good_candles(high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
    """Cells whose candle is complete and valid (as ``volatility.prices_array`` and
    ``_high_low`` check them)."""
    lowest, highest = PRICE_RANGE
    good = np.isfinite(high) & np.isfinite(low) & np.isfinite(close) & (high >= low)
    for prices in (high, low, close):
        good &= (prices >= lowest) & (prices <= highest)
    return np.asarray(good, dtype=bool)


def _short_history(ranges: np.ndarray, squared: np.ndarray, good: np.ndarray, n: int,
                   out: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    """Rows ``n .. 178`` whose every candle ``0 .. r`` is good: the window is the whole
    history, so one recursion from row 0 gives every such row's figures."""
    atr, vol, exact = out
    last = min(VOL_HISTORY_DAYS - 2, len(ranges) - 1)
    if last < n:
        return
    whole = np.cumsum(good, axis=0) == np.arange(1, len(good) + 1)[:, None]
    level = np.mean(np.ascontiguousarray(ranges[1:n + 1].T), axis=-1)
    variance = squared[1]
    for r in range(2, last + 1):
        variance = riskmetrics_step(variance, squared[r], RISKMETRICS_LAMBDA)
        if r > n:
            level = wilder_step(level, ranges[r], n)
        if r >= n:
            cells = whole[r]
            atr[r][cells], vol[r][cells], exact[r][cells] = level[cells], \
                np.sqrt(variance)[cells], True


def _complete_windows(good: np.ndarray) -> tuple[np.ndarray, ...]:
    """(rows, columns) of the cells ending 180 good candles."""
    span = VOL_HISTORY_DAYS
    counts = np.cumsum(good, axis=0, dtype=np.int64)
    complete = np.zeros(good.shape, dtype=bool)
    if good.shape[0] >= span:
        before = np.zeros_like(counts[:1])
        complete[span - 1:] = (counts[span - 1:] - np.concatenate(
            [before, counts[:-span]])) == span
    return tuple(np.nonzero(complete))


def _wilder_atr(ranges: np.ndarray, ends: tuple[np.ndarray, ...], n: int) -> np.ndarray:
    """``average_true_range`` of the 180 candles ending at each cell of ``ends``."""
    rows, *columns = ends
    starts = rows - (VOL_HISTORY_DAYS - 1)
    first = np.stack([ranges[(starts + 1 + k, *columns)] for k in range(n)], axis=-1)
    level = np.mean(first, axis=-1)
    for k in range(n + 1, VOL_HISTORY_DAYS):
        level = wilder_step(level, ranges[(starts + k, *columns)], n)
    return np.asarray(level, dtype=np.float64)


def _riskmetrics_vol(squared: np.ndarray, ends: tuple[np.ndarray, ...]) -> np.ndarray:
    """``ewma_vol`` of the 180 closes ending at each cell of ``ends``."""
    rows, *columns = ends
    starts = rows - (VOL_HISTORY_DAYS - 1)
    variance = squared[(starts + 1, *columns)]
    for k in range(2, VOL_HISTORY_DAYS):
        variance = riskmetrics_step(variance, squared[(starts + k, *columns)],
                                    RISKMETRICS_LAMBDA)
    return np.asarray(np.sqrt(variance), dtype=np.float64)
