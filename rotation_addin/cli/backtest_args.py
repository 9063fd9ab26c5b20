"""``rotation backtest``'s flag values read once for both backtests, before anything runs.

The day counts (``--horizon``, ``--every``, ``--warmup``: whole numbers in their range, an
empty value refused, not replaced by the default) and the output files (``--report``,
``--csv-out``, ``--workbook``: a file name, not a folder, and never the same file twice;
an existing ``--report`` or ``--csv-out`` file only with ``--force``, as ``rotation workbook
build --out``), checked up front so a bad path fails at once instead of after a backtest
that takes seconds. And how both print their warnings (:func:`print_warnings`: on the
table, or on stderr beside a CSV, which is data and holds none). Free of NumPy and pandas
(CLI start-up).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from rotation_addin.cli.quick_args import _in_range
from rotation_addin.core.constants import (
    DEFAULT_WARMUP_DAYS,
    MAX_HORIZON_DAYS,
    MIN_WARMUP_DAYS,
)
from rotation_addin.core.errors import InputError
from rotation_addin.data.atomic import TargetExists, atomic_write_text

MAX_DAYS = 5000
"""The largest ``--warmup`` (and day count) accepted: about 14 years of daily prices."""
MAX_SPAN_DAYS = MAX_HORIZON_DAYS
"""The largest ``--horizon`` and ``--every`` (the ranking backtest's own limit)."""
OUTPUT_FLAGS = (("--report", "report"), ("--csv-out", "csv_out"), ("--workbook", "workbook"))
"""The flags that name a file the backtest writes, and their ``argparse`` attribute."""
NEW_FILE_FLAGS = ("--report", "--csv-out")
"""The outputs the backtest writes whole: an existing file is replaced only with ``--force``
(``--workbook`` refreshes the user's workbook in place, keeping their sheets)."""


def exists_error(flag: str, text: str) -> InputError:
    """The one line that refuses to replace the existing file ``text`` named by ``flag``."""
    return InputError(flag, f"{text} exists and is not replaced; --force replaces it")


def whole_days(flag: str, text: str | None, default: int, minimum: int,
               maximum: int) -> int:
    """``text`` (None: ``default``) as a whole number of days in ``[minimum, maximum]``.

    Raises
    ------
    InputError
        Named ``flag``: an empty value, not a whole number, or out of range.
    """
    if text is None:
        return default
    if not text.strip():
        raise InputError(flag, "needs a whole number of days (got an empty value)")
    try:
        return int(_in_range(minimum, maximum, "days", whole=True)(text))
    except argparse.ArgumentTypeError as refused:  # read as every count flag of the CLI is
        raise InputError(flag, str(refused)) from None


def warmup_days(args: argparse.Namespace) -> int:
    """``--warmup`` for either backtest (one range, ``MIN_WARMUP_DAYS``..``MAX_DAYS``)."""
    return whole_days("--warmup", args.warmup, DEFAULT_WARMUP_DAYS, MIN_WARMUP_DAYS, MAX_DAYS)


def _check_one(flag: str, text: str) -> Path:
    if not text.strip():
        raise InputError(flag, "needs a file name (got an empty value)")
    path = Path(text)
    if path.is_dir():
        raise InputError(flag, f"is a folder (got {text}): give a file name")
    above = next((p for p in path.absolute().parents if p.exists()), None)
    if above is not None and not above.is_dir():
        raise InputError(flag, f"cannot be written: {above} is a file, not a folder (got "
                               f"{text})")
    suffix = path.suffix.lower()
    if flag == "--report" and suffix not in (".html", ".htm"):
        raise InputError(flag, f"must be an .html file (got {text})")
    if flag == "--workbook" and (suffix not in (".xlsx", ".xlsm") or not path.is_file()):
        raise InputError(flag, f"must be an existing .xlsx or .xlsm workbook (got {text}): "
                               "build one with `rotation workbook build`")
    return path


def check_outputs(args: argparse.Namespace) -> None:
    """Every output file named is a file name (not empty, not a folder, not under a
    file; ``--report`` .html, ``--workbook`` an existing workbook; an existing ``--report``
    or ``--csv-out`` only with ``--force``) and no two of them are the same file (what only
    writing can tell, e.g. a read-only folder, fails later).

    Raises
    ------
    InputError
        Named after the flag at fault (the later one of two flags naming one file).
    """
    seen: dict[Path, str] = {}
    for flag, attribute in OUTPUT_FLAGS:
        text = getattr(args, attribute, None)
        if text is None:
            continue
        resolved = _check_one(flag, str(text)).resolve()
        if resolved in seen:
            raise InputError(flag, f"names the same file as {seen[resolved]} ({text}): "
                                   "give each output its own file")
        seen[resolved] = flag
    if getattr(args, "force", False):
        return
    for flag, attribute in OUTPUT_FLAGS:  # last: --force would not cure the faults above
        text = getattr(args, attribute, None)
        if flag in NEW_FILE_FLAGS and text is not None and os.path.lexists(text):
            raise exists_error(flag, str(text))


def write_output(flag: str, text: str, content: str, args: argparse.Namespace) -> None:
    """Write ``content`` atomically to the file ``text`` that ``flag`` names (its mode kept
    when ``--force`` replaces it); without ``--force`` a file that appeared since
    :func:`check_outputs` is left as it is.

    Raises
    ------
    InputError
        Named ``flag``: the file exists and ``--force`` was not given.
    """
    force = bool(getattr(args, "force", False))
    try:
        atomic_write_text(Path(text), content, replace=force)
    except TargetExists:
        raise exists_error(flag, text) from None


def print_warnings(warnings: Iterable[str], stream: TextIO | None = None) -> None:
    """Print one ``warning: ...`` line per warning of a backtest on ``stream`` (default
    stdout, after the table). A CSV on stdout (``--csv``) is data: its caveats go to
    ``sys.stderr`` so they still reach the user, and a ``--csv-out`` file holds none (the
    table, ``--json`` or stderr carry them).

    Parameters
    ----------
    warnings : iterable of str
        The warnings, in the order every surface lists them.
    stream : text stream, optional
        Where to print them; None is ``sys.stdout`` at the time of the call.
    """
    out = sys.stdout if stream is None else stream
    for warning in warnings:
        print(f"warning: {warning}", file=out)
