"""Statistics of the ranking walk-forward: the binomial p-value against the baseline, the
t-statistic of the mean excess, the leader and over-extended hit statistics, and the
divergence signals scored on the decision period.

Split out of :mod:`rotation_addin.core.backtest` (which still re-exports the public names).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from rotation_addin.core import validation as v
from rotation_addin.core.backtest_results import Decision, DivergenceCheck, HitStats
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.divergence import (
    divergence_signals,
    signal_hit_rate,
)
from rotation_addin.core.errors import InputError
from rotation_addin.core.walk_forward_inputs import _Settings


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
