"""The saved fold (snapshot) gives exactly the ledger a replay of every row gives.

Ledgers are compared by ``repr`` (every field of every trade and row, floats to the last
bit; ``==`` would call two NaN fields different). The reference is always
:func:`fold_ledger` over every row, the path that existed before snapshots.
"""

from __future__ import annotations

import math
import pickle
import random
import sqlite3
import sys
from dataclasses import replace as dataclasses_replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rotation_addin.core.ledger import JournalEvent, Ledger
from rotation_addin.core.ledger_fold import fold_ledger, fold_state
from rotation_addin.core.review import weekly_review
from rotation_addin.core.types import Side
from rotation_addin.journal import schema, snapshot
from rotation_addin.journal import store as store_mod
from rotation_addin.journal.store import JournalStore

T0 = datetime(2026, 11, 2, tzinfo=UTC)
KINDS = ("open", "add", "reduce", "close", "stop-moved", "take-profit-moved", "note",
         "override", "refusal")


def _event(rng: random.Random, when: datetime, trade: int, account: str = "paper",
           kind: str | None = None) -> JournalEvent:
    kind = kind or rng.choice(KINDS)
    side = Side.LONG if trade % 2 else Side.SHORT
    price = 10.0 * (1 + rng.uniform(-0.1, 0.1))
    return JournalEvent(
        kind=kind, account=account, trade_id=f"t{trade}", event_time=when, base=f"B{trade % 5}",
        sector=f"s{trade % 3}", side=side, quantity_base=rng.choice((1.0, 2.5, 5.0)),
        price_usd=price, stop_price_usd=price * (1 - 0.05 * side.sign),
        take_profit_price_usd=price * (1 + 0.1 * side.sign), fee_usd=0.01 * rng.random(),
        funding_usd=0.001 * rng.random(), reason=f"r{rng.randrange(9)}",
        details={"rule": "cool-down"} if kind == "refusal" else {})


def _journal(rng: random.Random, count: int, start: datetime = T0) -> list[JournalEvent]:
    events, when = [], start
    for _ in range(count):
        when += timedelta(minutes=rng.choice((0, 1, 7)))  # ties too
        trade = rng.randrange(12)
        kind = "open" if rng.random() < 0.3 else None
        events.append(_event(rng, when, trade, rng.choice(("paper", "paper", "real")), kind))
    return events


def _same(a: Ledger, b: Ledger) -> bool:
    return repr(a) == repr(b)


@pytest.mark.parametrize("seed", range(40))
def test_extending_a_saved_fold_equals_replaying_everything(seed: int) -> None:
    rng = random.Random(seed)
    events = [e.__class__(**{**e.__dict__, "id": i + 1})
              for i, e in enumerate(_journal(rng, 120))]
    cut = rng.randrange(len(events))
    for account in ("paper", "real", None):
        state = fold_state(events[:cut], account)
        assert state.extend(events[cut:])  # later rows in time order: always extendable
        assert _same(state.ledger(), fold_ledger(events, account))


def test_rows_that_would_change_the_fold_are_refused_by_extend() -> None:
    rng = random.Random(1)
    events = [e.__class__(**{**e.__dict__, "id": i + 1}) for i, e in enumerate(_journal(rng, 30))]
    state = fold_state(events, "paper")
    before = repr(state.ledger())
    earlier = _event(rng, T0 - timedelta(days=1), 3, kind="open").__class__(
        **{**_event(rng, T0 - timedelta(days=1), 3, kind="open").__dict__, "id": 31})
    correction = JournalEvent(kind="correction", account="paper", trade_id="t1",
                              event_time=T0 + timedelta(days=9), corrects_id=1,
                              details={"void": True}, id=32)
    assert not state.extend([earlier]) and not state.extend([correction])
    assert repr(state.ledger()) == before  # nothing was folded


def _write(path: Path, events: list[JournalEvent]) -> None:
    with JournalStore(path) as store:
        store.append(events)


