"""SQLite schema of the market-data cache and its migrations.

The schema version lives in ``PRAGMA user_version``. ``MIGRATIONS[i]`` upgrades a file from
version ``i`` to ``i + 1``; a new file (version 0) runs every step. A file whose version is
*higher* than :data:`SCHEMA_VERSION` was written by a newer Rotation Desk and is refused, never
"downgraded" (that could lose rows the newer version relies on).

Tables (times are integer milliseconds since the Unix epoch, UTC; days are ``YYYY-MM-DD``):

* ``candles``: one row per closed candle ``(exchange, base, timeframe, open_time_ms)``;
  ``volume`` (base units) and ``volume_usd`` are NULL when the source does not give them
  (close-only CSV files).
* ``markets``: contract rules per ``(exchange, base)`` as JSON (a ``ContractSpec``).
* ``tickers``: latest last/mark price, funding rate and 24 h volume per ``(exchange, base)``.
* ``funding``: funding-rate history per ``(exchange, base, funding_time_ms)``.
* ``order_books``: latest order-book snapshot per ``(exchange, base)`` (bids/asks JSON).
* ``brackets``: leverage tiers per ``(exchange, base)`` as JSON.
* ``series``: generic daily series ``(name, key, day, realm)`` for macro and sentiment
  providers; ``realm`` is ``"demo"`` for simulated rows and ``"live"`` otherwise so the two
  never mix.
* ``refresh_log``: one row per refresh run (what, outcome, failures).
* ``meta`` (since v2): small key/value facts about the cached data, written in the same
  transaction as the rows they describe -- e.g. ``demo_run``, the fingerprint (seed, days, end
  date, simulator hash, universe) of the demo run whose rows the cache holds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

from rotation_addin.core.errors import DataError

_V1 = """
CREATE TABLE IF NOT EXISTS candles (
    exchange      TEXT    NOT NULL,
    base          TEXT    NOT NULL,
    timeframe     TEXT    NOT NULL,
    open_time_ms  INTEGER NOT NULL,
    open          REAL    NOT NULL,
    high          REAL    NOT NULL,
    low           REAL    NOT NULL,
    close         REAL    NOT NULL,
    volume        REAL,
    volume_usd    REAL,
    source        TEXT    NOT NULL,
    PRIMARY KEY (exchange, base, timeframe, open_time_ms)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS markets (
    exchange    TEXT    NOT NULL,
    base        TEXT    NOT NULL,
    symbol      TEXT    NOT NULL,
    spec_json   TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    updated_ms  INTEGER NOT NULL,
    PRIMARY KEY (exchange, base)
);

CREATE TABLE IF NOT EXISTS tickers (
    exchange        TEXT    NOT NULL,
    base            TEXT    NOT NULL,
    last_price_usd  REAL    NOT NULL,
    mark_price_usd  REAL    NOT NULL,
    funding_rate    REAL    NOT NULL,
    volume_24h_usd  REAL    NOT NULL,
    timestamp_ms    INTEGER NOT NULL,
    source          TEXT    NOT NULL,
    PRIMARY KEY (exchange, base)
);

CREATE TABLE IF NOT EXISTS funding (
    exchange         TEXT    NOT NULL,
    base             TEXT    NOT NULL,
    funding_time_ms  INTEGER NOT NULL,
    rate             REAL    NOT NULL,
    source           TEXT    NOT NULL,
    PRIMARY KEY (exchange, base, funding_time_ms)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS order_books (
    exchange      TEXT    NOT NULL,
    base          TEXT    NOT NULL,
    bids_json     TEXT    NOT NULL,
    asks_json     TEXT    NOT NULL,
    timestamp_ms  INTEGER NOT NULL,
    source        TEXT    NOT NULL,
    PRIMARY KEY (exchange, base)
);

CREATE TABLE IF NOT EXISTS brackets (
    exchange    TEXT    NOT NULL,
    base        TEXT    NOT NULL,
    tiers_json  TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    updated_ms  INTEGER NOT NULL,
    PRIMARY KEY (exchange, base)
);

CREATE TABLE IF NOT EXISTS series (
    name    TEXT NOT NULL,
    key     TEXT NOT NULL,
    day     TEXT NOT NULL,
    realm   TEXT NOT NULL CHECK (realm IN ('demo', 'live')),
    value   REAL,
    source  TEXT NOT NULL,
    PRIMARY KEY (name, key, day, realm)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS refresh_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    started_ms     INTEGER NOT NULL,
    finished_ms    INTEGER NOT NULL,
    exchange       TEXT    NOT NULL,
    what           TEXT    NOT NULL,
    outcome        TEXT    NOT NULL,
    failures_json  TEXT    NOT NULL,
    detail_json    TEXT    NOT NULL
);
"""


def _migrate_to_v1(conn: sqlite3.Connection) -> None:
    for statement in _V1.split(";"):
        if statement.strip():
            conn.execute(statement)


_V2 = """
CREATE TABLE IF NOT EXISTS meta (
    key         TEXT    PRIMARY KEY,
    value       TEXT    NOT NULL,
    updated_ms  INTEGER NOT NULL
)
"""


def _migrate_to_v2(conn: sqlite3.Connection) -> None:
    """v1 -> v2: add the ``meta`` key/value table (existing rows are kept as they are).

    A v1 file holds no demo-run fingerprint, so a cached demo market from it is refused until
    ``rotation refresh --demo`` rewrites it (its rows may mix two runs).
    """
    conn.execute(_V2)


Migration = Callable[[sqlite3.Connection], None]

MIGRATIONS: list[Migration] = [_migrate_to_v1, _migrate_to_v2]
"""``MIGRATIONS[i]`` upgrades a file from schema version ``i`` to ``i + 1``."""


def schema_version() -> int:
    """Schema version this code writes (the number of migrations)."""
    return len(MIGRATIONS)


SCHEMA_VERSION = schema_version()


def file_version(conn: sqlite3.Connection) -> int:
    """Schema version recorded in an open cache file (0 for a new file)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(
    conn: sqlite3.Connection, path: Path, migrations: Sequence[Migration] | None = None
) -> int:
    """Bring an open cache to the current schema; return the version it ends at.

    Each step runs in its own transaction together with the ``user_version`` bump, so an
    interrupted upgrade leaves the file at the last complete version.

    Raises
    ------
    DataError
        The file was written by a newer version (its schema version is above ours).
    """
    steps = list(MIGRATIONS if migrations is None else migrations)
    current = file_version(conn)
    if current > len(steps):
        raise DataError(
            f"cache {path} has schema version {current}, newer than this Rotation Desk "
            f"understands (up to {len(steps)}): upgrade Rotation Desk, or move the file "
            "away to start a fresh cache"
        )
    for version in range(current, len(steps)):
        conn.execute("BEGIN IMMEDIATE")
        try:
            steps[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return file_version(conn)
