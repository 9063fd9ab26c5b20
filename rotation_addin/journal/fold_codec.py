"""A :class:`~rotation_addin.core.ledger_fold.FoldState` as plain columns, for the saved fold.

Pickling the state object by object wrote every field name again for each of its 20,000
trades and rows (4.2 MB for 10,000 paper trades; 1.9 MB here) and cost ~90 ms.
Here each list of one dataclass (closed trades, entry rows...) becomes one table: its field
names once, then one column per field:

* ``("d", bytes)``: every value an exact ``float``, as native doubles (bit for bit: NaN, -0.0);
* ``("t", [int])``: every value a ``datetime`` in UTC (the ``UTC`` singleton, ``fold`` 0), as
  microseconds since the epoch (exact);
* ``("s", (texts, width, bytes))``: every value a ``str`` and at most a quarter of them
  distinct (bases, sectors, kinds, reasons): the distinct texts, then one unsigned index of
  ``width`` (``array`` type code B, H or I) per value;
* ``("v", list)``: anything else, as it is (``None``, strings, :class:`Side`, ``int`` prices
  from a correction, other time zones, tuples of levels, details dicts).

Decoding rebuilds the same instances (same fields, same values, same types); a table whose
field names are not the dataclass's current ones, or anything malformed, raises ``ValueError``
(the journal is then replayed). What can be unpickled is restricted separately
(:mod:`rotation_addin.journal.snapshot`): builtins, :class:`Side` and the ``datetime`` types.
"""

from __future__ import annotations

import dataclasses
import sys
from array import array
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any, TypeVar

from rotation_addin.core.ledger import JournalEvent, OpenTrade, TradeRecord, build_frozen
from rotation_addin.core.ledger_fold import FoldState

FORMAT = ("fold-columns-1", sys.byteorder)
"""First item of an encoded state: changes whenever the layout below changes. The columns
hold native doubles and indices, so a file moved to a machine of the other byte order is
simply replayed there."""

_LISTS: tuple[tuple[str, type], ...] = (
    ("closed", TradeRecord), ("entries", JournalEvent), ("overrides", JournalEvent),
    ("refusals", JournalEvent), ("notes", JournalEvent))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_TZINFO, _FOLD = attrgetter("tzinfo"), attrgetter("fold")

T = TypeVar("T")
Table = tuple[tuple[str, ...], int, list[tuple[str, Any]]]


def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _column(values: list[Any]) -> tuple[str, Any]:
    types = set(map(type, values))
    if types <= {float}:
        return "d", array("d", values).tobytes()
    if types == {datetime} and set(map(_TZINFO, values)) == {UTC} \
            and not any(map(_FOLD, values)):
        return "t", [(v - _EPOCH) // _MICROSECOND for v in values]
    if types == {str}:
        distinct = list(dict.fromkeys(values))
        if len(distinct) * 4 <= len(values):  # bases, sectors, kinds, reasons...
            code = {text: i for i, text in enumerate(distinct)}
            width = "B" if len(distinct) <= 0x100 else "H" if len(distinct) <= 0x10000 else "I"
            return "s", (distinct, width, array(width, map(code.__getitem__, values)).tobytes())
    return "v", values


def _values(column: tuple[str, Any], count: int) -> list[Any]:
    kind, data = column
    if kind == "d" and type(data) is bytes:
        doubles = array("d")
        doubles.frombytes(data)
        values: list[Any] = doubles.tolist()
    elif kind == "t" and type(data) is list:
        values = [_EPOCH + timedelta(0, 0, us) for us in data]
    elif kind == "s" and type(data) is tuple and len(data) == 3 and data[1] in ("B", "H", "I"):
        codes = array(data[1])
        codes.frombytes(data[2])
        values = list(map(data[0].__getitem__, codes))
    elif kind == "v" and type(data) is list:
        values = data
    else:
        raise ValueError(f"not a fold column: {kind!r}")
    if len(values) != count:
        raise ValueError(f"a fold column holds {len(values)} values, not {count}")
    return values


def _table(items: Sequence[Any], cls: type) -> Table:
    names = _names(cls)
    states = [item.__dict__ for item in items]
    return names, len(items), [_column([state[n] for state in states]) for n in names]


def _instances(table: Table, cls: type[T]) -> list[T]:
    names, count, columns = table
    if tuple(names) != _names(cls) or len(columns) != len(names):
        raise ValueError(f"the saved {cls.__name__} fields are not this version's")
    return [build_frozen(cls, dict(zip(names, values, strict=True)))
            for values in zip(*(_values(c, count) for c in columns), strict=True)]


def encode(state: FoldState) -> tuple[Any, ...]:
    """``state`` as a tuple of builtins, :class:`Side` and datetimes (see the module doc)."""
    return (FORMAT, state.account, state.last_time, list(state.open_by_id),
            _table(list(state.open_by_id.values()), OpenTrade), state.exits,
            *(_table(getattr(state, name), cls) for name, cls in _LISTS))


def decode(data: Any) -> FoldState:
    """The state :func:`encode` encoded; ``ValueError`` when ``data`` is not one."""
    if not isinstance(data, tuple) or len(data) != 6 + len(_LISTS) or data[0] != FORMAT:
        raise ValueError("not an encoded fold state")
    _, account, last_time, open_ids, open_table, exits, *tables = data
    if not isinstance(exits, dict) or not (last_time is None or isinstance(last_time, datetime)):
        raise ValueError("not an encoded fold state")
    lists: dict[str, list[Any]] = {
        name: _instances(table, cls) for (name, cls), table in zip(_LISTS, tables, strict=True)}
    return FoldState(account, open_by_id=dict(zip(open_ids, _instances(open_table, OpenTrade),
                                                  strict=True)),
                     exits=exits, last_time=last_time, **lists)
