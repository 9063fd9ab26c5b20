"""The journal file: ``<data dir>/journal.sqlite3`` (WAL, busy timeout, append-only).

Every write is one ``BEGIN IMMEDIATE`` transaction holding whole events, so a crash (even
SIGKILL) leaves each event fully present or absent, and two processes writing at once wait
for each other (busy timeout) instead of losing rows.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sqlite3
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rotation_addin.core.errors import DataError
from rotation_addin.core.ledger import (
    ACCOUNT_PAPER,
    KIND_CLOSE,
    KIND_CORRECTION,
    JournalEvent,
    Ledger,
    build_frozen,
    ledger_book,
)
from rotation_addin.core.ledger_fold import fold_ledger, fold_state
from rotation_addin.core.rotation import PositionBook
from rotation_addin.core.types import Side
from rotation_addin.data.paths import data_dir
from rotation_addin.data.sqlite_file import open_store, transaction
from rotation_addin.journal import schema, snapshot

COLUMNS = ("recorded_ms", "event_ms", "account", "kind", "trade_id", "base", "sector", "side",
           "quantity_base", "price_usd", "reference_price_usd", "stop_price_usd",
           "take_profit_price_usd", "liquidation_price_usd", "leverage", "fee_usd",
           "slippage_usd", "funding_usd", "price_source", "reason", "corrects_id",
           "details_json", "import_key")
EXPORT_COLUMNS = ("id", *COLUMNS)
CORRECTIONS_WHERE = "WHERE trade_id = ? AND kind = ? AND corrects_id = ?"
"""The corrections of one row (parameters: its trade id, ``correction``, its id): a search of
the ``events_trade`` index, since a correction carries the trade id of the row it corrects."""


def journal_path() -> Path:
    """Default journal file: ``<data dir>/journal.sqlite3``."""
    return data_dir() / "journal.sqlite3"


def to_ms(when: datetime) -> int:
    """UTC milliseconds since the epoch."""
    return round(when.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    """Inverse of :func:`to_ms` (tz-aware UTC)."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def _nullable(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _row(event: JournalEvent, import_key: str | None) -> tuple[Any, ...]:
    return (
        int(time.time() * 1000), to_ms(event.event_time), event.account, event.kind,
        event.trade_id, event.base, event.sector,
        event.side.value if event.side is not None else None, float(event.quantity_base),
        _nullable(event.price_usd), _nullable(event.reference_price_usd),
        _nullable(event.stop_price_usd), _nullable(event.take_profit_price_usd),
        _nullable(event.liquidation_price_usd), _nullable(event.leverage),
        float(event.fee_usd), float(event.slippage_usd), float(event.funding_usd),
        event.price_source, event.reason, event.corrects_id,
        json.dumps(dict(event.details), sort_keys=True, default=str), import_key,
    )


_SIDES = {"long": Side.LONG, "short": Side.SHORT}
_AT = {name: i for i, name in enumerate(EXPORT_COLUMNS)}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _details(text: str) -> dict[str, Any]:
    details: dict[str, Any] = json.loads(text)
    changes = details.get("changes")
    if isinstance(changes, dict) and "event_time" in changes:
        changes["event_time"] = datetime.fromisoformat(str(changes["event_time"]))
    return details


def _event(row: Sequence[Any]) -> JournalEvent:
    """One ``SELECT id, <COLUMNS>`` row as an event.

    The review reads 20,000 rows, so this builds the instance's ``__dict__`` in one literal
    (in field order) instead of calling the frozen ``__init__``: the schema's CHECK
    constraints validated kind, account and side when the row was written, and the
    ``float()`` calls still refuse a hand-edited non-number in the REAL NOT NULL columns.
    """
    (row_id, recorded_ms, event_ms, account, kind, trade_id, base, sector, side, quantity,
     price, reference, stop, take_profit, liquidation, leverage, fee, slippage, funding,
     source, reason, corrects_id, text, _import_key) = row
    return build_frozen(JournalEvent, {
        "kind": kind, "account": account, "trade_id": trade_id,
        "event_time": _EPOCH + timedelta(0, 0, 0, event_ms), "base": base, "sector": sector,
        "side": _SIDES.get(side), "quantity_base": float(quantity),
        "price_usd": math.nan if price is None else price,
        "reference_price_usd": math.nan if reference is None else reference,
        "stop_price_usd": stop, "take_profit_price_usd": take_profit,
        "liquidation_price_usd": liquidation, "leverage": leverage, "fee_usd": float(fee),
        "slippage_usd": float(slippage), "funding_usd": float(funding),
        "price_source": source, "reason": reason, "corrects_id": corrects_id,
        "details": _details(text) if text != "{}" else {},
        "recorded_at": _EPOCH + timedelta(0, 0, 0, recorded_ms), "id": row_id})