@pytest.fixture()
def small_snapshots(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Snapshots from the first row on; records every full replay the store does."""
    monkeypatch.setattr(snapshot, "SNAPSHOT_MIN_ROWS", 1)
    monkeypatch.setattr(snapshot, "SNAPSHOT_EVERY", 10)
    replays: list[str] = []
    real = store_mod.fold_state

    def counted(events, account="paper"):  # type: ignore[no-untyped-def]
        replays.append(str(account))
        return real(events, account)

    monkeypatch.setattr(store_mod, "fold_state", counted)
    return replays


def _reference(path: Path, account: str | None = "paper") -> Ledger:
    conn = sqlite3.connect(path)
    conn.row_factory = None
    columns = ", ".join(store_mod.EXPORT_COLUMNS)
    rows = conn.execute(f"SELECT {columns} FROM events ORDER BY id").fetchall()
    conn.close()
    return fold_ledger([store_mod._event(r) for r in rows], account)


def _ledger(path: Path, account: str | None = "paper") -> Ledger:
    with JournalStore(path) as store:
        return store.ledger(account)


def test_snapshot_then_later_rows_then_corrections(tmp_path: Path,
                                                   small_snapshots: list[str]) -> None:
    rng = random.Random(7)
    path = tmp_path / "journal.sqlite3"
    events = _journal(rng, 80)
    _write(path, events)
    assert _same(_ledger(path), _reference(path)) and small_snapshots == ["paper"]
    saved = sqlite3.connect(path).execute(
        "SELECT last_id FROM fold_snapshots WHERE account = 'paper'").fetchone()
    assert saved == (80,)
    # rows written after the snapshot, later in time: the snapshot is extended, no replay
    _write(path, _journal(rng, 5, start=events[-1].event_time))
    assert _same(_ledger(path), _reference(path)) and small_snapshots == ["paper"]
    for account in ("real", None):
        assert _same(_ledger(path, account), _reference(path, account))
    # a correction of a row before the snapshot (and a void): replayed, corrected view
    _write(path, [JournalEvent(kind="correction", account="paper", trade_id="t1",
                               event_time=T0 + timedelta(days=30), corrects_id=3,
                               details={"changes": {"price_usd": 123.0}}),
                  JournalEvent(kind="correction", account="paper", trade_id="t2",
                               event_time=T0 + timedelta(days=30), corrects_id=5,
                               details={"void": True})])
    small_snapshots.clear()
    assert _same(_ledger(path), _reference(path)) and small_snapshots == ["paper"]
    # a row dated before the last one folded (a real trade typed afterwards): replayed
    _write(path, [_event(rng, T0 - timedelta(days=2), 4, kind="open")])
    small_snapshots.clear()
    assert _same(_ledger(path), _reference(path)) and small_snapshots == ["paper"]
    # ... and the replay saved a snapshot that now holds everything: no replay next time
    small_snapshots.clear()
    assert _same(_ledger(path), _reference(path)) and small_snapshots == []


def _set(path: Path, sql: str, *params: object) -> None:
    conn = sqlite3.connect(path)
    conn.execute(sql, params)
    conn.commit()
    conn.close()


def test_damaged_or_stale_snapshots_fall_back_to_a_replay(tmp_path: Path,
                                                          small_snapshots: list[str]) -> None:
    path = tmp_path / "journal.sqlite3"
    _write(path, _journal(random.Random(3), 60))
    reference = _reference(path)
    assert _same(_ledger(path), reference)
    blob = sqlite3.connect(path).execute("SELECT state FROM fold_snapshots").fetchone()[0]
    damaged = blob[:100] + bytes([blob[100] ^ 0xFF]) + blob[101:]
    for sql, params in (
            ("UPDATE fold_snapshots SET state = ?", (damaged,)),  # bytes damaged
            ("UPDATE fold_snapshots SET fold_version = fold_version + 1", ()),  # other fold
            ("UPDATE fold_snapshots SET last_id = last_id - 1", ()),  # does not fit the rows
            ("UPDATE fold_snapshots SET account = 'real'", ())):  # another account's fold
        _set(path, "DELETE FROM fold_snapshots")
        assert _same(_ledger(path), reference)  # (re)written by the replay
        _set(path, sql, *params)
        small_snapshots.clear()
        assert _same(_ledger(path), reference), sql
        assert small_snapshots == ["paper"], sql


def test_rows_edited_around_the_triggers_are_noticed(tmp_path: Path,
                                                     small_snapshots: list[str]) -> None:
    path = tmp_path / "journal.sqlite3"
    _write(path, _journal(random.Random(5), 60))
    _ledger(path)
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET price_usd = price_usd * 2 WHERE id = 10")
    conn.commit()
    conn.close()
    small_snapshots.clear()
    assert _same(_ledger(path), _reference(path))  # the edited rows, not the stale fold
    assert small_snapshots == ["paper"]


def test_a_snapshot_cannot_run_code(tmp_path: Path, small_snapshots: list[str]) -> None:
    """Bytes naming anything but the journal's types are refused (their hash matching)."""
    path = tmp_path / "journal.sqlite3"
    _write(path, _journal(random.Random(9), 40))
    reference = _reference(path)
    _ledger(path)
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (Path.touch, (marker,))

    blob = pickle.dumps(Evil())
    import hashlib

    _set(path, "UPDATE fold_snapshots SET state = ?, sha256 = ?", blob,
         hashlib.sha256(blob).hexdigest())
    small_snapshots.clear()
    assert _same(_ledger(path), reference) and small_snapshots == ["paper"]
    assert not marker.exists()


def test_review_over_the_snapshot_equals_the_review_over_a_replay(
        tmp_path: Path, small_snapshots: list[str]) -> None:
    rng = random.Random(11)
    path = tmp_path / "journal.sqlite3"
    events = _journal(rng, 200)
    _write(path, events)
    _ledger(path)
    _write(path, _journal(rng, 20, start=events[-1].event_time))
    small_snapshots.clear()
    via_snapshot = _ledger(path)
    assert small_snapshots == []
    end = events[-1].event_time + timedelta(days=3)
    reviews = [weekly_review(ledger, account="paper", start=T0, end=end,
                             starting_equity_usd=10_000.0, now=end)
               for ledger in (via_snapshot, _reference(path))]
    assert repr(reviews[0]) == repr(reviews[1]) and reviews[0].trades > 0


def test_a_version_1_journal_is_migrated_and_stays_append_only(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    schema.MIGRATIONS[0](conn)
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    rng = random.Random(2)
    _write(path, _journal(rng, 5))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE events SET price_usd = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM events")


def test_a_side_pickles_without_getattr_whatever_the_python(monkeypatch) -> None:
    """Python 3.11.2's Enum pickles a member as ``getattr(Side, "LONG")``: a snapshot saved
    that way is refused by the restricted unpickler (``builtins.getattr is not a journal
    type``) and the journal is replayed on every review. Side pickles by value itself."""
    import enum
    import io
    import pickletools

    def by_name(self, protocol):  # type: ignore[no-untyped-def]  # 3.11.2's behaviour
        return getattr, (self.__class__, self._name_)

    monkeypatch.setattr(enum.Enum, "__reduce_ex__", by_name)
    blob = pickle.dumps([Side.LONG, Side.SHORT], protocol=pickle.HIGHEST_PROTOCOL)
    names = [arg for op, arg, _ in pickletools.genops(blob) if op.name == "SHORT_BINUNICODE"]
    assert "getattr" not in names
    assert snapshot._JournalTypesOnly(io.BytesIO(blob)).load() == [Side.LONG, Side.SHORT]


def test_the_encoded_fold_decodes_to_the_same_state_whatever_the_values() -> None:
    """Columns keep every value's type and bits: NaN, -0.0, an int price from a correction,
    another time zone, open trades with their exits and levels, every list."""
    import io
    from datetime import timezone

    from rotation_addin.journal import fold_codec

    rng = random.Random(13)
    events = [e.__class__(**{**e.__dict__, "id": i + 1}) for i, e in enumerate(_journal(rng, 150))]
    odd = [dataclasses_replace(events[0], id=151, kind="open", trade_id="odd", price_usd=7,
                               fee_usd=-0.0, stop_price_usd=math.nan,
                               event_time=events[-1].event_time.astimezone(
                                   timezone(timedelta(hours=2)))),
           dataclasses_replace(events[1], id=152, kind="note", details={"rule": ["a", 1]})]
    for account in ("paper", "real", None):
        state = fold_state(events + odd, account)
        blob = pickle.dumps(fold_codec.encode(state), protocol=pickle.HIGHEST_PROTOCOL)
        decoded = fold_codec.decode(snapshot._JournalTypesOnly(io.BytesIO(blob)).load())
        assert repr(decoded) == repr(state)
        assert [type(e.price_usd) for e in decoded.entries] == \
            [type(e.price_usd) for e in state.entries]
        assert decoded.extend([]) and repr(decoded.ledger()) == repr(state.ledger())
    other_order = ("fold-columns-1", "big" if sys.byteorder == "little" else "little")
    with pytest.raises(ValueError):  # native doubles: another byte order is not read
        fold_codec.decode((other_order, *fold_codec.encode(state)[1:]))


def test_a_snapshot_of_the_earlier_layout_is_replayed_and_rewritten(
        tmp_path: Path, small_snapshots: list[str]) -> None:
    """Before the columns a snapshot pickled the FoldState object itself: such bytes name a
    class the unpickler no longer constructs, so the journal is replayed and saved anew."""
    import hashlib

    path = tmp_path / "journal.sqlite3"
    _write(path, _journal(random.Random(4), 50))
    reference = _reference(path)
    _ledger(path)
    old = pickle.dumps(fold_state(_reference_events(path), "paper"), protocol=5)
    _set(path, "UPDATE fold_snapshots SET state = ?, sha256 = ?", old,
         hashlib.sha256(old).hexdigest())
    small_snapshots.clear()
    assert _same(_ledger(path), reference) and small_snapshots == ["paper"]
    small_snapshots.clear()
    assert _same(_ledger(path), reference) and small_snapshots == []  # the new one is read


def _reference_events(path: Path) -> list[JournalEvent]:
    conn = sqlite3.connect(path)
    rows = conn.execute(f"SELECT {', '.join(store_mod.EXPORT_COLUMNS)} FROM events "
                        "ORDER BY id").fetchall()
    conn.close()
    return [store_mod._event(r) for r in rows]
