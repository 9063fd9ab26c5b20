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
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import InputError
from rotation_addin.core.universe import Universe
from rotation_addin.data.markets import SYMBOL_ALIASES  # one list of aliases (Coin Metrics rndr)
from rotation_addin.data.text_files import read_user_text

CSV_SOURCE_LABEL = "csv import"

DATE_COLUMNS = (
    "date",
    "timestamp",
    "time",
    "datetime",
    "open_time",
    "opentime",
    "day",
    "ts",
    "unix",
)
BINANCE_KLINE_COLUMNS = (
    "open_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close_time",
    "quote_volume",
    "count",
    "taker_buy_volume",
    "taker_buy_quote_volume",
    "ignore",
)
"""Column order of Binance kline CSVs (data.binance.vision), which have no header row."""
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_DECIMAL_COMMA = re.compile(r"-?\d+,\d+")
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
MACRO_ALIASES: dict[str, tuple[str, ...]] = {
    "btc_dominance": ("btc_dominance", "dominance", "btc_dominance_pct", "btc.d"),
    "stablecoin_supply_usd": (
        "stablecoin_supply_usd",
        "stablecoin_supply",
        "total_stablecoin_supply",
        "stablecoins_usd",
    ),
    "equity_index": ("equity_index", "spx", "sp500", "s&p500", "index", "close"),
}
_MISSING = {"", "na", "n/a", "null", "none", "-"}


class CsvFormatError(InputError):
    """A CSV file breaks a rule; ``field`` is ``"<file> line N column 'col'"``."""

    def __init__(self, path: Path, line: int | None, column: str | None, message: str) -> None:
        where = path.name
        if line is not None:
            where += f" line {line}"
        if column is not None:
            where += f" column '{column}'"
        self.path = path
        self.line = line
        self.column = column
        super().__init__(where, message)


@dataclass
class _Table:
    path: Path
    header: list[str]  # lower-cased, stripped
    raw_header: list[str]
    rows: list[list[str]]
    lines: list[int]


def _csv_rows(reader: Any, path: Path) -> Iterator[list[str]]:
    """Rows of ``reader``; a malformed line (e.g. a cell over 131,072 characters) is one error."""
    try:
        yield from reader
    except csv.Error as exc:
        raise CsvFormatError(path, reader.line_num + 1, None,
                             f"is not valid CSV ({exc})") from None


def _read_table(path: Path) -> _Table:
    path = Path(path)
    try:
        text = read_user_text(path, str(path))
    except FileNotFoundError:
        raise CsvFormatError(path, None, None, f"file not found: {path}") from None
    except InputError as exc:
        raise CsvFormatError(path, None, None, exc.reason) from None
    except OSError as exc:
        raise CsvFormatError(path, None, None,
                             f"cannot read the file: {exc.strerror or exc}") from None
    if not text.strip():
        raise CsvFormatError(path, None, None, "the file is empty")
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(text.splitlines(), dialect)
    header: list[str] | None = None
    header_line = 1
    rows: list[list[str]] = []
    lines: list[int] = []
    for row in _csv_rows(reader, path):
        if not row or all(not cell.strip() for cell in row):
            continue
        if header is None:
            if sum(1 for cell in row if cell.strip()) < 2:
                continue  # a preamble line such as a download URL
            header_line = reader.line_num
            if all(_NUMBER.fullmatch(cell.strip()) for cell in row) and len(row) >= 6:
                header = list(BINANCE_KLINE_COLUMNS[: len(row)])  # header-less Binance export
                if len(row) > len(BINANCE_KLINE_COLUMNS):
                    header += [f"extra_{i}" for i in range(len(row) - len(header))]
            else:
                header = row
                continue
        rows.append(row)
        lines.append(reader.line_num)
    if header is None:
        raise CsvFormatError(path, None, None, "no header row")
    lowered = [h.strip().lower() for h in header]
    seen: set[str] = set()
    for name in lowered:
        if name in seen and name:
            raise CsvFormatError(path, header_line, name, "column appears twice in the header")
        seen.add(name)
    for row, line in zip(rows, lines, strict=True):
        if len(row) != len(header):
            raise CsvFormatError(
                path, line, None, f"has {len(row)} fields, the header has {len(header)}"
            )
    if getattr(dialect, "delimiter", ",") == ";":
        rows = [[_decimal_comma(cell) for cell in row] for row in rows]
    return _Table(path, lowered, header, rows, lines)


