"""Market-cache status: coverage, gaps, SQLite integrity, the refresh log, raw table rows."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rotation_addin.core.errors import InputError
from rotation_addin.data import cache_schema
from rotation_addin.data.cache_connection import CacheConnection
from rotation_addin.data.cache_rows import datetime_ms, ms_to_datetime
from rotation_addin.data.candles import TIMEFRAME_MS


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


class StatusTables(CacheConnection):
    """What the cache holds and how it is: per-symbol status, integrity, refresh history."""

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
                (datetime_ms(started), datetime_ms(finished), exchange, what, outcome,
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

