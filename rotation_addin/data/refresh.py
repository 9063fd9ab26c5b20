"""Refresh the SQLite cache from an exchange (ccxt) or from the embedded demo market.

* :func:`refresh_exchange` / :func:`refresh_exchange_async`: contract rules, mark prices and
  funding now, and per symbol closed candles (``1d`` and ``1h`` by default); the ticker's last
  price and 24 h volume come from the closed hourly candles (what Binance's 24 h ticker
  reports, without its 40-weight request). Order books and funding history are fetched on
  demand (:mod:`rotation_addin.data.on_demand`, ``rotation platforms``), not here.
  Incremental: each timeframe resumes after the last closed candle already stored;
  a first fetch goes back :data:`DEFAULT_HISTORY_DAYS`. Each symbol's data is validated and
  written in ONE transaction only after all of its fetches succeeded, so a failure (network,
  bad data, cancel, a killed process) leaves that symbol's earlier rows exactly as they were.
* :func:`refresh_demo`: writes the demo market's artifacts under exchange ``"demo"`` with the
  source ``"demo (simulated)"``; no network. All or nothing: the whole run (every symbol, the
  demo series and the run's fingerprint) is replaced in ONE transaction, so the cache never
  holds rows of two simulator runs.

Both return a :class:`RefreshSummary` (what worked, what failed and why, candles written,
weight used, gaps, 429s, duration) and log the run in the cache's ``refresh_log``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import json
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.core.dataset import Ticker
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.universe import Universe
from rotation_addin.data.cache import (
    DEMO_EXCHANGE,
    SERIES_MACRO,
    SERIES_ONCHAIN_ACTIVITY,
    SERIES_SOCIAL_VOLUME,
    MarketCache,
    ms_to_datetime,
    timeframe_ms,
)
from rotation_addin.data.exchange_protocol import MarketDataClient
from rotation_addin.data.on_demand import ticker_from_hourly

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
class _Tally:
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


def _ms(value: datetime | date) -> int:
    if isinstance(value, datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
    else:
        stamp = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return int(stamp.timestamp() * 1000)


def _select_bases(universe: Universe, symbols: Iterable[str] | None) -> tuple[str, ...]:
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


def _validate_timeframes(timeframes: Iterable[str]) -> tuple[str, ...]:
    out = tuple(timeframes)
    if not out:
        raise InputError("timeframes", "list at least one timeframe (e.g. 1d,1h)")
    for tf in out:
        timeframe_ms(tf)
    return out


def _open_cache(cache: MarketCache | Path | str | None) -> tuple[MarketCache, bool]:
    if isinstance(cache, MarketCache):
        return cache, False
    return MarketCache(cache), True


def _summary(
    *,
    exchange_id: str,
    source: str,
    requested: tuple[str, ...],
    unlisted: tuple[str, ...],
    tally: _Tally,
    cancelled: bool,
    started: datetime,
    t0: float,
) -> RefreshSummary:
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


def _log(cache: MarketCache, summary: RefreshSummary, what: str) -> None:
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


def _run_sync(coro_factory: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run a coroutine to completion from sync code, even if a loop already runs here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run_quietly(coro_factory())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: _run_quietly(coro_factory())).result()


# ---------------------------------------------------------------------- live exchange
def refresh_exchange(
    universe: Universe,
    *,
    exchange_id: str = "binanceusdm",
    cache: MarketCache | Path | str | None = None,
    symbols: Iterable[str] | None = None,
    since: datetime | date | None = None,
    timeframes: Iterable[str] = DEFAULT_TIMEFRAMES,
    api_base_url: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    weight_budget_per_minute: int = 2400,
    history_days: Mapping[str, int] | None = None,
    client_options: Mapping[str, Any] | None = None,
) -> RefreshSummary:
    """Refresh the cache from ``exchange_id`` (blocking; see :func:`refresh_exchange_async`)."""
    return _run_sync(lambda: refresh_exchange_async(
        universe, exchange_id=exchange_id, cache=cache, symbols=symbols, since=since,
        timeframes=timeframes, api_base_url=api_base_url, progress=progress, cancel=cancel,
        weight_budget_per_minute=weight_budget_per_minute, history_days=history_days,
        client_options=client_options,
    ))


async def refresh_exchange_async(
    universe: Universe,
    *,
    exchange_id: str = "binanceusdm",
    cache: MarketCache | Path | str | None = None,
    symbols: Iterable[str] | None = None,
    since: datetime | date | None = None,
    timeframes: Iterable[str] = DEFAULT_TIMEFRAMES,
    api_base_url: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    weight_budget_per_minute: int = 2400,
    history_days: Mapping[str, int] | None = None,
    client_options: Mapping[str, Any] | None = None,
) -> RefreshSummary:
    """Fetch closed candles, funding, order books, tickers and contract rules into the cache.

    Parameters
    ----------
    universe : Universe
        Sector universe; every member is refreshed unless ``symbols`` narrows it.
    exchange_id : str
        ccxt exchange id (``"binanceusdm"``).
    cache : MarketCache, path or None
        Target cache (default: the user's cache file).
    symbols : iterable of str, optional
        Subset of the universe's bases.
    since : datetime or date, optional
        Start of a first fetch (UTC). Default: ``DEFAULT_HISTORY_DAYS`` before the
        exchange's clock, per timeframe. Symbols that already have candles resume after
        their last stored one (incremental); an explicit ``since`` earlier than their first
        stored candle also fetches that older part (backfill).
    timeframes : iterable of str
        ccxt timeframes, ``("1d", "1h")`` by default.
    api_base_url : str, optional
        Replace the exchange's REST host (e.g. a loopback emulator ``http://127.0.0.1:PORT``).
    progress : callable, optional
        ``progress(symbols_done, symbols_total, detail)``; detail names the last symbol and
        the weight used so far.
    cancel : threading.Event, optional
        When set, pending requests stop within ~0.1 s; symbols already written stay, the
        others are listed as failures (cached rows unchanged) and ``cancelled`` is True.
    weight_budget_per_minute : int
        Request-weight budget (Binance USDⓈ-M: 2,400 per minute per IP).
    history_days : mapping, optional
        Override of :data:`DEFAULT_HISTORY_DAYS`.
    client_options : mapping, optional
        Extra keyword arguments of ``ExchangeClient`` (``timeout_s``, ``max_retries``,
        ``max_concurrency``, ``weight_window_s``, ``backoff_base_s``...).

    Returns
    -------
    RefreshSummary
    """
    requested, tfs, history = _check_live_args(exchange_id, universe, symbols, timeframes,
                                               history_days, since)
    from rotation_addin.data.exchange import ExchangeClient  # deferred: imports ccxt

    started, t0 = datetime.now(UTC), time.monotonic()
    store, owned = _open_cache(cache)
    tally = _Tally()
    args = (store, owned, exchange_id, requested, tally, started, t0, tfs)
    try:
        async with ExchangeClient(
            exchange_id, api_base_url=api_base_url,
            weight_budget_per_minute=weight_budget_per_minute, cancel=cancel,
            **dict(client_options or {}),
        ) as client:
            try:
                await _refresh_listed(client, store, exchange_id, requested, tfs, history,
                                      since, progress, cancel, tally)
            finally:
                tally.weight = client.weight_used
                tally.requests = client.requests_sent
                tally.rate_limited = client.rate_limited
    except asyncio.CancelledError:
        _finish(*args, cancelled=True)
        raise
    except Exception as exc:
        if is_cancelled(cancel):  # cancelled before the symbols started: a summary, not an error
            return _finish(*args, cancelled=True)
        if owned:
            store.close()
        if isinstance(exc, DataError | InputError):
            raise
        raise DataError(f"{exchange_id}: refresh failed: {_reason(exc)}") from exc
    except BaseException:
        if owned:
            store.close()
        raise
    return _finish(*args, cancelled=is_cancelled(cancel))


def _check_live_args(
    exchange_id: str,
    universe: Universe,
    symbols: Iterable[str] | None,
    timeframes: Iterable[str],
    history_days: Mapping[str, int] | None,
    since: datetime | date | None,
) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, int]]:
    """Validate the arguments of a live refresh: (bases, timeframes, history days)."""
    if not isinstance(exchange_id, str) or not exchange_id.isidentifier():
        raise InputError("exchange_id", f"must be a ccxt exchange id (got {exchange_id!r})")
    if exchange_id == DEMO_EXCHANGE:
        raise InputError("exchange_id", "'demo' is the simulated market: run "
                                        "`rotation refresh --demo` (refresh_demo() in Python)")
    requested = _select_bases(universe, symbols)
    tfs = _validate_timeframes(timeframes)
    history = {**DEFAULT_HISTORY_DAYS, **(history_days or {})}
    for tf, days in history.items():
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise InputError(f"history_days.{tf}", f"must be a whole number >= 1 (got {days!r})")
    if since is not None and _ms(since) >= _ms(datetime.now(UTC)):
        raise InputError("since", f"must be in the past (got {since})")
    return requested, tfs, history


async def _refresh_listed(
    client: MarketDataClient,
    store: MarketCache,
    exchange_id: str,
    requested: tuple[str, ...],
    timeframes: tuple[str, ...],
    history: Mapping[str, int],
    since: datetime | date | None,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
    tally: _Tally,
) -> None:
    """Load the market list, then refresh every listed symbol concurrently."""
    try:
        specs = await client.load_markets()
    except DataError as exc:
        if is_cancelled(cancel):
            raise
        raise DataError(
            f"{exchange_id}: cannot load the market list ({exc}); check the network, or run "
            "`rotation refresh --demo` for the simulated market"
        ) from exc
    listed = tuple(b for b in requested if b in specs)
    tally.unlisted = tuple(b for b in requested if b not in specs)
    market_map = getattr(client, "market_map", None)
    for base in tally.unlisted:  # settling or delisted: say so, not just "not listed"
        status = market_map.status(base) if market_map is not None else "not listed"
        if status != "not listed":
            tally.warnings.append(f"{base}: {status} on {exchange_id}")
    server_now_ms = _server_now_ms(client)
    since_ms = {
        tf: _ms(since) if since is not None else server_now_ms - history.get(tf, 30) * 86_400_000
        for tf in timeframes
    }
    hourly = "1h" in timeframes
    snapshots = await (_fetch_marks(client, listed, tally) if hourly
                       else _fetch_tickers(client, listed, tally))
    tiers = await _fetch_leverage_tiers(client, listed, tally)
    if progress:
        progress(0, len(listed), f"weight {client.weight_used}")

    async def one(base: str) -> None:
        try:
            await _refresh_symbol(
                client, store, exchange_id, base, timeframes, since_ms, tally, cancel,
                snapshot=(specs[base], snapshots.get(base), tiers.get(base)),
                backfill=since is not None)
        except Exception as exc:
            tally.failures[base] = _reason(exc)
        tally.done += 1
        if progress:
            progress(tally.done, len(listed), f"{base} · weight {client.weight_used}")

    await asyncio.gather(*(one(b) for b in listed))


def _finish(
    store: MarketCache,
    owned: bool,
    exchange_id: str,
    requested: tuple[str, ...],
    tally: _Tally,
    started: datetime,
    t0: float,
    timeframes: tuple[str, ...],
    *,
    cancelled: bool,
) -> RefreshSummary:
    """Build the summary, log it in the cache and close a cache we opened."""
    if cancelled:
        for base in requested:
            if base not in tally.ok and base not in tally.unlisted:
                tally.failures.setdefault(base, "cancelled before it was written")
    summary = _summary(exchange_id=exchange_id, source=exchange_id, requested=requested,
                       unlisted=tally.unlisted, tally=tally, cancelled=cancelled,
                       started=started, t0=t0)
    try:
        _log(store, summary, ",".join(timeframes))
    finally:
        if owned:
            store.close()
    return summary


def _server_now_ms(client: MarketDataClient) -> int:
    """The exchange's clock (from its ``Date`` headers)."""
    return int(client.server_now_ms())


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {text}"[:300] if text else name


async def _fetch_tickers(
    client: MarketDataClient, listed: tuple[str, ...], tally: _Tally
) -> dict[str, Any]:
    """Latest tickers (with funding rates); a failure here is a warning, not a symbol failure."""
    if not listed:
        return {}
    try:
        return dict(await client.fetch_tickers(list(listed)))
    except Exception as exc:
        if is_cancelled(client.cancel) or "Banned" in type(exc).__name__:
            raise
        tally.warnings.append(f"tickers not refreshed: {_reason(exc)}")
        return {}


async def _fetch_marks(client: Any, listed: tuple[str, ...], tally: _Tally) -> dict[str, Any]:
    """Mark price and funding now by base (a warning, not a failure, when unavailable)."""
    if not listed:
        return {}
    try:
        return dict(await client.fetch_funding_rates(list(listed)))
    except Exception as exc:
        if is_cancelled(getattr(client, "cancel", None)) or "Banned" in type(exc).__name__:
            raise
        tally.warnings.append(f"tickers not refreshed: {_reason(exc)}")
        return {}


async def _fetch_leverage_tiers(
    client: MarketDataClient, listed: tuple[str, ...], tally: _Tally
) -> dict[str, Any]:
    """Leverage tiers where the exchange publishes them; otherwise a note (defaults apply)."""
    if not listed:
        return {}
    try:
        result = await client.fetch_leverage_tiers(list(listed))
    except Exception as exc:
        if is_cancelled(client.cancel) or "Banned" in type(exc).__name__:
            raise
        tally.warnings.append(f"leverage tiers not refreshed: {_reason(exc)}")
        return {}
    if not result.available:
        message = result.message or "not published"
        tally.warnings.append(f"leverage tiers: {message}")
        return {}
    return {b: t for b, t in dict(result.tiers).items() if t}


async def _refresh_symbol(
    client: MarketDataClient,
    store: MarketCache,
    exchange_id: str,
    base: str,
    timeframes: tuple[str, ...],
    since_ms: Mapping[str, int],
    tally: _Tally,
    cancel: threading.Event | None,
    *,
    snapshot: tuple[Any, Any, Any],
    backfill: bool = False,
) -> None:
    """Fetch everything of one symbol, then write it in one transaction (or not at all).

    ``snapshot`` is the symbol's contract spec, its mark price and funding now (a
    ``FundingRate``, or a whole ``Ticker`` when no hourly candles are refreshed) and leverage
    tiers (fetched for all symbols at once before); they are written in the same transaction
    as its candles, the ticker completed from the stored hourly candles
    (:func:`~rotation_addin.data.on_demand.ticker_from_hourly`).

    Candles resume after the last stored one. Funding history and the order book are not
    fetched here (on demand: :mod:`rotation_addin.data.on_demand`).
    """
    starts: dict[str, datetime] = {}
    for tf in timeframes:
        last = store.last_closed_open_time(exchange_id, base, tf)
        starts[tf] = ms_to_datetime(since_ms[tf] if last is None else last + timeframe_ms(tf))
    # one call: daily derived from hourly where possible
    results = list((await client.fetch_candles(base, starts)).values())
    for tf in timeframes:
        first = store.first_open_time(exchange_id, base, tf)
        if backfill and first is not None and since_ms[tf] < first:
            # an explicit --since before the stored history: fetch the older part too
            results.append(await client.fetch_ohlcv(base, tf, ms_to_datetime(since_ms[tf]),
                                                    ms_to_datetime(first)))
    if is_cancelled(cancel):
        raise DataError("cancelled before it was written")
    counts: dict[str, int] = {}
    spec, latest, brackets = snapshot
    with store.transaction():
        store.write_markets(exchange_id, {base: spec}, exchange_id)
        if brackets:
            store.write_brackets(exchange_id, base, list(brackets), exchange_id)
        for result in results:
            if len(result.candles):
                written = store.write_candles(exchange_id, base, result.timeframe,
                                              result.candles, exchange_id)
                counts[result.timeframe] = counts.get(result.timeframe, 0) + written
        ticker = latest if isinstance(latest, Ticker) or latest is None else \
            ticker_from_hourly(store, exchange_id, base, latest)
        if ticker is not None:
            store.write_tickers(exchange_id, {base: ticker}, exchange_id)
    for tf, n in counts.items():
        tally.add_candles(tf, n)
    tally.gaps += sum(len(r.gaps) for r in results)
    tally.warnings.extend(f"{base} {r.timeframe}: {w}" for r in results for w in r.warnings)
    tally.ok.append(base)


# ---------------------------------------------------------------------- demo market
DEMO_RUN_META_KEY = "demo_run"
"""``meta`` key of the fingerprint of the demo run whose rows the cache holds."""

DEMO_RUN_IDENTITY = ("seed", "days", "end", "simulator_sha256", "universe")
"""Fingerprint fields that decide the simulated numbers (two runs agreeing on all of them
produce the same rows); other stored fields (``hourly_days``, ``written``) are informational."""


def simulator_hash() -> str:
    """SHA-256 of the demo simulator: its fitted parameter values and its model code.

    The parameters are :meth:`DemoParameters.from_module` (the numbers in ``demo/params.py``)
    serialised as sorted JSON; the code is the bytes of ``demo/simulator.py`` and
    ``demo/models.py``. Any change to either can change the simulated prices of a date.
    """
    import hashlib

    from rotation_addin.data.demo import models, simulator

    values = dataclasses.asdict(models.DemoParameters.from_module())
    digest = hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode("utf-8"))
    for module in (simulator, models):
        source = Path(module.__file__ or "")
        digest.update(source.read_bytes() if source.is_file() else module.__name__.encode())
    return digest.hexdigest()


