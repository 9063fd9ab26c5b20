"""One home for how Rotation Desk opens its append-only SQLite files (journal, alerts).

Each file is opened the same way: its folder created, autocommit (``isolation_level=None``,
so every write is an explicit ``BEGIN IMMEDIATE`` transaction: :func:`transaction`), a busy
timeout (two processes writing at once wait for each other instead of failing), WAL and
``synchronous = FULL`` (a crash, even SIGKILL, leaves each transaction wholly present or
absent). History tables refuse UPDATE and DELETE through triggers
(:func:`append_only_triggers`).
"""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from rotation_addin.core.errors import DataError

T = TypeVar("T")


def open_store(
    path: Path, what: str, migrate: Callable[[sqlite3.Connection], T], *, timeout_s: float
) -> tuple[sqlite3.Connection, T]:
    """Open (or create) the SQLite file ``path`` and bring its schema up to date.

    Parameters
    ----------
    path : Path
        The file; its folder is created if missing.
    what : str
        How a message names the file (``"journal"``, ``"alerts file"``).
    migrate : callable
        Run on the open connection (inside the error handling below); its result is returned.
    timeout_s : float
        Busy timeout, seconds: how long a write waits for another process's transaction.

    Returns
    -------
    (sqlite3.Connection, T)
        The connection and what ``migrate`` returned.

    Raises
    ------
    DataError
        One line naming the file: read-only where a write was needed (the file, or its
        folder, which WAL needs for the ``-wal`` file beside it), or unreadable (move it
        away). Nothing is changed or deleted either way.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, timeout=timeout_s, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        return conn, migrate(conn)
    except sqlite3.DatabaseError as exc:
        name = getattr(exc, "sqlite_errorname", "")
        if name == "SQLITE_READONLY_DIRECTORY" or (name == "SQLITE_CANTOPEN" and not path.is_dir()):
            raise read_only_error(path, what, f"its folder {path.parent}") from None
        if name.startswith("SQLITE_READONLY"):
            raise read_only_error(path, what, "the file") from None
        raise DataError(f"{what} {path} is not a readable SQLite database ({exc}); move it "
                        "away (nothing is deleted) and start a new one") from None


def read_only_error(path: Path, what: str, part: str) -> DataError:
    """The one line for a file that must be written but cannot: ``part`` is read-only."""
    return DataError(f"{what} {path} cannot be written: {part} is read-only; make it writable "
                     "(chmod u+w) and run again (nothing was changed)")


def refuse_read_only(path: Path, what: str) -> None:
    """Raise :func:`read_only_error` when ``path``'s owner has no write permission on it.

    By the mode bits, as :func:`rotation_addin.data.atomic.target_mode` does, so a 0444 file
    is refused before a migration writes to it even for root (whom SQLite would let write).
    """
    if not stat.S_IMODE(path.stat().st_mode) & stat.S_IWUSR:
        raise read_only_error(path, what, "the file")


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One ``BEGIN IMMEDIATE`` transaction: committed on success, rolled back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def append_only_triggers(table: str, message: str) -> tuple[str, str]:
    """``CREATE TRIGGER`` statements that make ``table`` refuse UPDATE and DELETE.

    Both abort the statement with ``message`` (``sqlite3.IntegrityError`` in Python).
    """
    refuse = f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
    return (f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} {refuse}",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} {refuse}")
