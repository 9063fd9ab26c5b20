"""The walk-forward's paper curve "long the leader's index, short BTC, equal notional",
rebalanced every ``rebalance_every_days``, net of taker fees on every leg traded (and the
same with the regime gate applied, and the equal-weight basket beside it).

Split out of :mod:`rotation_addin.core.backtest`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from rotation_addin.core.backtest_results import CurvePoint, Decision

FLAT = "flat"


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