def universe_fingerprint(universe: Universe) -> str:
    """Canonical text of a universe (sector order, members, quote, benchmark)."""
    return json.dumps({"sectors": [[k, list(v)] for k, v in universe.sectors.items()],
                       "quote": universe.quote, "benchmark": universe.benchmark})


def demo_fingerprint(seed: int, days: int, end: date, universe: Universe) -> dict[str, Any]:
    """Identity of a demo simulator run: what decides every simulated number.

    Parameters
    ----------
    seed : int
        Simulator seed.
    days : int
        Daily candles simulated.
    end : datetime.date
        Open date of the last daily candle (the simulated values depend on the position in
        the series, so the same date gets another price in a run ending on another day).
    universe : Universe
        Sectors simulated.

    Returns
    -------
    dict
        ``seed``, ``days``, ``end`` (ISO date), ``simulator_sha256`` (:func:`simulator_hash`)
        and ``universe`` (:func:`universe_fingerprint`); JSON-serialisable.
    """
    return {"seed": int(seed), "days": int(days), "end": end.isoformat(),
            "simulator_sha256": simulator_hash(), "universe": universe_fingerprint(universe)}


def current_demo_fingerprint(seed: int | None, universe: Universe) -> dict[str, Any]:
    """Fingerprint of the run ``load_market("demo", seed=seed)`` makes now (ends yesterday UTC)."""
    from rotation_addin.data.demo import DEFAULT_DAYS, DEFAULT_SEED

    end = (datetime.now(UTC) - timedelta(days=1)).date()
    return demo_fingerprint(DEFAULT_SEED if seed is None else seed, DEFAULT_DAYS, end, universe)


