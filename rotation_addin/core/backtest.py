"""Walk-forward backtest of the rotation signals: measure them instead of trusting claims.

At each rebalance day ``t`` the sector ranking is computed from the data up to and including
``t`` only (every frame is cut at ``t`` before :func:`~rotation_addin.core.scores.sector_inputs`
sees it; the regime and the divergence D are rolling figures that use no later day). The
decision records the leader (rank 1), the laggard (last ranked), the regime label at ``t``
and the sectors flagged over-extended or FOMO. It is then scored on what followed: the
BTC-relative log return of each sector index over the days ``(t, t + horizon]``.

Statistics (all on those forward returns):

* leader hit rate: share of decisions where the leader's forward return beat the mean of the
  sectors scored that day; baseline: share of all (decision, sector) pairs in which a sector
  beat that mean -- what picking a sector at random gives, computed the same way;
* one-sided binomial p-value ``P(X >= hits)`` with ``X ~ Binomial(decisions, baseline)``;
* mean leader excess (leader minus sector mean) with the t-statistic
  ``mean / (sd / sqrt(n))`` (sd with ddof 1);
* the same split by regime label, and restricted to decisions the regime gate allows;
* over-extended sectors: share that then under-performed the mean (a short/hedge "hit");
* divergence signals (entry D <= -theta, exit D >= +theta) scored with
  :func:`~rotation_addin.core.divergence.signal_hit_rate` when sentiment data exists;
* a paper curve "long the leader's index, short BTC, equal notional, rebalanced every
  ``rebalance_every_days``": the sum of the leader's BTC-relative log returns minus taker
  fees on every leg traded.

Overlapping horizons (``horizon_days > rebalance_every_days``) make the p-value and the
t-statistic optimistic; a warning says so. The result is in-sample on one period of one
market: it measures, it does not forecast.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from rotation_addin.core.backtest_results import (
    BacktestResult,
    CurvePoint,
    Decision,
    DivergenceCheck,
    HitStats,
)
from rotation_addin.core.backtest_stats import (
    _divergence_check,
    _leader_stats,
    _over_extended_stats,
    binomial_upper_tail,
    t_statistic,
)
from rotation_addin.core.constants import (
    DEFAULT_WARMUP_DAYS,
    MAX_HORIZON_DAYS,
    MIN_WARMUP_DAYS,
    RANKING_EVERY_DAYS,
    RANKING_HORIZON_DAYS,
)
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.paper_curve import FLAT, _paper_curve
from rotation_addin.core.ranking_decisions import _decision, _ranking_at
from rotation_addin.core.regime import NEUTRAL, RISK_OFF, RISK_ON
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.core.walk_forward_inputs import (
    _check_dataset,
    _data_warnings,
    _decision_rows,
    _forward_sums,
    _regime_table,
    _relative_sector_returns,
    _sector_divergence_frame,
    _Settings,
    _settings,
    _thin_by_row,
    _thin_ranking_warning,
    _thin_sectors,
)

__all__ = [
    "FLAT",
    "MAX_HORIZON_DAYS",
    "MIN_WARMUP_DAYS",
    "BacktestResult",
    "CurvePoint",
    "Decision",
    "DivergenceCheck",
    "HitStats",
    "binomial_upper_tail",
    "t_statistic",
    "walk_forward",
]

MIN_MEANINGFUL_DECISIONS = 20
REGIME_LABELS = (RISK_ON, NEUTRAL, RISK_OFF)


def walk_forward(
    dataset: MarketDataset,
    params: PlanParameters | None = None,
    *,
    horizon_days: int = RANKING_HORIZON_DAYS,
    rebalance_every_days: int = RANKING_EVERY_DAYS,
    warmup_days: int = DEFAULT_WARMUP_DAYS,
    start: datetime | pd.Timestamp | str | None = None,
    end: datetime | pd.Timestamp | str | None = None,
) -> BacktestResult:
    """Walk forward through the data, ranking sectors with no look-ahead, and score each call.

    Parameters
    ----------
    dataset : MarketDataset
        Daily closes (with the benchmark), volumes, macro and sentiment series.
    params : PlanParameters, optional
        Score weights, divergence threshold ``theta``, ``rotation_in_risk_off`` (the gate)
        and ``taker_fee_rate`` (paper curve). Default ``PlanParameters()``.
    horizon_days : int
        Forward window N (1..365): a decision at ``t`` is scored on ``(t, t + N]``.
    rebalance_every_days : int
        Days between decisions (1..365).
    warmup_days : int
        Price rows before the first decision (>= 30: the 30-day momentum needs 31 prices).
    start, end : date-like, optional
        First decision day (history before it still feeds the ranking) and last day of data
        used (forward windows end on or before it).

    Returns
    -------
    BacktestResult

    Notes
    -----
    Decision rows are ``warmup, warmup + every, ...`` while ``row + horizon <= last row``:
    with ``n`` price rows that is ``floor((n - 1 - horizon - warmup) / every) + 1``
    rebalance days. A day with fewer than two sectors that have both a score and a full
    forward window is skipped (counted in ``skipped_days``). Scored decisions that ranked a
    sector with fewer than :data:`~rotation_addin.core.walk_forward_inputs.MIN_PRICED_MEMBERS`
    of its coins priced that day are counted in one warning.

    Raises
    ------
    InputError
        Naming ``horizon_days``, ``rebalance_every_days``, ``warmup_days``, ``start``,
        ``end``, ``params`` or ``dataset``.
    """
    data = _check_dataset(dataset)
    s = _settings(params, horizon_days, rebalance_every_days, warmup_days)
    rows = _decision_rows(data.close, s, start, end)
    inputs = _walk_inputs(data, s)
    decisions, skipped_days, thin = _scored_decisions(data, rows, inputs, s)
    _decision_warnings(rows, decisions, skipped_days, inputs.warnings,
                       _thin_ranking_warning(thin, len(decisions),
                                             data.universe.trading_sectors()))
    return _result(data, rows, s, decisions, len(skipped_days), inputs)


@dataclass(frozen=True)
class _WalkInputs:
    """What every decision of one walk reads: computed once, from data up to each day only."""

    warnings: list[str]
    d_frame: pd.DataFrame | None
    thin_by_row: list[frozenset[str]]
    relative: pd.DataFrame
    forward: pd.DataFrame
    holding: pd.DataFrame
    regimes: pd.DataFrame


def _walk_inputs(data: MarketDataset, s: _Settings) -> _WalkInputs:
    """Divergence, priced members per sector and day, BTC-relative sector returns, their sums
    over the horizon (scoring) and the rebalance period (paper curve), the regime table; the
    caveats in the order they arise."""
    warnings: list[str] = []
    if data.missing_symbols:
        warnings.append("not listed by the source: " + ", ".join(data.missing_symbols))
    d_frame = _sector_divergence_frame(data)
    _data_warnings(data, s, d_frame, warnings)
    relative = _relative_sector_returns(data)
    forward = pd.DataFrame(_forward_sums(relative.to_numpy(), s.horizon),
                           index=relative.index, columns=relative.columns)
    holding = pd.DataFrame(_forward_sums(relative.to_numpy(), s.every),
                           index=relative.index, columns=relative.columns)
    regimes = _regime_table(data, s.params, warnings)
    return _WalkInputs(warnings, d_frame, _thin_by_row(data), relative, forward, holding,
                       regimes)


def _scored_decisions(
        data: MarketDataset, rows: Sequence[int], inputs: _WalkInputs, s: _Settings,
) -> tuple[list[Decision], list[pd.Timestamp], list[tuple[pd.Timestamp, tuple[str, ...]]]]:
    """The decision of every rebalance row, the days skipped for want of two sectors, and
    the decisions that ranked a sector on too few priced coins, with those sectors."""
    forward = inputs.forward
    decisions: list[Decision] = []
    skipped_days: list[pd.Timestamp] = []
    thin: list[tuple[pd.Timestamp, tuple[str, ...]]] = []
    for row in rows:
        day = pd.Timestamp(data.close.index[row])
        label = str(inputs.regimes["label"].iloc[row])
        enabled = bool(inputs.regimes["rotation_enabled"].iloc[row])
        ranking = _ranking_at(data, row, inputs.d_frame, s.params, enabled)
        ahead = {str(c): float(x) for c, x in zip(forward.columns, forward.to_numpy()[row],
                                                   strict=True) if math.isfinite(float(x))}
        decision = _decision(day, ranking, ahead, label, enabled)
        if decision is None:
            skipped_days.append(day)
            continue
        decisions.append(decision)
        sectors = _thin_sectors(inputs.thin_by_row[row],
                                [r.sector for r in ranking if math.isfinite(r.score)])
        if sectors:
            thin.append((day, sectors))
    return decisions, skipped_days, thin


def _decision_warnings(rows: Sequence[int], decisions: Sequence[Decision],
                       skipped_days: Sequence[pd.Timestamp], warnings: list[str],
                       thin_warning: str | None) -> None:
    """Caveats about the decisions themselves: skipped rebalance days, decisions that ranked
    a sector on too few priced coins (``thin_warning``), too few decisions to mean much."""
    skipped = len(skipped_days)
    if skipped:
        warnings.append(f"{skipped} of {len(rows)} rebalance days skipped "
                        f"({skipped_days[0]:%Y-%m-%d} to {skipped_days[-1]:%Y-%m-%d}): fewer "
                        "than two sectors with a score and a full forward window (prices "
                        "missing)")
    if thin_warning is not None:
        warnings.append(thin_warning)
    if len(decisions) < MIN_MEANINGFUL_DECISIONS:
        warnings.append(f"only {len(decisions)} scored decision(s): hit rates mean little "
                        f"below about {MIN_MEANINGFUL_DECISIONS}")


def _result(data: MarketDataset, rows: Sequence[int], s: _Settings,
            decisions: list[Decision], skipped: int, inputs: _WalkInputs) -> BacktestResult:
    """The statistics of the scored decisions, the divergence check and the paper curve."""
    return BacktestResult(
        source=data.source,
        data_start=pd.Timestamp(data.close.index[0]),
        data_end=pd.Timestamp(data.close.index[min(rows[-1] + s.horizon,
                                                   len(data.close) - 1)]),
        horizon_days=s.horizon,
        rebalance_every_days=s.every,
        warmup_days=s.warmup,
        taker_fee_rate=s.params.taker_fee_rate,
        decisions=tuple(decisions),
        leader=_leader_stats("all decisions", decisions),
        by_regime=tuple(_leader_stats(label, [d for d in decisions if d.regime_label == label])
                        for label in REGIME_LABELS),
        gated=_leader_stats("regime gate applied", [d for d in decisions if d.rotation_enabled]),
        over_extended=_over_extended_stats(decisions),
        divergence=_divergence_check(inputs.d_frame, data, inputs.relative, decisions, s),
        curve=_paper_curve(decisions, inputs.holding, s.every, s.params.taker_fee_rate),
        skipped_days=skipped,
        warnings=tuple(inputs.warnings),
    )
