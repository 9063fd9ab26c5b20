"""Excel error values for failed UDF calls, and the reasons behind them.

A UDF that cannot answer returns a :class:`CellError` (never raises, never returns a text that
looks like an error): bad input is ``#VALUE!``, missing or unreachable data ``#N/A``, a trade
the rules refuse ``#NUM!``. ``IFERROR``/``ISERROR``/``IFNA`` therefore work on every function.
The reason in words (``#INPUT stop: must be below entry 100 for a long (got 105)``) is kept
in a small log that ``=LAST_ERRORS()`` spills, and is the object's ``str()``.

How the error reaches Excel (xlwings 0.37.8, Windows COM add-in): xlwings routes a returned
value to the converter registered for its type (``Converter.register``, the documented
custom-converter hook, as it does for DataFrames). :class:`CellErrorConverter` turns a
:class:`CellError` into ``win32com.client.VARIANT(pythoncom.VT_ERROR, scode)`` with the scode
of Excel's own ``CVErr`` value (the table xlwings uses to read error cells,
``xlwings._xlwindows.cell_errors``); the VBA wrapper xlwings generates assigns that Variant to
the function's result, which Excel shows as an error cell. Caveat, read in pywin32's
``oleargs.cpp``: pywin32 builds every ``VT_ERROR`` variant with the scode
``DISP_E_PARAMNOTFOUND`` whatever the value asked for, so the cell is an error value (IFERROR
catches it) whose kind may read ``#VALUE!`` rather than ``#N/A``; the reason log says which.
Excel itself cannot run here: the tests check this path with stand-in COM modules.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import xlwings as xw

XL_ERROR_SCODES: dict[str, int] = {
    "#NULL!": -2146826288,
    "#DIV/0!": -2146826281,
    "#VALUE!": -2146826273,
    "#REF!": -2146826265,
    "#NAME?": -2146826259,
    "#NUM!": -2146826252,
    "#N/A": -2146826246,
}
"""Excel's cell error values as COM scodes (0x800A0000 + xlErr number; xlErrNA = 2042)."""

INPUT_ERROR = "#VALUE!"
"""What bad input returns (a wrong argument, as Excel's own functions do)."""
DATA_ERROR = "#N/A"
"""What missing or unreachable data returns (not available, as in a lookup)."""
REFUSED_ERROR = "#NUM!"
"""What a trade the rules refuse returns (a number outside what the rules allow)."""
REASON_LOG_SIZE = 200
"""Reasons kept for ``=LAST_ERRORS()`` (the newest; older ones are dropped)."""


@dataclass(frozen=True)
class CellError:
    """A failed UDF call: the Excel error value to show and the reason in words.

    Attributes
    ----------
    code : str
        One of :data:`XL_ERROR_SCODES` (``"#VALUE!"``, ``"#N/A"``, ``"#NUM!"``).
    reason : str
        One line naming the argument typed and the valid range, e.g.
        ``#INPUT stop: must be below entry 100 for a long (got 105)``.
    function : str
        The UDF's name.
    """

    code: str
    reason: str
    function: str = ""

    def __post_init__(self) -> None:
        if self.code not in XL_ERROR_SCODES:
            raise ValueError(f"unknown Excel error {self.code!r}")

    def __str__(self) -> str:
        return self.reason

    def startswith(self, prefix: str) -> bool:
        """True when the reason starts with ``prefix`` (reads like the text it replaced)."""
        return self.reason.startswith(prefix)


@dataclass(frozen=True)
class LoggedError:
    """One entry of the reason log (UTC time, function, its arguments, error, reason)."""

    at: datetime
    function: str
    arguments: str
    code: str
    reason: str


_lock = threading.Lock()
_log: deque[LoggedError] = deque(maxlen=REASON_LOG_SIZE)


def record(error: CellError, arguments: tuple[Any, ...]) -> CellError:
    """Keep ``error`` in the reason log (with a short text of its arguments) and return it."""
    shown = ", ".join(_short_argument(argument) for argument in arguments)
    entry = LoggedError(datetime.now(UTC), error.function, shown[:120], error.code,
                        error.reason)
    with _lock:
        _log.append(entry)
    return error


def _short_argument(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "range"
    text = repr(value)
    return text if len(text) <= 30 else text[:29] + "…"


def recent(function: str | None = None, count: int = 10) -> list[LoggedError]:
    """The newest ``count`` logged errors (of ``function`` only, when given), newest first."""
    with _lock:
        entries = list(_log)
    chosen = [e for e in reversed(entries) if function is None or e.function == function]
    return chosen[:count]


def clear_log() -> None:
    """Forget every logged reason (tests)."""
    with _lock:
        _log.clear()


def com_value(error: CellError) -> Any:
    """The value the COM add-in hands Excel for ``error``: a ``VT_ERROR`` Variant.

    Off Windows (no pywin32) there is no COM path; the reason text is returned instead.
    """
    try:
        # deferred: optional, pywin32 exists only on Windows (Excel's COM path)
        import pythoncom
        from win32com.client import VARIANT
    except ImportError:
        return error.reason
    return VARIANT(pythoncom.VT_ERROR, XL_ERROR_SCODES[error.code])


class CellErrorConverter(xw.conversion.Converter):
    """xlwings converter for a returned :class:`CellError` (registered for that type)."""

    @staticmethod
    def write_value(value: Any, options: Any) -> Any:
        """Turn a :class:`CellError` into the COM error Variant (see :func:`com_value`)."""
        return com_value(value) if isinstance(value, CellError) else value


CellErrorConverter.register(CellError)  # type: ignore[no-untyped-call]