def refresh_demo(
    universe: Universe | None = None,
    *,
    cache: MarketCache | Path | str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    seed: int | None = None,
    hourly_days: int = DEFAULT_HISTORY_DAYS["1h"],
    end: date | None = None,
) -> RefreshSummary:
    """Write the demo market into the cache under exchange ``"demo"`` (no network).

    All or nothing: every symbol's artifacts are built first (``progress`` reports each
    symbol), then ALL demo rows, the demo macro/sentiment series and the run's fingerprint
    (:func:`demo_fingerprint`, ``meta`` key :data:`DEMO_RUN_META_KEY`) are replaced in ONE
    transaction. The simulated values of a date depend on the run's end date, so rows of two
    runs must never mix: a cancel, a failing symbol or a killed process keeps the previous
    complete run exactly as it was. Rows carry the source ``"demo (simulated)"``.

    Parameters
    ----------
    universe : Universe, optional
        Default: :func:`rotation_addin.data.universe_io.load_universe`.
    cache : MarketCache, path or None
        Target cache (default: the user's cache file).
    progress : callable, optional
        ``progress(symbols_built, symbols_total, base)`` while the run is built.
    cancel : threading.Event or callable, optional
        Checked before each symbol and before the write; when set nothing is written,
        every symbol is listed as a failure and ``cancelled`` is True.
    seed : int, optional
        Simulator seed (default: the demo market's default seed).
    hourly_days : int
        Days of hourly candles to store (the daily history is the simulator's full span).
    end : datetime.date, optional
        Open date of the run's last daily candle (default yesterday UTC, like the demo
        market everywhere else; another end gives a cache ``load_market`` refuses today).
    """
    from rotation_addin.data import demo as demo_pkg
    from rotation_addin.data.universe_io import load_universe

    universe = universe or load_universe()
    if not isinstance(hourly_days, int) or isinstance(hourly_days, bool) or hourly_days < 1:
        raise InputError("hourly_days", f"must be a whole number of days >= 1 (got {hourly_days})")
    started, t0 = datetime.now(UTC), time.monotonic()
    market = _demo_market(demo_pkg, universe, seed, end)
    specs = market.contract_specs()
    requested = universe.bases
    listed = tuple(b for b in requested if b in specs)
    unlisted = tuple(b for b in requested if b not in specs)
    store, owned = _open_cache(cache)
    tally = _Tally()
    cancelled = False
    write_error = ""
    try:
        tickers = market.tickers()
        if progress:
            progress(0, len(listed), "demo market")
        built: dict[str, _DemoSymbol] = {}
        for base in listed:
            if is_cancelled(cancel):
                cancelled = True
                break
            try:
                built[base] = _build_demo_symbol(market, base, specs[base], tickers.get(base),
                                                 hourly_days)
            except Exception as exc:
                tally.failures[base] = _reason(exc)
            tally.done += 1
            if progress:
                progress(tally.done, len(listed), base)
        cancelled = cancelled or is_cancelled(cancel)
        if not cancelled and not tally.failures:
            try:
                _write_demo_run(store, market, built, hourly_days, tally)
            except Exception as exc:  # rolled back: the previous run is still whole
                write_error = _reason(exc)
    except KeyboardInterrupt:
        cancelled = True  # Ctrl-C: nothing of this run was committed
        raise
    finally:
        _mark_unwritten(tally, listed, cancelled, write_error)
        summary = _summary(exchange_id=DEMO_EXCHANGE, source=DEMO_SOURCE_LABEL,
                           requested=requested, unlisted=unlisted, tally=tally,
                           cancelled=cancelled, started=started, t0=t0)
        _log(store, summary, "demo")
        if owned:
            store.close()
    return summary


