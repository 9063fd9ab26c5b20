"""Formula-injection escaping for text that comes from outside the tool.

Excel (and LibreOffice) treat a cell entry that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula when it is typed or pasted, or written through COM (xlwings ``range.value``); a tab or
carriage return at the start is the other classic vector (OWASP "CSV Injection"). Symbol
names, sector names, reasons and warnings reach the workbook from exchanges, CSV files and the
user's universe file, so every piece of such text is passed through :func:`escape_text` before
it is written: a leading apostrophe makes the entry plain text in every spreadsheet (typed,
pasted or set through COM) and shows the original characters after it.

Characters that an ``.xlsx`` file cannot hold at all (ASCII control characters other than
tab, newline and carriage return) are replaced by U+FFFD so openpyxl never raises on them.
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet evaluate or reinterpret an entry."""

ESCAPE_PREFIX = "'"
"""Prefix that turns an entry into literal text (Excel's own "quote prefix")."""

_ILLEGAL_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def needs_escape(text: str) -> bool:
    """True if ``text`` would be read by a spreadsheet as a formula or command.

    Leading spaces are ignored when deciding (``"  =1+1"`` is still dangerous when pasted).
    """
    stripped = text.lstrip(" ")
    return bool(stripped) and stripped[0] in FORMULA_TRIGGERS


def escape_text(text: str) -> str:
    """Return ``text`` in a form no spreadsheet executes as a formula.

    Parameters
    ----------
    text : str
        Text from outside the tool (symbol, sector, reason, warning, file name...).

    Returns
    -------
    str
        ``text`` with illegal control characters replaced by U+FFFD, prefixed with ``'``
        when it starts (after spaces) with ``=``, ``+``, ``-``, ``@``, tab or CR.

    Examples
    --------
    >>> escape_text("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> escape_text("RENDER")
    'RENDER'
    """
    cleaned = _ILLEGAL_XML_CHARS.sub("\ufffd", text)
    return ESCAPE_PREFIX + cleaned if needs_escape(cleaned) else cleaned


def safe_cell_value(value: object) -> object:
    """Escape ``value`` if it is text; numbers, dates, booleans and ``None`` pass unchanged."""
    if isinstance(value, str):
        return escape_text(value)
    return value