_INTEGERS = ("recorded_ms", "event_ms")
_NUMBERS = ("quantity_base", "fee_usd", "slippage_usd", "funding_usd")


def _damage(row: Sequence[Any]) -> str:
    """What is wrong with a row :func:`_event` refused (a file edited outside the desk)."""
    for name in _INTEGERS:
        if not isinstance(row[_AT[name]], int):
            return f"{name} {row[_AT[name]]!r} is not an integer (milliseconds)"
    for name in _NUMBERS:
        try:
            float(row[_AT[name]])
        except (TypeError, ValueError):
            return f"{name} {row[_AT[name]]!r} is not a number"
    try:
        _details(row[_AT["details_json"]])
    except (TypeError, ValueError, AttributeError) as exc:
        return f"details_json is not a JSON object with valid changes ({exc})"
    return "it cannot be read"


def _events(rows: Sequence[Sequence[Any]], path: Path) -> list[JournalEvent]:
    """The rows as events; one line naming the first damaged row and field otherwise."""
    try:
        return [_event(row) for row in rows]
    except (TypeError, ValueError, AttributeError, OverflowError):
        for row in rows:
            try:
                _event(row)
            except (TypeError, ValueError, AttributeError, OverflowError):
                raise DataError(f"journal {path}: row {row[0]} is damaged: {_damage(row)} "
                                "(edited outside Rotation Desk?); nothing was changed") from None
        raise


_EVENT_CACHE: dict[tuple[str, int], tuple[int, int, tuple[JournalEvent, ...]]] = {}
"""Parsed rows per journal file (path, inode): (last id, row count, events). Valid because
rows are never updated or deleted: a later read parses only the rows after the last id (and
re-reads everything if the file no longer holds exactly the cached rows)."""


