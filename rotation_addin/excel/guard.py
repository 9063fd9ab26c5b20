"""Wrap a UDF so nothing ever raises into Excel: errors become short readable text.

An error cell reads ``#INPUT stop: must be below entry 100 for a long (got 105)``,
``#REFUSED ...`` or ``#DATA ...``; anything unexpected reads ``#ERROR <type>: <message>``.
Results are made Excel-safe: NaN/inf become empty cells, NumPy scalars become floats.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from rotation_addin.core.errors import DataError, InputError, TradeRefused

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


def udf_guard(function: F) -> F:
    """Decorator: run ``function``; return its Excel-safe result or an error text."""

    @functools.wraps(function)
    def wrapper(*args: Any) -> Any:
        try:
            return excel_safe(function(*args))
        except InputError as exc:
            return _short(f"#INPUT {_argument(exc.field)}: {exc.reason}")
        except TradeRefused as exc:
            return _short(f"#REFUSED {_argument(exc.field)}: {exc.reason}")
        except DataError as exc:
            return _short(f"#DATA {exc}")
        except Exception as exc:  # never raise into Excel
            LOG.warning("UDF %s failed: %s", function.__name__, type(exc).__name__)
            return _short(f"#ERROR {type(exc).__name__}: {exc}")

    return wrapper  # type: ignore[return-value]
