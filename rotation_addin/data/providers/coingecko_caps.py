"""A BTC-dominance history from day one: CoinGecko's free market-cap histories (a proxy).

``/global`` gives one dominance snapshot per day, so the regime's 30-day dominance vote would
have nothing to compare with for a month. ``GET {base}/coins/{id}/market_chart?vs_currency=
usd&days=365&interval=daily`` (free, no key) gives each coin's daily market cap as
``{"market_caps": [[ms, usd], ...], ...}``. BTC's share of the largest coins' caps, scaled to
today's ``/global`` dominance (:func:`rotation_addin.core.dominance.cap_share_dominance`), is
stored for the days the cache has no dominance yet -- labelled ``PROVIDER`` (a proxy) in the
cache's ``source`` column; a real snapshot is never overwritten.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from rotation_addin.core.dominance import cap_share_dominance
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.data.providers.http import DEFAULT_POLICY, HttpPolicy, get_json

PROVIDER = "CoinGecko market caps (BTC share of the 10 largest coins, dominance proxy)"
LARGEST_COINS: tuple[str, ...] = ("bitcoin", "ethereum", "tether", "binancecoin", "solana",
                                  "ripple", "usd-coin", "dogecoin", "cardano", "tron")
"""CoinGecko ids of the largest coins by market cap (BTC first); the proxy's universe."""
HISTORY_DAYS = 365
"""Days of history asked for (the free API's limit)."""


def parse_market_chart(coin: str, payload: Any) -> pd.Series:
    """Daily USD market caps of ``coin`` from a ``market_chart`` answer (UTC midnights; the
    last point of a day wins). Raises DataError naming the coin and the bad point."""
    points = payload.get("market_caps") if isinstance(payload, dict) else None
    if not isinstance(points, list) or not points:
        raise DataError(f"{PROVIDER}: {coin}: response has no 'market_caps' list")
    days: list[pd.Timestamp] = []
    values: list[float] = []
    for index, point in enumerate(points):
        try:
            stamp = pd.Timestamp(int(point[0]), unit="ms", tz="UTC").normalize()
            value = float(point[1])
        except (TypeError, ValueError, IndexError, OverflowError) as exc:
            raise DataError(f"{PROVIDER}: {coin}: point {index} is malformed ({exc!r})") \
                from None
        if not (math.isfinite(value) and value > 0):
            raise DataError(f"{PROVIDER}: {coin}: market cap on {stamp.date()} must be > 0 "
                            f"(got {value})")
        days.append(stamp)
        values.append(value)
    series = pd.Series(values, index=pd.DatetimeIndex(days, name="date"), name=coin)
    return series[~series.index.duplicated(keep="last")].sort_index()


def fetch_market_caps(base_url: str, coins: Sequence[str] = LARGEST_COINS, *,
                      days: int = HISTORY_DAYS,
                      policy: HttpPolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """Daily market caps of ``coins`` (one column each), fetched one coin at a time."""
    root = base_url.rstrip("/")
    columns = {}
    for coin in coins:
        url = (f"{root}/coins/{coin}/market_chart?vs_currency=usd&days={int(days)}"
               "&interval=daily")
        columns[coin] = parse_market_chart(coin, get_json(PROVIDER, url, policy=policy))
    return pd.DataFrame(columns).sort_index()


def dominance_history(base_url: str, anchor_dominance: float | None, *,
                      coins: Sequence[str] = LARGEST_COINS, days: int = HISTORY_DAYS,
                      policy: HttpPolicy = DEFAULT_POLICY) -> pd.Series:
    """The dominance proxy history (fractions by UTC day), scaled to ``anchor_dominance``."""
    caps = fetch_market_caps(base_url, coins, days=days, policy=policy)
    try:
        return cap_share_dominance(caps, coins[0], anchor_dominance=anchor_dominance).dropna()
    except InputError as error:
        raise DataError(f"{PROVIDER}: {error}") from None
