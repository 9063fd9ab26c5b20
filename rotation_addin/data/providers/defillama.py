"""Total stablecoin supply history from DefiLlama (free, no key).

``GET {base}/stablecoincharts/all`` answers a list of daily points
``{"date": "<unix s>", "totalCirculatingUSD": {"peggedUSD": ..., "peggedEUR": ...}, ...}``.
The supply on a day is the sum of ``totalCirculatingUSD`` over peg types (USD value).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from rotation_addin.core.errors import DataError
from rotation_addin.data.providers.http import DEFAULT_POLICY, HttpPolicy, get_json

DEFAULT_BASE_URL = "https://stablecoins.llama.fi"
PROVIDER = "DefiLlama stablecoins"


def parse_stablecoin_chart(payload: Any) -> pd.Series:
    """Parse the chart into a daily Series ``stablecoin_supply_usd`` (UTC midnight index).

    Points with no USD figure are skipped; duplicates keep the last value; non-finite or
    negative totals are a DataError naming the date.
    """
    if not isinstance(payload, list) or not payload:
        raise DataError(f"{PROVIDER}: expected a non-empty list of daily points")
    days: list[pd.Timestamp] = []
    values: list[float] = []
    for index, point in enumerate(payload):
        try:
            stamp = pd.Timestamp(int(point["date"]), unit="s", tz="UTC").normalize()
            by_peg = point.get("totalCirculatingUSD") or {}
            total = float(sum(float(v) for v in by_peg.values()))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataError(f"{PROVIDER}: point {index} is malformed ({exc!r})") from None
        if not by_peg:
            continue
        if not math.isfinite(total) or total < 0:
            raise DataError(f"{PROVIDER}: supply on {stamp.date()} is invalid ({total})")
        days.append(stamp)
        values.append(total)
    if not values:
        raise DataError(f"{PROVIDER}: no point carries totalCirculatingUSD")
    series = pd.Series(values, index=pd.DatetimeIndex(days, name="date"),
                       name="stablecoin_supply_usd", dtype="float64")
    series = series[~series.index.duplicated(keep="last")].sort_index()
    return series


def fetch_stablecoin_supply(
    base_url: str = DEFAULT_BASE_URL, *, policy: HttpPolicy = DEFAULT_POLICY
) -> pd.Series:
    """Fetch the full daily total-stablecoin-supply history (USD)."""
    url = f"{base_url.rstrip('/')}/stablecoincharts/all"
    return parse_stablecoin_chart(get_json(PROVIDER, url, policy=policy))
