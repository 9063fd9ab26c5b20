"""Sentences about measured facts, each in one place so every surface says the same thing.

Each constant states numbers measured on the data it names; ``tests/core/test_claims.py``
re-computes every number from that data (the real Coin Metrics 2022-23 prices, the emulator)
and fails when a sentence and its number drift apart. Change a sentence only together with
its test. Sources: ``docs/real-data-check.md`` (``python -m tools.real_data_check``) and
``tests/excel/test_udfs_market.py`` (requests counted at the emulator).
"""

from __future__ import annotations

STRESS_CORRELATION = (
    "on real 2022-23 data the correlation between sector indices rose on BTC's worst-decile "
    "days (mean pair 0.57 -> 0.74 raw, 0.63 after the Forbes-Rigobon volatility adjustment), "
    "while each sector's correlation with BTC fell once adjusted (render 0.66 -> 0.45)"
)
"""Stress-day correlation: sector-to-sector rises; sector-to-BTC does not (adjusted)."""

RENDER_COMPUTE = (
    "in USD render and compute never moved inversely on real 2022-23 data (30-day correlation "
    "of the sector indices never below 0.19); BTC-relative it was below 0 on 3.8 % of days "
    "(minimum -0.11) and member pairs reached -0.17 over 90 days"
)
"""Render vs compute: never inverse in USD, sometimes mildly inverse BTC-relative."""

INVERSE_PAIRS_CAVEAT = f"measured, not a hedge: {RENDER_COMPUTE}; {STRESS_CORRELATION}"
"""What ``rotation corr`` prints after its inverse-pair lines."""

PRICE_SNAPSHOT = (
    "All `CRYPTO_PRICE` cells share one exchange snapshot per TTL (10 s default): three "
    "requests per TTL (all tickers, all mark prices, all best bids/asks) whatever the number of "
    "cells, plus the market list on first use"
)
"""Requests behind ``=CRYPTO_PRICE()`` cells (counted at the emulator for 10,000 cells)."""
