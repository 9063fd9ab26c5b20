"""The stressed-exposure check: every stop hit on the same day (correlations set to 1), fitted
under the portfolio risk cap lowest conviction first.

Split out of :mod:`rotation_addin.core.rotation` (which still re-exports these names).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rotation_addin.core import validation as v


@dataclass(frozen=True)
class ExposureItem:
    """One contributor to the stressed loss.

    Attributes
    ----------
    label : str
        Symbol or order label.
    loss_usd : float
        Loss if its stop is hit (or a k-sigma move when it has no stop), >= 0.
    conviction : float
        Lower conviction is scaled down first.
    adjustable : bool
        False for positions already held (they are reported, not resized here).
    """

    label: str
    loss_usd: float
    conviction: float
    adjustable: bool


@dataclass(frozen=True)
class StressedExposure:
    """Result of the stressed-exposure check (correlations set to 1).

    Attributes
    ----------
    loss_before_usd : float
        Sum of every item's stop-out loss as proposed.
    loss_after_usd : float
        The same after the scale factors are applied.
    cap_usd : float
        Portfolio risk cap.
    scale_by_label : Mapping[str, float]
        Factor in [0, 1] for each adjustable item (1 = unchanged, 0 = refused).
    reasons : Mapping[str, str]
        Why each scaled item was scaled or refused.
    warnings : tuple[str, ...]
        E.g. positions already held exceed the cap on their own.
    """

    loss_before_usd: float
    loss_after_usd: float
    cap_usd: float
    scale_by_label: Mapping[str, float]
    reasons: Mapping[str, str]
    warnings: tuple[str, ...]


def stressed_exposure(items: Sequence[ExposureItem], cap_usd: float) -> StressedExposure:
    """Fit the sum of stop-out losses (correlation 1) under ``cap_usd``.

    Formula: stressed loss L = sum_i loss_i (every position stopped out the same day). When
    L > cap, adjustable items are scaled down lowest conviction first: an item whose whole
    loss is needed is dropped (factor 0), the last one is scaled to the exact remainder.
    Held positions are never scaled here; if they alone exceed the cap every adjustable
    item is dropped and a warning says so.
    """
    cap = v.non_negative("portfolio_risk_cap_usd", cap_usd)
    for item in items:
        loss = item.loss_usd
        if not (type(loss) is float and 0.0 <= loss < math.inf):  # the field named on failure
            v.non_negative(f"loss_usd[{item.label}]", loss)
    total = sum(i.loss_usd for i in items)
    scale: dict[str, float] = {i.label: 1.0 for i in items if i.adjustable}
    reasons: dict[str, str] = {}
    warnings: list[str] = []
    fixed = sum(i.loss_usd for i in items if not i.adjustable)
    adjustable = sorted((i for i in items if i.adjustable), key=lambda i: i.conviction)
    if fixed > cap:
        warnings.append(f"positions already held lose {fixed:,.2f} USD if every stop is hit, "
                        f"above the portfolio cap {cap:,.2f} USD: no new risk is added")
        for item in adjustable:
            scale[item.label] = 0.0
            reasons[item.label] = (f"held positions alone exceed the portfolio cap "
                                   f"{cap:,.2f} USD (stressed loss, correlation 1)")
        adjustable = []
    excess = total - cap
    for item in adjustable:
        if excess <= 1e-9:
            break
        if item.loss_usd <= 0:
            continue
        if item.loss_usd <= excess:
            scale[item.label] = 0.0
            excess -= item.loss_usd
            reasons[item.label] = (f"stressed loss with correlation 1 would exceed the portfolio "
                                   f"cap {cap:,.2f} USD: lowest conviction dropped")
        else:
            factor = (item.loss_usd - excess) / item.loss_usd
            scale[item.label] = factor
            reasons[item.label] = (f"scaled to {factor:.0%} so the stressed loss fits the "
                                   f"portfolio cap {cap:,.2f} USD")
            excess = 0.0
    after = fixed + sum(i.loss_usd * scale[i.label] for i in items if i.adjustable)
    return StressedExposure(total, after, cap, scale, reasons, tuple(warnings))
