"""Defaults of the venue comparison, in a module light enough for every CLI parser to import."""

from __future__ import annotations

DEFAULT_VENUES: tuple[str, ...] = ("binanceusdm", "bybit", "okx")
"""Venues compared by default (ccxt ids)."""

DEFAULT_HOLDING_DAYS = 7.0
"""Holding period of the round-trip cost (funding accrues meanwhile), days."""

TIER_SIZES_IN_CONTRACTS = frozenset({"okx"})
"""Venues whose published tier sizes (ccxt ``minNotional``/``maxNotional``) count contracts,
not USD (OKX position tiers of swaps and futures): converted at the book's mid price."""
