"""Refresh the cache from the embedded demo market: one simulator run, written whole or not at all.

The run's fingerprint (:func:`demo_fingerprint`) is stored with its rows, so the loader can
tell whether the cache holds the run it would simulate now.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.universe import Universe
from rotation_addin.data import demo as demo_pkg
from rotation_addin.data.cache import (
    DEMO_EXCHANGE,
    SERIES_MACRO,
    SERIES_ONCHAIN_ACTIVITY,
    SERIES_SOCIAL_VOLUME,
    MarketCache,
)
from rotation_addin.data.demo import DEFAULT_DAYS, DEFAULT_SEED, models
from rotation_addin.data.refresh_common import (
    DEFAULT_HISTORY_DAYS,
    CancelToken,
    ProgressCallback,
    RefreshSummary,
    RefreshTally,
    build_summary,
    failure_reason,
    is_cancelled,
    log_summary,
    open_target_cache,
)
from rotation_addin.data.universe_io import load_universe

DEMO_RUN_META_KEY = "demo_run"
"""``meta`` key of the fingerprint of the demo run whose rows the cache holds."""

DEMO_RUN_IDENTITY = ("seed", "days", "end", "simulator_sha256", "universe")
"""Fingerprint fields that decide the simulated numbers (two runs agreeing on all of them
produce the same rows); other stored fields (``hourly_days``, ``written``) are informational."""


SIMULATOR_MODULES = tuple(f"rotation_addin.data.demo.{name}" for name in (
    "simulator", "models", "daily_model", "intraday", "venue", "series_model", "processes"))
"""The modules whose code decides the simulated numbers (hashed by :func:`simulator_hash`)."""


def simulator_hash() -> str:
    """SHA-256 of the demo simulator: its fitted parameter values and its model code.

    The parameters are :meth:`DemoParameters.from_module` (the numbers in ``demo/params.py``)
    serialised as sorted JSON; the code is the bytes of the model's modules
    (:data:`SIMULATOR_MODULES`: ``demo/simulator.py``, ``demo/models.py`` and the modules the
    simulator is split into). Any change to either can change the simulated prices of a date.
    """
    values = dataclasses.asdict(models.DemoParameters.from_module())
    digest = hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode("utf-8"))
    for module in map(importlib.import_module, SIMULATOR_MODULES):
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
    """Fingerprint of the run ``load_market("demo", seed=seed)`` makes now (ends on
    :func:`rotation_addin.data.demo.default_end`: yesterday UTC unless ``$ROTATION_DEMO_END``)."""
    end = demo_pkg.default_end()
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
        Open date of the run's last daily candle (default ``demo.default_end()``, like the
        demo market everywhere else: yesterday UTC unless ``$ROTATION_DEMO_END``; another end
        gives a cache ``load_market`` refuses today).
    """
    universe = universe or load_universe()
    if not isinstance(hourly_days, int) or isinstance(hourly_days, bool) or hourly_days < 1:
        raise InputError("hourly_days", f"must be a whole number of days >= 1 (got {hourly_days})")
    started, t0 = datetime.now(UTC), time.monotonic()
    market = _demo_market(demo_pkg, universe, seed, end)
    specs = market.contract_specs()
    store, owned = open_target_cache(cache)
    return _run_demo(store, owned, market, specs, universe.bases, hourly_days, progress, cancel,
                     started=started, t0=t0)


def _run_demo(
    store: MarketCache,
    owned: bool,
    market: Any,
    specs: Mapping[str, Any],
    requested: tuple[str, ...],
    hourly_days: int,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
    *,
    started: datetime,
    t0: float,
) -> RefreshSummary:
    """Build every listed symbol, write the run whole (or nothing), log and summarise."""
    listed = tuple(b for b in requested if b in specs)
    unlisted = tuple(b for b in requested if b not in specs)
    tally = RefreshTally()
    cancelled = False
    write_error = ""
    try:
        built, cancelled = _build_demo_symbols(market, specs, listed, hourly_days, progress,
                                               cancel, tally)
        cancelled = cancelled or is_cancelled(cancel)
        if not cancelled and not tally.failures:
            try:
                _write_demo_run(store, market, built, hourly_days, tally)
            except Exception as exc:  # rolled back: the previous run is still whole
                write_error = failure_reason(exc)
    except KeyboardInterrupt:
        cancelled = True  # Ctrl-C: nothing of this run was committed
        raise
    finally:
        _mark_unwritten(tally, listed, cancelled, write_error)
        summary = build_summary(exchange_id=DEMO_EXCHANGE, source=DEMO_SOURCE_LABEL,
                                requested=requested, unlisted=unlisted, tally=tally,
                                cancelled=cancelled, started=started, t0=t0)
        log_summary(store, summary, "demo")
        if owned:
            store.close()
    return summary


def _build_demo_symbols(
    market: Any,
    specs: Mapping[str, Any],
    listed: tuple[str, ...],
    hourly_days: int,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
    tally: RefreshTally,
) -> tuple[dict[str, _DemoSymbol], bool]:
    """(built symbols, cancelled): each symbol's artifacts, failures noted in ``tally``."""
    tickers = market.tickers()
    if progress:
        progress(0, len(listed), "demo market")
    built: dict[str, _DemoSymbol] = {}
    for base in listed:
        if is_cancelled(cancel):
            return built, True
        try:
            built[base] = _build_demo_symbol(market, base, specs[base], tickers.get(base),
                                             hourly_days)
        except Exception as exc:
            tally.failures[base] = failure_reason(exc)
        tally.done += 1
        if progress:
            progress(tally.done, len(listed), base)
    return built, False


def _mark_unwritten(
    tally: RefreshTally, listed: tuple[str, ...], cancelled: bool, write_error: str = ""
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
    tally: RefreshTally,
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
