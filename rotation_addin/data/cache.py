"""SQLite market-data cache (standard-library ``sqlite3``, WAL journal).

One file (``data/paths.cache_path()`` by default) holds every exchange's candles, contract
rules, tickers, funding history, order books and leverage tiers, plus generic daily series
(macro, sentiment). Schema and migrations: :mod:`rotation_addin.data.cache_schema`.

Safety rules the refresh relies on:

* every write is an ``INSERT ... ON CONFLICT DO UPDATE`` upsert -- writing the same rows twice
  leaves the same table;
* :meth:`MarketCache.transaction` groups the writes of one symbol (of a live exchange) or of a
  whole demo run; if anything inside raises (or the process dies) none of them is visible and
  the earlier rows stay as they were;
* candle frames are validated *before* the first row is written (finite positive prices,
  ``low <= open, close <= high``, non-negative volumes, open times on the timeframe grid).

Demo data is written with ``exchange="demo"`` and source ``"demo (simulated)"``; demo series
live in their own ``realm`` so they never mix with live provider data.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.core.dataset import OrderBook, Ticker
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.types import ContractSpec
from rotation_addin.data import cache_schema
from rotation_addin.data.candles import CANDLE_COLUMNS, TIMEFRAME_MS, timeframe_ms
from rotation_addin.data.paths import cache_path

DEMO_EXCHANGE = "demo"
"""Exchange id under which the demo market is stored (never confused with live data)."""


SERIES_MACRO = "macro"
"""Series family of the macro inputs; keys ``btc_dominance``, ``stablecoin_supply_usd``,
``equity_index`` (the ``MarketDataset.macro`` columns)."""
SERIES_SOCIAL_VOLUME = "social_volume"
"""Series family of social volume; one key per base (``"RENDER"``)."""
SERIES_ONCHAIN_ACTIVITY = "onchain_activity"
"""Series family of on-chain activity; one key per base."""
MACRO_KEYS = ("btc_dominance", "stablecoin_supply_usd", "equity_index")


def now_ms() -> int:
    """Current wall-clock time in Unix milliseconds."""
    return int(time.time() * 1000)


def ms_to_datetime(ms: int) -> datetime:
    """Unix milliseconds -> tz-aware UTC datetime."""
    return datetime.fromtimestamp(ms / 1000.0, tz=UTC)


def realm_of(source: str) -> str:
    """``"demo"`` for simulated data (source ``"demo (simulated)"``), ``"live"`` otherwise."""
    return "demo" if source.startswith("demo") else "live"


@dataclass(frozen=True)
class SymbolStatus:
    """Coverage of one symbol and timeframe in the cache.

    Attributes
    ----------
    exchange, base, timeframe : str
        What the rows are.
    rows : int
        Candles stored.
    first_open, last_open : datetime
        Open time of the first and the last stored candle, UTC.
    last_close : datetime
        Close time of the last stored candle (``last_open`` + one candle), UTC.
    age_hours : float
        Hours from ``last_close`` to now: how stale the data is.
    gaps : int
        Holes in the series (runs of one or more missing candles between first and last).
    missing_candles : int
        Candles missing inside those holes.
    source : str
        Source label of the latest candle.
    """

    exchange: str
    base: str
    timeframe: str
    rows: int
    first_open: datetime
    last_open: datetime
    last_close: datetime
    age_hours: float
    gaps: int
    missing_candles: int
    source: str


@dataclass(frozen=True)
class IntegrityReport:
    """Result of :meth:`MarketCache.integrity_check`: ``ok`` and SQLite's own messages."""

    ok: bool
    integrity_check: tuple[str, ...]
    quick_check: tuple[str, ...]
    schema_version: int


@dataclass(frozen=True)
class RefreshRecord:
    """One row of the refresh log."""

    started: datetime
    finished: datetime
    exchange: str
    what: str
    outcome: str
    failures: Mapping[str, str]
    detail: Mapping[str, Any]


