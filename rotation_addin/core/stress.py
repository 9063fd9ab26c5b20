"""Correlation under stress: BTC's worst days versus the rest, bias-adjusted, and co-crashes.

A Pearson correlation computed only on days selected by a volatile market is biased: the
selection changes the variance of the conditioning variable and with it the correlation,
even when the underlying relationship is unchanged (K. Forbes and R. Rigobon (2002), "No
contagion, only interdependence", J. Finance 57(5)). So the raw stress figure is shown
beside the Forbes–Rigobon adjusted one ``rho* = rho / sqrt(1 + delta (1 - rho^2))`` with
``delta = var_stress(BTC) / var_normal(BTC) - 1``, and beside a model-free co-crash rate.
For pairs that do not involve BTC the adjustment is the usual approximation (it assumes the
pair loads on BTC, the conditioning factor).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rotation_addin.core.errors import InputError
from rotation_addin.core.frames import require_column, require_frame
from rotation_addin.core.pearson import pearson_pair
from rotation_addin.core.validation import finite_number, in_range, positive


def forbes_rigobon_adjust(rho: float, delta: float) -> float:
    """Forbes–Rigobon heteroskedasticity-adjusted correlation.

    ``rho* = rho / sqrt(1 + delta * (1 - rho^2))`` where ``delta`` is the relative increase
    of the conditioning variable's variance in the high-volatility sample (> -1).
    A NaN ``rho`` (too few days to measure one) stays NaN.

    Raises
    ------
    InputError
        ``rho`` outside [-1, 1] or not a number; ``delta`` not a finite number > -1.
    """
    if isinstance(rho, float) and math.isnan(rho):
        return float("nan")
    r = in_range("rho", rho, -1.0, 1.0)
    d = finite_number("delta", delta)
    if d <= -1.0:
        raise InputError("delta", f"must be > -1 (got {d:g})")
    return r / math.sqrt(1.0 + d * (1.0 - r * r))


@dataclass(frozen=True)
class StressCorrelation:
    """Normal-day vs stress-day correlation for each pair.

    Attributes
    ----------
    benchmark : str
        Conditioning asset (BTC).
    quantile : float
        Stress days are the benchmark's returns at or below this quantile.
    threshold_return : float
        Benchmark daily log return at that quantile (e.g. -0.035).
    stress_days, normal_days : int
        Days in each sample (benchmark return present).
    benchmark_variance_ratio : float
        ``var_stress / var_normal`` of the benchmark (``delta = ratio - 1``).
    k_sigma : float
        Co-crash size: both fall more than ``k_sigma`` of their own daily sigma.
    table : pd.DataFrame
        Indexed by (first, second). Columns: ``normal_corr``, ``stress_corr``,
        ``stress_corr_adjusted`` (Forbes–Rigobon), ``co_crash_rate`` (share of common days
        on which both fell more than k sigma), ``co_crash_expected`` (product of the two
        single crash rates = the rate if independent), ``co_crash_ratio`` (rate/expected),
        ``common_days``.
    warnings : tuple[str, ...]
        E.g. too few stress days for a stable figure.
    """

    benchmark: str
    quantile: float
    threshold_return: float
    stress_days: int
    normal_days: int
    benchmark_variance_ratio: float
    k_sigma: float
    table: pd.DataFrame
    warnings: tuple[str, ...] = ()


def _crash_flags(values: np.ndarray, k_sigma: float) -> np.ndarray:
    """1.0 where the return is below -k*sigma (sigma = sample std, ddof=1), NaN if missing."""
    finite = values[np.isfinite(values)]
    sigma = float(finite.std(ddof=1)) if len(finite) > 1 else float("nan")
    flags = np.where(values < -k_sigma * sigma, 1.0, 0.0)
    return np.where(np.isfinite(values), flags, np.nan)


def _co_crash(a: np.ndarray, b: np.ndarray) -> tuple[float, float, int]:
    both = np.isfinite(a) & np.isfinite(b)
    n = int(both.sum())
    if n == 0:
        return float("nan"), float("nan"), 0
    rate = float((a[both] * b[both]).mean())
    expected = float(a[both].mean() * b[both].mean())
    return rate, expected, n


def _default_pairs(columns: Sequence[str], benchmark: str) -> list[tuple[str, str]]:
    others = [c for c in columns if c != benchmark]
    pairs = [(c, benchmark) for c in others]
    pairs += [(a, b) for i, a in enumerate(others) for b in others[i + 1 :]]
    return pairs


def stress_correlation(
    returns: pd.DataFrame,
    benchmark: str = "BTC",
    quantile: float = 0.10,
    *,
    k_sigma: float = 2.0,
    pairs: Sequence[tuple[str, str]] | None = None,
) -> StressCorrelation:
    """Correlation on the benchmark's worst days beside the normal-day figure.

    Parameters
    ----------
    returns : pd.DataFrame
        Daily log returns including the ``benchmark`` column (USD terms: stress is a fall
        of BTC in USD).
    benchmark : str
        Conditioning asset.
    quantile : float
        In (0, 0.5]; stress days are those with benchmark return <= its ``quantile``
        (``numpy.quantile``, linear interpolation). Normal days are all the others.
    k_sigma : float
        Co-crash threshold in multiples of each asset's full-sample daily sigma (ddof=1).
    pairs : sequence of (str, str) or None
        Pairs to report; default every asset with the benchmark and every pair of
        non-benchmark assets.
    """
    frame = require_frame("returns", returns, min_rows=10, min_columns=2)
    market = require_column("benchmark", frame, benchmark).to_numpy()
    q = in_range("quantile", quantile, 0.0, 0.5, low_inclusive=False)
    k = positive("k_sigma", k_sigma)
    chosen = list(pairs) if pairs is not None else _default_pairs(list(frame.columns), benchmark)
    for first, second in chosen:
        require_column("pairs", frame, first)
        require_column("pairs", frame, second)
    threshold, stress, normal, var_stress, var_normal = _stress_days(market, q, benchmark)
    delta = var_stress / var_normal - 1.0
    rows = _pair_rows(frame, chosen, stress, normal, delta, k)
    table = pd.DataFrame(rows).set_index(["first", "second"])
    warnings: list[str] = []
    if int(stress.sum()) < 30:
        warnings.append(
            f"only {int(stress.sum())} stress days: stress correlations are imprecise "
            "(standard error about 1/sqrt(days))"
        )
    return StressCorrelation(
        benchmark=benchmark,
        quantile=q,
        threshold_return=threshold,
        stress_days=int(stress.sum()),
        normal_days=int(normal.sum()),
        benchmark_variance_ratio=var_stress / var_normal,
        k_sigma=k,
        table=table,
        warnings=tuple(warnings),
    )


def _stress_days(
    market: np.ndarray, q: float, benchmark: str
) -> tuple[float, np.ndarray, np.ndarray, float, float]:
    """(threshold, stress days, normal days, benchmark variance on each): at least 2 of each."""
    present = np.isfinite(market)
    if int(present.sum()) < 4:
        raise InputError("returns", f"needs at least 2 stress and 2 normal {benchmark} days "
                         f"(got {int(present.sum())} {benchmark} returns)")
    threshold = float(np.quantile(market[present], q))
    stress = present & (market <= threshold)
    normal = present & ~stress
    var_stress = float(market[stress].var(ddof=1)) if stress.sum() > 1 else float("nan")
    var_normal = float(market[normal].var(ddof=1)) if normal.sum() > 1 else float("nan")
    if not (math.isfinite(var_stress) and math.isfinite(var_normal) and var_normal > 0):
        raise InputError("returns", f"needs at least 2 stress and 2 normal {benchmark} days")
    return threshold, stress, normal, var_stress, var_normal


def _pair_rows(
    frame: pd.DataFrame,
    chosen: Sequence[tuple[str, str]],
    stress: np.ndarray,
    normal: np.ndarray,
    delta: float,
    k: float,
) -> list[dict[str, object]]:
    """One row per pair: normal, stress and adjusted correlation, co-crash rate and ratio."""
    crashes = {c: _crash_flags(frame[c].to_numpy(), k) for c in {x for p in chosen for x in p}}
    rows: list[dict[str, object]] = []
    for first, second in chosen:
        a, b = frame[first].to_numpy(), frame[second].to_numpy()
        stress_rho = pearson_pair(a[stress], b[stress], 5)
        rate, expected, common = _co_crash(crashes[first], crashes[second])
        rows.append(
            {
                "first": first,
                "second": second,
                "normal_corr": pearson_pair(a[normal], b[normal], 5),
                "stress_corr": stress_rho,
                "stress_corr_adjusted": forbes_rigobon_adjust(stress_rho, delta),
                "co_crash_rate": rate,
                "co_crash_expected": expected,
                "co_crash_ratio": rate / expected if expected > 0 else float("nan"),
                "common_days": common,
            }
        )
    return rows