class JournalStore:
    """An open journal file. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: Path | str | None = None, *, timeout_s: float = 30.0) -> None:
        self.path = Path(path) if path is not None else journal_path()
        self._conn, self.schema_version = open_store(
            self.path, "journal", lambda conn: schema.migrate(conn, self.path),
            timeout_s=timeout_s)
        self._conn.row_factory = sqlite3.Row

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._conn.close()

    def __enter__(self) -> JournalStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def append(self, events: Sequence[JournalEvent], *, import_keys: Sequence[str | None] = (),
               only_if_open: str | None = None) -> tuple[int, ...]:
        """Write ``events`` in one transaction; return the new row ids.

        ``import_keys`` (parallel to ``events``) skip rows already imported (idempotent).
        ``only_if_open`` names a trade that must not be closed yet (checked inside the same
        transaction, so two processes cannot close it twice); if it is, nothing is written.
        """
        keys = list(import_keys) + [None] * (len(events) - len(import_keys))
        ids: list[int] = []
        with transaction(self._conn) as conn:
            if only_if_open is not None and conn.execute(
                    "SELECT 1 FROM events WHERE trade_id = ? AND kind = ? LIMIT 1",
                    (only_if_open, KIND_CLOSE)).fetchone():
                return ()
            for event, key in zip(events, keys, strict=True):
                cursor = conn.execute(
                    f"INSERT OR IGNORE INTO events ({', '.join(COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(COLUMNS))})", _row(event, key))
                if cursor.rowcount:
                    ids.append(int(cursor.lastrowid or 0))
        return tuple(ids)

    def _select(self, where: str = "", params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self._conn.cursor()
        cursor.row_factory = None
        return list(cursor.execute(f"SELECT {', '.join(EXPORT_COLUMNS)} FROM events {where} "
                                   "ORDER BY id", params))

    def _cache_key(self) -> tuple[str, int]:
        return (str(self.path.resolve()), self.path.stat().st_ino)

    def events(self, account: str | None = None) -> tuple[JournalEvent, ...]:
        """Every row (``account`` None: all accounts), in id order (parsed rows are cached
        per file; only rows added since the last read are parsed)."""
        key = self._cache_key()
        last, count, cached = _EVENT_CACHE.get(key, (0, 0, ()))
        self._conn.execute("BEGIN")  # one snapshot for the check and the read
        try:
            held = self._conn.execute("SELECT COUNT(*) FROM events WHERE id <= ?",
                                      (last,)).fetchone()[0]
            stamp = self._conn.execute("SELECT recorded_ms FROM events WHERE id = ?",
                                       (last,)).fetchone()
            if held != count or (cached and (stamp is None or cached[-1].recorded_at
                                             != from_ms(stamp[0]))):
                last, cached = 0, ()
            rows = self._select("WHERE id > ?", (last,))
        finally:
            self._conn.execute("COMMIT")
        events = cached + tuple(_events(rows, self.path))
        if events:
            _EVENT_CACHE[key] = (events[-1].id, len(events), events)
        return events if account is None else tuple(e for e in events if e.account == account)

    def state_key(self) -> tuple[object, ...]:
        """What identifies the rows held (file, count, last id and its write time): an
        append-only journal with the same key holds the same rows."""
        count, last = self._conn.execute("SELECT COUNT(*), MAX(id) FROM events").fetchone()
        stamp = self._conn.execute("SELECT recorded_ms FROM events WHERE id = ?",
                                   (last,)).fetchone()
        return (str(self.path.resolve()), count, last, stamp[0] if stamp else None)

    def ledger(self, account: str | None = ACCOUNT_PAPER) -> Ledger:
        """The fold of every row for ``account`` (None: all): the saved snapshot extended by
        the rows after it when it passes its checks, else a replay of every row, which saves
        a new snapshot (:mod:`rotation_addin.journal.snapshot`). Both give the same ledger."""
        self._conn.execute("BEGIN")  # one read snapshot for the checks and the rows after
        try:
            saved = snapshot.load(self._conn, account)
            later = self._select("WHERE id > ?", (saved[1],)) if saved is not None else []
        finally:
            self._conn.execute("COMMIT")
        if saved is not None:
            state = saved[0]
            tail = _events(later, self.path)
            if state.extend(tail):
                if len(tail) >= snapshot.SNAPSHOT_EVERY:
                    snapshot.save(self._conn, state, tail[-1].id)
                return state.ledger()
        elif snapshot.rows_changed(self._conn, account):
            _EVENT_CACHE.pop(self._cache_key(), None)  # parsed from rows that changed
        events = self.events()
        state = fold_state(events, account)
        if len(events) >= snapshot.SNAPSHOT_MIN_ROWS:
            snapshot.save(self._conn, state, events[-1].id)
        return state.ledger()

    def event(self, event_id: int) -> JournalEvent | None:
        """The row ``event_id`` or None."""
        rows = self._select("WHERE id = ?", (event_id,))
        return _events(rows, self.path)[0] if rows else None

    def corrections_of(self, event_id: int, trade_id: str) -> tuple[JournalEvent, ...]:
        """The ``correction`` rows of row ``event_id`` (whose trade is ``trade_id``), in id
        order: an indexed look-up (``events_trade``: a correction carries the trade id of
        the row it corrects), not a read of the whole journal."""
        rows = self._select(CORRECTIONS_WHERE, (trade_id, KIND_CORRECTION, event_id))
        return tuple(_events(rows, self.path))

    def count(self) -> int:
        """Number of rows."""
        return int(self._conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check`` (``"ok"`` when the file is sound)."""
        return str(self._conn.execute("PRAGMA integrity_check").fetchone()[0])

    def export_csv(self) -> str:
        """Every row as CSV text (header :data:`EXPORT_COLUMNS`)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        for row in self._conn.execute(f"SELECT {', '.join(EXPORT_COLUMNS)} FROM events "
                                      "ORDER BY id"):
            writer.writerow(["" if v is None else v for v in row])
        return buffer.getvalue()


def book_from_journal(path: Path | None = None, account: str = ACCOUNT_PAPER) -> PositionBook:
    """The journal's ``account`` as a :class:`PositionBook` (empty when there is no file)."""
    target = Path(path) if path is not None else journal_path()
    if not target.exists():
        return PositionBook()
    with JournalStore(target) as store:
        return ledger_book(fold_ledger(store.events(), account))


def merge_books(csv_book: PositionBook, journal: PositionBook) -> PositionBook:
    """The CSV files' book and the journal's together, each trade once.

    A CSV position is kept unless the journal holds (or held and closed) a trade in the same
    base opened at the same time -- an imported row -- or an open position in that base; a
    CSV closed trade is kept unless the journal has one with the same base, close time and
    P&L (to the cent).
    """
    journal_opens = {(p.base, p.opened_at) for p in journal.positions}
    journal_opens |= {(t.base, t.opened_at) for t in journal.closed_trades}
    held = {p.base for p in journal.positions}
    positions = list(journal.positions) + [
        p for p in csv_book.positions
        if (p.base, p.opened_at) not in journal_opens and p.base not in held]
    seen = {(t.base, t.closed_at, round(t.realised_pnl_usd, 2)) for t in journal.closed_trades}
    trades = list(journal.closed_trades) + [
        t for t in csv_book.closed_trades
        if (t.base, t.closed_at, round(t.realised_pnl_usd, 2)) not in seen]
    return PositionBook(positions=tuple(positions), closed_trades=tuple(trades))
