"""CSV files as tables of text cells: dialect, preamble, header, and typed columns with errors.

The layouts accepted are described in :mod:`rotation_addin.data.csv_import`; every problem is a
:class:`CsvFormatError` naming file, line and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rotation_addin.core.errors import InputError
from rotation_addin.data.text_files import read_user_text

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
class CsvTable:
    """A CSV file read as text: lower-cased header, original header, rows and their lines."""
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


def read_table(path: Path) -> CsvTable:
    """The file's header (lower-cased) and rows of cells, their line numbers kept."""
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
    return CsvTable(path, lowered, header, rows, lines)


def _decimal_comma(cell: str) -> str:
    """``"1,5"`` -> ``"1.5"`` (semicolon-separated exports with a decimal comma)."""
    return cell.replace(",", ".") if _DECIMAL_COMMA.fullmatch(cell.strip()) else cell


def find_column(header: list[str], names: Iterable[str]) -> int | None:
    """Index of the first of ``names`` in ``header``, or None."""
    for name in names:
        if name in header:
            return header.index(name)
    return None


def find_volume_column(header: list[str], quote: bool) -> int | None:
    """``volume usdt`` / ``volume btc`` style columns (CryptoDataDownload exports)."""
    for i, name in enumerate(header):
        match = re.fullmatch(r"volume[ _](\w+)", name)
        if match:
            is_quote = match.group(1) in ("usd", "usdt", "usdc", "busd", "quote")
            if is_quote == quote:
                return i
    return None


def parse_timestamp(text: str) -> pd.Timestamp | None:
    """One cell as a UTC timestamp, or None when it is no date format we read."""
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


def read_timestamps(table: CsvTable, column: int) -> list[pd.Timestamp]:
    """Column ``column`` as UTC timestamps (ISO dates or date-times, YYYYMMDD, epoch)."""
    name = table.raw_header[column].strip()
    out: list[pd.Timestamp] = []
    for row, line in zip(table.rows, table.lines, strict=True):
        stamp = parse_timestamp(row[column])
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


def read_numbers(table: CsvTable, column: int, *, allow_missing: bool) -> np.ndarray:
    """Column ``column`` as finite floats (missing cells NaN when ``allow_missing``)."""
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


def date_column(table: CsvTable) -> int:
    """Index of the date column (one of :data:`DATE_COLUMNS`)."""
    index = find_column(table.header, DATE_COLUMNS)
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


def finish_frame(
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
    """Warn about each gap of ``index`` longer than 1.5 of its median step (the first 20).

    The rows either side of a gap are named by their dates when every row is at midnight
    (daily files: ``2022-09-09``), else by their full timestamps (intraday rows).
    """
    if len(index) < 3:
        return
    steps = np.diff(index.asi8)
    step = int(np.median(steps))
    if step <= 0:
        return
    dated = bool((index == index.normalize()).all())  # every row at midnight: whole days

    def stamp(i: int) -> str:
        return f"{index[i]:%Y-%m-%d}" if dated else index[i].isoformat()

    gaps = np.nonzero(steps > step * 1.5)[0]
    for i in gaps[:20]:
        missing = round(float(steps[i]) / step) - 1
        warnings.append(f"{path.name}: gap of {missing} missing row(s) between {stamp(i)} and "
                        f"{stamp(i + 1)}")
    if len(gaps) > 20:
        warnings.append(f"{path.name}: {len(gaps) - 20} more gap(s) not listed")