def _decimal_comma(cell: str) -> str:
    """``"1,5"`` -> ``"1.5"`` (semicolon-separated exports with a decimal comma)."""
    return cell.replace(",", ".") if _DECIMAL_COMMA.fullmatch(cell.strip()) else cell


def _find(header: list[str], names: Iterable[str]) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


def _find_volume(header: list[str], quote: bool) -> int | None:
    """``volume usdt`` / ``volume btc`` style columns (CryptoDataDownload exports)."""
    for i, name in enumerate(header):
        match = re.fullmatch(r"volume[ _](\w+)", name)
        if match:
            is_quote = match.group(1) in ("usd", "usdt", "usdc", "busd", "quote")
            if is_quote == quote:
                return i
    return None


def _parse_timestamp(text: str) -> pd.Timestamp | None:
    value = text.strip()
    if not value:
        return None
    if re.fullmatch(r"\d{8}", value) and 19000101 <= int(value) <= 21001231:
        try:  # YYYYMMDD
            return pd.Timestamp(dt.datetime.strptime(value, "%Y%m%d"), tz="UTC")
        except ValueError:
            return None
    if re.fullmatch(r"\d+(\.\d+)?", value):
        number = float(value)
        if number >= 1e17:
            return None  # nanoseconds are not a common export format
        unit = "us" if number >= 1e14 else "ms" if number >= 1e11 else "s"
        return pd.Timestamp(number, unit=unit, tz="UTC")
    candidate = value.replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = dt.datetime.fromisoformat(candidate)
    except ValueError:
        return None
    stamp = pd.Timestamp(parsed)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _timestamps(table: _Table, column: int) -> list[pd.Timestamp]:
    name = table.raw_header[column].strip()
    out: list[pd.Timestamp] = []
    for row, line in zip(table.rows, table.lines, strict=True):
        stamp = _parse_timestamp(row[column])
        if stamp is None:
            raise CsvFormatError(
                table.path,
                line,
                name,
                f"cannot read date {row[column]!r}: use an ISO date (2024-03-01), an ISO "
                "date-time (2024-03-01T00:00:00Z) or unix seconds/milliseconds",
            )
        out.append(stamp)
    return out


def _numbers(table: _Table, column: int, *, allow_missing: bool) -> np.ndarray:
    name = table.raw_header[column].strip()
    values = np.empty(len(table.rows))
    for i, (row, line) in enumerate(zip(table.rows, table.lines, strict=True)):
        text = row[column].strip().replace("_", "")
        if text.lower() in _MISSING:
            if allow_missing:
                values[i] = math.nan
                continue
            raise CsvFormatError(table.path, line, name, "value is missing")
        try:
            number = float(text)
        except ValueError:
            raise CsvFormatError(table.path, line, name, f"not a number: {text!r}") from None
        if not math.isfinite(number):
            raise CsvFormatError(table.path, line, name, f"must be a finite number (got {text})")
        values[i] = number
    return values


def _date_column(table: _Table) -> int:
    index = _find(table.header, DATE_COLUMNS)
    if index is None:
        raise CsvFormatError(
            table.path,
            1,
            None,
            "no date column: name one of "
            + ", ".join(DATE_COLUMNS)
            + f" (header: {table.raw_header})",
        )
    return index