def _mark_unwritten(
    tally: _Tally, listed: tuple[str, ...], cancelled: bool, write_error: str = ""
) -> None:
    """List every symbol of a demo run that was not written, with why (all or nothing)."""
    if tally.ok:
        return
    kept = "(previous demo data kept)"
    if cancelled:
        why = f"cancelled before the demo market was written {kept}"
    elif write_error:
        why = f"not written, the write was rolled back: {write_error} {kept}"
    else:
        failed = ", ".join(tally.failures) or "the run"
        why = f"not written: {failed} failed and the demo market is written whole {kept}"
    for base in listed:
        tally.failures.setdefault(base, why)


def _demo_market(demo_pkg: Any, universe: Universe, seed: int | None, end: date | None) -> Any:
    seed_value = demo_pkg.DEFAULT_SEED if seed is None else seed
    if end is None:
        return demo_pkg.demo_market(seed_value, universe=universe)
    if not isinstance(end, date):
        raise InputError("end", f"must be a date (got {end!r})")
    return demo_pkg.demo_market(seed_value, end, universe=universe)


@dataclass(frozen=True)
class _DemoSymbol:
    """Everything the demo run writes for one symbol (built before the one transaction)."""

    daily: pd.DataFrame
    hourly: pd.DataFrame
    spec: Any
    ticker: Any
    funding: pd.Series
    book: Any


