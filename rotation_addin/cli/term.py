"""Terminal output helpers shared by every command: tables, JSON, CSV and a progress bar."""

from __future__ import annotations

import csv
import dataclasses
import enum
import io
import json
import math
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, TextIO

from rotation_addin.core import formats
from rotation_addin.core.typed_numbers import NotANumber, typed_number

MISSING = "n/a"
"""How the terminal writes a missing figure (None where a number belongs, NaN); a cell
formatted by :mod:`rotation_addin.core.formats` as its missing text (``formats.MISSING``)
is printed as this too."""

#: Significant digits a JSON float is tried at: binary noise sits in the last of a double's
#: ~17 digits (249.99999999999997, 374.9990400000001).
JSON_SIGNIFICANT_DIGITS = 15


def clean_float(value: float) -> float:
    """``value`` without binary noise: rounded to 15 significant digits when that removes a
    run of trailing 0s / 9s (the text gets >= 4 characters shorter), else unchanged --
    a genuinely precise figure (6.039255158530449) keeps every digit."""
    rounded = float(f"{value:.{JSON_SIGNIFICANT_DIGITS}g}")
    return rounded if len(repr(rounded)) <= len(repr(value)) - 4 else value


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return clean_float(value) if math.isfinite(value) else None
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _jsonable(value.item())
    return value


def to_json(value: Any) -> str:
    """Serialise dataclasses, enums, dates and numpy scalars to indented JSON."""
    return json.dumps(_jsonable(value), indent=2, sort_keys=False)


def format_number(value: Any, digits: int = 6) -> str:
    """Format a number for a table: thousands separators, trimmed trailing zeros."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return MISSING
        if value != 0 and abs(value) < 10 ** (-digits + 2):
            return f"{value:.{digits}g}"
        text = f"{value:,.{digits}f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return str(value)


def _column_decimals(values: Sequence[Any], digits: int = 6) -> int | None:
    """Decimals that write every float of a column without losing a digit (up to ``digits``),
    so the column keeps one number of decimals (``-2.570`` beside ``13.012``); None if the
    column holds no float."""
    decimals: int | None = None
    for value in values:
        if isinstance(value, bool) or not isinstance(value, float) or not math.isfinite(value):
            continue
        if value != 0 and abs(value) < 10 ** (-digits + 2):
            continue  # written in g notation by format_number
        fraction = f"{value:.{digits}f}".rstrip("0").split(".")[1]
        decimals = max(decimals or 0, len(fraction))
    return decimals


def _missing_or(value: Any) -> str:
    """:data:`MISSING` for a cell :mod:`~rotation_addin.core.formats` wrote as missing, else
    the value as :func:`format_number` writes it."""
    if isinstance(value, str) and value == formats.MISSING:
        return MISSING
    return format_number(value)


def _format_cell(value: Any, decimals: int | None) -> str:
    if isinstance(value, str):
        return _missing_or(value)
    if decimals is None or isinstance(value, bool) or not isinstance(value, float):
        return format_number(value)
    if not math.isfinite(value) or (value != 0 and abs(value) < 1e-4):
        return format_number(value)
    return formats.format_number(value, decimals)


def render_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Render rows as an aligned plain-text table (numbers right-aligned).

    Text cells are printed as given (commands pre-format prices, quantities, money and
    percentages with :mod:`rotation_addin.core.formats`); float cells of a column share one
    number of decimals. A missing figure (:data:`MISSING`) aligns right like the numbers
    unless its column holds text.
    """
    raw = [list(row) for row in rows]
    decimals = [_column_decimals([row[i] for row in raw if i < len(row)])
                for i in range(len(headers))]
    cells = [[_format_cell(v, decimals[i]) for i, v in enumerate(row)] for row in raw]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    text = [any(row[i].strip() not in ("", MISSING) and not _looks_numeric(row[i])
                for row in cells if i < len(row)) for i in range(len(headers))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append("  ".join(
            c.rjust(w) if _looks_numeric(c) or (c == MISSING and not text[i]) else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))))
    return "\n".join(lines)


_NUMBER_SUFFIXES = (" USD", "%", "x")


def _looks_numeric(text: str) -> bool:
    """True for a cell that is a number as :mod:`~rotation_addin.core.formats` writes one
    (``1,234.57``, ``$5``, ``2.5%``, ``10 USD``, ``3x``): right-aligned."""
    stripped = text
    for suffix in _NUMBER_SUFFIXES:
        stripped = stripped.removesuffix(suffix)
    try:
        typed_number(stripped, dollar=True)
    except NotANumber:
        return False
    return True


def render_key_values(pairs: Iterable[tuple[str, Any]]) -> str:
    """Render ``label: value`` lines with aligned values (a value formatted by
    :mod:`rotation_addin.core.formats` as missing prints as :data:`MISSING`)."""
    items = [(k, _missing_or(v)) for k, v in pairs]
    width = max((len(k) for k, _ in items), default=0)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in items)


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Render rows as CSV text (RFC 4180)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


class ProgressBar:
    """A one-line progress bar on stderr (redrawn in place on a terminal, plain lines otherwise).

    Call it as a progress callback: ``bar(done, total, detail)``.
    """

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self._last_pct = -1
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, done: int, total: int, detail: str = "") -> None:
        total = max(total, 1)
        fraction = min(max(done / total, 0.0), 1.0)
        pct = int(fraction * 100)
        if not self._tty and pct == self._last_pct and done < total:
            return
        self._last_pct = pct
        filled = int(fraction * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        line = f"{self.label} [{bar}] {done}/{total} {detail}".rstrip()
        if self._tty:
            self.stream.write("\r" + line.ljust(100))
            if done >= total:
                self.stream.write("\n")
        elif pct % 10 == 0 or done >= total:
            self.stream.write(line + "\n")
        self.stream.flush()
