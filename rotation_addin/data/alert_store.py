"""The alerts file: ``<data dir>/alerts.sqlite3`` -- rules, their states, the firing history.

* ``rules``: one row per rule; a rule is never edited (an edit is a removal and a new rule)
  and never deleted: removing it stamps ``removed_ms`` (triggers refuse anything else).
* ``firings``: append-only history (triggers refuse UPDATE and DELETE).
* ``states``: armed / last regime label per ``(rule, subject, demo)``; demo states are kept
  apart from live ones, so trying the demo market does not disarm a live rule.

Every write is one ``BEGIN IMMEDIATE`` transaction (WAL, synchronous FULL, busy timeout):
an evaluation reads the states, computes and writes firings and states inside the same
transaction, so two processes evaluating at once (``rotation watch`` and a refresh) cannot
fire the same crossing twice, and a crash leaves each evaluation wholly present or absent.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rotation_addin.core.alert_eval import AlertFiring, AlertState, Evaluation
from rotation_addin.core.alerts import AlertRule
from rotation_addin.core.errors import DataError
from rotation_addin.data.paths import data_dir
from rotation_addin.data.sqlite_file import append_only_triggers, open_store, transaction

_V1 = (
    """CREATE TABLE rules (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        created_ms  INTEGER NOT NULL,
        kind        TEXT    NOT NULL,
        subject     TEXT    NOT NULL,
        threshold   REAL    NOT NULL,
        unit        TEXT    NOT NULL,
        hysteresis  REAL    NOT NULL,
        note        TEXT    NOT NULL,
        removed_ms  INTEGER)""",
    """CREATE TABLE firings (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        recorded_ms INTEGER NOT NULL,
        fired_ms    INTEGER NOT NULL,
        rule_id     INTEGER NOT NULL REFERENCES rules(id),
        kind        TEXT    NOT NULL,
        subject     TEXT    NOT NULL,
        value       REAL,
        threshold   REAL    NOT NULL,
        unit        TEXT    NOT NULL,
        message     TEXT    NOT NULL,
        demo        INTEGER NOT NULL CHECK (demo IN (0, 1)),
        source      TEXT    NOT NULL)""",
    """CREATE TABLE states (
        rule_id     INTEGER NOT NULL REFERENCES rules(id),
        subject     TEXT    NOT NULL,
        demo        INTEGER NOT NULL,
        armed       INTEGER NOT NULL,
        label       TEXT    NOT NULL,
        PRIMARY KEY (rule_id, subject, demo))""",
    *append_only_triggers("firings", "the alert history is append-only"),
    """CREATE TRIGGER rules_no_delete BEFORE DELETE ON rules
       BEGIN SELECT RAISE(ABORT, 'alert rules are removed, never deleted'); END""",
    """CREATE TRIGGER rules_no_edit BEFORE UPDATE OF id, created_ms, kind, subject, threshold,
       unit, hysteresis, note ON rules
       BEGIN SELECT RAISE(ABORT, 'an alert rule is not edited: remove it and add another');
       END""",
)
SCHEMA_VERSION = 1
_RULE_COLUMNS = "id, created_ms, kind, subject, threshold, unit, hysteresis, note"
_FIRING_COLUMNS = ("id, fired_ms, rule_id, kind, subject, value, threshold, unit, message, "
                   "demo, source")


def to_ms(when: datetime) -> int:
    """UTC milliseconds since the epoch (a naive time is taken as UTC)."""
    return round((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    """Inverse of :func:`to_ms` (tz-aware UTC)."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def alerts_path() -> Path:
    """Default alerts file: ``<data dir>/alerts.sqlite3``."""
    return data_dir() / "alerts.sqlite3"


def _rule(row: Sequence[object]) -> AlertRule:
    rid, created, kind, subject, threshold, unit, hysteresis, note = row
    return AlertRule(int(str(rid)), str(kind), str(subject), float(str(threshold)), str(unit),
                     float(str(hysteresis)), str(note), from_ms(int(str(created))))


def _firing(row: Sequence[object]) -> AlertFiring:
    fid, fired, rid, kind, subject, value, threshold, unit, message, demo, source = row
    return AlertFiring(int(str(rid)), str(kind), str(subject), from_ms(int(str(fired))),
                       float("nan") if value is None else float(str(value)),
                       float(str(threshold)), str(unit), str(message), bool(demo),
                       str(source), int(str(fid)))


