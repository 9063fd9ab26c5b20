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
from rotation_addin.core.volatility import HISTORY_DAYS, average_true_range, ewma_vol

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
    return _snapshot(dataset, base, price, atr, vol)


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
    return _snapshot(dataset, base, float(closes[-1]), atr, vol)


def _snapshot(dataset: MarketDataset, base: str, price: float, atr: float,
              vol: float) -> MarketSnapshot:
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
