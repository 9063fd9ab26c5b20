"""Pearson correlation kernels (NumPy) and the pairwise-complete correlation matrix.

Kernels work on arrays; the DataFrame wrapper names its pandas equivalent and the tests
compare against it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rotation_addin.core.frames import require_frame, window_days
from rotation_addin.core.validation import positive_int

MATRIX_MIN_OBSERVATIONS = 10
"""Common days a pair needs in :func:`correlation_matrix` (fewer: NaN, the diagonal too)."""


def pearson_pair(x: np.ndarray, y: np.ndarray, min_observations: int = 2) -> float:
    """Pearson correlation of two 1-D arrays on the days both are finite.

    Returns NaN when fewer than ``min_observations`` common days remain or either side is
    constant on them (correlation undefined).
    """
    both = np.isfinite(x) & np.isfinite(y)
    if int(both.sum()) < max(min_observations, 2):
        return float("nan")
    a = x[both] - x[both].mean()
    b = y[both] - y[both].mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    if denominator == 0.0:
        return float("nan")
    return float(np.clip((a * b).sum() / denominator, -1.0, 1.0))


def pairwise_pearson(values: np.ndarray, min_observations: int = 2) -> np.ndarray:
    """Correlation matrix of the columns of ``values`` (T x p), pairwise-complete days.

    The diagonal is 1 for a column with at least ``min_observations`` values and non-zero
    variance, NaN otherwise.
    """
    p = values.shape[1]
    out = np.full((p, p), np.nan)
    for i in range(p):
        own = pearson_pair(values[:, i], values[:, i], min_observations)
        out[i, i] = 1.0 if np.isfinite(own) else np.nan
        for j in range(i + 1, p):
            out[i, j] = out[j, i] = pearson_pair(values[:, i], values[:, j], min_observations)
    return out


def correlation_matrix(
    returns: pd.DataFrame,
    window: int | None = None,
    *,
    min_observations: int = MATRIX_MIN_OBSERVATIONS,
) -> pd.DataFrame:
    """Pearson correlation matrix of daily returns, over the last ``window`` days or all.

    Parameters
    ----------
    returns : pd.DataFrame
        Daily log returns (USD, or BTC-relative from ``relative_returns``), one column per
        asset or sector.
    window : int or None
        Use only the last ``window`` rows (>= 2); ``None`` = every row.
    min_observations : int
        A pair needs at least this many days where both have a return, else NaN.

    Returns
    -------
    pd.DataFrame
        Symmetric p x p matrix, values in [-1, 1].
        pandas equivalent: ``returns.iloc[-window:].corr(min_periods=min_observations)``.
    """
    frame = require_frame("returns", returns, min_rows=2)
    minimum = positive_int("min_observations", min_observations, minimum=2)
    if window is not None:
        frame = frame.iloc[-window_days("window", window) :]
    matrix = pairwise_pearson(frame.to_numpy(), minimum)
    return pd.DataFrame(matrix, index=frame.columns, columns=frame.columns)
