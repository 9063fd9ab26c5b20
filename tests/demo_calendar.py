"""Dates on the demo market's own calendar, for tests that pass ``--start`` / ``--end``.

The demo market ends yesterday (UTC) by default, so its first candle moves forward one day
every day: a date written into a test (``--end 2024-02-10``) slides towards the warmup and
out of the data as the weeks pass, and the test fails on its own. Tests name a day by its
distance from the first candle instead.
"""

from __future__ import annotations

import pandas as pd

from rotation_addin.data.demo import demo_dataset


def demo_day(days_after_first_candle: int) -> str:
    """ISO date of the demo's first daily candle plus ``days_after_first_candle`` days
    (the default 60-day warmup makes day 60 the first decision day)."""
    first = demo_dataset().close.index[0]
    return f"{first + pd.Timedelta(days=days_after_first_candle):%Y-%m-%d}"


def after_last_day(offset: int = 1) -> str:
    """ISO date ``offset`` days after the demo's last daily candle (no prices from there on)."""
    last = demo_dataset().close.index[-1]
    return f"{last + pd.Timedelta(days=offset):%Y-%m-%d}"
