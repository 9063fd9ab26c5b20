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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo

import numpy as np
import pandas as pd

from rotation_addin.core import validation as v
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.divergence import (
    HitRate,
    divergence,
    divergence_signals,
    signal_hit_rate,
)
from rotation_addin.core.errors import InputError
from rotation_addin.core.regime import (
    DOMINANCE,
    EQUITY,
    NEUTRAL,
    RISK_OFF,
    RISK_ON,
    STABLECOINS,
    dominance_proxy,
    regime_history,
)
from rotation_addin.core.returns import log_returns, relative_returns, sector_index_returns
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.core.scores import (
    FLAG_FOMO,
    FLAG_OVER_EXTENDED,
    LONG_WINDOW_DAYS,
    SectorScore,
    rank_sectors,
    sector_inputs,
)

__all__ = [
    "BacktestResult",
    "CurvePoint",
    "Decision",
    "DivergenceCheck",
    "HitStats",
    "binomial_upper_tail",
    "t_statistic",
    "walk_forward",
]

MIN_WARMUP_DAYS = LONG_WINDOW_DAYS
"""The 30-day momentum needs 31 prices, so the first decision is at row 30 or later."""
MAX_HORIZON_DAYS = 365
MIN_MEANINGFUL_DECISIONS = 20
REGIME_LABELS = (RISK_ON, NEUTRAL, RISK_OFF)
FLAT = "flat"


# ----------------------------------------------------------------------------- results
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


# ----------------------------------------------------------------------------- statistics
def binomial_upper_tail(hits: int, trials: int, rate: float) -> float:
    """One-sided binomial p-value ``P(X >= hits)`` for ``X ~ Binomial(trials, rate)``.

    Same formula as ``core.divergence`` (sum of ``C(n, k) p^k (1-p)^(n-k)`` for
    ``k >= hits``), evaluated in log space so that thousands of trials do not overflow.
    Reference: ``scipy.stats.binomtest(hits, trials, rate, alternative="greater").pvalue``.

    Returns NaN without trials or with a non-finite rate.
    """
    n = v.positive_int("trials", trials, minimum=0)
    k_min = v.positive_int("hits", hits, minimum=0)
    if k_min > n:
        raise InputError("hits", f"must be <= trials {n} (got {k_min})")
    if n == 0 or not math.isfinite(rate):
        return math.nan
    p = v.in_range("rate", rate, 0.0, 1.0)
    if p == 0.0:
        return 1.0 if k_min == 0 else 0.0
    if p == 1.0:
        return 1.0
    k = np.arange(k_min, n + 1, dtype=float)
    log_terms = (math.lgamma(n + 1) - np.array([math.lgamma(x + 1) for x in k])
                 - np.array([math.lgamma(n - x + 1) for x in k])
                 + k * math.log(p) + (n - k) * math.log1p(-p))
    top = float(log_terms.max())
    return float(min(1.0, math.exp(top) * float(np.exp(log_terms - top).sum())))


def t_statistic(values: Sequence[float] | np.ndarray) -> float:
    """One-sample t-statistic of the mean against 0: ``mean / (sd / sqrt(n))``, sd ddof 1.

    NaN below 2 values or when every value is the same (no spread to measure against).
    """
    data = np.asarray(values, dtype=float)
    data = data[np.isfinite(data)]
    if len(data) < 2:
        return math.nan
    sd = float(data.std(ddof=1))
    if sd <= 1e-15:
        return math.nan
    return float(data.mean() / (sd / math.sqrt(len(data))))


def _hit_stats(label: str, hits: Sequence[bool], excess: Sequence[float],
               baseline_hits: int, baseline_total: int) -> HitStats:
    n = len(hits)
    hit_count = int(sum(hits))
    baseline = baseline_hits / baseline_total if baseline_total else math.nan
    data = np.asarray(excess, dtype=float)
    return HitStats(
        label=label,
        decisions=n,
        hits=hit_count,
        hit_rate=hit_count / n if n else math.nan,
        baseline_rate=baseline,
        p_value=binomial_upper_tail(hit_count, n, baseline),
        mean_excess_log_return=float(data.mean()) if n else math.nan,
        excess_std_log_return=float(data.std(ddof=1)) if n > 1 else math.nan,
        t_statistic=t_statistic(data),
    )


def _leader_stats(label: str, decisions: Sequence[Decision]) -> HitStats:
    return _hit_stats(
        label,
        [d.leader_hit for d in decisions],
        [d.leader_excess_log_return for d in decisions],
        sum(d.sectors_beating_mean for d in decisions),
        sum(d.sectors_scored for d in decisions),
    )


