"""Tolerance bands the demo market's statistics must meet against the real data's.

Read through :mod:`rotation_addin.data.demo.stats` (``stats.Band``, ``stats.CALIBRATION_BANDS``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Band:
    """A tolerance band for one statistic of :func:`summary_statistics` (simulated vs real).

    ``kind``: ``"rel"`` (|sim - real| <= tolerance * |real|), ``"abs"`` (|sim - real| <=
    tolerance) or ``"factor"`` (real / tolerance <= sim <= real * tolerance).
    """

    statistic: str
    kind: str
    tolerance: float

    def holds(self, real: float, simulated: float) -> bool:
        """True when ``simulated`` lies inside the band around ``real``."""
        if not (np.isfinite(real) and np.isfinite(simulated)):
            return False
        if self.kind == "rel":
            return abs(simulated - real) <= self.tolerance * abs(real)
        if self.kind == "abs":
            return abs(simulated - real) <= self.tolerance
        return bool(real / self.tolerance <= simulated <= real * self.tolerance)

    def describe(self) -> str:
        """Human text of the band (``"within +-25 %"``)."""
        if self.kind == "rel":
            return f"within +-{self.tolerance:.0%} of real"
        if self.kind == "abs":
            return f"within +-{self.tolerance:g} of real"
        return f"within a factor {self.tolerance:g} of real"


CALIBRATION_BANDS: tuple[Band, ...] = (
    Band("btc_daily_vol", "rel", 0.25),
    Band("alt_median_daily_vol", "rel", 0.25),
    Band("alt_median_beta", "abs", 0.2),
    Band("alt_median_corr_btc", "abs", 0.15),
    Band("btc_acf_abs", "factor", 2.0),
    Band("alt_median_acf_abs", "factor", 2.0),
    Band("alt_median_acf_sq_1", "factor", 2.0),
    Band("residual_corr_cross_sector", "abs", 0.12),
    Band("residual_corr_within_sector", "abs", 0.15),
    Band("stress_pair_corr", "abs", 0.15),
    Band("normal_pair_corr", "abs", 0.15),
    Band("neg_rel_corr_render_compute", "abs", 0.10),
)
"""Bands the demo market's default seed must meet (checked by the tests, shown in the doc).

Also required (qualitative): excess kurtosis > 1 for BTC and the median alt, and pair
correlation on stress days above the normal-day figure by at least 0.05.
"""
