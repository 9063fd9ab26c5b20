"""What the ranking walk-forward returns: each decision and what followed it, the hit
statistics, the divergence check, the paper curve and the result that holds them.

Split out of :mod:`rotation_addin.core.backtest` (which still re-exports these names).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from rotation_addin.core.divergence import HitRate


@dataclass(frozen=True)
class Decision:
    """One rebalance decision and what followed it.

    Attributes
    ----------
    day : pd.Timestamp
        Decision day ``t`` (its close is the last data the decision saw).
    leader, laggard : str
        Rank-1 and last-ranked sectors among those with a score.
    leader_score : float
        The leader's score (``core.scores``).
    regime_label : str
        Regime label at ``t`` (risk-on / neutral / risk-off).
    rotation_enabled : bool
        Whether the regime gate allowed alt longs at ``t``.
    over_extended, fomo : tuple[str, ...]
        Sectors flagged over-extended / FOMO at ``t``.
    forward_relative_log_returns : Mapping[str, float]
        BTC-relative log return of each scored sector index over ``(t, t + horizon]``.
    sector_mean_forward_log_return : float
        Mean of those returns (the bar every sector is compared with).
    leader_excess_log_return : float
        Leader's forward return minus the sector mean.
    leader_hit : bool
        ``leader_excess_log_return > 0``.
    sectors_beating_mean : int
        Sectors whose forward return beat the mean (baseline numerator).
    """

    day: pd.Timestamp
    leader: str
    laggard: str
    leader_score: float
    regime_label: str
    rotation_enabled: bool
    over_extended: tuple[str, ...]
    fomo: tuple[str, ...]
    forward_relative_log_returns: Mapping[str, float]
    sector_mean_forward_log_return: float
    leader_excess_log_return: float
    leader_hit: bool
    sectors_beating_mean: int

    @property
    def sectors_scored(self) -> int:
        """Number of sectors compared on this day."""
        return len(self.forward_relative_log_returns)


@dataclass(frozen=True)
class HitStats:
    """Hit rate against its baseline, and the mean excess return with its t-statistic.

    Attributes
    ----------
    label : str
        Which decisions (``all``, ``risk-on``, ``gated``...).
    decisions : int
        Calls scored.
    hits : int
        Calls that did what they claim (leader above the mean; over-extended below it).
    hit_rate : float
        ``hits / decisions`` (NaN without decisions).
    baseline_rate : float
        Share of all (decision, sector) pairs of the same decisions that did the same.
    p_value : float
        One-sided binomial ``P(X >= hits)``, ``X ~ Binomial(decisions, baseline_rate)``.
    mean_excess_log_return : float
        Mean of the called sector's forward log return minus the sector mean (per horizon).
    excess_std_log_return : float
        Sample standard deviation (ddof 1) of those excesses.
    t_statistic : float
        ``mean / (std / sqrt(decisions))``; NaN below 2 decisions or for zero spread.
    """

    label: str
    decisions: int
    hits: int
    hit_rate: float
    baseline_rate: float
    p_value: float
    mean_excess_log_return: float
    excess_std_log_return: float
    t_statistic: float


@dataclass(frozen=True)
class DivergenceCheck:
    """Divergence signals scored on the sector indices (or why they could not be).

    Attributes
    ----------
    available : bool
        True when social-volume and on-chain series existed and signals were scored.
    hit_rate : HitRate or None
        From :func:`~rotation_addin.core.divergence.signal_hit_rate` (entry hit = the sector
        then rose against BTC, exit hit = it fell), horizon ``horizon_days``.
    note : str
        One line: what was measured, or "no sentiment data".
    """

    available: bool
    hit_rate: HitRate | None
    note: str


@dataclass(frozen=True)
class CurvePoint:
    """One holding period of the paper curve "long the leader, short BTC, equal notional".

    Attributes
    ----------
    day : pd.Timestamp
        Rebalance day; the period is ``(day, day + rebalance_every_days]``.
    position, gated_position : str
        Sector held long against BTC (``"flat"`` when none): always the leader, and the
        leader only when the regime gate allows it.
    period_relative_log_return : float
        The leader's BTC-relative log return over the period (equal notional legs).
    fee_log_return, gated_fee_log_return : float
        Taker fees paid at this rebalance (<= 0), as a fraction of one leg's notional.
    cumulative_net_log_return, gated_cumulative_net_log_return : float
        Running sum of period returns plus fees, up to the end of this period.
    basket_cumulative_log_return : float
        For comparison: running sum of the equal-weight mean of the sectors' BTC-relative
        log returns over the same periods, no fees (how much of the curve is just the alt
        basket against BTC rather than the choice of the leader).
    """

    day: pd.Timestamp
    position: str
    gated_position: str
    period_relative_log_return: float
    fee_log_return: float
    gated_fee_log_return: float
    cumulative_net_log_return: float
    gated_cumulative_net_log_return: float
    basket_cumulative_log_return: float


@dataclass(frozen=True)
class BacktestResult:
    """Walk-forward backtest of the rotation ranking (see the module docstring).

    Attributes
    ----------
    source : str
        Dataset label (``"demo (simulated)"``, ``"csv import"``...).
    data_start, data_end : pd.Timestamp
        First and last day of prices used.
    horizon_days, rebalance_every_days, warmup_days : int
        The walk-forward settings.
    taker_fee_rate : float
        Fee per leg traded in the paper curve (fraction of notional).
    decisions : tuple[Decision, ...]
        Every scored decision, in time order.
    leader : HitStats
        All decisions.
    by_regime : tuple[HitStats, ...]
        risk-on, neutral, risk-off (in that order).
    gated : HitStats
        Only the decisions the regime gate allowed.
    over_extended : HitStats
        Over-extended sectors as short calls (hit = under-performed the sector mean).
    divergence : DivergenceCheck
        Divergence signal hit rates, or "no sentiment data".
    curve : tuple[CurvePoint, ...]
        Paper curve, one point per decision.
    skipped_days : int
        Rebalance days with fewer than two sectors to compare (no prices or no forward data).
    warnings : tuple[str, ...]
        Caveats: missing volume or sentiment, dominance proxy, overlapping horizons,
        too few decisions.
    """

    source: str
    data_start: pd.Timestamp
    data_end: pd.Timestamp
    horizon_days: int
    rebalance_every_days: int
    warmup_days: int
    taker_fee_rate: float
    decisions: tuple[Decision, ...]
    leader: HitStats
    by_regime: tuple[HitStats, ...]
    gated: HitStats
    over_extended: HitStats
    divergence: DivergenceCheck
    curve: tuple[CurvePoint, ...]
    skipped_days: int
    warnings: tuple[str, ...]

    @property
    def first_decision_day(self) -> pd.Timestamp | None:
        """Day of the first scored decision (None without any)."""
        return self.decisions[0].day if self.decisions else None

    @property
    def last_decision_day(self) -> pd.Timestamp | None:
        """Day of the last scored decision (None without any)."""
        return self.decisions[-1].day if self.decisions else None
