"""Sector correlation: rolling Pearson, average pairwise trend, decay alert, natural hedges.

This module is also the one place surfaces import correlation analytics from: it
re-exports the shrunk covariance (``covariance.py``), the stress correlation (``stress.py``)
and the market-factor analytics (``factor.py``).

BTC-relative variants: pass ``relative_returns(returns)`` (``core/returns.py``) instead of
USD returns to any function here -- the market factor is then removed by subtraction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rotation_addin.core.constants import HEDGE_THRESHOLD
from rotation_addin.core.covariance import ShrunkCovariance, ledoit_wolf_covariance
from rotation_addin.core.errors import InputError
from rotation_addin.core.factor import (
    SectorStructure,
    residual_correlation,
    residual_returns,
    sector_betas,
    sector_structure,
)
from rotation_addin.core.formats import format_correlation
from rotation_addin.core.frames import require_column, require_frame, require_series, window_days
from rotation_addin.core.pearson import correlation_matrix, pairwise_pearson, pearson_pair
from rotation_addin.core.rolling_pearson import rolling_pearson
from rotation_addin.core.stress import StressCorrelation, stress_correlation
from rotation_addin.core.validation import in_range

__all__ = [
    "CorrelationDecayAlert",
    "HedgePair",
    "PairCorrelationProfile",
    "SectorStructure",
    "ShrunkCovariance",
    "StressCorrelation",
    "average_pairwise_correlation",
    "correlation_decay_alert",
    "correlation_matrix",
    "ledoit_wolf_covariance",
    "natural_hedges",
    "pair_correlation_profile",
    "pairwise_pearson",
    "pearson_pair",
    "residual_correlation",
    "residual_returns",
    "rolling_correlation",
    "rolling_pair_correlation",
    "sector_betas",
    "sector_structure",
    "stress_correlation",
]


def rolling_correlation(
    returns: pd.DataFrame, window: int = 30, *, min_periods: int | None = None
) -> pd.DataFrame:
    """Rolling pairwise Pearson correlation of daily (or hourly) returns.

    O(T·p²) kernel (:func:`rotation_addin.core.rolling_pearson.rolling_pearson`): running
    window sums on locally centred data, in blocks of rows, so memory stays about the
    output's size and large-mean inputs (prices) keep their precision.

    Parameters
    ----------
    returns : pd.DataFrame
        Log returns, one column per asset (USD or BTC-relative); NaN = no value that row.
    window : int
        Window in rows (>= 2); the strategy uses 30 and 90 days.
    min_periods : int or None
        Fewest rows in a window where both series have a value, in ``[2, window]``;
        ``None`` (the default, as in pandas) = ``window``: a window needs every row of
        both series.

    Returns
    -------
    pd.DataFrame
        Rows indexed by (date, asset), one column per asset -- the layout of pandas.
        pandas equivalent: ``returns.rolling(window, min_periods=min_periods).corr()``
        (pairwise-complete rows, NaN below ``min_periods``; where a series is constant
        over the window this gives NaN, pandas NaN or ±inf).
    """
    frame = require_frame("returns", returns, min_rows=1)
    tensor = rolling_pearson(frame.to_numpy(dtype=float), window, min_periods)
    periods, p = frame.shape
    index = pd.MultiIndex.from_product([frame.index, frame.columns])
    return pd.DataFrame(tensor.reshape(periods * p, p), index=index, columns=frame.columns,
                        copy=False)


def rolling_pair_correlation(
    returns: pd.DataFrame, first: str, second: str, window: int = 30
) -> pd.Series:
    """Rolling Pearson correlation of two columns (pandas: ``a.rolling(window).corr(b)``)."""
    frame = require_frame("returns", returns)
    pair = pd.concat(
        [require_column("first", frame, first), require_column("second", frame, second)], axis=1
    )
    tensor = rolling_pearson(pair.to_numpy(dtype=float), window_days("window", window))
    return pd.Series(tensor[:, 0, 1], index=frame.index, name=f"{first}~{second}")


def average_pairwise_correlation(returns: pd.DataFrame, window: int = 30) -> pd.Series:
    """Mean of the off-diagonal rolling correlations on each day.

    Parameters
    ----------
    returns : pd.DataFrame
        Daily log returns, at least two columns.
    window : int
        Rolling window in days (>= 2).

    Returns
    -------
    pd.Series
        ``mean_{i<j} rho_ij(t)`` over the pairs defined that day (NaN if none).
    """
    frame = require_frame("returns", returns, min_columns=2)
    tensor = rolling_pearson(frame.to_numpy(dtype=float), window_days("window", window))
    upper_i, upper_j = np.triu_indices(frame.shape[1], k=1)
    pairs = tensor[:, upper_i, upper_j]
    counts = np.isfinite(pairs).sum(axis=1)
    sums = np.where(np.isfinite(pairs), pairs, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return pd.Series(mean, index=frame.index, name="average_pairwise_correlation")


@dataclass(frozen=True)
class CorrelationDecayAlert:
    """Where the average pairwise correlation stands against its own recent average.

    Attributes
    ----------
    as_of : object
        Date (index label) of the latest value.
    current : float
        Latest average pairwise correlation.
    baseline : float
        Mean of the series over the last ``baseline_days`` values (latest included).
    change : float
        ``current - baseline`` in correlation points.
    threshold : float
        Size of change that raises the alert.
    state : str
        ``"decay"`` (change <= -threshold: co-movement loosening, sectors diverge),
        ``"surge"`` (change >= +threshold: everything moving together, diversification
        vanishing, typical of stress) or ``"stable"``.
    message : str
        One line for the user.
    """

    as_of: object
    current: float
    baseline: float
    change: float
    threshold: float
    baseline_days: int
    state: str
    message: str


def correlation_decay_alert(
    average_correlation: pd.Series, *, baseline_days: int = 90, threshold: float = 0.15
) -> CorrelationDecayAlert:
    """Alert when the average pairwise correlation moves away from its longer average.

    Definition: with ``A_t`` the series from :func:`average_pairwise_correlation`,
    ``baseline = mean(A_{T-baseline_days+1} .. A_T)`` over the last ``baseline_days``
    non-missing values and ``change = A_T - baseline``. State ``"decay"`` when
    ``change <= -threshold``, ``"surge"`` when ``change >= +threshold``, else ``"stable"``.

    Parameters
    ----------
    average_correlation : pd.Series
        Daily average pairwise correlation (NaN days are ignored).
    baseline_days : int
        Length of the longer average (>= 2 values).
    threshold : float
        Alert size in correlation points, in (0, 2].
    """
    series = require_series("average_correlation", average_correlation).dropna()
    days = window_days("baseline_days", baseline_days)
    limit = in_range("threshold", threshold, 0.0, 2.0, low_inclusive=False)
    if len(series) < days:
        raise InputError(
            "average_correlation",
            f"needs at least {days} non-missing values for the baseline (got {len(series)})",
        )
    current = float(series.iloc[-1])
    baseline = float(series.iloc[-days:].mean())
    change = current - baseline
    if change <= -limit:
        state, verb = "decay", "fell"
    elif change >= limit:
        state, verb = "surge", "rose"
    else:
        state, verb = "stable", "moved"
    message = (
        f"average pairwise correlation {verb} to {format_correlation(current)} vs its "
        f"{days}-day mean {format_correlation(baseline)} "
        f"({format_correlation(change, signed=True)}; alert at ±{format_correlation(limit)})"
    )
    return CorrelationDecayAlert(
        as_of=series.index[-1],
        current=current,
        baseline=baseline,
        change=change,
        threshold=limit,
        baseline_days=days,
        state=state,
        message=message,
    )


@dataclass(frozen=True)
class HedgePair:
    """Two assets (or sectors) whose correlation is below the hedge threshold."""

    first: str
    second: str
    correlation: float


def natural_hedges(corr_matrix: pd.DataFrame,
                   threshold: float = HEDGE_THRESHOLD) -> list[HedgePair]:
    """Pairs whose correlation is strictly below ``threshold`` (natural hedges).

    Parameters
    ----------
    corr_matrix : pd.DataFrame
        Square correlation matrix (from :func:`correlation_matrix`); NaN pairs are skipped.
    threshold : float
        In [-1, 1]; the strategy flags pairs below :data:`HEDGE_THRESHOLD` (-0.2).

    Returns
    -------
    list[HedgePair]
        Each unordered pair once, most negative first. Usually empty on USD returns: the
        market factor makes crypto pairs positively correlated.
    """
    matrix = require_frame("corr_matrix", corr_matrix, dated=False)
    limit = in_range("threshold", threshold, -1.0, 1.0)
    if list(matrix.index) != list(matrix.columns):
        raise InputError("corr_matrix", "must be square with the same labels on both axes")
    values = matrix.to_numpy()
    labels = [str(c) for c in matrix.columns]
    pairs = [
        HedgePair(labels[i], labels[j], float(values[i, j]))
        for i in range(len(labels))
        for j in range(i + 1, len(labels))
        if np.isfinite(values[i, j]) and values[i, j] < limit
    ]
    return sorted(pairs, key=lambda pair: pair.correlation)


@dataclass(frozen=True)
class PairCorrelationProfile:
    """How the rolling correlation of two series behaved over the whole sample.

    Attributes
    ----------
    window_days : int
        Rolling window.
    windows : int
        Number of days with a defined rolling correlation.
    share_negative : float
        Fraction of those days with correlation < 0.
    share_below_hedge : float
        Fraction with correlation < ``hedge_threshold``.
    minimum, median, maximum, latest : float
        Statistics of the rolling correlation.
    minimum_date : object
        Date of the minimum.
    """

    first: str
    second: str
    window_days: int
    windows: int
    share_negative: float
    share_below_hedge: float
    hedge_threshold: float
    minimum: float
    minimum_date: object
    median: float
    maximum: float
    latest: float


def pair_correlation_profile(
    first: pd.Series, second: pd.Series, window: int = 30, *,
    hedge_threshold: float = HEDGE_THRESHOLD
) -> PairCorrelationProfile:
    """Summarise the rolling correlation of two return series (do they ever move inversely?).

    Parameters
    ----------
    first, second : pd.Series
        Daily log returns (e.g. two sector indices, USD or BTC-relative), same index.
    window : int
        Rolling window in days.
    hedge_threshold : float
        Correlation below which a day counts as "natural hedge" territory.
    """
    a = require_series("first", first)
    b = require_series("second", second)
    limit = in_range("hedge_threshold", hedge_threshold, -1.0, 1.0)
    pair = pd.concat([a.rename("a"), b.rename("b")], axis=1)
    days = window_days("window", window)
    rolling = pd.Series(rolling_pearson(pair.to_numpy(dtype=float), days)[:, 0, 1],
                        index=pair.index)
    defined = rolling.dropna()
    if defined.empty:
        raise InputError("window", f"no {days}-day window has data for both series")
    values = defined.to_numpy()
    return PairCorrelationProfile(
        first=str(first.name),
        second=str(second.name),
        window_days=days,
        windows=len(values),
        share_negative=float((values < 0).mean()),
        share_below_hedge=float((values < limit).mean()),
        hedge_threshold=limit,
        minimum=float(values.min()),
        minimum_date=defined.idxmin(),
        median=float(np.median(values)),
        maximum=float(values.max()),
        latest=float(values[-1]),
    )

