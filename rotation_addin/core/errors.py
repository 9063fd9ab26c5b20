"""Exceptions raised by the engine and the data layer.

Every error a user can cause names the offending field and the valid range, so that the CLI,
the UDFs and the GUI can show it verbatim (one line, no traceback).
"""

from __future__ import annotations


class RotationError(Exception):
    """Base class of every error the product raises on purpose."""


class InputError(RotationError, ValueError):
    """An input is outside its valid range.

    Parameters
    ----------
    field : str
        Name of the input as the user knows it (``"stop_price"``, ``"risk_fraction"``).
    message : str
        What is wrong and what is valid, e.g. ``"must be > 0 (got -5)"``.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.reason = message
        super().__init__(f"{field}: {message}")


class TradeRefused(RotationError):
    """A trade is well-formed but a rule forbids it (too small, stop beyond liquidation...).

    Parameters
    ----------
    field : str
        The input that would have to change for the trade to be allowed.
    message : str
        The rule and the numbers that broke it.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.reason = message
        super().__init__(f"{field}: {message}")


class DataError(RotationError):
    """Market data is missing, malformed or inconsistent (raised by ``rotation_addin.data``)."""
