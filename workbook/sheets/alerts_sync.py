"""The Alerts sheet's rule table against the alerts file, on every refresh.

Rows of the rule table (``id, kind, subject, threshold, unit, hysteresis, note, status``) are
read back and applied through the desk (:mod:`rotation_addin.desk.alerts`):

* a row without an id (or with an id no rule has) is a new rule: validated, stored, and
  written back with its id -- unless an active rule has exactly those fields (a refresh
  retried after a concurrent save reads its own rows again: no duplicate);
* a row whose fields differ from its stored rule replaces it (the old rule is removed, its
  firings stay in the history);
* a row with an id and an empty kind removes that rule;
* a row that fails validation is kept as typed, flagged ``REFUSED field: range`` (its stored
  rule, if any, stays active); it is tried again at the next refresh.

The table is then rewritten: flagged rows first (they exist only in the sheet, so they are
never cut), then every active rule. A rule deleted from the sheet by deleting its row comes
back (the file keeps it): remove it by clearing its kind or with ``rotation alerts remove``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rotation_addin.core.alerts import AlertRule, make_rule
from rotation_addin.core.errors import InputError
from rotation_addin.desk import alerts as desk_alerts

COLUMNS = ("id", "kind", "subject", "threshold", "unit", "hysteresis", "note", "status")
REFUSED = "REFUSED"
ACTIVE = "active"


@dataclass(frozen=True)
class RuleSync:
    """The rule table to write back and what happened."""

    rows: tuple[tuple[object, ...], ...]
    notes: tuple[str, ...]
    active_rules: int


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _number(value: object) -> object:
    """A typed number (text such as ``"1,5"`` or ``"8 000"`` too); anything else as it is,
    for the validation to name."""
    if isinstance(value, str):
        cleaned = value.strip().replace(" ", "")
        decimal_comma = cleaned.count(",") == 1 and "." not in cleaned
        cleaned = cleaned.replace(",", "." if decimal_comma else "")
        if cleaned == "":
            return None
        try:
            return float(cleaned)
        except ValueError:
            return value
    return value


def _rule_id(value: object) -> int | None:
    number = _number(value)
    if isinstance(number, int | float) and not isinstance(number, bool) \
            and math.isfinite(number) and number == int(number) and number > 0:
        return int(number)
    return None


def _typed_rule(cells: Sequence[object]) -> AlertRule:
    kind, subject, threshold, unit, hysteresis, note = cells[1:7]
    return make_rule(_text(kind), _text(subject), _number(threshold), unit=_text(unit) or None,
                     hysteresis=_number(hysteresis), note=_text(note))


def _same(a: AlertRule, b: AlertRule) -> bool:
    return (a.kind, a.subject, a.threshold, a.unit, a.hysteresis, a.note) == \
        (b.kind, b.subject, b.threshold, b.unit, b.hysteresis, b.note)


def rule_row(rule: AlertRule, status: str = ACTIVE) -> tuple[object, ...]:
    """One table row of a stored rule."""
    return (rule.rule_id, rule.kind, rule.subject, rule.threshold, rule.unit, rule.hysteresis,
            rule.note, status)


def _empty(cells: Sequence[object]) -> bool:
    return all(_text(c) == "" for c in cells[:7])


def _apply_row(cells: Sequence[object], stored: dict[int, AlertRule], notes: list[str],
               number: int) -> str | None:
    """Apply one typed row; return its refusal status (None: applied)."""
    rid = _rule_id(cells[0])
    known = stored.get(rid) if rid is not None else None
    if _text(cells[1]) == "":
        if known is not None:
            desk_alerts.remove_rules([known.rule_id])
            del stored[known.rule_id]
            notes.append(f"Alerts row {number}: rule #{known.rule_id} removed")
        return None
    try:
        typed = _typed_rule(cells)
    except InputError as error:
        return f"{REFUSED} {error.field}: {error.reason}"
    if known is not None and _same(known, typed):
        return None
    twin = next((r for r in stored.values() if _same(r, typed)), None)
    if twin is not None:  # already stored (this refresh's retry, or typed twice)
        if known is not None:  # edited into a copy of another rule: one is enough
            desk_alerts.remove_rules([known.rule_id])
            del stored[known.rule_id]
        return None
    added = desk_alerts.add_rule(typed.kind, typed.subject, typed.threshold, unit=typed.unit,
                                 hysteresis=typed.hysteresis, note=typed.note)
    stored[added.rule_id] = added
    if known is not None:
        desk_alerts.remove_rules([known.rule_id])
        del stored[known.rule_id]
        notes.append(f"Alerts row {number}: rule #{known.rule_id} replaced by #{added.rule_id}")
    else:
        notes.append(f"Alerts row {number}: rule #{added.rule_id} added")
    return None


def sync_rules(rows: Sequence[Sequence[Any]], first_row: int, capacity: int) -> RuleSync:
    """Apply the typed rule rows (``rows[i]`` is sheet row ``first_row + i``) to the alerts
    file and return the table to write back (at most ``capacity`` rows)."""
    stored = {r.rule_id: r for r in desk_alerts.list_rules()}
    notes: list[str] = []
    flagged: list[tuple[object, ...]] = []
    for offset, raw in enumerate(rows):
        cells = list(raw)[:8] + [None] * (8 - len(list(raw)[:8]))
        if _empty(cells):
            continue
        refusal = _apply_row(cells, stored, notes, first_row + offset)
        if refusal is not None:
            kept = _rule_id(cells[0])
            suffix = f" (rule #{kept} stays as stored)" if kept in stored else ""
            flagged.append((*cells[:7], refusal + suffix))
            notes.append(f"Alerts row {first_row + offset} flagged: {refusal}")
    shown_ids = {_rule_id(row[0]) for row in flagged}
    active = [rule_row(r) for r in sorted(stored.values(), key=lambda r: r.rule_id)
              if r.rule_id not in shown_ids]
    table = flagged + active
    if len(table) > capacity:
        notes.append(f"Alerts sheet shows {capacity} of {len(table)} rules: "
                     "`rotation alerts list` lists them all")
    return RuleSync(tuple(table[:capacity]), tuple(notes), len(stored))


def stored_table(capacity: int) -> RuleSync:
    """The rule table from the alerts file alone (a new workbook)."""
    return sync_rules((), 0, capacity)
