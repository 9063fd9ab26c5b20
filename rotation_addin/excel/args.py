"""Turn what Excel passes into clean Python values, or raise InputError naming the argument.

Excel (through xlwings) hands a UDF: ``None`` for an empty cell, ``float`` for numbers (also
for integers and for percentages: a cell showing 2 % holds 0.02), ``str`` for text (which may
be a number typed as text, ``"2%"``, ``"1,234.5"``), ``bool``, ``datetime`` for dates, and
nested lists (rows of cells) for ranges.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from rotation_addin.core.errors import InputError
from rotation_addin.core.typed_numbers import NotANumber, typed_number
from rotation_addin.core.types import Side

EXCEL_EPOCH = datetime(1899, 12, 30, tzinfo=UTC)


def is_missing(value: Any) -> bool:
    """True for an empty cell: ``None``, ``""`` or whitespace only."""
    return value is None or (isinstance(value, str) and not value.strip())


def _scalar(name: str, value: Any) -> Any:
    """Unwrap a 1x1 range (``[[x]]``) to ``x``; a larger range is an error."""
    while isinstance(value, list | tuple):
        if len(value) != 1:
            raise InputError(name, f"expects a single cell, got a range of {len(value)} items")
        value = value[0]
    return value


def is_number_text(value: Any) -> bool:
    """True when ``value`` is text that :func:`number` reads as a number (``"0.05"``, ``"5%"``)
    or refuses as one for its comma (``"1,5"``: a decimal comma, not a symbol)."""
    if not isinstance(value, str):
        return False
    try:
        _typed(value)
    except NotANumber as exc:
        return bool(exc.reason)  # 1,5: a number with a wrong comma, refused as a number
    return True


def _typed(text: str) -> float:
    """Numeric text as :func:`number` reads it: ``"1,234.5"``, ``"$5"``, ``"1 000"``, ``"2%"``
    (0.02), by :func:`~rotation_addin.core.typed_numbers.typed_number`."""
    stripped = text.strip()
    scale = 1.0
    if stripped.endswith("%"):
        stripped, scale = stripped[:-1], 0.01
    return typed_number(stripped, dollar=True, spaces=True) * scale


def number(name: str, value: Any, default: float | None = None) -> float:
    """A finite number from a number or numeric text (``"1,234.5"``, ``" 7 "``).

    Percent text (``"2%"``) is accepted too and divided by 100.
    """
    value = _scalar(name, value)
    if is_missing(value):
        if default is None:
            raise InputError(name, "is empty: enter a number")
        return default
    if isinstance(value, bool):
        raise InputError(name, f"must be a number, not TRUE/FALSE (got {value})")
    if isinstance(value, datetime | date):
        raise InputError(name, "must be a number, not a date")
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = _typed(value)
        except NotANumber as exc:
            raise InputError(name, f"must be a number (got text {value!r}){exc.hint}") from None
    else:
        raise InputError(name, f"must be a number (got {type(value).__name__})")
    if not math.isfinite(result):
        raise InputError(name, f"must be a finite number (got {value!r})")
    return result


def fraction(name: str, value: Any, default: float | None = None, *, high: float = 1.0,
             low: float = 0.0, low_inclusive: bool = True,
             high_inclusive: bool = True) -> float:
    """A fraction given as 0.02 or "2%"; values outside ``low`` .. ``high`` are refused, never
    guessed, with one message naming that range whichever side the value falls.

    A bare 2 typed for "2 %" is ambiguous (it could mean 200 %), so it is an error that says
    how to write it. Open ends (``low_inclusive=False``...) are the engine's own bounds, so
    the engine never refuses a value in other words.
    """
    result = number(name, value, default)
    above = result >= low if low_inclusive else result > low
    below = result <= high if high_inclusive else result < high
    if not (above and below):
        if low == 0.0 and low_inclusive and high_inclusive:
            span = f"between 0 and {high:g}"
        else:
            span = (f"{'at least' if low_inclusive else 'above'} {low:g} and "
                    f"{'at most' if high_inclusive else 'below'} {high:g}")
        raise InputError(name, f"must be {span} as a fraction (got {result:g}); "
                               f"write 2% or 0.02 for two percent")
    return result


def text(name: str, value: Any, default: str | None = None) -> str:
    """Non-empty text, stripped."""
    value = _scalar(name, value)
    if is_missing(value):
        if default is None:
            raise InputError(name, "is empty: enter text")
        return default
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def choice(name: str, value: Any, options: Sequence[str], default: str | None = None) -> str:
    """One of ``options`` (case-insensitive)."""
    if value is None and default is not None and default.lower() in options:
        return default.lower()  # an omitted argument: the common case, no parsing
    chosen = text(name, value, default).lower()
    if chosen not in options:
        raise InputError(name, f"must be one of {', '.join(options)} (got {chosen!r})")
    return chosen


def side(name: str, value: Any, default: Side | None = None) -> Side:
    """``long``/``short`` (or buy/sell, 1/-1)."""
    value = _scalar(name, value)
    if is_missing(value):
        if default is None:
            raise InputError(name, "is empty: enter long or short")
        return default
    return Side.parse(value, field=name)


def symbol(name: str, value: Any) -> str:
    """A base asset from ``"render"``, ``"RENDER/USDT:USDT"``, ``"RENDERUSDT"``, ``"RENDER-PERP"``.
    """
    raw = _symbol_text(name, value).upper()
    base = raw.split("/")[0].split(":")[0]
    for suffix in ("-PERP", "USDT", "PERP"):
        if base.endswith(suffix) and len(base) > len(suffix):
            base = base[: -len(suffix)]
            break
    if not re.fullmatch(r"[A-Z0-9]{1,20}", base):
        raise InputError(name, f"must be a symbol like RENDER or RENDER/USDT:USDT (got {value!r})")
    return base


def _symbol_text(name: str, value: Any) -> str:
    """The text of a symbol cell; TRUE/FALSE is refused as input (not looked up as "TRUE")."""
    if isinstance(_scalar(name, value), bool):
        raise InputError(name, f"must be a symbol like RENDER, not TRUE/FALSE (got {value})")
    return text(name, value)


PREFIX_VENUES: dict[str, str] = {"BINANCE": "binanceusdm"}
"""Exchange prefixes typed as on trading sites that name a different ccxt id (USD-M futures);
any other prefix is taken as the ccxt id itself (``BYBIT`` = ``bybit``, ``OKX`` = ``okx``)."""


MARKET_MEMO_SIZE = 4096
"""Distinct cell texts whose :func:`market` answer is kept (least recently used go first)."""


def market(name: str, value: Any) -> tuple[str | None, str]:
    """``(venue, base)`` from ``"RENDER"`` or an exchange prefix ``"BYBIT:RENDER"``.

    ``venue`` is a ccxt id checked by :func:`rotation_addin.data.venues.check_venues` (None
    without a prefix: the settings' exchange); ``RENDER/USDT:USDT`` is a contract, not a
    prefix (the ``:`` comes after a ``/``). The answer for a text is memoised (a sheet asks
    for the same few symbols in thousands of cells; the parse is a pure function of the
    text); a refused text raises each time and is not kept (``lru_cache`` keeps no errors).
    """
    if type(value) is str:
        return _text_market(name, value)
    return _parse_market(name, value)  # ranges and numbers: not hashable or rare


@functools.lru_cache(maxsize=MARKET_MEMO_SIZE)
def _text_market(name: str, value: str) -> tuple[str | None, str]:
    """:func:`market` of a text cell, memoised."""
    return _parse_market(name, value)


def _parse_market(name: str, value: Any) -> tuple[str | None, str]:
    """:func:`market` without the memo."""
    raw = _symbol_text(name, value)
    head, colon, rest = raw.partition(":")
    if not colon or "/" in head:
        return None, symbol(name, raw)
    prefix = head.strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{2,20}", prefix):
        raise InputError(name, f"must be a symbol like RENDER or BYBIT:RENDER (got {value!r})")
    # deferred: data.venues: asyncio + ssl (~140 ms, -X importtime) off the UDF module's import
    from rotation_addin.data.venues import check_venues

    try:
        venue = check_venues([PREFIX_VENUES.get(prefix, prefix.lower())])[0]
    except InputError as exc:  # the venues check names the CLI's --venues
        raise InputError(name, f"exchange prefix {prefix}: {exc.reason}") from None
    return venue, symbol(name, rest)


def boolean(name: str, value: Any, default: bool) -> bool:
    """TRUE/FALSE, 1/0 or yes/no text."""
    value = _scalar(name, value)
    if is_missing(value):
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "false", "no", "0"):
        return value.strip().lower() in ("true", "yes", "1")
    raise InputError(name, f"must be TRUE or FALSE (got {value!r})")


def integer(name: str, value: Any, default: int | None, *, low: int, high: int) -> int:
    """An integer in [low, high] (a number with no fractional part)."""
    result = number(name, value, None if default is None else float(default))
    if not result.is_integer() or not low <= result <= high:
        raise InputError(name, f"must be a whole number from {low} to {high} (got {result:g})")
    return int(result)


def when(name: str, value: Any) -> datetime:
    """A UTC datetime from an Excel date, a serial number or ISO text."""
    value = _scalar(name, value)
    if is_missing(value):
        raise InputError(name, "is empty: enter a date")
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not 1 <= value <= 2_958_465:  # 1900-01-01 .. 9999-12-31
            raise InputError(name, f"must be a date (got serial {value!r})")
        return EXCEL_EPOCH + timedelta(days=float(value))
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InputError(name, f"must be a date like 2024-03-31 (got {value!r})") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise InputError(name, f"must be a date (got {type(value).__name__})")


def rows(name: str, value: Any) -> list[list[Any]]:
    """A range as a rectangular 2-D list (a scalar becomes ``[[x]]``, a flat list one row)."""
    if is_missing(value):
        raise InputError(name, "is empty: select a range")
    if not isinstance(value, list | tuple):
        return [[value]]
    if not value:
        raise InputError(name, "is empty: select a range")
    if not isinstance(value[0], list | tuple):
        return [list(value)]
    width = len(value[0])
    if any(not isinstance(r, list | tuple) or len(r) != width for r in value):
        raise InputError(name, "must be a rectangular range")
    return [list(r) for r in value]


def number_column(name: str, value: Any, *, minimum_count: int = 2) -> list[float]:
    """Numbers from a single row or column (empty cells skipped, text numbers accepted)."""
    grid = rows(name, value)
    flat = [cell for row in grid for cell in row] if len(grid) == 1 or len(grid[0]) == 1 else None
    if flat is None:
        raise InputError(name, "must be a single row or column")
    numbers = [number(name, cell) for cell in flat if not is_missing(cell)]
    if len(numbers) < minimum_count:
        raise InputError(name, f"needs at least {minimum_count} numbers (got {len(numbers)})")
    return numbers


def symbol_list(name: str, value: Any) -> list[str]:
    """Symbols from a range or comma-separated text, de-duplicated, order kept."""
    if isinstance(value, str):
        items: list[Any] = [part for part in value.split(",") if part.strip()]
    else:
        items = [cell for row in rows(name, value) for cell in row if not is_missing(cell)]
    bases = list(dict.fromkeys(symbol(name, item) for item in items))
    if not bases:
        raise InputError(name, "needs at least one symbol")
    return bases
