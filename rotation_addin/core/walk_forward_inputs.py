"""Inputs of the ranking walk-forward, checked and prepared once: the settings, the rebalance
rows, BTC-relative sector returns and their forward sums, the regime on every day from data up
to that day only, the divergence frame, and the caveats about missing data (among them the
rule for decisions that ranked a sector on too few priced coins, :data:`MIN_PRICED_MEMBERS`).

Split out of :mod:`rotation_addin.core.backtest`; the strategy backtest's feature builder
reads the regime table and the divergence frame from here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import tzinfo

import numpy as np
import pandas as pd

from rotation_addin.core import validation as v
from rotation_addin.core.constants import MAX_HORIZON_DAYS, MIN_WARMUP_DAYS
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.divergence import divergence
from rotation_addin.core.errors import InputError
from rotation_addin.core.regime import (
    DOMINANCE,
    EQUITY,
    STABLECOINS,
    dominance_proxy,
    regime_history,
)
from rotation_addin.core.returns import log_returns, relative_returns, sector_index_returns
from rotation_addin.core.rotation import PlanParameters

MIN_PRICED_MEMBERS = 2
"""Fewest of its coins a ranked sector must have priced on a decision day (a close that day).

A decision that ranked a sector with fewer of its members priced that day -- while the
universe gives the sector at least this many -- is *thin*: that day's return of the
sector's index, one of the days its score sums, came from one coin because the others had
no price (a gap in CSV files, a late listing, a file missing). :func:`_thin_ranking_warning`
counts such decisions in one caveat of the ranking backtest (``core.backtest``) and of the
whole-strategy backtest (``core.strategy_backtest``, which decides every day). A ranked
sector always has at least one coin priced (its index needs a return that day), so with 2 a
thin sector rested on a single coin. Only the decision day's closes are counted, not the 30
days its momentum sums over. The demo market prices every member every day and never gets
the caveat.
"""


@dataclass(frozen=True)
class _Settings:
    horizon: int
    every: int
    warmup: int
    params: PlanParameters


def _settings(params: object, horizon_days: object, rebalance_every_days: object,
              warmup_days: object) -> _Settings:
    if params is None:
        params = PlanParameters()
    if not isinstance(params, PlanParameters):
        raise InputError("params", f"must be PlanParameters (got {type(params).__name__})")
    horizon = v.positive_int("horizon_days", horizon_days, minimum=1)
    if horizon > MAX_HORIZON_DAYS:
        raise InputError("horizon_days", f"must be <= {MAX_HORIZON_DAYS} (got {horizon})")
    every = v.positive_int("rebalance_every_days", rebalance_every_days, minimum=1)
    if every > MAX_HORIZON_DAYS:
        raise InputError("rebalance_every_days",
                         f"must be <= {MAX_HORIZON_DAYS} (got {every})")
    warmup = v.positive_int("warmup_days", warmup_days, minimum=MIN_WARMUP_DAYS)
    return _Settings(horizon, every, warmup, params)


def _timestamp(field: str, value: object, tz: tzinfo | None) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(field, f"must be a date like 2023-01-31 (got {value!r})") from None
    if pd.isna(stamp):
        raise InputError(field, f"must be a date like 2023-01-31 (got {value!r})")
    if tz is not None:
        stamp = stamp.tz_localize(tz) if stamp.tzinfo is None else stamp.tz_convert(tz)
    elif stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp


def _decision_rows(close: pd.DataFrame, s: _Settings, start: object, end: object) -> list[int]:
    """Row numbers of the rebalance days (arithmetic in the docstring of walk_forward)."""
    index = pd.DatetimeIndex(close.index)
    tz = index.tz
    start_day, end_day = _timestamp("start", start, tz), _timestamp("end", end, tz)
    if start_day is not None and end_day is not None and start_day > end_day:
        raise InputError("start", f"must be on or before end {end_day:%Y-%m-%d} "
                                  f"(got {start_day:%Y-%m-%d})")
    last = len(index) - 1 if end_day is None else int(index.searchsorted(end_day, "right")) - 1
    first = s.warmup
    if start_day is not None:
        first = max(first, int(index.searchsorted(start_day, "left")))
    if last - s.horizon < first:
        if start_day is None and end_day is None:
            raise InputError(
                "warmup_days",
                f"leaves no decision: {len(index)} days of prices, but warmup {s.warmup} + "
                f"horizon {s.horizon} days need at least {s.warmup + s.horizon + 1}")
        field = "end" if end_day is not None and last - s.horizon < s.warmup else "start"
        raise InputError(field, f"the period from start to end leaves no decision after the "
                                f"{s.warmup}-day warmup and the {s.horizon}-day horizon")
    return list(range(first, last - s.horizon + 1, s.every))


def _forward_sums(values: np.ndarray, days: int) -> np.ndarray:
    """Row i: sum of rows i+1 .. i+days per column; NaN if any is missing or past the end."""
    out = np.full(values.shape, np.nan)
    if len(values) > days:
        windows = np.lib.stride_tricks.sliding_window_view(values[1:], days, axis=0)
        out[: len(windows)] = windows.sum(axis=-1)
    return out


def _relative_sector_returns(dataset: MarketDataset) -> pd.DataFrame:
    """Daily BTC-relative log returns of the trading sector indices, on the close's days.

    Row ``t`` holds the return from ``t-1`` to ``t`` (row 0 is NaN).
    """
    universe = dataset.universe
    relative = relative_returns(log_returns(dataset.close), universe.benchmark)
    index = sector_index_returns(relative, universe)
    trading = [s for s in universe.trading_sectors() if s in index.columns]
    return index[trading].reindex(dataset.close.index)


def _regime_table(dataset: MarketDataset, params: PlanParameters,
                  warnings: list[str]) -> pd.DataFrame:
    """Regime label and gate on every price day, from data up to that day only."""
    close = dataset.close
    macro = dataset.macro
    if not isinstance(macro, pd.DataFrame):
        macro = pd.DataFrame(index=close.index)
    frame = macro.reindex(macro.index.union(close.index)).copy() if len(macro.columns) \
        else pd.DataFrame(index=close.index)
    has = {c: c in frame.columns and bool(frame[c].notna().any())
           for c in (DOMINANCE, STABLECOINS, EQUITY)}
    if not has[DOMINANCE]:
        try:
            proxy = dominance_proxy(close, benchmark=dataset.universe.benchmark, method="cap")
        except InputError as error:
            warnings.append(f"no BTC dominance history and no proxy ({error}): that regime "
                            "input votes 0 on every day")
        else:
            frame[DOMINANCE] = proxy.reindex(frame.index)
            warnings.append("no BTC dominance history: the regime uses the dominance proxy "
                            "from these prices (core.regime.dominance_proxy, 'cap'; BTC "
                            "against the alt basket), not CoinGecko dominance")
    for column, name in ((STABLECOINS, "stablecoin supply"), (EQUITY, "equity index")):
        if not has[column]:
            warnings.append(f"no {name} data: that regime input votes 0 on every day")
    history = regime_history(frame, rotation_in_risk_off=params.rotation_in_risk_off)
    return history.reindex(close.index)[["label", "rotation_enabled"]]


def _sector_divergence_frame(dataset: MarketDataset) -> pd.DataFrame | None:
    """Daily D by base (rolling, so each day uses no later data), or None without sentiment."""
    social, chain = dataset.social_volume, dataset.onchain_activity
    if social.empty or chain.empty or social.shape[1] == 0 or chain.shape[1] == 0:
        return None
    try:
        return pd.DataFrame(divergence(social, chain)["divergence"])
    except InputError:
        return None


def _check_dataset(dataset: object) -> MarketDataset:
    if not isinstance(dataset, MarketDataset):
        raise InputError("dataset", f"must be a MarketDataset (got {type(dataset).__name__})")
    benchmark = dataset.universe.benchmark
    if benchmark not in dataset.close.columns:
        raise InputError("close", f"needs the benchmark {benchmark} to compute BTC-relative "
                                  "returns")
    if not isinstance(dataset.close.index, pd.DatetimeIndex):
        raise InputError("close", "must be indexed by dates")
    return dataset


def _data_warnings(dataset: MarketDataset, s: _Settings, d_frame: pd.DataFrame | None,
                   warnings: list[str]) -> None:
    volume = dataset.volume_usd.to_numpy(dtype=float) if dataset.volume_usd.size else \
        np.empty(0)
    if not np.isfinite(volume).any():
        warnings.append("no volume data (close-only prices): the volume-trend component is 0 "
                        "for every sector, so the ranking rests on momentum"
                        + (" and divergence" if d_frame is not None else ""))
    if d_frame is None:
        warnings.append("no sentiment data: divergence left out of the scores and its "
                        "signals not measured")
    if s.horizon > s.every:
        warnings.append(f"horizon {s.horizon} d > rebalance every {s.every} d: forward windows "
                        "overlap, so the p-values and t-statistics overstate the evidence")


def _thin_by_row(dataset: MarketDataset) -> list[frozenset[str]]:
    """Per row of the close: the trading sectors with fewer than :data:`MIN_PRICED_MEMBERS`
    coins priced (a close) that day, among those the universe gives at least that many
    members. Made once per run with NumPy (tens of microseconds for years of rows), so a
    decision only looks its row up."""
    close, universe = dataset.close, dataset.universe
    column = {str(c): j for j, c in enumerate(close.columns)}
    eligible = [str(s) for s in universe.trading_sectors()
                if len(universe.sectors[s]) >= MIN_PRICED_MEMBERS]
    empty: frozenset[str] = frozenset()
    thin = [empty] * len(close)
    if not eligible:
        return thin
    priced = close.notna().to_numpy()
    counts = np.column_stack([priced[:, [column[b] for b in universe.sectors[s] if b in column]]
                              .sum(axis=1) for s in eligible])
    low = counts < MIN_PRICED_MEMBERS
    for row in np.flatnonzero(low.any(axis=1)):
        thin[row] = frozenset(eligible[j] for j in np.flatnonzero(low[row]))
    return thin


def _thin_sectors(thin_at_row: frozenset[str], ranked: Iterable[str]) -> tuple[str, ...]:
    """The ``ranked`` sectors in ``thin_at_row`` (:func:`_thin_by_row` of the decision's
    row), in ranking order (``ranked`` is not read when the row has none: a generator costs
    the hot path nothing on the usual day)."""
    return tuple(s for s in ranked if s in thin_at_row) if thin_at_row else ()


def _thin_ranking_warning(thin: Sequence[tuple[pd.Timestamp, tuple[str, ...]]],
                          decisions: int, sector_order: Sequence[str]) -> str | None:
    """The caveat about thin decisions (:data:`MIN_PRICED_MEMBERS`), or None without one.

    Parameters
    ----------
    thin : sequence of (day, sectors)
        Each scored decision that ranked a sector on too few priced coins, in date order,
        with those sectors.
    decisions : int
        Scored decisions in all.
    sector_order : sequence of str
        The universe's sector order, in which the sectors are named.

    Returns
    -------
    str or None
        ``"N of M decisions ranked a sector on a single priced coin (sectors; first to last
        day): ..."``; None when no decision was thin.
    """
    if not thin:
        return None
    named = {sector for _, sectors in thin for sector in sectors}
    first, last = thin[0][0], thin[-1][0]
    span = f"{first:%Y-%m-%d}" if first == last else f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
    coins = "a single priced coin" if MIN_PRICED_MEMBERS == 2 else \
        f"fewer than {MIN_PRICED_MEMBERS} priced coins"
    return (f"{len(thin)} of {decisions} decisions ranked a sector on {coins} "
            f"({', '.join(s for s in sector_order if s in named)}; {span}): its other "
            "members had no price that day")