def _over_extended_stats(decisions: Sequence[Decision]) -> HitStats:
    hits: list[bool] = []
    excess: list[float] = []
    below = total = 0
    for d in decisions:
        mean = d.sector_mean_forward_log_return
        values = d.forward_relative_log_returns
        below += sum(1 for r in values.values() if r < mean)
        total += len(values)
        for sector in d.over_extended:
            if sector in values:
                hits.append(values[sector] < mean)
                excess.append(values[sector] - mean)
    return _hit_stats("over-extended (short call)", hits, excess, below, total)


# ----------------------------------------------------------------------------- inputs
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


# ----------------------------------------------------------------------------- decisions
def _until(frame: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    """Rows of a dated frame on or before ``day`` (an undated, empty frame as it is)."""
    if isinstance(frame.index, pd.DatetimeIndex) and len(frame.index):
        return frame.loc[:day]
    return frame


def _ranking_at(dataset: MarketDataset, row: int, d_frame: pd.DataFrame | None,
                params: PlanParameters, enabled: bool) -> tuple[SectorScore, ...]:
    """The sector table as the tool would have printed it at the close of day ``row``."""
    cut = row + 1
    day = dataset.close.index[row]
    view = replace(
        dataset,
        close=dataset.close.iloc[:cut],
        volume_usd=dataset.volume_usd.reindex(dataset.close.index[:cut]),
        macro=_until(dataset.macro, day),
        social_volume=_until(dataset.social_volume, day),
        onchain_activity=_until(dataset.onchain_activity, day),
        as_of=pd.Timestamp(day).to_pydatetime(),
    )
    d_view = _until(d_frame, day) if d_frame is not None else None
    return rank_sectors(sector_inputs(view, divergence=d_view), weights=params.weights,
                        theta=params.theta, rotation_enabled=enabled)


def _decision(day: pd.Timestamp, ranking: tuple[SectorScore, ...], forward: Mapping[str, float],
              label: str, enabled: bool) -> Decision | None:
    ranked = [r for r in ranking if math.isfinite(r.score)]
    scored = [r for r in ranked if r.sector in forward]
    if len(scored) < 2 or ranked[0].sector not in forward:
        return None  # never replace a leader without forward data by the next one
    values = {r.sector: forward[r.sector] for r in scored}
    mean = float(np.mean(list(values.values())))
    leader, laggard = ranked[0], ranked[-1]
    excess = values[leader.sector] - mean
    return Decision(
        day=day, leader=leader.sector, laggard=laggard.sector, leader_score=leader.score,
        regime_label=label, rotation_enabled=enabled,
        over_extended=tuple(r.sector for r in ranking if FLAG_OVER_EXTENDED in r.flags),
        fomo=tuple(r.sector for r in ranking if FLAG_FOMO in r.flags),
        forward_relative_log_returns=values, sector_mean_forward_log_return=mean,
        leader_excess_log_return=excess, leader_hit=excess > 0,
        sectors_beating_mean=sum(1 for r in values.values() if r > mean),
    )


# ----------------------------------------------------------------------------- paper curve
def _fee(previous: str, current: str, fee_rate: float) -> float:
    """Fee of moving from one position to the next (entry/exit: 2 legs; switch: 2 trades)."""
    if previous == current:
        return 0.0
    return -2.0 * fee_rate


def _paper_curve(decisions: Sequence[Decision], period_returns: pd.DataFrame, every: int,
                 fee_rate: float) -> tuple[CurvePoint, ...]:
    points: list[CurvePoint] = []
    held, gated_held = FLAT, FLAT
    total = gated_total = basket_total = 0.0
    previous_day: pd.Timestamp | None = None
    for k, d in enumerate(decisions):
        if previous_day is not None and (d.day - previous_day).days > every:
            held = gated_held = FLAT  # a skipped rebalance: the book was closed in between
        position = d.leader
        gated = d.leader if d.rotation_enabled else FLAT
        fee = _fee(held, position, fee_rate)
        gated_fee = _fee(gated_held, gated, fee_rate)
        values = period_returns.loc[d.day].to_numpy(dtype=float)
        row = {str(c): float(x) for c, x in zip(period_returns.columns, values, strict=True)}
        period = row[position] if math.isfinite(row[position]) else 0.0
        scored = [row[sector] for sector in d.forward_relative_log_returns]
        finite = [x for x in scored if math.isfinite(x)]
        basket_total += float(np.mean(finite)) if finite else 0.0
        last = k == len(decisions) - 1
        next_gap = None if last else (decisions[k + 1].day - d.day).days
        if last or (next_gap is not None and next_gap > every):
            fee += _fee(position, FLAT, fee_rate)
            gated_fee += _fee(gated, FLAT, fee_rate)
        total += period + fee
        gated_total += (period if gated != FLAT else 0.0) + gated_fee
        points.append(CurvePoint(d.day, position, gated, period, fee, gated_fee, total,
                                 gated_total, basket_total))
        held, gated_held, previous_day = position, gated, d.day
    return tuple(points)


# ----------------------------------------------------------------------------- divergence
def _divergence_check(d_frame: pd.DataFrame | None, dataset: MarketDataset,
                      relative: pd.DataFrame, decisions: Sequence[Decision],
                      s: _Settings) -> DivergenceCheck:
    if d_frame is None:
        return DivergenceCheck(False, None, "no sentiment data: divergence signals not "
                                            "measured")
    if not decisions:
        return DivergenceCheck(False, None, "no decision period to score the signals on")
    universe = dataset.universe
    sector_d = pd.DataFrame(index=relative.index)
    for sector in relative.columns:
        members = [b for b in universe.sectors[sector] if b in d_frame.columns]
        if members:
            sector_d[sector] = d_frame[members].reindex(relative.index).mean(axis=1)
    if sector_d.shape[1] == 0:
        return DivergenceCheck(False, None, "sentiment series cover no sector member")
    signals = divergence_signals(sector_d, s.params.theta, first_day_only=True)
    assert isinstance(signals, pd.DataFrame)
    window = (signals.index >= decisions[0].day) & (signals.index <= decisions[-1].day)
    signals = signals.where(pd.Series(window, index=signals.index), 0, axis=0)
    rate = signal_hit_rate(signals, relative[sector_d.columns], horizon_days=s.horizon)
    note = (f"{rate.signals} signal(s) (first day of each episode, theta {s.params.theta:g}) "
            f"from {decisions[0].day:%Y-%m-%d} to {decisions[-1].day:%Y-%m-%d}, scored on the "
            f"sector's BTC-relative return over the next {s.horizon} days")
    return DivergenceCheck(True, rate, note)


# ----------------------------------------------------------------------------- main entry
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


def walk_forward(
    dataset: MarketDataset,
    params: PlanParameters | None = None,
    *,
    horizon_days: int = 7,
    rebalance_every_days: int = 7,
    warmup_days: int = 60,
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
    forward window is skipped (counted in ``skipped_days``).

    Raises
    ------
    InputError
        Naming ``horizon_days``, ``rebalance_every_days``, ``warmup_days``, ``start``,
        ``end``, ``params`` or ``dataset``.
    """
    data = _check_dataset(dataset)
    s = _settings(params, horizon_days, rebalance_every_days, warmup_days)
    rows = _decision_rows(data.close, s, start, end)
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
    decisions: list[Decision] = []
    skipped_days: list[pd.Timestamp] = []
    for row in rows:
        day = pd.Timestamp(data.close.index[row])
        label = str(regimes["label"].iloc[row])
        enabled = bool(regimes["rotation_enabled"].iloc[row])
        ranking = _ranking_at(data, row, d_frame, s.params, enabled)
        ahead = {str(c): float(x) for c, x in zip(forward.columns, forward.to_numpy()[row],
                                                   strict=True) if math.isfinite(float(x))}
        decision = _decision(day, ranking, ahead, label, enabled)
        if decision is not None:
            decisions.append(decision)
        else:
            skipped_days.append(day)
    skipped = len(skipped_days)
    if skipped:
        warnings.append(f"{skipped} of {len(rows)} rebalance days skipped "
                        f"({skipped_days[0]:%Y-%m-%d} to {skipped_days[-1]:%Y-%m-%d}): fewer "
                        "than two sectors with a score and a full forward window (prices "
                        "missing)")
    if len(decisions) < MIN_MEANINGFUL_DECISIONS:
        warnings.append(f"only {len(decisions)} scored decision(s): hit rates mean little "
                        f"below about {MIN_MEANINGFUL_DECISIONS}")
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
        divergence=_divergence_check(d_frame, data, relative, decisions, s),
        curve=_paper_curve(decisions, holding, s.every, s.params.taker_fee_rate),
        skipped_days=skipped,
        warnings=tuple(warnings),
    )
