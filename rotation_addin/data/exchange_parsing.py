"""Parsing and validation of exchange responses: raw payload checks and candle assembly.

Pure functions (no I/O): what :mod:`rotation_addin.data.exchange_candles` and
:mod:`rotation_addin.data.exchange` apply to each response.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from rotation_addin.data.candles import (
    TIMEFRAME_MS,
    empty_candles,
)
from rotation_addin.data.exchange_results import (
    OhlcvResult,
    RetryableError,
)
from rotation_addin.data.exchange_transport import _ms_to_dt


def _check_raw_klines(data: Any) -> None:
    if not isinstance(data, list):
        raise RetryableError(f"klines: expected a JSON list, got {type(data).__name__}")
    for row in data:
        if not isinstance(row, list) or len(row) < 8:
            raise RetryableError("klines: malformed row")
        values = [float(row[i]) for i in (0, 1, 2, 3, 4, 5, 7)]
        if not all(math.isfinite(v) for v in values):
            raise RetryableError("klines: non-finite value")


def _check_unified_ohlcv(data: Any) -> None:
    if not isinstance(data, list) or any(
        not isinstance(r, list) or len(r) < 6 or r[0] is None for r in data
    ):
        raise RetryableError("ohlcv: malformed response")


def kline_rows(data: list[list[Any]], quote_volume_column: int | None) -> list[list[float]]:
    """Candle rows ``[open ms, open, high, low, close, base volume, quote volume]`` as floats.

    One parser for both kline shapes: Binance's raw ``/fapi/v1/klines`` rows carry the quote
    volume in column 7; ccxt's unified OHLCV rows have none (``quote_volume_column=None``),
    so the last value is NaN (unknown, not zero).

    Parameters
    ----------
    data : list of list
        Rows already checked by :func:`_check_raw_klines` or :func:`_check_unified_ohlcv`.
    quote_volume_column : int or None
        Column of the quote volume (USDT), or None where the payload has none.
    """
    return [
        [
            *(float(value) for value in row[:6]),
            float(row[quote_volume_column]) if quote_volume_column is not None else math.nan,
        ]
        for row in data
    ]


def _check_dict(data: Any) -> None:
    if not isinstance(data, dict):
        raise RetryableError(f"expected a JSON object, got {type(data).__name__}")


def _check_list(data: Any) -> None:
    if not isinstance(data, list):
        raise RetryableError(f"expected a JSON list, got {type(data).__name__}")


def _check_book(data: Any) -> None:
    _check_dict(data)
    if not isinstance(data.get("bids"), list) or not isinstance(data.get("asks"), list):
        raise RetryableError("order book: malformed response")




def assemble_candles(
    base: str,
    timeframe: str,
    rows: list[list[float]],
    first_open: int,
    closed_limit: int,
    stats: Mapping[str, int],
) -> OhlcvResult:
    """Closed, sorted, de-duplicated candles of raw rows, with gaps and anomalies counted."""
    step = TIMEFRAME_MS[timeframe]
    warnings: list[str] = []
    array, opens, out_of_order, duplicates = _closed_rows(rows, step, closed_limit)
    candles = empty_candles() if len(opens) == 0 else _candle_frame(array, opens, warnings)
    gaps = _gaps(opens, first_open, closed_limit, step, warnings)
    if duplicates:
        warnings.append(f"{duplicates} duplicate candles dropped")
    if out_of_order:
        warnings.append(f"{out_of_order} candles arrived out of order (sorted)")
    if gaps:
        missing = sum((b - a).total_seconds() * 1000 // step for a, b in gaps)
        warnings.append(
            f"{int(missing)} candles missing in {len(gaps)} gap(s) (reported, not filled)"
        )
    return OhlcvResult(
        base=base,
        timeframe=timeframe,
        candles=candles,
        gaps=tuple(gaps),
        requests=stats["requests"],
        weight=stats["weight"],
        duplicates_dropped=duplicates,
        out_of_order=out_of_order,
        last_closed=_ms_to_dt(closed_limit),
        warnings=tuple(warnings),
    )


def _closed_rows(
    rows: list[list[float]], step: int, closed_limit: int
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """(rows, open times, out-of-order count, duplicates dropped): closed, on the grid, sorted."""
    if not rows:
        return np.empty((0, 7)), np.empty(0, np.int64), 0, 0
    array = np.asarray(rows, dtype=float)
    opens = array[:, 0].astype(np.int64)
    out_of_order = int(np.sum(np.diff(opens) < 0))
    keep = (opens <= closed_limit) & (opens % step == 0)
    array, opens = array[keep], opens[keep]
    order = np.argsort(opens, kind="stable")
    array, opens = array[order], opens[order]
    unique = (
        np.concatenate([[True], np.diff(opens) != 0]) if len(opens) else np.array([], bool)
    )
    duplicates = int(np.sum(~unique))
    return array[unique], opens[unique], out_of_order, duplicates


def _candle_frame(array: np.ndarray, opens: np.ndarray, warnings: list[str]) -> pd.DataFrame:
    """The candle frame of clean rows (a missing quote volume: volume x close, with a warning)."""
    volume_usd = array[:, 6]
    if np.isnan(volume_usd).any():
        volume_usd = np.where(np.isnan(volume_usd), array[:, 5] * array[:, 4], volume_usd)
        warnings.append(
            "volume_usd approximated as volume x close (no quote volume from the exchange)"
        )
    index = pd.DatetimeIndex(pd.to_datetime(opens, unit="ms", utc=True), name="date")
    return pd.DataFrame(
        {
            "open": array[:, 1],
            "high": array[:, 2],
            "low": array[:, 3],
            "close": array[:, 4],
            "volume": array[:, 5],
            "volume_usd": volume_usd,
        },
        index=index,
    )


def _gaps(
    opens: np.ndarray, first_open: int, closed_limit: int, step: int, warnings: list[str]
) -> list[tuple[datetime, datetime]]:
    """Holes between ``first_open`` and the last closed candle (a late listing is a warning)."""
    gaps: list[tuple[datetime, datetime]] = []
    if not len(opens):
        if closed_limit >= first_open:
            warnings.append(
                f"no closed candles from {_ms_to_dt(first_open).isoformat()} "
                f"to {_ms_to_dt(closed_limit).isoformat()}"
            )
        return gaps
    if opens[0] > first_open:
        warnings.append(
            f"no candles before {_ms_to_dt(int(opens[0])).isoformat()} "
            f"(asked from {_ms_to_dt(first_open).isoformat()}; listed later?)"
        )
    expected_end = closed_limit + step
    edges = np.concatenate([opens, [expected_end]])
    for prev, nxt in itertools.pairwise(edges):
        if nxt - prev > step:
            gaps.append((_ms_to_dt(int(prev + step)), _ms_to_dt(int(nxt))))
    return gaps

