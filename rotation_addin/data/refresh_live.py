"""Refresh the cache from a live exchange (ccxt): contract rules, marks, tiers, closed candles.

What :func:`rotation_addin.data.refresh.refresh_exchange` does (the module docstring of
:mod:`rotation_addin.data.refresh` describes the guarantees): per symbol, every fetch first,
then one transaction.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rotation_addin.core.dataset import Ticker
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.universe import Universe
from rotation_addin.data.cache import DEMO_EXCHANGE, MarketCache, ms_to_datetime, timeframe_ms
from rotation_addin.data.exchange_protocol import MarketDataClient
from rotation_addin.data.on_demand import ticker_from_hourly
from rotation_addin.data.refresh_common import (
    DEFAULT_HISTORY_DAYS,
    DEFAULT_TIMEFRAMES,
    ProgressCallback,
    RefreshSummary,
    RefreshTally,
    build_summary,
    failure_reason,
    is_cancelled,
    log_summary,
    open_target_cache,
    run_sync,
    select_bases,
    utc_ms,
    validate_timeframes,
)
from rotation_addin.data.refresh_snapshots import (
    fetch_leverage_tiers,
    fetch_marks,
    fetch_tickers,
)


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
    return run_sync(lambda: refresh_exchange_async(
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
        Sector universe; every member is refreshed unless ``symbols`` (a subset of its
        bases) narrows it.
    exchange_id, api_base_url : str
        ccxt exchange id (``"binanceusdm"``); optionally a replacement of its REST host
        (e.g. a loopback emulator ``http://127.0.0.1:PORT``).
    cache : MarketCache, path or None
        Target cache (default: the user's cache file).
    since : datetime or date, optional
        Start of a first fetch (UTC). Default: ``history_days`` (default
        :data:`DEFAULT_HISTORY_DAYS`) before the exchange's clock, per timeframe. Symbols
        that already have candles resume after their last stored one (incremental); an
        explicit ``since`` earlier than their first stored candle also fetches that older
        part (backfill).
    timeframes : iterable of str
        ccxt timeframes, ``("1d", "1h")`` by default.
    progress : callable, optional
        ``progress(symbols_done, symbols_total, detail)``; detail names the last symbol and
        the weight used so far.
    cancel : threading.Event, optional
        When set, pending requests stop within ~0.1 s; symbols already written stay, the
        others are listed as failures (cached rows unchanged) and ``cancelled`` is True.
    weight_budget_per_minute, client_options
        Request-weight budget (Binance USDⓈ-M: 2,400 per minute per IP); extra keyword
        arguments of ``ExchangeClient`` (``timeout_s``, ``max_retries``, ...).
    """
    requested, tfs, history = _check_live_args(exchange_id, universe, symbols, timeframes,
                                               history_days, since)
    run = _LiveRun(exchange_id, requested, tfs, history, since, progress, cancel)
    client_kwargs = {"api_base_url": api_base_url, "cancel": cancel,
                     "weight_budget_per_minute": weight_budget_per_minute}
    return await _run_live(run, cache, client_kwargs, dict(client_options or {}))


@dataclass(frozen=True)
class _LiveRun:
    """The checked arguments of one live refresh."""

    exchange_id: str
    requested: tuple[str, ...]
    timeframes: tuple[str, ...]
    history: Mapping[str, int]
    since: datetime | date | None
    progress: ProgressCallback | None
    cancel: threading.Event | None


async def _run_live(
    run: _LiveRun,
    cache: MarketCache | Path | str | None,
    client_kwargs: Mapping[str, Any],
    client_options: Mapping[str, Any],
) -> RefreshSummary:
    """Open the client and the cache, refresh every listed symbol, log and summarise."""
    from rotation_addin.data.exchange import ExchangeClient  # deferred: imports ccxt

    exchange_id, cancel = run.exchange_id, run.cancel
    started, t0 = datetime.now(UTC), time.monotonic()
    store, owned = open_target_cache(cache)
    tally = RefreshTally()
    args = (store, owned, exchange_id, run.requested, tally, started, t0, run.timeframes)
    try:
        async with ExchangeClient(exchange_id, **client_kwargs, **client_options) as client:
            try:
                await _refresh_listed(client, store, exchange_id, run.requested, run.timeframes,
                                      run.history, run.since, run.progress, cancel, tally)
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
        raise DataError(f"{exchange_id}: refresh failed: {failure_reason(exc)}") from exc
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
    requested = select_bases(universe, symbols)
    tfs = validate_timeframes(timeframes)
    history = {**DEFAULT_HISTORY_DAYS, **(history_days or {})}
    for tf, days in history.items():
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise InputError(f"history_days.{tf}", f"must be a whole number >= 1 (got {days!r})")
    if since is not None and utc_ms(since) >= utc_ms(datetime.now(UTC)):
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
    tally: RefreshTally,
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
        tf: utc_ms(since) if since is not None else server_now_ms - history.get(tf, 30) * 86_400_000
        for tf in timeframes
    }
    hourly = "1h" in timeframes
    snapshots = await (fetch_marks(client, listed, tally) if hourly
                       else fetch_tickers(client, listed, tally))
    tiers = await fetch_leverage_tiers(client, listed, tally)
    if progress:
        progress(0, len(listed), f"weight {client.weight_used}")

    async def one(base: str) -> None:
        try:
            await _refresh_symbol(
                client, store, exchange_id, base, timeframes, since_ms, tally, cancel,
                snapshot=(specs[base], snapshots.get(base), tiers.get(base)),
                backfill=since is not None)
        except Exception as exc:
            tally.failures[base] = failure_reason(exc)
        tally.done += 1
        if progress:
            progress(tally.done, len(listed), f"{base} · weight {client.weight_used}")

    await asyncio.gather(*(one(b) for b in listed))


def _finish(
    store: MarketCache,
    owned: bool,
    exchange_id: str,
    requested: tuple[str, ...],
    tally: RefreshTally,
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
    summary = build_summary(exchange_id=exchange_id, source=exchange_id, requested=requested,
                       unlisted=tally.unlisted, tally=tally, cancelled=cancelled,
                       started=started, t0=t0)
    try:
        log_summary(store, summary, ",".join(timeframes))
    finally:
        if owned:
            store.close()
    return summary


def _server_now_ms(client: MarketDataClient) -> int:
    """The exchange's clock (from its ``Date`` headers)."""
    return int(client.server_now_ms())


async def _refresh_symbol(
    client: MarketDataClient,
    store: MarketCache,
    exchange_id: str,
    base: str,
    timeframes: tuple[str, ...],
    since_ms: Mapping[str, int],
    tally: RefreshTally,
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
