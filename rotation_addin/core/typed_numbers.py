"""How a number typed by a user is read, on every surface (the CLI's flags, the UDFs' text
arguments, the app's fields, the workbook's Journal sheet).

A typed number is an optional sign, an optional ``$`` (where the surface takes one), digits
and an optional decimal point and exponent. The digits before the point may be grouped by
thousands, well formed: ``1,000``, ``12,345.67`` (a comma before every three digits) or
``1_000`` (an underscore between digits, as Python writes it). A comma anywhere else
(``1,5``, ``1,2,3``, ``10,00``, ``1.5,0``) is refused, never dropped: ``1,5`` is a European
decimal comma, and reading it as 15 would be off by a factor of ten without a word.

Where a surface takes spaces (the app's Quick check, the UDFs' text arguments: text pasted
from a statement), a space between digits groups thousands the same way (``10 000``, also a
no-break or a narrow no-break space): ``1 5`` is refused, not read as 15. A space next to a
sign or a ``$`` is dropped (``$ 5``).

``inf`` and ``nan`` are read as Python reads them; each surface refuses them with its own
"must be a finite number". A ``%`` is the surface's to handle (a fraction on one, the unit of
the field on another), so it is no part of the text read here.
"""

from __future__ import annotations

import re

from rotation_addin.core.errors import InputError

COMMA_REASON = "',' groups thousands (1,000): write a decimal with a point (1.5)"
"""Why a comma that does not group thousands is refused (``1,5``)."""

SPACE_REASON = ("a space between digits groups thousands (10 000): write a decimal with a "
                "point (1.5)")
"""Why a space between digits that does not group thousands is refused (``1 5``)."""

_RUN = r"\d+(?:_\d+)*"
_WHOLE = rf"(?:\d{{1,3}}(?:,\d{{3}})+|{_RUN})"
_SPECIAL = r"(?:inf|infinity|nan)"
_DECIMAL = rf"(?:(?:{_WHOLE}(?:\.(?:{_RUN})?)?|\.{_RUN})(?:[eE][+-]?{_RUN})?|{_SPECIAL})"
_SIGN_DOLLAR = r"(?:[+-]?\$?|\$[+-])"
_PATTERNS = {
    (False, False): re.compile(rf"[+-]?{_DECIMAL}", re.IGNORECASE),
    (False, True): re.compile(rf"{_SIGN_DOLLAR}{_DECIMAL}", re.IGNORECASE),
    (True, False): re.compile(rf"[+-]?{_WHOLE}"),
    (True, True): re.compile(rf"{_SIGN_DOLLAR}{_WHOLE}"),
}
_SPACE_CHARS = " \u00a0\u202f"
_SPACES = str.maketrans("", "", _SPACE_CHARS)
_DIGIT_SPACE = re.compile(rf"(?<=\d)[{_SPACE_CHARS}]+(?=\d)")


class NotANumber(ValueError):
    """Text that is no number as :func:`typed_number` reads one.

    Parameters
    ----------
    text : str
        The text as typed.
    reason : str
        Why, when more can be said than "not a number" (:data:`COMMA_REASON`); else ``""``.
    """

    def __init__(self, text: str, reason: str = "") -> None:
        self.text = text
        self.reason = reason
        super().__init__(reason or f"not a number (got {text!r})")

    @property
    def hint(self) -> str:
        """``"; <reason>"`` to close a surface's own "must be a number (got ...)", or ``""``."""
        return f"; {self.reason}" if self.reason else ""


def _plain(text: str, whole: bool, dollar: bool, spaces: bool) -> str:
    """``text`` as Python's ``float``/``int`` reads it (separators and ``$`` off), or
    :class:`NotANumber`."""
    grouped = spaces and _DIGIT_SPACE.search(text) is not None
    stripped = _DIGIT_SPACE.sub(",", text.strip()).translate(_SPACES) if spaces \
        else text.strip()
    pattern = _PATTERNS[whole, dollar]
    if pattern.fullmatch(stripped):
        return stripped.replace(",", "").replace("$", "")
    reason = ""
    if "," in stripped and pattern.fullmatch(stripped.replace(",", "")):
        reason = SPACE_REASON if grouped and "," not in text else COMMA_REASON
    raise NotANumber(text, reason)


def typed_number(text: str, *, dollar: bool = False, spaces: bool = False) -> float:
    """The number a user typed (``1,000``, ``12,345.67``, ``1_000``, ``-2.5e3``).

    Parameters
    ----------
    text : str
        The text as typed; surrounding whitespace is ignored.
    dollar : bool
        Take one ``$`` before the digits (``$5``, ``-$5``, ``$-5``).
    spaces : bool
        Read a space between digits as a thousands separator (``1 000``; ``1 5`` is refused
        with :data:`SPACE_REASON`) and drop one next to a sign or ``$``.

    Returns
    -------
    float
        The number (``inf`` / ``nan`` when typed so: the caller says they are not finite).

    Raises
    ------
    NotANumber
        The text is no number; ``reason`` is :data:`COMMA_REASON` when it would be one but
        for a comma that groups no thousands (``1,5``), :data:`SPACE_REASON` for a space
        (``1 5``).
    """
    return float(_plain(text, False, dollar, spaces))


def typed_whole_number(text: str, *, dollar: bool = False, spaces: bool = False) -> int:
    """The whole number a user typed (``1,000``, ``1_000``, ``-3``; ``1.5`` and ``1e3`` are
    :class:`NotANumber`): :func:`typed_number`'s grouping and parameters, without a point or
    an exponent.

    Returns
    -------
    int
        The count.

    Raises
    ------
    NotANumber
        As :func:`typed_number` (``1,5`` with :data:`COMMA_REASON`).
    """
    return int(_plain(text, True, dollar, spaces))


def number_field(field: str, text: str, *, dollar: bool = False, spaces: bool = True) -> float:
    """:func:`typed_number` of what was typed in ``field`` (an app field, a sheet cell, a
    desk request), refused in one line naming it: ``must be a number (got '1,5'); ',' groups
    thousands ...``. Spaces group thousands by default (``10 000``; ``1 5`` is refused), as
    in the Quick check and the UDFs: a field's text is not split by a shell.

    Raises
    ------
    InputError
        Field ``field``: the text is no number (with the comma's reason when it is one).
    """
    try:
        return typed_number(text, dollar=dollar, spaces=spaces)
    except NotANumber as exc:
        raise InputError(field, f"must be a number (got {text!r}){exc.hint}") from None


def whole_number_field(field: str, text: str, *, spaces: bool = True) -> int:
    """:func:`typed_whole_number` of what was typed in a count ``field`` (an app field),
    refused in one line naming it as :func:`number_field` does: ``must be a whole number
    (got '2.5')`` (``inf``, ``nan`` and ``1e3`` too; ``1,5`` with the comma's reason).

    Raises
    ------
    InputError
        Field ``field``: the text is no whole number.
    """
    try:
        return typed_whole_number(text, spaces=spaces)
    except NotANumber as exc:
        raise InputError(field, f"must be a whole number (got {text!r}){exc.hint}") from None
