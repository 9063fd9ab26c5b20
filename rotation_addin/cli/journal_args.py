"""What ``rotation trade ...`` and ``rotation journal review`` read from the command line,
checked in the words the user typed: ``--set event_time``, ``--journal-file`` (the desk
checks the values themselves, see :mod:`rotation_addin.desk.journal_corrections` and
:func:`rotation_addin.desk.journal_ops.review_window`)."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from rotation_addin.cli.quick_args import _number
from rotation_addin.core.errors import InputError
from rotation_addin.core.validation import utc_time


def iso_time(text: str) -> datetime:
    """argparse type: an ISO date or date and time, UTC unless it says otherwise
    (:func:`rotation_addin.core.validation.utc_time`)."""
    try:
        return utc_time("time", text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(exc.reason) from None


def parse_change(text: str) -> tuple[str, Any]:
    """``FIELD=VALUE`` of ``trade correct --set`` as (field, value): a time for
    ``event_time``, text for ``reason``, a number for the other correctable fields; the
    text as typed for a field that cannot be corrected (the desk says which can)."""
    # deferred: the ledger pulls in pandas; this module loads with the CLI and the app
    from rotation_addin.core.ledger import CORRECTABLE_FIELDS

    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise InputError("--set", f"must look like FIELD=VALUE, FIELD one of "
                         f"{', '.join(CORRECTABLE_FIELDS)} (got {text!r})")
    if name == "event_time":
        try:
            return name, iso_time(value)
        except argparse.ArgumentTypeError as exc:
            raise InputError("--set event_time", str(exc)) from None
    if name == "reason" or name not in CORRECTABLE_FIELDS:
        return name, value
    try:
        return name, _number(value)  # read as every number flag is (``1,000``, ``$1.7``)
    except argparse.ArgumentTypeError as exc:
        raise InputError(f"--set {name}", str(exc)) from None


def existing_journal(path: Path | None) -> Path | None:
    """``--journal-file`` of a command that needs the journal's rows: an explicit path must
    hold a journal (a typo must not create one); the default file may be absent (the
    commands then show an empty journal)."""
    if path is not None and not path.is_file():
        raise InputError("--journal-file", f"no journal at {path} (check the path; trade open, "
                         "note and import start a journal, the other commands only use one)")
    return path
