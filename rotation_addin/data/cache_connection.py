"""The market cache's SQLite connection: open or migrate, lock, transactions, guarded queries.

:class:`CacheConnection` is the base of every table group of
:class:`rotation_addin.data.cache.MarketCache`.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Self

from rotation_addin.core.errors import DataError
from rotation_addin.data import cache_schema
from rotation_addin.data.paths import cache_path


class CacheConnection:
    """One SQLite connection to the cache file, shared between threads under a lock.

    Parameters are those of :class:`rotation_addin.data.cache.MarketCache`.
    """

    def __init__(self, path: Path | str | None = None, *, timeout_s: float = 30.0,
                 read_only: bool | None = False) -> None:
        self.path = Path(path) if path is not None else cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._depth = 0
        self.read_only = _cannot_write(self.path) if read_only is None else read_only
        if not self.read_only and _cannot_write(self.path):
            raise DataError(f"cache {self.path} is read-only (or its folder is): this command "
                            "writes the cache; make both writable (chmod u+w) and run it again")
        try:
            self._conn = self._connect(timeout_s)
        except sqlite3.Error as exc:
            raise DataError(f"cannot open cache {self.path}: {exc}") from None
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
            if self.read_only:
                self.schema_version = _readable_version(self._conn, self.path)
                return
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self.schema_version = cache_schema.migrate(self._conn, self.path)
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise DataError(
                f"cache {self.path} is not a readable SQLite database ({exc}); "
                "move it away and run `rotation refresh` to rebuild it"
            ) from None
        except BaseException:
            self._conn.close()
            raise

    def _connect(self, timeout_s: float) -> sqlite3.Connection:
        if not self.read_only:
            return sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None,
                                   check_same_thread=False)
        if not self.path.is_file():
            raise DataError(f"no cache at {self.path}: run `rotation refresh` first")
        uri = self.path.resolve().as_uri()
        try:
            conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=timeout_s,
                                   isolation_level=None, check_same_thread=False)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
            return conn
        except sqlite3.OperationalError:
            # a WAL file in a folder we cannot write (no -shm to create): read the file as is
            return sqlite3.connect(f"{uri}?immutable=1", uri=True, timeout=timeout_s,
                                   isolation_level=None, check_same_thread=False)

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Self]:
        """Group writes: all of them become visible at the end, or none if the body raises.

        Nested calls join the outermost transaction. Used by the refresh for one symbol.
        """
        with self._lock:
            if self._depth == 0:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if self._depth == 0:
                self._conn.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return list(self._conn.execute(sql, params).fetchall())
            except sqlite3.DatabaseError as exc:  # damaged pages surface only when read
                if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                    raise
                raise DataError(f"cache {self.path} is damaged ({exc}): move it away and run "
                                "`rotation refresh` to rebuild it") from None



def _cannot_write(path: Path) -> bool:
    """True when ``path`` exists but this process may not write it or its folder."""
    return path.is_file() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _readable_version(conn: sqlite3.Connection, path: Path) -> int:
    """Schema version of a cache opened read-only; it cannot be migrated, so it must be current."""
    version = cache_schema.file_version(conn)
    current = len(cache_schema.MIGRATIONS)
    if version != current:
        raise DataError(f"cache {path} is read-only and has schema version {version}; this "
                        f"version of Rotation Desk reads version {current}: make it writable "
                        "once (chmod u+w) so it can be upgraded")
    return version