class MarketCache:
    """Open (creating or migrating) the SQLite cache at ``path``.

    Parameters
    ----------
    path : Path, optional
        Cache file; default ``data/paths.cache_path()``.
    timeout_s : float
        Seconds to wait for another process's write lock before failing.
    read_only : bool or None
        True: open the file read-only (no WAL switch, no migration; it must exist and be
        current). None: read-only exactly when the file exists and this process may not
        write it or its folder (what read commands pass). False (default): read-write.

    Raises
    ------
    DataError
        The file is not a SQLite database, or it was written by a newer schema version.

    Use as a context manager (``with MarketCache() as cache:``) or call :meth:`close`.
    The object can be shared between threads (calls are serialised by a lock).
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

    def __enter__(self) -> MarketCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[MarketCache]:
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

    # ------------------------------------------------------------------ candles
    def write_candles(
        self, exchange: str, base: str, timeframe: str, frame: pd.DataFrame, source: str
    ) -> int:
        """Validate and upsert closed candles; return the number of rows written.

        Parameters
        ----------
        exchange, base, timeframe : str
            Where the candles belong (``"binanceusdm"``, ``"RENDER"``, ``"1d"``).
        frame : pd.DataFrame
            Columns ``open, high, low, close, volume`` (base units) and optionally
            ``volume_usd`` (quote volume; ``volume * close`` when absent). Unknown volumes
            (NaN) are stored as NULL and read back as NaN. Indexed by the
            candle open time (``DatetimeIndex``, naive = UTC, or Unix ms integers) or with an
            ``open_time_ms`` / ``timestamp`` column.
        source : str
            Label stored on every row (``"binanceusdm"``, ``"demo (simulated)"``).

        Raises
        ------
        DataError
            Any row is invalid; nothing is written then.
        """
        step = timeframe_ms(timeframe)
        rows = candle_rows(frame, step, where=f"{exchange} {base} {timeframe}")
        sql = (
            "INSERT INTO candles (exchange, base, timeframe, open_time_ms, open, high, low, "
            "close, volume, volume_usd, source) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT (exchange, base, timeframe, open_time_ms) DO UPDATE SET "
            "open=excluded.open, high=excluded.high, low=excluded.low, close=excluded.close, "
            "volume=excluded.volume, volume_usd=excluded.volume_usd, source=excluded.source"
        )
        with self.transaction():
            self._conn.executemany(
                sql, ((exchange, base, timeframe, *row, source) for row in rows)
            )
        return len(rows)

    def delete_symbol(self, exchange: str, base: str) -> None:
        """Remove every row of one symbol on one exchange (used to replace demo data)."""
        with self.transaction():
            for table in ("candles", "markets", "tickers", "funding", "order_books", "brackets"):
                self._conn.execute(
                    f"DELETE FROM {table} WHERE exchange = ? AND base = ?", (exchange, base)
                )

    def delete_exchange(self, exchange: str) -> None:
        """Remove every row of every symbol of ``exchange`` (used to replace a demo run whole)."""
        with self.transaction():
            for table in ("candles", "markets", "tickers", "funding", "order_books", "brackets"):
                self._conn.execute(f"DELETE FROM {table} WHERE exchange = ?", (exchange,))

    # ------------------------------------------------------------------ meta (key/value)
    def write_meta(self, key: str, value: Mapping[str, Any]) -> None:
        """Store a JSON object under ``key`` in the ``meta`` table (replacing the old one).

        Call it inside the :meth:`transaction` that writes the rows it describes, so the
        two become visible together or not at all.
        """
        if not key:
            raise InputError("key", "must be non-empty text")
        with self.transaction():
            self._conn.execute(
                "INSERT INTO meta (key, value, updated_ms) VALUES (?,?,?) ON CONFLICT (key) "
                "DO UPDATE SET value=excluded.value, updated_ms=excluded.updated_ms",
                (key, json.dumps(dict(value), sort_keys=True, default=str), now_ms()),
            )

    def read_meta(self, key: str) -> dict[str, Any] | None:
        """The JSON object stored under ``key``, or None (never written, or unreadable)."""
        rows = self._query("SELECT value FROM meta WHERE key=?", (key,))
        if not rows:
            return None
        try:
            value = json.loads(rows[0][0])
        except (TypeError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def delete_meta(self, key: str) -> None:
        """Remove the ``meta`` entry ``key`` (no-op when absent)."""
        with self.transaction():
            self._conn.execute("DELETE FROM meta WHERE key=?", (key,))

    def last_closed_open_time(self, exchange: str, base: str, timeframe: str) -> int | None:
        """Open time (Unix ms) of the last stored candle, or None if there is none.

        Only closed candles are ever stored, so this is where an incremental refresh resumes
        (fetch from this open time + one candle).
        """
        timeframe_ms(timeframe)
        row = self._query(
            "SELECT MAX(open_time_ms) FROM candles WHERE exchange=? AND base=? AND timeframe=?",
            (exchange, base, timeframe),
        )
        value = row[0][0]
        return None if value is None else int(value)

    def first_open_time(self, exchange: str, base: str, timeframe: str) -> int | None:
        """Open time (Unix ms) of the first stored candle, or None (used to backfill)."""
        timeframe_ms(timeframe)
        row = self._query(
            "SELECT MIN(open_time_ms) FROM candles WHERE exchange=? AND base=? AND timeframe=?",
            (exchange, base, timeframe),
        )
        value = row[0][0]
        return None if value is None else int(value)

    def read_candles(
        self,
        exchange: str,
        base: str,
        timeframe: str,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> pd.DataFrame:
        """Stored candles of one symbol, indexed by open time (UTC ``DatetimeIndex``).

        Columns: ``open, high, low, close, volume, volume_usd, source``. ``start_ms`` and
        ``end_ms`` bound the open time (inclusive).
        """
        timeframe_ms(timeframe)
        sql = (
            "SELECT open_time_ms, open, high, low, close, volume, volume_usd, source "
            "FROM candles WHERE exchange=? AND base=? AND timeframe=?"
        )
        params: list[Any] = [exchange, base, timeframe]
        if start_ms is not None:
            sql += " AND open_time_ms >= ?"
            params.append(int(start_ms))
        if end_ms is not None:
            sql += " AND open_time_ms <= ?"
            params.append(int(end_ms))
        rows = self._query(sql + " ORDER BY open_time_ms", params)
        frame = pd.DataFrame(rows, columns=["open_time_ms", *CANDLE_COLUMNS, "source"])
        frame.index = _ms_index(frame.pop("open_time_ms").to_numpy(dtype=np.int64), "open_time")
        for column in CANDLE_COLUMNS:
            frame[column] = frame[column].astype(float)
        return frame

    def read_wide(
        self, exchange: str, bases: Sequence[str], timeframe: str = "1d"
    ) -> dict[str, pd.DataFrame]:
        """Candles of many symbols as wide frames: ``{"open": frame, ..., "volume_usd": frame}``.

        Each frame is indexed by open time (UTC, named ``"date"``) with one column per base
        that has data, in the order of ``bases``.
        """
        timeframe_ms(timeframe)
        if not bases:
            return {c: pd.DataFrame() for c in CANDLE_COLUMNS}
        marks = ",".join("?" * len(bases))
        rows = self._query(
            "SELECT base, open_time_ms, open, high, low, close, volume, volume_usd FROM candles "
            f"WHERE exchange=? AND timeframe=? AND base IN ({marks}) ORDER BY open_time_ms",
            [exchange, timeframe, *bases],
        )
        long = pd.DataFrame(rows, columns=["base", "open_time_ms", *CANDLE_COLUMNS])
        present = [b for b in bases if b in set(long["base"])]
        out: dict[str, pd.DataFrame] = {}
        for column in CANDLE_COLUMNS:
            wide = long.pivot(index="open_time_ms", columns="base", values=column)
            wide = wide.reindex(columns=present).astype(float)
            wide.index = _ms_index(wide.index.to_numpy(dtype=np.int64), "date")
            wide.columns.name = None
            out[column] = wide
        return out

    # ------------------------------------------------------------------ contracts, tickers, ...
    def write_markets(
        self, exchange: str, specs: Mapping[str, ContractSpec], source: str
    ) -> int:
        """Upsert contract rules by base; return how many were written."""
        stamp = now_ms()
        with self.transaction():
            for base, spec in specs.items():
                self._conn.execute(
                    "INSERT INTO markets (exchange, base, symbol, spec_json, source, updated_ms) "
                    "VALUES (?,?,?,?,?,?) ON CONFLICT (exchange, base) DO UPDATE SET "
                    "symbol=excluded.symbol, spec_json=excluded.spec_json, "
                    "source=excluded.source, updated_ms=excluded.updated_ms",
                    (exchange, base, spec.symbol, json.dumps(dataclasses.asdict(spec)), source,
                     stamp),
                )
        return len(specs)

    def read_markets(self, exchange: str) -> dict[str, ContractSpec]:
        """Contract rules stored for ``exchange``, by base."""
        known = {f.name for f in dataclasses.fields(ContractSpec)}
        out: dict[str, ContractSpec] = {}
        for base, spec_json in self._query(
            "SELECT base, spec_json FROM markets WHERE exchange=? ORDER BY base", (exchange,)
        ):
            raw = json.loads(spec_json)
            out[base] = ContractSpec(**{k: v for k, v in raw.items() if k in known})
        return out

    def write_tickers(self, exchange: str, tickers: Mapping[str, Ticker], source: str) -> int:
        """Upsert the latest ticker of each base; return how many were written."""
        with self.transaction():
            for base, t in tickers.items():
                values = [t.last_price_usd, t.mark_price_usd, t.funding_rate, t.volume_24h_usd]
                if not all(np.isfinite(values)):
                    raise DataError(f"{exchange} {base} ticker: non-finite value in {values}")
                self._conn.execute(
                    "INSERT INTO tickers (exchange, base, last_price_usd, mark_price_usd, "
                    "funding_rate, volume_24h_usd, timestamp_ms, source) VALUES (?,?,?,?,?,?,?,?) "
                    "ON CONFLICT (exchange, base) DO UPDATE SET "
                    "last_price_usd=excluded.last_price_usd, "
                    "mark_price_usd=excluded.mark_price_usd, "
                    "funding_rate=excluded.funding_rate, volume_24h_usd=excluded.volume_24h_usd, "
                    "timestamp_ms=excluded.timestamp_ms, source=excluded.source",
                    (exchange, base, *map(float, values), _datetime_ms(t.timestamp), source),
                )
        return len(tickers)

    def read_tickers(self, exchange: str) -> dict[str, Ticker]:
        """Latest tickers stored for ``exchange``, by base."""
        return {
            base: Ticker(base, last, mark, rate, vol, ms_to_datetime(ts))
            for base, last, mark, rate, vol, ts in self._query(
                "SELECT base, last_price_usd, mark_price_usd, funding_rate, volume_24h_usd, "
                "timestamp_ms FROM tickers WHERE exchange=? ORDER BY base",
                (exchange,),
            )
        }

    def write_order_book(self, exchange: str, book: OrderBook, source: str) -> None:
        """Replace the stored order-book snapshot of ``book.base``."""
        with self.transaction():
            self._conn.execute(
                "INSERT INTO order_books (exchange, base, bids_json, asks_json, timestamp_ms, "
                "source) VALUES (?,?,?,?,?,?) ON CONFLICT (exchange, base) DO UPDATE SET "
                "bids_json=excluded.bids_json, asks_json=excluded.asks_json, "
                "timestamp_ms=excluded.timestamp_ms, source=excluded.source",
                (exchange, book.base, json.dumps([list(map(float, b)) for b in book.bids]),
                 json.dumps([list(map(float, a)) for a in book.asks]),
                 _datetime_ms(book.timestamp), source),
            )

    def read_order_books(self, exchange: str) -> dict[str, OrderBook]:
        """Latest order-book snapshots stored for ``exchange``, by base."""
        out: dict[str, OrderBook] = {}
        for base, bids, asks, ts in self._query(
            "SELECT base, bids_json, asks_json, timestamp_ms FROM order_books WHERE exchange=? "
            "ORDER BY base",
            (exchange,),
        ):
            out[base] = OrderBook(
                base,
                tuple((float(p), float(a)) for p, a in json.loads(bids)),
                tuple((float(p), float(a)) for p, a in json.loads(asks)),
                ms_to_datetime(ts),
            )
        return out

    def write_funding(self, exchange: str, base: str, rates: pd.Series, source: str) -> int:
        """Upsert funding history: ``rates`` (fraction per interval) indexed by funding time."""
        times = index_ms(rates.index, field=f"{exchange} {base} funding")
        values = np.asarray(rates.to_numpy(dtype=float), dtype=float)
        keep = np.isfinite(values)
        with self.transaction():
            self._conn.executemany(
                "INSERT INTO funding (exchange, base, funding_time_ms, rate, source) "
                "VALUES (?,?,?,?,?) ON CONFLICT (exchange, base, funding_time_ms) DO UPDATE SET "
                "rate=excluded.rate, source=excluded.source",
                ((exchange, base, int(t), float(r), source)
                 for t, r in zip(times[keep], values[keep], strict=True)),
            )
        return int(keep.sum())

    def read_funding(self, exchange: str, base: str) -> pd.Series:
        """Funding-rate history of one symbol (fraction per interval), indexed by time (UTC)."""
        rows = self._query(
            "SELECT funding_time_ms, rate FROM funding WHERE exchange=? AND base=? "
            "ORDER BY funding_time_ms",
            (exchange, base),
        )
        times = np.array([r[0] for r in rows], dtype=np.int64)
        return pd.Series([float(r[1]) for r in rows], index=_ms_index(times, "funding_time"),
                         name=base, dtype=float)

    def write_brackets(self, exchange: str, base: str, tiers: Any, source: str) -> None:
        """Store leverage tiers of one symbol (any JSON-serialisable structure)."""
        with self.transaction():
            self._conn.execute(
                "INSERT INTO brackets (exchange, base, tiers_json, source, updated_ms) "
                "VALUES (?,?,?,?,?) ON CONFLICT (exchange, base) DO UPDATE SET "
                "tiers_json=excluded.tiers_json, source=excluded.source, "
                "updated_ms=excluded.updated_ms",
                (exchange, base, json.dumps(tiers, default=str), source, now_ms()),
            )

    def read_brackets(self, exchange: str, base: str) -> Any | None:
        """Leverage tiers stored for one symbol (as written), or None."""
        rows = self._query(
            "SELECT tiers_json FROM brackets WHERE exchange=? AND base=?", (exchange, base)
        )
        return json.loads(rows[0][0]) if rows else None

    # ------------------------------------------------------------------ generic daily series
    def write_series(
        self, name: str, key: str | None, data: pd.Series | pd.DataFrame, source: str
    ) -> int:
        """Upsert a daily series (macro, sentiment); return the number of values written.

        Parameters
        ----------
        name : str
            Series family: ``"macro"``, ``"social_volume"``, ``"onchain_activity"``...
        key : str or None
            Member of the family (``"btc_dominance"``, ``"RENDER"``). ``None`` with a
            DataFrame: each column is a key.
        data : pd.Series or pd.DataFrame
            Values indexed by day (dates or datetimes; the UTC calendar day is kept).
            NaN values are skipped.
        source : str
            Provider label; ``"demo (simulated)"`` rows are kept apart from live rows.
        """
        if not name:
            raise InputError("name", "must be non-empty text")
        if isinstance(data, pd.DataFrame):
            if key is not None:
                if key not in data.columns:
                    raise InputError("key", f"{key!r} is not a column of the frame")
                columns: dict[str, pd.Series] = {key: data[key]}
            else:
                columns = {str(c): data[c] for c in data.columns}
        else:
            if key is None:
                raise InputError("key", "must be given when writing a single series")
            columns = {key: data}
        realm = realm_of(source)
        written = 0
        with self.transaction():
            for column, series in columns.items():
                days = _index_days(series.index, field=f"{name}.{column}")
                values = np.asarray(pd.to_numeric(series, errors="coerce"), dtype=float)
                keep = np.isfinite(values)
                self._conn.executemany(
                    "INSERT INTO series (name, key, day, realm, value, source) "
                    "VALUES (?,?,?,?,?,?) ON CONFLICT (name, key, day, realm) DO UPDATE SET "
                    "value=excluded.value, source=excluded.source",
                    ((name, column, d, realm, float(val), source)
                     for d, val in zip(np.asarray(days)[keep], values[keep], strict=True)),
                )
                written += int(keep.sum())
        return written

    def delete_series_realm(self, realm: str, names: Iterable[str]) -> None:
        """Remove every row of the series ``names`` in ``realm`` (``"demo"`` or ``"live"``)."""
        if realm not in ("demo", "live"):
            raise InputError("realm", f"must be 'demo' or 'live' (got {realm!r})")
        with self.transaction():
            for name in names:
                self._conn.execute("DELETE FROM series WHERE name=? AND realm=?", (name, realm))

    def read_series(
        self, name: str, key: str | None = None, *, demo: bool = False
    ) -> pd.Series | pd.DataFrame:
        """Read a daily series back.

        Returns a Series (``key`` given) or a wide DataFrame (one column per key), indexed by
        UTC midnights named ``"date"``. ``demo=True`` reads the simulated realm instead of the
        live one. Empty when nothing is stored.
        """
        realm = "demo" if demo else "live"
        sql = "SELECT key, day, value FROM series WHERE name=? AND realm=?"
        params: list[Any] = [name, realm]
        if key is not None:
            sql += " AND key=?"
            params.append(key)
        long = pd.DataFrame(self._query(sql + " ORDER BY day", params),
                            columns=["key", "day", "value"])
        long["value"] = long["value"].astype(float)
        long["date"] = pd.to_datetime(long["day"], utc=True)
        if key is not None:
            series = pd.Series(long["value"].to_numpy(), index=pd.DatetimeIndex(long["date"]),
                               name=key, dtype=float)
            series.index.name = "date"
            return series
        wide = long.pivot(index="date", columns="key", values="value").astype(float)
        wide.columns.name = None
        wide.index = pd.DatetimeIndex(wide.index, name="date")
        return wide

    # ------------------------------------------------------------------ status, integrity, log
    def exchanges(self) -> list[str]:
        """Exchange ids with candles in the cache."""
        return [r[0] for r in self._query("SELECT DISTINCT exchange FROM candles ORDER BY 1")]

    def status(self, exchange: str, *, now: datetime | None = None) -> list[SymbolStatus]:
        """Coverage, freshness and gaps of every symbol and timeframe stored for ``exchange``."""
        now_value = now or datetime.now(UTC)
        summary = self._query(
            "SELECT base, timeframe, COUNT(*), MIN(open_time_ms), MAX(open_time_ms) "
            "FROM candles WHERE exchange=? GROUP BY base, timeframe ORDER BY base, timeframe",
            (exchange,),
        )
        holes = self._holes(exchange)
        sources = {
            (base, tf): src
            for base, tf, src in self._query(
                "SELECT c.base, c.timeframe, c.source FROM candles c JOIN ("
                " SELECT base, timeframe, MAX(open_time_ms) AS m FROM candles WHERE exchange=?"
                " GROUP BY base, timeframe) l ON c.base=l.base AND c.timeframe=l.timeframe"
                " AND c.open_time_ms=l.m WHERE c.exchange=?",
                (exchange, exchange),
            )
        }
        out: list[SymbolStatus] = []
        for base, tf, rows, first, last in summary:
            step = TIMEFRAME_MS.get(tf, 0)
            last_close = ms_to_datetime(int(last) + step)
            gaps, missing = holes.get((base, tf), (0, 0))
            out.append(SymbolStatus(
                exchange=exchange, base=base, timeframe=tf, rows=int(rows),
                first_open=ms_to_datetime(int(first)), last_open=ms_to_datetime(int(last)),
                last_close=last_close,
                age_hours=(now_value - last_close).total_seconds() / 3600.0,
                gaps=gaps, missing_candles=missing, source=sources.get((base, tf), ""),
            ))
        return out

    def _holes(self, exchange: str) -> dict[tuple[str, str], tuple[int, int]]:
        """(gaps, missing candles) per (base, timeframe) from consecutive open-time differences."""
        out: dict[tuple[str, str], tuple[int, int]] = {}
        for tf, step in TIMEFRAME_MS.items():
            for base, n, missing in self._query(
                "SELECT base, COUNT(*), SUM(d / ? - 1) FROM ("
                " SELECT base, open_time_ms - LAG(open_time_ms) OVER ("
                "   PARTITION BY base ORDER BY open_time_ms) AS d"
                " FROM candles WHERE exchange=? AND timeframe=?) WHERE d > ? GROUP BY base",
                (step, exchange, tf, step),
            ):
                out[(base, tf)] = (int(n), int(missing))
        return out

    def integrity_check(self) -> IntegrityReport:
        """Run SQLite's ``PRAGMA integrity_check`` and ``PRAGMA quick_check``."""
        full = tuple(r[0] for r in self._query("PRAGMA integrity_check"))
        quick = tuple(r[0] for r in self._query("PRAGMA quick_check"))
        ok = full == ("ok",) and quick == ("ok",)
        return IntegrityReport(ok, full, quick, cache_schema.file_version(self._conn))

    def log_refresh(
        self,
        *,
        exchange: str,
        what: str,
        outcome: str,
        started: datetime,
        finished: datetime,
        failures: Mapping[str, str] | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Append one row to the refresh log (texts redacted of credentials first)."""
        from rotation_addin.data.redact import known_secrets, redact

        stored = known_secrets()
        failures_json = json.dumps({k: redact(str(v), stored) for k, v in (failures or {}).items()})
        detail_json = json.dumps({k: redact(v, stored) if isinstance(v, str) else v
                                  for k, v in (detail or {}).items()}, default=str)
        with self.transaction():
            self._conn.execute(
                "INSERT INTO refresh_log (started_ms, finished_ms, exchange, what, outcome, "
                "failures_json, detail_json) VALUES (?,?,?,?,?,?,?)",
                (_datetime_ms(started), _datetime_ms(finished), exchange, what, outcome,
                 failures_json, detail_json),
            )

    def refresh_history(self, exchange: str | None = None, limit: int = 20) -> list[RefreshRecord]:
        """Most recent refresh-log rows first (optionally for one exchange)."""
        sql = ("SELECT started_ms, finished_ms, exchange, what, outcome, failures_json, "
               "detail_json FROM refresh_log")
        params: list[Any] = []
        if exchange is not None:
            sql += " WHERE exchange=?"
            params.append(exchange)
        rows = self._query(sql + " ORDER BY id DESC LIMIT ?", [*params, int(limit)])
        return [
            RefreshRecord(ms_to_datetime(s), ms_to_datetime(f), ex, what, outcome,
                          json.loads(fail), json.loads(det))
            for s, f, ex, what, outcome, fail, det in rows
        ]

    def table_rows(self, table: str, exchange: str | None = None,
                   base: str | None = None) -> list[tuple[Any, ...]]:
        """Every row of one table, sorted (for tests and diagnostics: compare before/after)."""
        if table not in {"candles", "markets", "tickers", "funding", "order_books", "brackets",
                         "series", "refresh_log", "meta"}:
            raise InputError("table", f"unknown cache table {table!r}")
        sql = f"SELECT * FROM {table}"
        clauses: list[str] = []
        params: list[Any] = []
        if exchange is not None:
            clauses.append("exchange=?")
            params.append(exchange)
        if base is not None:
            clauses.append("base=?")
            params.append(base)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        return sorted(self._query(sql, params), key=repr)


# ---------------------------------------------------------------------- helpers
def _ms_index(values: np.ndarray, name: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(values.astype(np.int64), unit="ms", utc=True),
                            name=name)


def _datetime_ms(value: datetime | pd.Timestamp) -> int:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return int(stamp.tz_convert("UTC").value // 1_000_000)


def index_ms(index: Iterable[Any], *, field: str) -> np.ndarray:
    """Open/funding times as int64 Unix ms from a DatetimeIndex (naive = UTC) or ms integers."""
    if isinstance(index, pd.DatetimeIndex):
        idx = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
        return np.asarray(idx.as_unit("ms").asi8, dtype=np.int64)
    values = pd.Index(index)
    if values.dtype.kind in "iuf":
        arr = values.to_numpy(dtype=float)
        if not np.all(np.isfinite(arr)):
            raise DataError(f"{field}: time index has missing values")
        return np.asarray(arr, dtype=np.int64)
    try:
        return index_ms(pd.DatetimeIndex(pd.to_datetime(values, utc=True)), field=field)
    except (ValueError, TypeError):
        raise DataError(f"{field}: index is not a time index (got {values.dtype})") from None


def _index_days(index: Iterable[Any], *, field: str) -> list[str]:
    ms = index_ms(index, field=field)
    return [d.strftime("%Y-%m-%d") for d in pd.to_datetime(ms, unit="ms", utc=True)]


def candle_rows(frame: pd.DataFrame, step_ms: int, *, where: str) -> list[tuple[Any, ...]]:
    """Validate a candle frame and return ``(open_time_ms, o, h, l, c, volume, volume_usd)`` rows.

    Raises
    ------
    DataError
        Missing columns, non-finite or non-positive prices, ``high`` below ``open/close/low``,
        ``low`` above ``open/close``, negative or infinite volumes (NaN = unknown is kept),
        duplicate open times or open times off the timeframe grid. The message names
        ``where`` and the first offending candle.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{where}: candles must be a DataFrame (got {type(frame).__name__})")
    missing = [c for c in ("open", "high", "low", "close", "volume") if c not in frame.columns]
    if missing:
        raise DataError(f"{where}: candle columns missing: {missing}")
    if "open_time_ms" in frame.columns:
        times = index_ms(frame["open_time_ms"].to_numpy(), field=where)
    elif "timestamp" in frame.columns:
        times = index_ms(pd.Index(frame["timestamp"]), field=where)
    else:
        times = index_ms(frame.index, field=where)
    o, h, lo, c, vol = (np.asarray(pd.to_numeric(frame[k], errors="coerce"), dtype=float)
                        for k in ("open", "high", "low", "close", "volume"))
    if "volume_usd" in frame.columns:
        vol_usd = np.asarray(pd.to_numeric(frame["volume_usd"], errors="coerce"), dtype=float)
    else:
        vol_usd = vol * c
    bad = ~np.isfinite(np.vstack([o, h, lo, c])).all(axis=0)
    bad |= (o <= 0) | (h <= 0) | (lo <= 0) | (c <= 0)
    tol = 1e-9 * np.abs(h)
    bad |= (h + tol < np.maximum(o, c)) | (lo - tol > np.minimum(o, c)) | (h + tol < lo)
    # volumes may be unknown (NaN -> NULL) but never negative or infinite
    bad |= np.isinf(vol) | np.isinf(vol_usd) | (vol < 0) | (vol_usd < 0)
    bad |= times % step_ms != 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{where}: invalid candle at {ms_to_datetime(int(times[i])).isoformat()} "
            f"(open={o[i]}, high={h[i]}, low={lo[i]}, close={c[i]}, volume={vol[i]}); "
            f"{int(bad.sum())} bad row(s), nothing written"
        )
    if len(np.unique(times)) != len(times):
        raise DataError(f"{where}: duplicate candle open times; nothing written")
    return [
        (int(t), float(a), float(b), float(d), float(e), _or_null(f), _or_null(g))
        for t, a, b, d, e, f, g in zip(times, o, h, lo, c, vol, vol_usd, strict=True)
    ]


def _or_null(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


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


def open_cache(path: Path | str | None = None) -> MarketCache:
    """Open the cache at ``path`` (default: the user's data directory)."""
    return MarketCache(path)


def freshness(last_close: datetime, now: datetime | None = None) -> timedelta:
    """Age of data whose last candle closed at ``last_close``."""
    return (now or datetime.now(UTC)) - last_close


__all__ = [
    "CANDLE_COLUMNS",
    "DEMO_EXCHANGE",
    "DEMO_SOURCE_LABEL",
    "TIMEFRAME_MS",
    "IntegrityReport",
    "MarketCache",
    "RefreshRecord",
    "SymbolStatus",
    "candle_rows",
    "freshness",
    "open_cache",
    "timeframe_ms",
]
