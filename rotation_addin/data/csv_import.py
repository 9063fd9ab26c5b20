"""CSV import of candles and of macro / sentiment series exported by other tools.

Accepted candle files (headers case-insensitive, any column order, comma/semicolon/tab):

* ``date`` / ``timestamp`` / ``time`` / ``datetime`` / ``open_time`` / ``unix`` column holding
  ISO dates (``2024-03-01``, ``20240301``), ISO date-times (``2024-03-01T00:00:00Z``; naive =
  UTC), or unix epoch seconds, milliseconds or microseconds;
* preamble lines before the header (a download URL) are skipped; header-less Binance kline
  files (data.binance.vision) are recognised by their 12 numeric columns; ``Volume BTC`` /
  ``Volume USDT`` columns are base / quote volume; ``;``-separated files may use decimal commas;
* ``open, high, low, close`` and optionally ``volume`` (base units) and ``volume_usd``
  (``quote_volume``); or a close-only file (``close`` or ``price`` / ``price_usd``, e.g. the
  Coin Metrics ``date,price_usd,price_btc`` files) which gives open = high = low = close and
  NaN volume.

Problems raise :class:`CsvFormatError` (an ``InputError``) naming file, line and column:
unparseable dates, non-numbers, non-finite values, non-positive prices, high < low,
duplicate timestamps with conflicting values. Recoverable oddities become warnings (kept in
``frame.attrs["warnings"]``): unsorted rows (sorted), exact duplicate rows (dropped), gaps.

The code lives by concept: :mod:`~rotation_addin.data.csv_table` (cells, dialect, typed
columns, errors), :mod:`~rotation_addin.data.csv_readers` (one file: candles or series) and
:mod:`~rotation_addin.data.csv_folder` (a folder into a ``MarketDataset``); import from here.
"""

from __future__ import annotations

from rotation_addin.data.csv_folder import (
    MACRO_ALIASES,
    CsvImport,
    base_from_filename,
    dataset_from_csv_folder,
    import_csv_folder,
)
from rotation_addin.data.csv_readers import (
    CANDLE_ALIASES,
    CANDLE_COLUMNS,
    CSV_SOURCE_LABEL,
    read_candles_csv,
    read_series_csv,
)
from rotation_addin.data.csv_table import BINANCE_KLINE_COLUMNS, DATE_COLUMNS, CsvFormatError

__all__ = [
    "BINANCE_KLINE_COLUMNS",
    "CANDLE_ALIASES",
    "CANDLE_COLUMNS",
    "CSV_SOURCE_LABEL",
    "DATE_COLUMNS",
    "MACRO_ALIASES",
    "CsvFormatError",
    "CsvImport",
    "base_from_filename",
    "dataset_from_csv_folder",
    "import_csv_folder",
    "read_candles_csv",
    "read_series_csv",
]
