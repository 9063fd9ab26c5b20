"""Cross-sectional z-scores across sectors, for one day or for every day at once.

``z = (x - mean) / std`` over the finite values of a day (population standard deviation,
ddof 0); a day with fewer than two finite values, or a constant one, scores 0 everywhere,
and a missing value scores 0. :func:`cross_section_z_rows` gives every row what
:func:`cross_section_z` gives that row, bit for bit (the same NumPy reductions along each
row), without a Python call per day.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

CONSTANT_SD = 1e-12
"""A cross-section whose standard deviation is at most this is constant: z = 0."""


def cross_section_z(values: Sequence[float]) -> list[float]:
    """z-scores of one day's values across sectors (NaN or constant -> 0).

    NumPy: ``(x - x[f].mean()) / x[f].std()`` on the finite values ``f``, 0 elsewhere.
    """
    arr = np.asarray(values, dtype=float)
    finite = np.isfinite(arr)
    out = np.zeros(len(arr))
    if finite.sum() < 2:
        return out.tolist()
    mean = arr[finite].mean()
    sd = arr[finite].std()
    if sd <= CONSTANT_SD:
        return out.tolist()
    out[finite] = (arr[finite] - mean) / sd
    return out.tolist()


def cross_section_z_rows(values: np.ndarray) -> list[list[float]]:
    """:func:`cross_section_z` of each row of ``values`` (days x sectors).

    Rows where every value is finite are scored together (``mean``/``std`` along the row,
    the reductions the one-day function runs on the same contiguous values); rows with
    fewer than two finite values are 0; the rest call :func:`cross_section_z`.
    """
    arr = np.ascontiguousarray(values, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"values must be days x sectors (got shape {arr.shape})")
    rows = [[0.0] * arr.shape[1] for _ in range(arr.shape[0])]
    finite = np.isfinite(arr)
    counts = finite.sum(axis=1)
    whole = np.flatnonzero(counts == arr.shape[1])
    if arr.shape[1] >= 2 and whole.size:
        block = np.ascontiguousarray(arr[whole])
        mean = block.mean(axis=1, keepdims=True)
        sd = block.std(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            z = (block - mean) / sd
        for i, row in enumerate(whole.tolist()):
            if sd[i, 0] > CONSTANT_SD:
                rows[row] = z[i].tolist()
    for row in np.flatnonzero((counts >= 2) & (counts < arr.shape[1])).tolist():
        rows[row] = cross_section_z(arr[row].tolist())
    return rows


def log_volume_trend(volume_trend: float) -> float:
    """``ln(volume_trend)``, NaN when it is not > 0 (the score's volume component)."""
    return math.log(volume_trend) if volume_trend > 0 else math.nan