def _finish(
    path: Path,
    frame: pd.DataFrame,
    lines: list[int],
    warnings: list[str],
) -> pd.DataFrame:
    """Sort, drop exact duplicates, refuse conflicting duplicates, report gaps."""
    frame = frame.assign(_line=lines)
    if not frame.index.is_monotonic_increasing:
        warnings.append(f"{path.name}: rows were not in date order; sorted them")
        frame = frame.sort_index(kind="stable")
    duplicated = frame.index.duplicated(keep=False)
    if duplicated.any():
        values = frame.drop(columns="_line")
        for stamp in frame.index[duplicated].unique():
            group = values.loc[[stamp]]
            if not (group.nunique(dropna=False) <= 1).all():
                group_lines = frame.loc[[stamp], "_line"].tolist()
                raise CsvFormatError(
                    path,
                    int(group_lines[1]),
                    None,
                    f"duplicate timestamp {stamp.isoformat()} with values different from line "
                    f"{group_lines[0]}",
                )
        count = int(frame.index.duplicated().sum())
        warnings.append(f"{path.name}: dropped {count} exact duplicate row(s)")
        frame = frame[~frame.index.duplicated()]
    frame = frame.drop(columns="_line")
    frame.index.name = "date"
    _report_gaps(path, pd.DatetimeIndex(frame.index), warnings)
    frame.attrs["warnings"] = tuple(warnings)
    return frame


def _report_gaps(path: Path, index: pd.DatetimeIndex, warnings: list[str]) -> None:
    if len(index) < 3:
        return
    steps = np.diff(index.asi8)
    step = int(np.median(steps))
    if step <= 0:
        return
    gaps = np.nonzero(steps > step * 1.5)[0]
    for i in gaps[:20]:
        missing = round(float(steps[i]) / step) - 1
        warnings.append(
            f"{path.name}: gap of {missing} missing row(s) between {index[i].isoformat()} and "
            f"{index[i + 1].isoformat()}"
        )
    if len(gaps) > 20:
        warnings.append(f"{path.name}: {len(gaps) - 20} more gap(s) not listed")


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
    table = _read_table(path)
    date_index = _date_column(table)
    cols = {name: _find(table.header, aliases) for name, aliases in CANDLE_ALIASES.items()}
    if cols["volume"] is None:
        cols["volume"] = _find_volume(table.header, quote=False)
    if cols["volume_usd"] is None:
        cols["volume_usd"] = _find_volume(table.header, quote=True)
    if cols["close"] is None:
        raise CsvFormatError(path, 1, None, f"no close/price column (header: {table.raw_header})")
    ohlc = [cols["open"], cols["high"], cols["low"]]
    close_only = all(c is None for c in ohlc)
    if not close_only and any(c is None for c in ohlc):
        absent = [n for n, c in zip(("open", "high", "low"), ohlc, strict=True) if c is None]
        raise CsvFormatError(
            path, 1, absent[0], "column missing: give open, high, low and close, or close only"
        )
    stamps = _timestamps(table, date_index)
    data: dict[str, np.ndarray] = {}
    close_col = cols["close"]
    data["close"] = _numbers(table, close_col, allow_missing=False)
    for name in ("open", "high", "low"):
        col = cols[name]
        data[name] = (
            data["close"].copy() if col is None else _numbers(table, col, allow_missing=False)
        )
    for name in ("volume", "volume_usd"):
        col = cols[name]
        data[name] = (
            np.full(len(table.rows), math.nan)
            if col is None
            else _numbers(table, col, allow_missing=True)
        )
    _check_candles(table, cols, data)
    if cols["volume_usd"] is None and cols["volume"] is not None:
        data["volume_usd"] = data["volume"] * data["close"]
    frame = pd.DataFrame(
        {name: data[name] for name in CANDLE_COLUMNS},
        index=pd.DatetimeIndex(stamps, name="date"),
    )
    frame = _finish(path, frame, table.lines, [])
    frame.attrs["close_only"] = close_only
    frame.attrs["base"] = base
    return frame


