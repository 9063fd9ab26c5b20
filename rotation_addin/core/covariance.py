"""Ledoit–Wolf shrunk covariance of daily returns (for sizing with many symbols, short windows).

Reference: O. Ledoit and M. Wolf (2004), "A well-conditioned estimator for large-dimensional
covariance matrices", J. Multivariate Analysis 88(2). The target is the scaled identity
``mu * I`` with ``mu = trace(S) / p``, computed exactly as scikit-learn's
``sklearn.covariance.LedoitWolf`` does (the tests compare to it to 1e-10); scikit-learn is
not needed at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rotation_addin.core.errors import InputError
from rotation_addin.core.frames import require_frame


@dataclass(frozen=True)
class ShrunkCovariance:
    """Result of :func:`ledoit_wolf_covariance`.

    Attributes
    ----------
    shrinkage : float
        Weight ``delta`` in [0, 1] on the target: ``(1 - delta) * S + delta * mu * I``.
    covariance_daily : pd.DataFrame
        Shrunk covariance of daily log returns (units: return^2 per day).
    correlation : pd.DataFrame
        The correlation matrix implied by ``covariance_daily``.
    sample_covariance_daily : pd.DataFrame
        Maximum-likelihood sample covariance ``S`` (divides by n, like scikit-learn).
    observations : int
        Days used (days where every column has a return).
    warnings : tuple[str, ...]
        E.g. how many incomplete days were dropped.
    """

    shrinkage: float
    covariance_daily: pd.DataFrame
    correlation: pd.DataFrame
    sample_covariance_daily: pd.DataFrame
    observations: int
    warnings: tuple[str, ...] = ()


def ledoit_wolf_shrinkage(x: np.ndarray, assume_centered: bool = False) -> tuple[float, np.ndarray]:
    """Shrinkage intensity and sample covariance of ``x`` (n x p), as scikit-learn computes them.

    With ``X`` centred (unless ``assume_centered``), ``S = X'X / n``, ``mu = tr(S) / p``:

    * ``delta = ||S - mu I||_F^2 / p``
    * ``beta = (sum_t ||x_t||^4 / n - ||S||_F^2) / (p n)``, capped at ``delta``
    * shrinkage ``= beta / delta`` (0 when ``beta = 0``).
    """
    n, p = x.shape
    data = x if assume_centered else x - x.mean(axis=0)
    sample = data.T @ data / n
    if p == 1:
        return 0.0, sample
    mu = float(np.trace(sample)) / p
    frobenius_sq = float((sample**2).sum())
    row_norms_sq = (data**2).sum(axis=1)
    beta = (float((row_norms_sq**2).sum()) / n - frobenius_sq) / (p * n)
    delta = (frobenius_sq - 2.0 * mu * float(np.trace(sample)) + p * mu**2) / p
    beta = min(beta, delta)
    shrinkage = 0.0 if beta == 0 else beta / delta
    return float(shrinkage), sample


def ledoit_wolf_covariance(
    returns: pd.DataFrame, *, assume_centered: bool = False
) -> ShrunkCovariance:
    """Ledoit–Wolf shrunk covariance of daily log returns.

    Parameters
    ----------
    returns : pd.DataFrame
        Daily log returns, one column per asset. Days where any column is missing are
        dropped (the estimator needs complete rows); the count is reported in ``warnings``.
    assume_centered : bool
        Skip de-meaning (scikit-learn's ``assume_centered``).

    Returns
    -------
    ShrunkCovariance
        Equals ``sklearn.covariance.LedoitWolf(assume_centered=...).fit(X)``'s
        ``covariance_`` and ``shrinkage_`` on the complete rows ``X``.
    """
    frame = require_frame("returns", returns, min_rows=2)
    complete = frame.dropna()
    dropped = len(frame) - len(complete)
    if len(complete) < 2:
        raise InputError("returns", f"needs at least 2 days where every column has a return "
                         f"(got {len(complete)})")
    shrinkage, sample = ledoit_wolf_shrinkage(complete.to_numpy(), bool(assume_centered))
    p = sample.shape[0]
    mu = float(np.trace(sample)) / p
    shrunk = (1.0 - shrinkage) * sample + shrinkage * mu * np.eye(p)
    scale = np.sqrt(np.diag(shrunk))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = shrunk / np.outer(scale, scale)
    corr[~np.isfinite(corr)] = np.nan
    labels = complete.columns
    warnings: tuple[str, ...] = ()
    if dropped:
        warnings = (f"dropped {dropped} day(s) where some column had no return",)
    return ShrunkCovariance(
        shrinkage=shrinkage,
        covariance_daily=pd.DataFrame(shrunk, index=labels, columns=labels),
        correlation=pd.DataFrame(np.clip(corr, -1.0, 1.0), index=labels, columns=labels),
        sample_covariance_daily=pd.DataFrame(sample, index=labels, columns=labels),
        observations=len(complete),
        warnings=warnings,
    )