class AlertStore:
    """An open alerts file. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: Path | str | None = None, *, timeout_s: float = 30.0) -> None:
        self.path = Path(path) if path is not None else alerts_path()
        self._conn, _ = open_store(self.path, "alerts file", self._migrate, timeout_s=timeout_s)

    def _migrate(self, conn: sqlite3.Connection) -> None:
        with transaction(conn):
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise DataError(f"alerts file {self.path} has schema version {version}, newer "
                                f"than this Rotation Desk understands ({SCHEMA_VERSION})")
            if version == 0:
                for statement in _V1:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._conn.close()

    def __enter__(self) -> AlertStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- rules -------------------------------------------------------------------------------
    def add(self, rules: Sequence[AlertRule]) -> tuple[AlertRule, ...]:
        """Store ``rules`` (validated by ``core.alerts.make_rule``) in one transaction."""
        now = to_ms_now()
        stored: list[AlertRule] = []
        with transaction(self._conn) as conn:
            for rule in rules:
                cursor = conn.execute(
                    "INSERT INTO rules (created_ms, kind, subject, threshold, unit, hysteresis,"
                    " note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (now, rule.kind, rule.subject, rule.threshold, rule.unit, rule.hysteresis,
                     rule.note))
                stored.append(AlertRule(int(cursor.lastrowid or 0), rule.kind, rule.subject,
                                        rule.threshold, rule.unit, rule.hysteresis, rule.note,
                                        from_ms(now)))
        return tuple(stored)

    def remove(self, rule_ids: Sequence[int]) -> tuple[int, ...]:
        """Stamp the active rules among ``rule_ids`` removed; return those it removed."""
        now = to_ms_now()
        removed: list[int] = []
        with transaction(self._conn) as conn:
            for rid in rule_ids:
                cursor = conn.execute("UPDATE rules SET removed_ms = ? WHERE id = ? AND "
                                      "removed_ms IS NULL", (now, rid))
                if cursor.rowcount:
                    removed.append(rid)
        return tuple(removed)

    def rules(self) -> tuple[AlertRule, ...]:
        """The active rules, in id order."""
        rows = self._conn.execute(f"SELECT {_RULE_COLUMNS} FROM rules WHERE removed_ms IS NULL"
                                  " ORDER BY id").fetchall()
        return tuple(_rule(r) for r in rows)

    # -- history -----------------------------------------------------------------------------
    def history(self, limit: int | None = None) -> tuple[AlertFiring, ...]:
        """Firings, oldest first (``limit``: only the most recent ones)."""
        query = f"SELECT {_FIRING_COLUMNS} FROM firings ORDER BY id"
        if limit is not None:
            query = (f"SELECT * FROM (SELECT {_FIRING_COLUMNS} FROM firings ORDER BY id DESC "
                     f"LIMIT {int(limit)}) ORDER BY id")
        return tuple(_firing(r) for r in self._conn.execute(query).fetchall())

    def count_firings(self) -> int:
        """Rows in the history."""
        return int(self._conn.execute("SELECT COUNT(*) FROM firings").fetchone()[0])

    # -- evaluation --------------------------------------------------------------------------
    def evaluate(self, demo: bool, compute: Callable[
            [tuple[AlertRule, ...], dict[tuple[int, str], AlertState]], Evaluation],
    ) -> tuple[AlertFiring, ...]:
        """Read rules and states, ``compute`` the evaluation, write firings and states -- all
        in one transaction. Returns the stored firings (with their history ids)."""
        flag = int(demo)
        with transaction(self._conn) as conn:
            rules = tuple(_rule(r) for r in conn.execute(
                f"SELECT {_RULE_COLUMNS} FROM rules WHERE removed_ms IS NULL ORDER BY id"))
            states = {(int(r[0]), str(r[1])): AlertState(bool(r[2]), str(r[3]))
                      for r in conn.execute("SELECT rule_id, subject, armed, label FROM states "
                                            "WHERE demo = ?", (flag,))}
            result = compute(rules, states)
            for (rid, subject), state in result.states.items():
                if states.get((rid, subject)) != state:
                    conn.execute("INSERT OR REPLACE INTO states VALUES (?, ?, ?, ?, ?)",
                                 (rid, subject, flag, int(state.armed), state.label))
            return tuple(self._insert(conn, f) for f in result.firings)

    @staticmethod
    def _insert(conn: sqlite3.Connection, firing: AlertFiring) -> AlertFiring:
        value = firing.value if firing.value == firing.value else None  # NaN -> NULL
        cursor = conn.execute(
            "INSERT INTO firings (recorded_ms, fired_ms, rule_id, kind, subject, value, "
            "threshold, unit, message, demo, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (to_ms_now(), to_ms(firing.fired_at), firing.rule_id, firing.kind, firing.subject,
             value, firing.threshold, firing.unit, firing.message, int(firing.demo),
             firing.source))
        return AlertFiring(firing.rule_id, firing.kind, firing.subject, firing.fired_at,
                           firing.value, firing.threshold, firing.unit, firing.message,
                           firing.demo, firing.source, int(cursor.lastrowid or 0))


def to_ms_now() -> int:
    """Now, UTC milliseconds since the epoch."""
    return round(time.time() * 1000)
