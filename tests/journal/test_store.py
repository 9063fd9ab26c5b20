"""The journal file: append-only (triggers), migrations, WAL, idempotent import, export."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from rotation_addin.core.errors import DataError
from rotation_addin.core.ledger import JournalEvent
from rotation_addin.core.ledger_fold import fold_ledger
from rotation_addin.core.types import Side
from rotation_addin.journal import schema
from rotation_addin.journal.store import JournalStore

T0 = datetime(2026, 11, 2, tzinfo=UTC)


def _open(trade_id: str = "t1", price: float = 10.0) -> JournalEvent:
    return JournalEvent(kind="open", account="paper", trade_id=trade_id, event_time=T0,
                        base="RENDER", sector="render", side=Side.LONG, quantity_base=100.0,
                        price_usd=price, stop_price_usd=9.0, fee_usd=0.5)


def test_update_and_delete_are_refused_by_triggers(tmp_path):
    path = tmp_path / "journal.sqlite3"
    with JournalStore(path) as store:
        store.append([_open()])
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE events SET price_usd = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM events")
    assert conn.execute("SELECT price_usd FROM events").fetchall() == [(10.0,)]


def test_schema_version_wal_and_newer_file_refused(tmp_path):
    path = tmp_path / "journal.sqlite3"
    with JournalStore(path) as store:
        assert store.schema_version == schema.SCHEMA_VERSION == 2  # v2: fold snapshots
        assert store.integrity_check() == "ok"
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(DataError, match="newer"):
        JournalStore(path)


def test_import_keys_make_appends_idempotent(tmp_path):
    with JournalStore(tmp_path / "j.sqlite3") as store:
        assert len(store.append([_open()], import_keys=["k1"])) == 1
        assert store.append([_open()], import_keys=["k1"]) == ()
        assert store.count() == 1


def test_correction_is_a_new_row_and_the_fold_uses_it(tmp_path):
    with JournalStore(tmp_path / "j.sqlite3") as store:
        (first,) = store.append([_open(price=10.0)])
        store.append([JournalEvent(kind="correction", account="paper", trade_id="t1",
                                   event_time=T0, corrects_id=first, reason="typo",
                                   details={"changes": {"price_usd": 9.5}})])
        events = store.events()
        assert store.count() == 2
        assert store.event(first).price_usd == 10.0  # the original row is kept as written
    (trade,) = fold_ledger(events).open_trades
    assert trade.entry_price_usd == 9.5
    # R0 = Q x |entry - stop| + entry fee, on the corrected entry
    assert trade.initial_risk_usd == pytest.approx(100 * (9.5 - 9.0) + 0.5)


def test_export_has_every_row_and_account(tmp_path):
    with JournalStore(tmp_path / "j.sqlite3") as store:
        store.append([_open("a"), JournalEvent(kind="open", account="real", trade_id="b",
                      event_time=T0, base="LPT", side=Side.SHORT, quantity_base=1.0,
                      price_usd=5.0, stop_price_usd=6.0)])
        lines = store.export_csv().splitlines()
    assert lines[0].startswith("id,recorded_ms,event_ms,account,kind")
    assert [line.split(",")[3] for line in lines[1:]] == ["paper", "real"]


def test_a_parsed_row_has_every_field_and_equals_the_event_written(tmp_path):
    """Rows are parsed without ``__init__``: every field must still be set, in field order."""
    import dataclasses

    written = _open()
    with JournalStore(tmp_path / "j.sqlite3") as store:
        (row_id,) = store.append([written])
        (event,) = store.events()
    names = [f.name for f in dataclasses.fields(JournalEvent)]
    assert list(event.__dict__) == names
    assert event == dataclasses.replace(written, id=row_id, recorded_at=event.recorded_at)


@pytest.mark.parametrize(("column", "value", "words"), [
    ("quantity_base", "abc", "quantity_base 'abc' is not a number"),
    ("event_ms", "yesterday", "event_ms 'yesterday' is not an integer"),
    ("details_json", "{broken", "details_json is not a JSON object"),
])
def test_a_row_edited_outside_the_desk_is_one_line_naming_row_and_field(tmp_path, column,
                                                                        value, words):
    path = tmp_path / "j.sqlite3"
    with JournalStore(path) as store:
        store.append([_open("a"), _open("b")])
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute(f"UPDATE events SET {column} = ? WHERE id = 2", (value,))
    conn.commit()
    conn.close()
    with JournalStore(path) as store, pytest.raises(DataError) as caught:
        store.events()
    message = str(caught.value)
    assert "\n" not in message and "row 2 is damaged" in message and words in message
