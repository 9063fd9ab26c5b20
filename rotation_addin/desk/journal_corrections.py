"""Corrections of journal rows (``rotation trade correct``): a new ``correction`` row that
gives a row new values or voids it; the row itself is never changed (the journal is
append-only, see :mod:`rotation_addin.journal.store`).

A correction is checked before it is written, as an entry is: the new values must be
possible (prices and quantities > 0 in the engine's ranges, a time not in the future) and
the row must still be correctable (a journal row, not itself a correction, not voided).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from rotation_addin.core.constants import PRICE_RANGE_USD, QUANTITY_RANGE_BASE
from rotation_addin.core.errors import InputError
from rotation_addin.core.ledger import CORRECTABLE_FIELDS, KIND_CORRECTION, JournalEvent
from rotation_addin.desk.journal import JournalInputs
from rotation_addin.journal.store import JournalStore

PRICE_FIELDS = ("price_usd", "stop_price_usd", "take_profit_price_usd")
"""Correctable prices: within :data:`PRICE_RANGE_USD` (> 0)."""
QUANTITY_FIELDS = ("quantity_base",)
"""Correctable quantities: within :data:`QUANTITY_RANGE_BASE` (> 0)."""


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(name, f"must be a number (got {value!r})")
    if not math.isfinite(value):
        raise InputError(name, f"must be a finite number (got {value!r})")
    number = float(value)
    for fields, (low, high) in ((PRICE_FIELDS, PRICE_RANGE_USD),
                                (QUANTITY_FIELDS, QUANTITY_RANGE_BASE)):
        if name in fields and not low <= number <= high:
            raise InputError(name, f"must be > 0 and at most {high:g} (got {number:g})")
    return number


def checked_change(name: str, value: object, now: datetime) -> Any:
    """The new value of field ``name`` of a correction, checked.

    Parameters
    ----------
    name : str
        One of :data:`~rotation_addin.core.ledger.CORRECTABLE_FIELDS`.
    value : object
        A number for the prices, quantity, fee and funding; a tz-aware datetime for
        ``event_time``; text for ``reason``.
    now : datetime
        The clock: a corrected time may not be after it.

    Raises
    ------
    InputError
        Naming ``name``: a field that cannot be corrected (saying which can), a price or
        quantity <= 0 or above its range, NaN, a time in the future.
    """
    if name not in CORRECTABLE_FIELDS:
        raise InputError(name, f"cannot be corrected: the fields that can are "
                         f"{', '.join(CORRECTABLE_FIELDS)} (or void the row)")
    if name == "reason":
        if not isinstance(value, str):
            raise InputError(name, f"must be a text (got {value!r})")
        return value
    if name == "event_time":
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise InputError(name, f"must be a UTC date and time (got {value!r})")
        if value > now:
            raise InputError(name, f"must not be after now {now:%Y-%m-%d %H:%M} UTC "
                             f"(got {value:%Y-%m-%d %H:%M})")
        return value
    return _number(name, value)


def _target(store: JournalStore, event_id: int) -> JournalEvent:
    """The row to correct; refused when it is missing, a correction, or voided."""
    target = store.event(event_id)
    if target is None or target.kind == KIND_CORRECTION:
        raise InputError("id", f"must be the id of a journal row that is not itself a "
                         f"correction (1 to {store.count()}) (got {event_id})")
    voided = next((e.id for e in store.events() if e.kind == KIND_CORRECTION
                   and e.corrects_id == event_id and e.details.get("void")), None)
    if voided is not None:
        raise InputError("id", f"row {event_id} was voided by row {voided}: a voided row "
                         f"no longer counts and cannot be corrected again (got {event_id})")
    return target


def correct_event(inputs: JournalInputs, event_id: int, *, reason: str,
                  changes: Mapping[str, Any] | None = None, void: bool = False) -> int:
    """Append a correction of row ``event_id`` (new values in ``changes``, or ``void``);
    returns the new row's id.

    Raises
    ------
    InputError
        An empty ``reason`` (``reason``); neither or both of ``changes`` and ``void``
        (``changes`` / ``void``); a value :func:`checked_change` refuses (the field's
        name); a row that is missing, a correction or already voided (``id``).
    """
    if not reason or not reason.strip():
        raise InputError("reason", "a correction needs a non-empty reason (got an empty text)")
    if not changes and not void:
        raise InputError("changes", f"give new values of {', '.join(CORRECTABLE_FIELDS)} "
                         "or void the row (got nothing)")
    if changes and void:
        raise InputError("void", f"a row is either voided or given new values, not both "
                         f"(got void and {', '.join(changes)})")
    checked = {k: checked_change(k, v, inputs.now) for k, v in dict(changes or {}).items()}
    with JournalStore(inputs.path) as store:
        target = _target(store, event_id)
        details = {"void": True} if void else {"changes": {
            k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in checked.items()}}
        event = JournalEvent(kind=KIND_CORRECTION, account=target.account,
                             trade_id=target.trade_id, event_time=inputs.now, base=target.base,
                             corrects_id=event_id, reason=reason.strip(), details=details)
        return store.append([event])[0]
