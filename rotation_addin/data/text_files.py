"""Read a text file the user gave us, or say in one line why it cannot be read.

Every file the tool reads (settings, universe, positions, journal, CSV imports, bracket JSON)
goes through :func:`read_user_text`: UTF-8 (a byte-order mark is allowed), or UTF-16 when the
file starts with a UTF-16 byte-order mark (Windows Notepad's "Unicode"). Anything else is an
:class:`InputError` naming the field, the path and the first offending byte, instead of a
``UnicodeDecodeError`` traceback.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from rotation_addin.core.errors import InputError


def read_user_text(path: Path, field: str) -> str:
    """The text of ``path``.

    Parameters
    ----------
    path : Path
        File to read.
    field : str
        What the user knows the file as (``"settings"``, ``"--positions"``), for the error.

    Raises
    ------
    InputError
        ``path`` is a directory, or its bytes are not UTF-8 / BOM-marked UTF-16 text.
    FileNotFoundError, PermissionError, OSError
        Left to the caller (the CLI prints them as one line naming the path).
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(field, f"{path} is a directory, not a file")
    raw = path.read_bytes()
    encoding = "utf-16" if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) \
        else "utf-8-sig"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        shown = "UTF-16" if encoding == "utf-16" else "UTF-8"
        raise InputError(field, f"{path} is not {shown} text (byte 0x{raw[exc.start]:02x} at "
                         f"offset {exc.start}): save it as UTF-8") from None
