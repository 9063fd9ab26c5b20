"""The shape of candles shared by the exchange client and the cache.

Columns, timeframe lengths, an empty candle frame, and daily candles aggregated from complete
UTC days of hourly ones (how a Binance daily kline relates to its 24 hourly klines).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rotation_addin.core.errors import InputError

CANDLE_COLUMNS = ("open", "high", "low", "close", "volume", "volume_usd")
"""Candle columns: prices, base volume and quote (USD) volume."""

TIMEFRAME_MS: dict[str, int] = {
    "1m": 60_000,
    "5m": 300_000,
    "15m": 900_000,
    "1h": 3_600_000,
    "4h": 14_400_000,
    "8h": 28_800_000,
    "1d": 86_400_000,
}
"""Length of one candle in milliseconds, by ccxt timeframe string."""


def timeframe_ms(timeframe: str) -> int:
    """Milliseconds per candle of ``timeframe`` (``"1d"`` -> 86 400 000)."""
    try:
        return TIMEFRAME_MS[timeframe]
    except KeyError:
        raise InputError(
            "timeframe", f"must be one of {sorted(TIMEFRAME_MS)} (got {timeframe!r})"
        ) from None


def empty_candles() -> pd.DataFrame:
    """An empty candle frame (UTC ``date`` index, :data:`CANDLE_COLUMNS`)."""
    index = pd.DatetimeIndex([], tz="UTC", name="date")
    return pd.DataFrame({c: pd.Series([], dtype=float) for c in CANDLE_COLUMNS}, index=index)



def aggregate_days(
    hourly: pd.DataFrame, first_day: int, last_day: int
) -> tuple[list[list[float]], list[int]]:
    """Daily rows ``[open_ms, o, h, l, c, volume, volume_usd]`` from complete UTC days.

    Equivalent pandas: ``hourly.resample("1D").agg(first/max/min/last/sum/sum)`` restricted
    to days with all 24 hourly candles. Returns (rows, open times of incomplete days).
    """
    day = TIMEFRAME_MS["1d"]
    if last_day < first_day:
        return [], []
    index = pd.DatetimeIndex(hourly.index)
    opens = index.as_unit("ms").asi8 if len(index) else np.empty(0, np.int64)
    values = hourly[["open", "high", "low", "close", "volume", "volume_usd"]].to_numpy(float)
    rows: list[list[float]] = []
    incomplete: list[int] = []
    for day_open in range(first_day, last_day + 1, day):
        lo, hi = np.searchsorted(opens, [day_open, day_open + day])
        if hi - lo != 24:
            incomplete.append(day_open)
            continue
        block = values[lo:hi]
        rows.append(
            [
                float(day_open),
                block[0, 0],
                block[:, 1].max(),
                block[:, 2].min(),
                block[-1, 3],
                block[:, 4].sum(),
                block[:, 5].sum(),
            ]
        )
    return rows, incomplete
