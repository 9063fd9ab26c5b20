"""Deflated Sharpe ratio: how likely the best of N tried settings has a true Sharpe above 0.

Bailey, D. H. and López de Prado, M. (2014), "The Deflated Sharpe Ratio: Correcting for
Selection Bias, Backtest Overfitting and Non-Normality", Journal of Portfolio Management
40(5), 94-107. With per-period (not annualised) Sharpe ratios:

* expected maximum Sharpe of N unskilled trials with variance ``V`` across trials::

      SR0 = sqrt(V) x ((1 - g) x Z^-1(1 - 1/N) + g x Z^-1(1 - 1/(N e)))

  (``g`` = Euler-Mascheroni constant 0.5772..., ``Z`` the standard normal CDF);
* deflated Sharpe ratio of the selected setting's ``SR`` over ``T`` returns with skewness
  ``s`` and (non-excess) kurtosis ``k``::

      DSR = Z((SR - SR0) x sqrt(T - 1) / sqrt(1 - s x SR + (k - 1) / 4 x SR^2))

With one trial ``SR0 = 0`` and the DSR is the probabilistic Sharpe ratio against 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from rotation_addin.core.errors import InputError

EULER_MASCHERONI = 0.5772156649015329
_NORMAL = NormalDist()


@dataclass(frozen=True)
class DeflatedSharpe:
    """The DSR and its inputs (Sharpe ratios per period, not annualised)."""

    trials: int
    observations: int
    sharpe: float
    expected_max_sharpe: float
    skewness: float
    kurtosis: float
    probability: float


def expected_max_sharpe(trial_sharpes: Sequence[float]) -> float:
    """``SR0`` of the module docstring from the trials' per-period Sharpe ratios."""
    values = np.asarray([x for x in trial_sharpes if math.isfinite(x)], dtype=float)
    n = len(values)
    if n < 2:
        return 0.0
    spread = math.sqrt(float(values.var(ddof=1)))
    g = EULER_MASCHERONI
    return spread * ((1 - g) * _NORMAL.inv_cdf(1 - 1 / n)
                     + g * _NORMAL.inv_cdf(1 - 1 / (n * math.e)))


def deflated_sharpe(returns: Sequence[float] | np.ndarray,
                    trial_sharpes: Sequence[float]) -> DeflatedSharpe:
    """DSR of the selected setting's per-period ``returns`` among ``trial_sharpes``.

    Raises
    ------
    InputError
        Fewer than 3 returns, or returns without spread.
    """
    r = np.asarray(returns, dtype=float)
    r = r[np.isfinite(r)]
    if len(r) < 3:
        raise InputError("returns", f"need at least 3 returns (got {len(r)})")
    sd = float(r.std(ddof=1))
    if sd <= 1e-15:
        raise InputError("returns", "have no spread: the Sharpe ratio is undefined")
    sharpe = float(r.mean()) / sd
    centred = r - r.mean()
    m2 = float(np.mean(centred ** 2))
    skew = float(np.mean(centred ** 3)) / m2 ** 1.5
    kurt = float(np.mean(centred ** 4)) / m2 ** 2
    sr0 = expected_max_sharpe(trial_sharpes)
    denominator = 1 - skew * sharpe + (kurt - 1) / 4 * sharpe ** 2
    z = (sharpe - sr0) * math.sqrt(len(r) - 1) / math.sqrt(max(denominator, 1e-12))
    return DeflatedSharpe(len(trial_sharpes), len(r), sharpe, sr0, skew, kurt,
                          _NORMAL.cdf(z))
