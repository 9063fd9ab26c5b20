"""Saved folds of the journal: the folded state up to a row id, so a review replays only the
rows written after it.

A snapshot (table ``fold_snapshots``, schema v2; one per account) holds the
:class:`~rotation_addin.core.ledger_fold.FoldState` after the rows up to ``last_id``. It is a
cache, never the record: the ``events`` rows stay append-only and are the truth. A snapshot is
used only if all of these hold, otherwise the journal is replayed from the first row (and a
new snapshot saved):

* it was written by this fold (:data:`~rotation_addin.core.ledger_fold.FOLD_VERSION`);
* its bytes hash to the SHA-256 saved with them (a damaged blob is not read);
* the rows up to ``last_id`` still have the fingerprint saved with it: their count, the
  write time of row ``last_id`` and sums over every column (:data:`FINGERPRINT_SQL`); the
  triggers forbid changing those rows, and the fingerprint catches a file edited around
  them or replaced by another journal;
* it decodes to a ``FoldState`` of that account: the bytes are plain columns
  (:mod:`~rotation_addin.journal.fold_codec`, this version's layout and field names) read by
  a restricted unpickler that constructs nothing but builtins, :class:`Side` and the
  ``datetime`` types;
* the rows after it can extend the fold (:meth:`FoldState.extend`: no correction among them,
  none dated before the last row folded).

Writing it is one transaction (``INSERT OR REPLACE``), so a crash leaves the previous snapshot
or the new one; failing to write it (read-only file, busy writer) only costs speed.
"""

from __future__ import annotations

import gc
import hashlib
import io
import pickle
import sqlite3
import time
from typing import Any

from rotation_addin.core.ledger_fold import FOLD_VERSION, FoldState
from rotation_addin.data.sqlite_file import transaction
from rotation_addin.journal import fold_codec

SNAPSHOT_MIN_ROWS = 2_000
"""A full replay over at least this many rows saves a snapshot (smaller journals fold fast)."""
SNAPSHOT_EVERY = 1_000
"""A snapshot is renewed once this many rows were written after it."""
WRITE_WAIT_MS = 200
"""How long saving a snapshot waits for another process's write (then it is skipped)."""

TABLE_SQL = """
CREATE TABLE fold_snapshots (
    account       TEXT    PRIMARY KEY,
    fold_version  INTEGER NOT NULL,
    last_id       INTEGER NOT NULL,
    fingerprint   TEXT    NOT NULL,
    sha256        TEXT    NOT NULL,
    state         BLOB    NOT NULL,
    written_ms    INTEGER NOT NULL
)"""

FINGERPRINT_SQL = """
SELECT COUNT(*), total(event_ms), total(recorded_ms), total(quantity_base), total(price_usd),
       total(reference_price_usd), total(stop_price_usd), total(take_profit_price_usd),
       total(liquidation_price_usd), total(leverage), total(fee_usd), total(slippage_usd),
       total(funding_usd), total(corrects_id),
       total(length(account) + length(kind) + length(trade_id) + length(base) + length(sector)
             + coalesce(length(side), 0) + length(price_source) + length(reason)
             + length(details_json) + coalesce(length(import_key), 0)),
       (SELECT recorded_ms FROM events WHERE id = :last)
FROM events WHERE id <= :last"""

_ALLOWED = {
    ("rotation_addin.core.types", "Side"),
    ("datetime", "datetime"),
    ("datetime", "timezone"),
    ("datetime", "timedelta"),
}
"""What a snapshot may construct besides builtins: it holds plain columns
(:mod:`rotation_addin.journal.fold_codec`), never the journal's classes themselves."""


class _JournalTypesOnly(pickle.Unpickler):
    """Decodes only builtins and :data:`_ALLOWED` (Python docs, "Restricting Globals")."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not a journal type")
        return super().find_class(module, name)


def _key(account: str | None) -> str:
    return account if account is not None else "*"


def fingerprint(conn: sqlite3.Connection, last_id: int) -> str:
    """The fingerprint of the rows up to ``last_id`` (see the module docstring)."""
    return repr(tuple(conn.execute(FINGERPRINT_SQL, {"last": last_id}).fetchone()))


def load(conn: sqlite3.Connection, account: str | None) -> tuple[FoldState, int] | None:
    """The saved fold of ``account`` and its last row id, or None when there is none or it
    fails any check of the module docstring."""
    try:
        row = conn.execute("SELECT fold_version, last_id, fingerprint, sha256, state FROM "
                           "fold_snapshots WHERE account = ?", (_key(account),)).fetchone()
    except sqlite3.Error:
        return None
    if row is None:
        return None
    version, last_id, saved_print, digest, blob = row
    if version != FOLD_VERSION or not isinstance(blob, bytes) \
            or hashlib.sha256(blob).hexdigest() != digest \
            or fingerprint(conn, last_id) != saved_print:
        return None
    collecting = gc.isenabled()
    gc.disable()  # tens of thousands of objects, no cycles: the collector would only rescan
    try:
        state = fold_codec.decode(_JournalTypesOnly(io.BytesIO(blob)).load())
    except Exception:  # any damage the hash did not catch: replay instead
        return None
    finally:
        if collecting:
            gc.enable()
    if state.account != account:
        return None
    return state, int(last_id)


def rows_changed(conn: sqlite3.Connection, account: str | None) -> bool:
    """True when a snapshot of ``account`` exists and the rows it folded are no longer the
    rows of the file (edited around the triggers, or another file): then nothing parsed from
    this file before can be trusted either."""
    try:
        row = conn.execute("SELECT last_id, fingerprint FROM fold_snapshots WHERE account = ?",
                           (_key(account),)).fetchone()
    except sqlite3.Error:
        return False
    return row is not None and fingerprint(conn, row[0]) != row[1]


def save(conn: sqlite3.Connection, state: FoldState, last_id: int) -> bool:
    """Save ``state`` (the fold of the rows up to ``last_id``) in one transaction; False when
    it could not be written (the journal is then simply replayed next time)."""
    blob = pickle.dumps(fold_codec.encode(state), protocol=pickle.HIGHEST_PROTOCOL)
    timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    try:
        conn.execute(f"PRAGMA busy_timeout = {WRITE_WAIT_MS}")
        with transaction(conn):
            conn.execute(
                "INSERT OR REPLACE INTO fold_snapshots (account, fold_version, last_id, "
                "fingerprint, sha256, state, written_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (_key(state.account), FOLD_VERSION, last_id, fingerprint(conn, last_id),
                 hashlib.sha256(blob).hexdigest(), blob, int(time.time() * 1000)))
        return True
    except sqlite3.Error:
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")
