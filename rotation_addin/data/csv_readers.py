"""Readers of one CSV file: a symbol's candles, or dated series (macro, sentiment).

Layouts and rules: :mod:`rotation_addin.data.csv_import`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from rotation_addin.core.errors import InputError
from rotation_addin.data.csv_table import (
    CsvFormatError,
    CsvTable,
    date_column,
    find_column,
    find_volume_column,
    finish_frame,
    read_numbers,
    read_table,
    read_timestamps,
)

CSV_SOURCE_LABEL = "csv import"

CANDLE_ALIASES: dict[str, tuple[str, ...]] = {
    "open": ("open", "o", "open_usd"),
    "high": ("high", "h", "high_usd"),
    "low": ("low", "l", "low_usd"),
    "close": ("close", "c", "close_usd", "price", "price_usd", "last"),
    "volume": ("volume", "vol", "volume_base", "base_volume"),
    "volume_usd": (
        "volume_usd",
        "quote_volume",
        "quote_asset_volume",
        "volume_quote",
        "volumeusd",
        "usd_volume",
    ),
}
CANDLE_COLUMNS = ("open", "high", "low", "close", "volume", "volume_usd")


def read_candles_csv(path: Path | str, *, base: str | None = None) -> pd.DataFrame:
    """Read one symbol's candles from a CSV file and validate them.

    Parameters
    ----------
    path : Path or str
        The CSV file (see module docstring for accepted layouts).
    base : str or None
        Base asset, only used in messages and stored in ``frame.attrs["base"]``.

    Returns
    -------
    pd.DataFrame
        Index ``date`` (tz-aware UTC, ascending, unique); columns ``open, high, low, close``
        (USD), ``volume`` (base units, NaN if absent) and ``volume_usd`` (the file's quote
        volume, else ``volume * close`` as an approximation, else NaN).
        ``attrs["warnings"]`` lists sorting, dropped duplicates and gaps;
        ``attrs["close_only"]`` is True for price-only files.

    Raises
    ------
    CsvFormatError
        Naming file, line and column of the first problem.
    """
    path = Path(path)
    table = read_table(path)
    date_index = date_column(table)
    cols, close_only = _candle_columns(table)
    stamps = read_timestamps(table, date_index)
    data = _candle_values(table, cols)
    frame = pd.DataFrame(
        {name: data[name] for name in CANDLE_COLUMNS},
        index=pd.DatetimeIndex(stamps, name="date"),
    )
    frame = finish_frame(path, frame, table.lines, [])
    frame.attrs["close_only"] = close_only
    frame.attrs["base"] = base
    return frame


def _candle_columns(table: CsvTable) -> tuple[dict[str, int | None], bool]:
    """(column index by candle field, close only): a close column and all of OHLC, or none."""
    path = table.path
    cols = {name: find_column(table.header, aliases) for name, aliases in CANDLE_ALIASES.items()}
    if cols["volume"] is None:
        cols["volume"] = find_volume_column(table.header, quote=False)
    if cols["volume_usd"] is None:
        cols["volume_usd"] = find_volume_column(table.header, quote=True)
    if cols["close"] is None:
        raise CsvFormatError(path, 1, None, f"no close/price column (header: {table.raw_header})")
    ohlc = [cols["open"], cols["high"], cols["low"]]
    close_only = all(c is None for c in ohlc)
    if not close_only and any(c is None for c in ohlc):
        absent = [n for n, c in zip(("open", "high", "low"), ohlc, strict=True) if c is None]
        raise CsvFormatError(
            path, 1, absent[0], "column missing: give open, high, low and close, or close only"
        )
    return cols, close_only


def _candle_values(table: CsvTable, cols: Mapping[str, int | None]) -> dict[str, np.ndarray]:
    """The candle fields as checked arrays (close-only files: open = high = low = close)."""
    data: dict[str, np.ndarray] = {}
    close_col = cols["close"]
    assert close_col is not None  # _candle_columns refuses a file without one
    data["close"] = read_numbers(table, close_col, allow_missing=False)
    for name in ("open", "high", "low"):
        col = cols[name]
        data[name] = (
            data["close"].copy() if col is None else read_numbers(table, col, allow_missing=False)
        )
    for name in ("volume", "volume_usd"):
        col = cols[name]
        data[name] = (
            np.full(len(table.rows), math.nan)
            if col is None
            else read_numbers(table, col, allow_missing=True)
        )
    _check_candles(table, cols, data)
    if cols["volume_usd"] is None and cols["volume"] is not None:
        data["volume_usd"] = data["volume"] * data["close"]
    return data


def _check_candles(
    table: CsvTable, cols: Mapping[str, int | None], data: Mapping[str, np.ndarray]
) -> None:
    def fail(i: int, name: str, message: str) -> None:
        column = cols[name]
        label = table.raw_header[column].strip() if column is not None else name
        raise CsvFormatError(table.path, table.lines[i], label, message)

    for name in ("open", "high", "low", "close"):
        bad = np.nonzero(data[name] <= 0)[0]
        if bad.size:
            fail(int(bad[0]), name, f"price must be > 0 (got {data[name][bad[0]]:g})")
    for name in ("volume", "volume_usd"):
        bad = np.nonzero(data[name] < 0)[0]
        if bad.size:
            fail(int(bad[0]), name, f"volume must be >= 0 (got {data[name][bad[0]]:g})")
    high, low = data["high"], data["low"]
    bad = np.nonzero(high < low)[0]
    if bad.size:
        i = int(bad[0])
        fail(i, "high", f"high {high[i]:g} is below low {low[i]:g}")
    top = np.maximum(data["open"], data["close"])
    bottom = np.minimum(data["open"], data["close"])
    bad = np.nonzero(high < top * (1 - 1e-9))[0]
    if bad.size:
        i = int(bad[0])
        fail(i, "high", f"high {high[i]:g} is below max(open, close) {top[i]:g}")
    bad = np.nonzero(low > bottom * (1 + 1e-9))[0]
    if bad.size:
        i = int(bad[0])
        fail(i, "low", f"low {low[i]:g} is above min(open, close) {bottom[i]:g}")


def read_series_csv(
    path: Path | str, *, value_column: str | None = None
) -> pd.Series | pd.DataFrame:
    """Read a dated series (macro or sentiment) from a CSV: a date column and value column(s).

    Parameters
    ----------
    path : Path or str
        CSV with a date column (as for candles) and one or more numeric columns.
    value_column : str or None
        Return only this column (case-insensitive) as a Series.

    Returns
    -------
    pd.Series or pd.DataFrame
        A Series when ``value_column`` is given or the file has one value column, else a
        DataFrame with the original column names. Index ``date`` tz-aware UTC. Empty cells
        become NaN; ``attrs["warnings"]`` as for candles.

    Raises
    ------
    CsvFormatError
        Unparseable dates, non-numbers, ``inf``/``nan`` text, conflicting duplicates,
        unknown ``value_column``.
    """
    path = Path(path)
    table = read_table(path)
    date_index = date_column(table)
    value_indices = [i for i in range(len(table.header)) if i != date_index]
    if value_column is not None:
        wanted = value_column.strip().lower()
        if wanted not in table.header:
            raise InputError(
                "value_column",
                f"{value_column!r} is not a column of {path.name} (columns: {table.raw_header})",
            )
        value_indices = [table.header.index(wanted)]
    if not value_indices:
        raise CsvFormatError(path, 1, None, "no value column beside the date column")
    stamps = read_timestamps(table, date_index)
    frame = pd.DataFrame(
        {
            table.raw_header[i].strip(): read_numbers(table, i, allow_missing=True)
            for i in value_indices
        },
        index=pd.DatetimeIndex(stamps, name="date"),
    )
    frame = finish_frame(path, frame, table.lines, [])
    if frame.shape[1] == 1:
        series = frame.iloc[:, 0]
        series.attrs["warnings"] = frame.attrs["warnings"]
        return series
    return frame
