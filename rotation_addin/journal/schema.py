"""SQLite schema of the trade journal and its migrations (``PRAGMA user_version``).

``MIGRATIONS[i]`` upgrades a file from version ``i`` to ``i + 1``; a file newer than this code
is refused (as :mod:`rotation_addin.data.cache_schema` does for the cache).

``events`` (v1): one row per journal event, never updated or deleted -- triggers refuse
both. Times are integer milliseconds since the Unix epoch, UTC. ``corrects_id`` references
the row a ``correction`` corrects. ``import_key`` (unique, NULL for typed events) makes
imports idempotent: importing the same CSV row twice inserts it once.

``fold_snapshots`` (v2): saved folds of the rows up to an id, a cache the review reads
instead of replaying every row (:mod:`rotation_addin.journal.snapshot`); not the record,
so it is replaced, never trusted without its checks.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from rotation_addin.core.errors import DataError
from rotation_addin.core.ledger import ACCOUNTS, EVENT_KINDS
from rotation_addin.data.sqlite_file import (
    append_only_triggers,
    refuse_read_only,
    transaction,
)
from rotation_addin.journal.snapshot import TABLE_SQL

_KINDS = ", ".join(f"'{k}'" for k in EVENT_KINDS)
_ACCOUNTS = ", ".join(f"'{a}'" for a in ACCOUNTS)

_V1 = f"""
CREATE TABLE events (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    recorded_ms            INTEGER NOT NULL,
    event_ms               INTEGER NOT NULL,
    account                TEXT    NOT NULL CHECK (account IN ({_ACCOUNTS})),
    kind                   TEXT    NOT NULL CHECK (kind IN ({_KINDS})),
    trade_id               TEXT    NOT NULL,
    base                   TEXT    NOT NULL,
    sector                 TEXT    NOT NULL,
    side                   TEXT    CHECK (side IS NULL OR side IN ('long', 'short')),
    quantity_base          REAL    NOT NULL,
    price_usd              REAL,
    reference_price_usd    REAL,
    stop_price_usd         REAL,
    take_profit_price_usd  REAL,
    liquidation_price_usd  REAL,
    leverage               REAL,
    fee_usd                REAL    NOT NULL,
    slippage_usd           REAL    NOT NULL,
    funding_usd            REAL    NOT NULL,
    price_source           TEXT    NOT NULL,
    reason                 TEXT    NOT NULL,
    corrects_id            INTEGER REFERENCES events(id),
    details_json           TEXT    NOT NULL,
    import_key             TEXT    UNIQUE,
    CHECK (kind != 'correction' OR corrects_id IS NOT NULL)
);
CREATE INDEX events_trade ON events (trade_id);
"""


def _migrate_to_v1(conn: sqlite3.Connection) -> None:
    for statement in (*_split(_V1), *append_only_triggers(
            "events", "the trade journal is append-only: add a correction instead")):
        conn.execute(statement)


def _split(script: str) -> list[str]:
    """Statements of ``script`` (a trigger body's ``;`` stays inside its statement)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return [s for s in statements if s]


def _migrate_to_v2(conn: sqlite3.Connection) -> None:
    conn.execute(TABLE_SQL)


Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = [_migrate_to_v1, _migrate_to_v2]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, path: Path) -> int:
    """Bring an open journal to :data:`SCHEMA_VERSION`, one transaction per step."""
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if current > len(MIGRATIONS):
        raise DataError(f"journal {path} has schema version {current}, newer than this "
                        f"Rotation Desk understands (up to {len(MIGRATIONS)}): upgrade "
                        "Rotation Desk (the journal is left as it is)")
    if current < len(MIGRATIONS) and path.exists():
        refuse_read_only(path, "journal")  # before anything is written
    for version in range(current, len(MIGRATIONS)):
        with transaction(conn):
            if int(conn.execute("PRAGMA user_version").fetchone()[0]) == version:
                MIGRATIONS[version](conn)
                conn.execute(f"PRAGMA user_version = {version + 1}")
    return int(conn.execute("PRAGMA user_version").fetchone()[0])