def _check_candles(
    table: _Table, cols: Mapping[str, int | None], data: Mapping[str, np.ndarray]
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
    table = _read_table(path)
    date_index = _date_column(table)
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
    stamps = _timestamps(table, date_index)
    frame = pd.DataFrame(
        {
            table.raw_header[i].strip(): _numbers(table, i, allow_missing=True)
            for i in value_indices
        },
        index=pd.DatetimeIndex(stamps, name="date"),
    )
    frame = _finish(path, frame, table.lines, [])
    if frame.shape[1] == 1:
        series = frame.iloc[:, 0]
        series.attrs["warnings"] = frame.attrs["warnings"]
        return series
    return frame


# ---------------------------------------------------------------------------- folders


@dataclass(frozen=True)
class CsvImport:
    """Result of :func:`import_csv_folder`: the dataset plus what the import noticed."""

    dataset: MarketDataset
    files: Mapping[str, Path]
    warnings: tuple[str, ...] = field(default_factory=tuple)


def base_from_filename(path: Path) -> str:
    """Base asset named by a file: ``rndr.csv`` -> ``RENDER``, ``BTC-USDT_1d.csv`` -> ``BTC``."""
    token = re.split(r"[-_. ]", path.stem.strip())[0].upper()
    for quote in ("USDT", "USDC", "USD", "BUSD"):
        if token.endswith(quote) and len(token) > len(quote):
            token = token[: -len(quote)]
            break
    return SYMBOL_ALIASES.get(token, token)


def _daily(frame: pd.DataFrame) -> pd.DataFrame:
    """Daily candles from any frequency (already daily midnights pass through unchanged)."""
    days = pd.DatetimeIndex(frame.index).floor("D")
    if days.is_unique and (days == frame.index).all():
        return frame
    grouped = frame.groupby(days)
    out = pd.DataFrame(
        {
            "open": grouped["open"].first(),
            "high": grouped["high"].max(),
            "low": grouped["low"].min(),
            "close": grouped["close"].last(),
            "volume": grouped["volume"].sum(min_count=1),
            "volume_usd": grouped["volume_usd"].sum(min_count=1),
        }
    )
    out.index.name = "date"
    return out


def _macro_frame(path: Path, warnings: list[str]) -> pd.DataFrame:
    raw = read_series_csv(path)
    frame = raw.to_frame() if isinstance(raw, pd.Series) else raw
    warnings.extend(frame.attrs.get("warnings", ()))
    lower = {c.lower(): c for c in frame.columns}
    out = pd.DataFrame(index=frame.index)
    for name, aliases in MACRO_ALIASES.items():
        for alias in aliases:
            if alias in lower:
                out[name] = frame[lower[alias]]
                break
    supply_cols = [
        c
        for c in frame.columns
        if c.lower().endswith("_supply") and c.lower() != "stablecoin_supply"
    ]
    if "stablecoin_supply_usd" not in out and supply_cols:
        out["stablecoin_supply_usd"] = frame[supply_cols].sum(axis=1, min_count=len(supply_cols))
        warnings.append(f"{path.name}: stablecoin_supply_usd = sum of {', '.join(supply_cols)}")
    if "btc_dominance" in out and out["btc_dominance"].max() > 1.0:
        out["btc_dominance"] = out["btc_dominance"] / 100.0
        warnings.append(f"{path.name}: btc_dominance looked like percent; divided by 100")
    if out.shape[1] == 0:
        raise CsvFormatError(
            path,
            1,
            None,
            "no macro column recognised: use btc_dominance, stablecoin_supply_usd, equity_index",
        )
    out.index = pd.DatetimeIndex(out.index).floor("D")
    out = out.groupby(level=0).last()
    out.index.name = "date"
    return out


def _wide_by_base(path: Path, universe: Universe, warnings: list[str]) -> pd.DataFrame:
    raw = read_series_csv(path)
    frame = raw.to_frame() if isinstance(raw, pd.Series) else raw
    warnings.extend(frame.attrs.get("warnings", ()))
    renamed: dict[str, str] = {}
    for column in frame.columns:
        token = SYMBOL_ALIASES.get(column.strip().upper(), column.strip().upper())
        if token in universe.bases:
            renamed[column] = token
        else:
            warnings.append(f"{path.name}: column {column!r} is not a universe symbol; ignored")
    out = frame[list(renamed)].rename(columns=renamed)
    out.index = pd.DatetimeIndex(out.index).floor("D")
    out = out.groupby(level=0).sum(min_count=1)
    out.index.name = "date"
    return out


def import_csv_folder(
    folder: Path | str,
    universe: Universe | None = None,
    *,
    macro_csv: Path | str | None = None,
    social_csv: Path | str | None = None,
    onchain_csv: Path | str | None = None,
) -> CsvImport:
    """Build a :class:`MarketDataset` from a folder of per-symbol candle CSVs.

    Every ``<base>*.csv`` whose base (file name, aliases like ``rndr`` -> ``RENDER``) is in
    the universe is read with :func:`read_candles_csv` and brought to daily candles.
    Universe members without a file are listed in ``missing_symbols``; files that match no
    member are reported in the warnings.
    """
    from rotation_addin.data.universe_io import load_universe

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("folder", f"must be an existing folder (got {folder})")
    universe = universe or load_universe()
    warnings: list[str] = []
    files: dict[str, Path] = {}
    for path in sorted(folder.glob("*.csv")):
        base = base_from_filename(path)
        if base not in universe.bases:
            warnings.append(f"{path.name}: {base} is not in the universe; ignored")
            continue
        if base in files:
            raise InputError("folder", f"{path.name} and {files[base].name} are both {base}")
        files[base] = path
    candles: dict[str, pd.DataFrame] = {}
    for base, path in files.items():
        frame = read_candles_csv(path, base=base)
        warnings.extend(frame.attrs.get("warnings", ()))
        candles[base] = _daily(frame)
    if not candles:
        raise InputError("folder", f"no candle CSV for any universe symbol in {folder}")
    present = [b for b in universe.bases if b in candles]
    missing = tuple(b for b in universe.bases if b not in candles)
    if missing:
        warnings.append("no CSV for: " + ", ".join(missing))
    index = pd.DatetimeIndex(sorted(set().union(*(c.index for c in candles.values()))), name="date")

    def wide(column: str) -> pd.DataFrame:
        return pd.DataFrame({b: candles[b][column] for b in present}, index=index)

    empty = pd.DataFrame(index=index)
    macro = _macro_frame(Path(macro_csv), warnings) if macro_csv is not None else empty.copy()
    social = (
        _wide_by_base(Path(social_csv), universe, warnings)
        if social_csv is not None
        else empty.copy()
    )
    onchain = (
        _wide_by_base(Path(onchain_csv), universe, warnings)
        if onchain_csv is not None
        else empty.copy()
    )
    as_of = (index[-1] + pd.Timedelta(days=1)).to_pydatetime()
    dataset = MarketDataset(
        source=CSV_SOURCE_LABEL,
        as_of=as_of,
        universe=universe,
        open=wide("open"),
        high=wide("high"),
        low=wide("low"),
        close=wide("close"),
        volume_usd=wide("volume_usd"),
        macro=macro.reindex(index),
        social_volume=social.reindex(index),
        onchain_activity=onchain.reindex(index),
        missing_symbols=missing,
    )
    return CsvImport(dataset=dataset, files=files, warnings=tuple(warnings))


def dataset_from_csv_folder(
    folder: Path | str,
    universe: Universe | None = None,
    *,
    macro_csv: Path | str | None = None,
    social_csv: Path | str | None = None,
    onchain_csv: Path | str | None = None,
) -> MarketDataset:
    """:func:`import_csv_folder` returning only the dataset (source ``"csv import"``)."""
    return import_csv_folder(
        folder, universe, macro_csv=macro_csv, social_csv=social_csv, onchain_csv=onchain_csv
    ).dataset
