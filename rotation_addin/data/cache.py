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

The tables are grouped by concept: the connection and transactions
(:mod:`~rotation_addin.data.cache_connection`), row conversion and candle validation
(:mod:`~rotation_addin.data.cache_rows`), contract rules / tickers / books / funding / tiers
(:mod:`~rotation_addin.data.cache_contracts`), daily series
(:mod:`~rotation_addin.data.cache_series`) and status / integrity / log
(:mod:`~rotation_addin.data.cache_status`); candles and the meta table live here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.core.errors import InputError
from rotation_addin.data.cache_contracts import ContractTables
from rotation_addin.data.cache_rows import (
    candle_rows,
    index_ms,
    ms_index,
    ms_to_datetime,
    now_ms,
    realm_of,
)
from rotation_addin.data.cache_series import SeriesTable
from rotation_addin.data.cache_status import (
    IntegrityReport,
    RefreshRecord,
    StatusTables,
    SymbolStatus,
)
from rotation_addin.data.candles import CANDLE_COLUMNS, TIMEFRAME_MS, timeframe_ms

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


class MarketCache(ContractTables, SeriesTable, StatusTables):
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
        frame.index = ms_index(frame.pop("open_time_ms").to_numpy(dtype=np.int64), "open_time")
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
            wide.index = ms_index(wide.index.to_numpy(dtype=np.int64), "date")
            wide.columns.name = None
            out[column] = wide
        return out



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
    "index_ms",
    "ms_to_datetime",
    "now_ms",
    "open_cache",
    "realm_of",
    "timeframe_ms",
]
