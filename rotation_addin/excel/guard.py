"""Wrap a UDF so nothing ever raises into Excel: a failure becomes an Excel error value.

Bad input returns ``#VALUE!``, missing data ``#N/A``, a refused trade ``#NUM!``
(:mod:`rotation_addin.excel.cell_errors`), so IFERROR/ISERROR work; the reason
(``#INPUT stop: must be below entry 100 for a long (got 105)``, ``#REFUSED ...``, ``#DATA ...``,
``#ERROR <type>: <message>`` for anything unforeseen) is the error's text and is spilled by
``=LAST_ERRORS()``. Results are made Excel-safe: NaN/inf become empty cells, NumPy scalars
become floats.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from rotation_addin.core.errors import DataError, InputError, TradeRefused
from rotation_addin.excel.cell_errors import (
    DATA_ERROR,
    INPUT_ERROR,
    REFUSED_ERROR,
    CellError,
    record,
)

LOG = logging.getLogger("rotation_addin.udfs")

ENGINE_TO_ARGUMENT = {
    "equity_usd": "equity",
    "entry_price_usd": "entry",
    "stop_price_usd": "stop",
    "risk_fraction": "risk",
    "quantity_base": "quantity",
    "daily_vol": "symbol_or_vol",
    "k_sigma": "k",
    "gap_buffer_fraction": "gap_buffer",
    "maintenance_margin_rate": "mmr",
    "wallet_balance_usd": "wallet",
    "margin_usd": "leverage",
}
"""Engine field names mapped to the UDF argument a user typed, so errors name the cell."""
MAX_ERROR_CHARS = 250
F = TypeVar("F", bound=Callable[..., Any])


def _short(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= MAX_ERROR_CHARS else message[: MAX_ERROR_CHARS - 1] + "…"


def _argument(field: str) -> str:
    return ENGINE_TO_ARGUMENT.get(field, field)


def excel_safe(value: Any) -> Any:
    """Convert a result to what Excel can hold (recursively for 2-D lists)."""
    if isinstance(value, list | tuple):
        return [excel_safe(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if hasattr(value, "item") and callable(value.item):  # NumPy scalar
        value = value.item()
    if isinstance(value, int | float):
        number = float(value)
        return number if math.isfinite(number) else None
    return str(value)


def _failure(function_name: str, exc: Exception) -> CellError:
    """The Excel error value and reason for an exception raised by a UDF."""
    if isinstance(exc, InputError):
        return CellError(INPUT_ERROR, _short(f"#INPUT {_argument(exc.field)}: {exc.reason}"),
                         function_name)
    if isinstance(exc, TradeRefused):
        return CellError(REFUSED_ERROR,
                         _short(f"#REFUSED {_argument(exc.field)}: {exc.reason}"),
                         function_name)
    if isinstance(exc, DataError):
        return CellError(DATA_ERROR, _short(f"#DATA {exc}"), function_name)
    LOG.warning("UDF %s failed: %s", function_name, type(exc).__name__)
    return CellError(INPUT_ERROR, _short(f"#ERROR {type(exc).__name__}: {exc}"), function_name)


def udf_guard(function: F) -> F:
    """Decorator: run ``function``; return its Excel-safe result or a :class:`CellError`."""

    @functools.wraps(function)
    def wrapper(*args: Any) -> Any:
        try:
            return excel_safe(function(*args))
        except Exception as exc:  # never raise into Excel
            return record(_failure(function.__name__, exc), args)

    return wrapper  # type: ignore[return-value]
