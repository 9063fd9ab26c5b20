"""A log-scale price axis labelled at 1, 2 and 5 x 10^k.

pyqtgraph labels every minor tick of a log axis (2, 3, ... 9 x 10^k): over two decades of a
short chart they pile up into an unreadable column. This axis offers the decades as the
major level and only 2 and 5 x 10^k as the minor one.
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg

MINOR_MULTIPLES = (2, 5)
"""Minor ticks of each decade (as multiples of 10^k)."""


def log_tick_levels(low: float, high: float) -> list[tuple[float | None, list[float]]]:
    """Tick levels between ``low`` and ``high`` (log10 units): the whole decades, then
    log10(m x 10^k) for ``m`` in :data:`MINOR_MULTIPLES`; none for a range that is not
    finite (an empty chart)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [(1.0, []), (None, [])]
    low, high = sorted((low, high))
    decades = range(math.floor(low), math.ceil(high) + 1)
    major = [float(k) for k in decades if low <= k <= high]
    minor = [k + math.log10(m) for k in decades for m in MINOR_MULTIPLES
             if low <= k + math.log10(m) <= high]
    return [(1.0, major), (None, minor)]


class LogPriceAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph ships no type hints
    """``AxisItem`` whose log mode ticks are :func:`log_tick_levels`."""

    def logTickValues(self, minVal: float, maxVal: float, size: float,
                      stdTicks: Any) -> list[tuple[float | None, list[float]]]:
        return log_tick_levels(minVal, maxVal)
