"""A sweep written by hand (its Sharpes chosen, two of them undefined) for the tests of what
the app and the report draw from it: a real sweep never gives NaN Sharpes on the demo."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np

from rotation_addin.desk.backtest import SweepRow, SweepSummary

SHARPES = (0.5, math.nan, 1.5, -0.2, math.nan, 1.0)
"""Annualised Sharpe of settings ``theta=0`` ... ``theta=5``; the best is ``theta=2``."""
UNSKILLED = 0.8
"""The expected best of six unskilled trials, annualised (the dashed line)."""


def hand_sweep() -> SweepSummary:
    """Six settings of ``theta`` with :data:`SHARPES`, best index 2, DSR figures set."""
    labels = [f"theta={k}" for k in range(len(SHARPES))]
    result: Any = SimpleNamespace(
        settings=tuple(SimpleNamespace(label=label) for label in labels),
        sharpe=np.asarray(SHARPES), best=2, folds=4, oos_sharpe=0.4, oos_choices=(2, 2, 5),
        deflated=SimpleNamespace(probability=0.9, trials=len(SHARPES),
                                 expected_max_sharpe=UNSKILLED / math.sqrt(365)))
    rows = tuple(SweepRow(label, 0.0, x, 0.0) for label, x in zip(labels, SHARPES, strict=True))
    return SweepSummary(result, rows, ("theta",))
