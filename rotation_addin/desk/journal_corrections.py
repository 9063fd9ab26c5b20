"""Corrections of journal rows (``rotation trade correct``): a new ``correction`` row that
gives a row new values or voids it; the row itself is never changed (the journal is
append-only, see :mod:`rotation_addin.journal.store`).

A correction is checked before it is written, as an entry is: the new values must be
possible (prices and quantities > 0 in the engine's ranges, a time not in the future; on
an entry row the stop and take-profit on the sides ``trade open`` requires) and the row
must still be correctable (a journal row, not itself a correction, not voided).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from rotation_addin.core import validation as v
from rotation_addin.core.constants import PRICE_RANGE_USD, QUANTITY_RANGE_BASE
from rotation_addin.core.entry_check import LEVEL_STOP, LEVEL_TAKE_PROFIT, check_level_side
from rotation_addin.core.errors import InputError
from rotation_addin.core.ledger import (
    CORRECTABLE_FIELDS,
    KIND_ADD,
    KIND_CORRECTION,
    KIND_OPEN,
    KIND_REFUSAL,
    JournalEvent,
    corrected_events,
)
from rotation_addin.core.liquidation import liquidation_price
from rotation_addin.desk.journal import JournalInputs
from rotation_addin.desk.quick_check import brackets_for
from rotation_addin.journal.store import JournalStore

PRICE_FIELDS = ("price_usd", "stop_price_usd", "take_profit_price_usd")
"""Correctable prices: within :data:`PRICE_RANGE_USD` (> 0)."""
QUANTITY_FIELDS = ("quantity_base",)
"""Correctable quantities: within :data:`QUANTITY_RANGE_BASE` (> 0)."""
ENTRY_KINDS = (KIND_OPEN, KIND_ADD, KIND_REFUSAL)
"""Rows that record an entry (a fill, or one the rules refused): :func:`check_levels`
checks their corrected levels against their side and price as ``trade open`` does."""
LEVELS = (("stop_price_usd", LEVEL_STOP), ("take_profit_price_usd", LEVEL_TAKE_PROFIT))


def _number(name: str, value: object) -> float:
    """A corrected number: a price or quantity > 0 within its engine range, any other
    (fee, funding: a rebate may be negative) finite."""
    if name in PRICE_FIELDS:
        return v.positive_in_range(name, value, PRICE_RANGE_USD)
    if name in QUANTITY_FIELDS:
        return v.positive_in_range(name, value, QUANTITY_RANGE_BASE)
    return v.finite_number(name, value)


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
    """The row to correct as it reads now (its earlier corrections applied); refused when
    it is missing, a correction, or voided. Its corrections are an indexed look-up
    (:meth:`JournalStore.corrections_of`), not a read of the whole journal."""
    target = store.event(event_id)
    if target is None or target.kind == KIND_CORRECTION:
        raise InputError("id", f"must be the id of a journal row that is not itself a "
                         f"correction (1 to {store.count()}) (got {event_id})")
    earlier = store.corrections_of(event_id, target.trade_id)
    voided = next((e.id for e in earlier if e.details.get("void")), None)
    if voided is not None:
        raise InputError("id", f"row {event_id} was voided by row {voided}: a voided row "
                         f"no longer counts and cannot be corrected again (got {event_id})")
    return corrected_events((target, *earlier))[0]


def check_levels(row: JournalEvent, changes: Mapping[str, Any]) -> None:
    """The entry's level rule (:func:`~rotation_addin.core.entry_check.check_level_side`)
    on an entry row (:data:`ENTRY_KINDS`) with ``changes`` applied: its stop on the losing
    side of its price, its take-profit on the winning side. Checked when the correction
    gives that level or the price; other rows (a moved stop may trail beyond entry) and
    levels left alone are not.

    Raises
    ------
    InputError
        Naming the level's field (``stop_price_usd: must be below entry 2.1 for a long (got
        3)``), or ``price_usd`` when a new price leaves a kept level on the wrong side.
    """
    side = row.side
    if row.kind not in ENTRY_KINDS or side is None:
        return
    new = dataclasses.replace(row, **changes)
    if not math.isfinite(new.price_usd):
        return
    for name, level in LEVELS:
        value = getattr(new, name)
        if name not in changes and "price_usd" not in changes:
            continue
        try:
            check_level_side(side, new.price_usd, value, level=level)
        except InputError as error:
            if name in changes:
                raise InputError(name, error.reason) from None
            rule = error.reason.rpartition(" (got ")[0]
            raise InputError("price_usd", f"leaves the row's {name} {value:g} on the wrong "
                             f"side: it {rule} (got {new.price_usd:g})") from None


def liquidation_change(inputs: JournalInputs, row: JournalEvent,
                       changes: Mapping[str, Any]) -> dict[str, float | None]:
    """``{"liquidation_price_usd": ...}`` of an entry row whose price or quantity a
    correction changes: the liquidation price (USD) the risk engine gives the corrected entry
    at the row's leverage, with the brackets ``trade open`` used (the market's tiers, else the
    bundled ones); None where it cannot be liquidated. Empty when the row had none (no
    leverage recorded) or neither figure changes.
    """
    if row.kind not in (KIND_OPEN, KIND_ADD) or row.leverage is None or row.side is None \
            or not {"price_usd", "quantity_base"} & set(changes):
        return {}
    new = dataclasses.replace(row, **{k: v for k, v in changes.items()
                                      if k in ("price_usd", "quantity_base")})
    if new.price_usd is None or new.quantity_base is None:
        return {}
    liq = liquidation_price(side=new.side, entry_price_usd=new.price_usd,
                            quantity_base=new.quantity_base, leverage=new.leverage,
                            brackets=brackets_for(inputs.dataset, row.base))
    return {"liquidation_price_usd": liq.liquidation_price_usd if liq.can_be_liquidated
            else None}


def correct_event(inputs: JournalInputs, event_id: int, *, reason: str,
                  changes: Mapping[str, Any] | None = None, void: bool = False) -> int:
    """Append a correction of row ``event_id`` (new values in ``changes``, or ``void``);
    returns the new row's id.

    Raises
    ------
    InputError
        An empty ``reason`` (``reason``); neither or both of ``changes`` and ``void``
        (``changes`` / ``void``); a value :func:`checked_change` refuses (the field's
        name); a level on the wrong side of an entry row's price (:func:`check_levels`); a
        row that is missing, a correction or already voided (``id``).
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
        check_levels(target, checked)
        derived = {} if void else liquidation_change(inputs, target, checked)
        details = {"void": True} if void else {"changes": {
            k: (v.isoformat() if isinstance(v, datetime) else v)
            for k, v in {**checked, **derived}.items()}}
        event = JournalEvent(kind=KIND_CORRECTION, account=target.account,
                             trade_id=target.trade_id, event_time=inputs.now, base=target.base,
                             corrects_id=event_id, reason=reason.strip(), details=details)
        return store.append([event])[0]
