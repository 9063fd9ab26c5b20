"""BTC dominance from CoinGecko's free ``/global`` endpoint.

``GET {base}/global`` answers ``{"data": {"market_cap_percentage": {"btc": 52.1, ...},
"total_market_cap": {"usd": ...}, "updated_at": <unix s>}}``. It is a snapshot, not a history:
the tool stores one value per UTC day in the cache, so history accumulates with each refresh.
For backtests use ``core.regime.dominance_proxy`` computed from exchange data instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from rotation_addin.core.errors import DataError
from rotation_addin.data.providers.http import DEFAULT_POLICY, HttpPolicy, get_json

DEFAULT_BASE_URL = "https://api.coingecko.com/api/v3"
PROVIDER = "CoinGecko /global"


@dataclass(frozen=True)
class DominanceSnapshot:
    """One dominance reading.

    Attributes
    ----------
    day : date
        UTC day of ``updated_at``.
    btc_dominance : float
        BTC market cap / total crypto market cap, as a fraction (0.52 = 52 %).
    total_market_cap_usd : float
        Total crypto market capitalisation, USD.
    """

    day: date
    btc_dominance: float
    total_market_cap_usd: float


def parse_global(payload: Any) -> DominanceSnapshot:
    """Parse a ``/global`` response; raise DataError naming the missing/invalid field."""
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict):
        raise DataError(f"{PROVIDER}: response has no 'data' object")
    try:
        pct = float(data["market_cap_percentage"]["btc"])
        total = float(data["total_market_cap"]["usd"])
        updated = datetime.fromtimestamp(int(data["updated_at"]), tz=UTC)
    except (KeyError, TypeError, ValueError, OverflowError, OSError) as exc:
        raise DataError(f"{PROVIDER}: response field missing or invalid ({exc!r})") from None
    if not (math.isfinite(pct) and 0.0 < pct < 100.0):
        raise DataError(f"{PROVIDER}: market_cap_percentage.btc must be in (0, 100) (got {pct})")
    if not (math.isfinite(total) and total > 0.0):
        raise DataError(f"{PROVIDER}: total_market_cap.usd must be > 0 (got {total})")
    return DominanceSnapshot(updated.date(), pct / 100.0, total)


def fetch_dominance(
    base_url: str = DEFAULT_BASE_URL, *, policy: HttpPolicy = DEFAULT_POLICY
) -> DominanceSnapshot:
    """Fetch today's BTC dominance snapshot from ``{base_url}/global``."""
    return parse_global(get_json(PROVIDER, f"{base_url.rstrip('/')}/global", policy=policy))
