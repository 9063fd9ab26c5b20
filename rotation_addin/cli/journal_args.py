"""What ``rotation trade ...`` and ``rotation journal review`` read from the command line,
checked in the words the user typed: ``--set event_time``, ``--journal-file``, ``--from`` /
``--to`` (the desk checks the values themselves, see
:mod:`rotation_addin.desk.journal_corrections`)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rotation_addin.core.errors import InputError

DAY = timedelta(days=1)


def number(text: str) -> float:
    """argparse type: ``1.5``, ``1,000``, ``1%`` (0.01)."""
    cleaned = text.strip().replace(",", "").replace("_", "")
    try:
        return float(cleaned[:-1]) / 100 if cleaned.endswith("%") else float(cleaned)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number (got {text!r})") from None


def iso_time(text: str) -> datetime:
    """argparse type: an ISO date or date and time, UTC unless it says otherwise."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be an ISO date like 2026-11-20 or 2026-11-20T08:00 (got {text!r})") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


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
        return name, float(value.strip().replace(",", "").replace("_", ""))
    except ValueError:
        raise InputError(f"--set {name}", f"must be a number (got {value!r})") from None


def existing_journal(path: Path | None) -> Path | None:
    """``--journal-file`` of a command that needs the journal's rows: an explicit path must
    hold a journal (a typo must not create one); the default file may be absent (the
    commands then show an empty journal)."""
    if path is not None and not path.is_file():
        raise InputError("--journal-file", f"no journal at {path} (check the path; trade open, "
                         "note and import start a journal, the other commands only use one)")
    return path


def _typed(when: datetime) -> str:
    return f"{when:%Y-%m-%d}" if when.time() == datetime.min.time() else f"{when:%Y-%m-%d %H:%M}"


def review_window(start: datetime | None, end: datetime | None, now: datetime,
                  ) -> tuple[datetime | None, datetime | None]:
    """``[start, end)`` of ``journal review --from --to`` (``--to`` is inclusive: its whole
    day; ``--from`` alone runs to now); None where the review's default (the last 7 days)
    applies. Refuses, naming the flag: ``--to`` before ``--from``, either after now."""
    if start is not None and end is not None and end + DAY <= start:
        raise InputError("--to", f"must be on or after --from {_typed(start)} "
                         f"(got {_typed(end)})")
    for flag, when in (("--from", start), ("--to", end)):
        if when is not None and when > now:
            raise InputError(flag, f"must not be after now {now:%Y-%m-%d %H:%M} UTC "
                             f"(got {_typed(when)})")
    if end is not None:
        return start, end + DAY
    return start, (now + timedelta(milliseconds=1) if start is not None else None)
