"""The journal and the alerts file are opened by one helper: same pragmas, same guards."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from rotation_addin.core.errors import DataError
from rotation_addin.data.alert_store import AlertStore
from rotation_addin.data.sqlite_file import append_only_triggers, open_store, transaction
from rotation_addin.journal.store import JournalStore

STORES = [("journal", JournalStore, "journal"), ("alerts", AlertStore, "alerts file")]


@pytest.mark.parametrize(("name", "store_class", "what"), STORES)
def test_both_stores_open_with_wal_full_sync_and_the_busy_timeout(
    tmp_path: Path, name: str, store_class: type[JournalStore | AlertStore], what: str
) -> None:
    with store_class(tmp_path / "sub" / f"{name}.sqlite3", timeout_s=2.5) as store:
        conn = store._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 2500
        assert conn.isolation_level is None  # every write is an explicit transaction


@pytest.mark.parametrize(("name", "store_class", "what"), STORES)
def test_a_file_that_is_not_sqlite_gets_one_line_naming_it_and_is_kept(
    tmp_path: Path, name: str, store_class: type[JournalStore | AlertStore], what: str
) -> None:
    target = tmp_path / f"{name}.sqlite3"
    target.write_bytes(b"not a database, just text " * 100)
    with pytest.raises(DataError) as caught:
        store_class(target)
    message = str(caught.value)
    assert message.startswith(f"{what} {target} is not a readable SQLite database")
    assert "\n" not in message and "nothing is deleted" in message
    assert target.read_bytes() == b"not a database, just text " * 100


@pytest.mark.parametrize(
    ("table", "message"),
    [("events", "the trade journal is append-only: add a correction instead"),
     ("firings", "the alert history is append-only")])
def test_append_only_tables_refuse_update_and_delete(
    tmp_path: Path, table: str, message: str
) -> None:
    target = tmp_path / "journal.sqlite3" if table == "events" else tmp_path / "alerts.sqlite3"
    (JournalStore if table == "events" else AlertStore)(target).close()
    conn = sqlite3.connect(target)
    triggers = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger'"))
    conn.close()
    for verb in ("update", "delete"):
        sql = triggers[f"{table}_no_{verb}"]
        assert f"BEFORE {verb.upper()} ON {table}" in sql and f"RAISE(ABORT, '{message}')" in sql


def test_triggers_abort_with_the_message_and_transaction_rolls_back(tmp_path: Path) -> None:
    def migrate(conn: sqlite3.Connection) -> int:
        conn.execute("CREATE TABLE log (id INTEGER PRIMARY KEY, note TEXT)")
        for statement in append_only_triggers("log", "the log is append-only"):
            conn.execute(statement)
        return 7

    conn, result = open_store(tmp_path / "new" / "log.sqlite3", "log", migrate, timeout_s=1.0)
    assert result == 7
    with transaction(conn):
        conn.execute("INSERT INTO log (note) VALUES ('kept')")
    for statement in ("UPDATE log SET note = 'changed'", "DELETE FROM log"):
        with pytest.raises(sqlite3.IntegrityError, match="the log is append-only"):
            conn.execute(statement)
    with pytest.raises(RuntimeError), transaction(conn):
        conn.execute("INSERT INTO log (note) VALUES ('rolled back')")
        raise RuntimeError("mid-transaction failure")
    assert [r[0] for r in conn.execute("SELECT note FROM log")] == ["kept"]
    conn.close()
