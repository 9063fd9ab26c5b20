"""Rows of the market cache: Unix-millisecond time conversions and candle validation.

Shared by the tables of :mod:`rotation_addin.data.cache`; no SQLite here.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from rotation_addin.core.errors import DataError


def now_ms() -> int:
    """Current wall-clock time in Unix milliseconds."""
    return int(time.time() * 1000)


def ms_to_datetime(ms: int) -> datetime:
    """Unix milliseconds -> tz-aware UTC datetime."""
    return datetime.fromtimestamp(ms / 1000.0, tz=UTC)


def realm_of(source: str) -> str:
    """``"demo"`` for simulated data (source ``"demo (simulated)"``), ``"live"`` otherwise."""
    return "demo" if source.startswith("demo") else "live"



def ms_index(values: np.ndarray, name: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(values.astype(np.int64), unit="ms", utc=True),
                            name=name)


def datetime_ms(value: datetime | pd.Timestamp) -> int:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return int(stamp.tz_convert("UTC").value // 1_000_000)


def index_ms(index: Iterable[Any], *, field: str) -> np.ndarray:
    """Open/funding times as int64 Unix ms from a DatetimeIndex (naive = UTC) or ms integers."""
    if isinstance(index, pd.DatetimeIndex):
        idx = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
        return np.asarray(idx.as_unit("ms").asi8, dtype=np.int64)
    values = pd.Index(index)
    if values.dtype.kind in "iuf":
        arr = values.to_numpy(dtype=float)
        if not np.all(np.isfinite(arr)):
            raise DataError(f"{field}: time index has missing values")
        return np.asarray(arr, dtype=np.int64)
    try:
        return index_ms(pd.DatetimeIndex(pd.to_datetime(values, utc=True)), field=field)
    except (ValueError, TypeError):
        raise DataError(f"{field}: index is not a time index (got {values.dtype})") from None


def index_days(index: Iterable[Any], *, field: str) -> list[str]:
    ms = index_ms(index, field=field)
    return [d.strftime("%Y-%m-%d") for d in pd.to_datetime(ms, unit="ms", utc=True)]


def candle_rows(frame: pd.DataFrame, step_ms: int, *, where: str) -> list[tuple[Any, ...]]:
    """Validate a candle frame and return ``(open_time_ms, o, h, l, c, volume, volume_usd)`` rows.

    Raises
    ------
    DataError
        Missing columns, non-finite or non-positive prices, ``high`` below ``open/close/low``,
        ``low`` above ``open/close``, negative or infinite volumes (NaN = unknown is kept),
        duplicate open times or open times off the timeframe grid. The message names
        ``where`` and the first offending candle.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{where}: candles must be a DataFrame (got {type(frame).__name__})")
    missing = [c for c in ("open", "high", "low", "close", "volume") if c not in frame.columns]
    if missing:
        raise DataError(f"{where}: candle columns missing: {missing}")
    if "open_time_ms" in frame.columns:
        times = index_ms(frame["open_time_ms"].to_numpy(), field=where)
    elif "timestamp" in frame.columns:
        times = index_ms(pd.Index(frame["timestamp"]), field=where)
    else:
        times = index_ms(frame.index, field=where)
    o, h, lo, c, vol = (np.asarray(pd.to_numeric(frame[k], errors="coerce"), dtype=float)
                        for k in ("open", "high", "low", "close", "volume"))
    if "volume_usd" in frame.columns:
        vol_usd = np.asarray(pd.to_numeric(frame["volume_usd"], errors="coerce"), dtype=float)
    else:
        vol_usd = vol * c
    bad = ~np.isfinite(np.vstack([o, h, lo, c])).all(axis=0)
    bad |= (o <= 0) | (h <= 0) | (lo <= 0) | (c <= 0)
    tol = 1e-9 * np.abs(h)
    bad |= (h + tol < np.maximum(o, c)) | (lo - tol > np.minimum(o, c)) | (h + tol < lo)
    # volumes may be unknown (NaN -> NULL) but never negative or infinite
    bad |= np.isinf(vol) | np.isinf(vol_usd) | (vol < 0) | (vol_usd < 0)
    bad |= times % step_ms != 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{where}: invalid candle at {ms_to_datetime(int(times[i])).isoformat()} "
            f"(open={o[i]}, high={h[i]}, low={lo[i]}, close={c[i]}, volume={vol[i]}); "
            f"{int(bad.sum())} bad row(s), nothing written"
        )
    if len(np.unique(times)) != len(times):
        raise DataError(f"{where}: duplicate candle open times; nothing written")
    return [
        (int(t), float(a), float(b), float(d), float(e), _or_null(f), _or_null(g))
        for t, a, b, d, e, f, g in zip(times, o, h, lo, c, vol, vol_usd, strict=True)
    ]


def _or_null(value: float) -> float | None:
    return None if np.isnan(value) else float(value)