def _build_demo_symbol(
    market: Any, base: str, spec: Any, ticker: Any, hourly_days: int
) -> _DemoSymbol:
    hourly = market.hourly_candles(base)
    if len(hourly):
        cutoff = hourly.index[-1] - timedelta(days=hourly_days)
        hourly = hourly[hourly.index > cutoff]
    return _DemoSymbol(daily=market.daily_candles(base), hourly=hourly, spec=spec,
                       ticker=ticker, funding=_as_rates(market.funding_history(base)),
                       book=market.order_book(base))


def _write_demo_run(
    store: MarketCache,
    market: Any,
    built: Mapping[str, _DemoSymbol],
    hourly_days: int,
    tally: _Tally,
) -> None:
    """Replace every demo row, the demo series and the run fingerprint in ONE transaction."""
    counts: dict[str, int] = {}
    fingerprint = {**demo_fingerprint(market.seed, market.days, market.end, market.universe),
                   "hourly_days": hourly_days, "written": datetime.now(UTC).isoformat()}
    label = DEMO_SOURCE_LABEL
    with store.transaction():
        store.delete_exchange(DEMO_EXCHANGE)
        _write_demo_series(store, market)
        for base, item in built.items():
            counts["1d"] = counts.get("1d", 0) + store.write_candles(
                DEMO_EXCHANGE, base, "1d", item.daily, label)
            counts["1h"] = counts.get("1h", 0) + store.write_candles(
                DEMO_EXCHANGE, base, "1h", item.hourly, label)
            store.write_markets(DEMO_EXCHANGE, {base: item.spec}, label)
            if item.ticker is not None:
                store.write_tickers(DEMO_EXCHANGE, {base: item.ticker}, label)
            store.write_funding(DEMO_EXCHANGE, base, item.funding, label)
            if item.book is not None:
                store.write_order_book(DEMO_EXCHANGE, item.book, label)
        store.write_meta(DEMO_RUN_META_KEY, fingerprint)
    for tf, n in counts.items():
        tally.add_candles(tf, n)
    tally.ok.extend(built)


def _as_rates(funding: Any) -> pd.Series:
    if isinstance(funding, pd.Series):
        return funding
    if isinstance(funding, pd.DataFrame):
        for column in ("rate", "funding_rate", "fundingRate"):
            if column in funding.columns:
                return funding[column]
        return funding.iloc[:, 0]
    raise DataError(f"demo funding history has an unexpected type {type(funding).__name__}")


def _write_demo_series(store: MarketCache, market: Any) -> None:
    """Replace the demo realm's macro and sentiment series (joins the caller's transaction)."""
    with store.transaction():
        store.delete_series_realm("demo", (SERIES_MACRO, SERIES_SOCIAL_VOLUME,
                                           SERIES_ONCHAIN_ACTIVITY))
        store.write_series(SERIES_MACRO, None, market.macro(), DEMO_SOURCE_LABEL)
        store.write_series(SERIES_SOCIAL_VOLUME, None, market.social_volume(), DEMO_SOURCE_LABEL)
        store.write_series(SERIES_ONCHAIN_ACTIVITY, None, market.onchain_activity(),
                           DEMO_SOURCE_LABEL)
