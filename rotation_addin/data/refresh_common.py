"""What the exchange and demo refreshes share: argument checks, the tally, the summary and its log.

Also the event-loop runner that lets sync code run a refresh coroutine (even from a thread
where a loop already runs) without asyncio's noise about requests a cancel closed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.universe import Universe
from rotation_addin.data.cache import MarketCache, timeframe_ms
from rotation_addin.data.redact import redact

DEFAULT_HISTORY_DAYS: dict[str, int] = {"1d": 365, "1h": 365}
"""How far back a first fetch goes, per timeframe (days). Other timeframes: 30 days."""

DEFAULT_TIMEFRAMES = ("1d", "1h")

ProgressCallback = Callable[[int, int, str], None]
CancelToken = threading.Event | Callable[[], bool]

_T = TypeVar("_T")


@dataclass(frozen=True)
class SymbolFailure:
    """A symbol the refresh could not update, and why (its cached rows are unchanged)."""

    base: str
    reason: str


@dataclass(frozen=True)
class RefreshSummary:
    """What one refresh did.

    Attributes
    ----------
    exchange_id : str
        Exchange written to in the cache (``"demo"`` for the demo market).
    source : str
        Source label of the rows written.
    symbols_requested : tuple[str, ...]
        Bases the refresh tried, in universe order.
    symbols_ok : tuple[str, ...]
        Bases fully updated.
    failures : tuple[SymbolFailure, ...]
        Bases not updated, with the reason; their cached rows are untouched.
    unlisted : tuple[str, ...]
        Bases the exchange does not list (reported, never silently dropped).
    candles_written : int
        Candle rows inserted or updated, all timeframes.
    candles_by_timeframe : Mapping[str, int]
        The same, per timeframe.
    weight_used : int
        Request weight spent at the exchange (0 for the demo).
    requests : int
        HTTP requests made (0 for the demo).
    gaps : int
        Holes (runs of missing candles) the exchange's answers had inside the fetched ranges.
    rate_limited_429 : int
        HTTP 429 answers received (each was retried after Retry-After).
    duration_s : float
        Wall-clock seconds.
    cancelled : bool
        True if the user cancelled; symbols not yet written are listed in ``failures``.
    warnings : tuple[str, ...]
        Non-fatal problems (tickers or funding snapshot unavailable, ...).
    started, finished : datetime
        UTC wall-clock bounds of the run.
    """

    exchange_id: str
    source: str
    symbols_requested: tuple[str, ...]
    symbols_ok: tuple[str, ...]
    failures: tuple[SymbolFailure, ...]
    unlisted: tuple[str, ...]
    candles_written: int
    candles_by_timeframe: Mapping[str, int]
    weight_used: int
    requests: int
    gaps: int
    rate_limited_429: int
    duration_s: float
    cancelled: bool
    started: datetime
    finished: datetime
    warnings: tuple[str, ...] = ()

    @property
    def outcome(self) -> str:
        """``"ok"``, ``"partial"`` (some symbols failed), ``"failed"`` or ``"cancelled"``."""
        if self.cancelled:
            return "cancelled"
        if not self.failures:
            return "ok"
        return "partial" if self.symbols_ok else "failed"

    @property
    def ok(self) -> bool:
        """True when every listed symbol was updated."""
        return self.outcome == "ok"


@dataclass
class RefreshTally:
    """Mutable counters while a refresh runs."""

    ok: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    candles: dict[str, int] = field(default_factory=dict)
    weight: int = 0
    requests: int = 0
    gaps: int = 0
    rate_limited: int = 0
    warnings: list[str] = field(default_factory=list)
    unlisted: tuple[str, ...] = ()
    done: int = 0

    def add_candles(self, timeframe: str, n: int) -> None:
        self.candles[timeframe] = self.candles.get(timeframe, 0) + n


def is_cancelled(cancel: CancelToken | None) -> bool:
    """True if ``cancel`` (a ``threading.Event`` or a no-argument callable) says stop."""
    if cancel is None:
        return False
    if isinstance(cancel, threading.Event):
        return cancel.is_set()
    return bool(cancel())


def utc_ms(value: datetime | date) -> int:
    """Unix milliseconds of ``value`` (naive = UTC; a date = its UTC midnight)."""
    if isinstance(value, datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
    else:
        stamp = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return int(stamp.timestamp() * 1000)


def select_bases(universe: Universe, symbols: Iterable[str] | None) -> tuple[str, ...]:
    """The bases to refresh, in universe order: all, or the named ones (each must be a member)."""
    if symbols is None:
        return universe.bases
    wanted = [str(s).strip().upper() for s in symbols if str(s).strip()]
    if not wanted:
        raise InputError("symbols", "list at least one symbol (e.g. RENDER,BTC)")
    unknown = [s for s in wanted if s not in universe.bases]
    if unknown:
        raise InputError(
            "symbols",
            f"{', '.join(unknown)} not in the sector universe (edit universe.toml to add them); "
            f"valid: {', '.join(universe.bases)}",
        )
    return tuple(b for b in universe.bases if b in set(wanted))


def validate_timeframes(timeframes: Iterable[str]) -> tuple[str, ...]:
    """The timeframes as a tuple, each checked against the known ccxt timeframes."""
    out = tuple(timeframes)
    if not out:
        raise InputError("timeframes", "list at least one timeframe (e.g. 1d,1h)")
    for tf in out:
        timeframe_ms(tf)
    return out


def open_target_cache(cache: MarketCache | Path | str | None) -> tuple[MarketCache, bool]:
    """(cache, opened here): the cache passed in, or one opened at the path (close it after)."""
    if isinstance(cache, MarketCache):
        return cache, False
    return MarketCache(cache), True


def build_summary(
    *,
    exchange_id: str,
    source: str,
    requested: tuple[str, ...],
    unlisted: tuple[str, ...],
    tally: RefreshTally,
    cancelled: bool,
    started: datetime,
    t0: float,
) -> RefreshSummary:
    """The frozen :class:`RefreshSummary` of a finished run from its tally."""
    order = {b: i for i, b in enumerate(requested)}
    return RefreshSummary(
        exchange_id=exchange_id,
        source=source,
        symbols_requested=requested,
        symbols_ok=tuple(sorted(tally.ok, key=lambda b: order.get(b, 0))),
        failures=tuple(
            SymbolFailure(b, tally.failures[b])
            for b in sorted(tally.failures, key=lambda b: order.get(b, 0))
        ),
        unlisted=unlisted,
        candles_written=sum(tally.candles.values()),
        candles_by_timeframe=dict(tally.candles),
        weight_used=tally.weight,
        requests=tally.requests,
        gaps=tally.gaps,
        rate_limited_429=tally.rate_limited,
        duration_s=time.monotonic() - t0,
        cancelled=cancelled,
        started=started,
        finished=datetime.now(UTC),
        warnings=tuple(tally.warnings),
    )


def log_summary(cache: MarketCache, summary: RefreshSummary, what: str) -> None:
    """Append ``summary`` to the cache's refresh log (``what``: timeframes, or ``demo``)."""
    cache.log_refresh(
        exchange=summary.exchange_id,
        what=what,
        outcome=summary.outcome,
        started=summary.started,
        finished=summary.finished,
        failures={f.base: f.reason for f in summary.failures},
        detail={
            "symbols_ok": list(summary.symbols_ok),
            "unlisted": list(summary.unlisted),
            "candles": dict(summary.candles_by_timeframe),
            "weight_used": summary.weight_used,
            "gaps": summary.gaps,
            "rate_limited_429": summary.rate_limited_429,
            "duration_s": round(summary.duration_s, 3),
        },
    )


def _quiet_cancellations(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Drop the reports of requests a Ctrl-C or Cancel closed (ccxt ``ExchangeClosedByUser``);
    report anything else as asyncio would."""
    exc = context.get("exception")
    text = f"{type(exc).__name__}: {exc}"
    closed = "ExchangeClosedByUser" in text or "Connection closed" in text  # also wrapped
    # a sibling request's DataError left behind once the refresh has already ended (Ctrl-C,
    # or the first failure reported): the refresh reports its own outcome, this is noise
    orphan = isinstance(exc, DataError) and "never retrieved" in str(context.get("message"))
    if isinstance(exc, asyncio.CancelledError) or closed or orphan:
        return
    loop.default_exception_handler(context)


def _run_quietly(coro: Coroutine[Any, Any, _T]) -> _T:
    with asyncio.Runner() as runner:
        runner.get_loop().set_exception_handler(_quiet_cancellations)
        return runner.run(coro)


def run_sync(coro_factory: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run a coroutine to completion from sync code, even if a loop already runs here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run_quietly(coro_factory())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: _run_quietly(coro_factory())).result()



def failure_reason(exc: BaseException) -> str:
    """``"ErrorType: first line of its message"`` (at most 300 characters), credentials masked.

    The reason is printed, put in ``--json`` and kept in the refresh log, and an exchange's
    error may echo a key: it is redacted before it is cut, so no key survives in part.
    """
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return redact(f"{name}: {text}")[:300] if text else name
