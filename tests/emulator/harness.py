"""Helpers shared by the exchange tests and the benchmark: markets, raw HTTP, client runs."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from tests.emulator.fixture_market import FixtureMarket

T = TypeVar("T")

#: Bases of the exchange tests, their first price (USD), last reference day and daily vol --
#: the shape of the Coin Metrics extracts (altcoins end 2023-12-15, BTC/LTC run to 2025).
REAL_BASES = ("BTC", "LTC", "RENDER", "FET")
_PRICE_PATHS = {
    "BTC": (46000.0, "2025-12-17", 0.03),
    "LTC": (146.0, "2025-12-17", 0.045),
    "RENDER": (4.6, "2023-12-15", 0.06),
    "FET": (0.51, "2023-12-15", 0.06),
}
#: Server clock of the exchange tests: 30 minutes into an hour, mid-December 2023.
REAL_NOW = datetime(2023, 12, 14, 12, 30, tzinfo=UTC)


@lru_cache(maxsize=1)
def price_market(seed: int = 7) -> FixtureMarket:
    """Fixture market on seeded random-walk closes of ``REAL_BASES`` from 2022-01-01.

    No real data needed: the exchange tests only need prices with the real extracts' date
    coverage (cached per process; the candles it serves are what the tests compare with).
    """
    rng = np.random.default_rng(seed)
    prices: dict[str, pd.Series] = {}
    for base, (first_price, last_day, daily_vol) in _PRICE_PATHS.items():
        index = pd.date_range("2022-01-01", last_day, freq="D", tz="UTC", name="date")
        steps = rng.standard_t(4, size=len(index) - 1) * daily_vol / np.sqrt(2.0)
        path = first_price * np.exp(np.concatenate([[0.0], np.cumsum(steps)]))
        prices[base] = pd.Series(path, index=index)
    return FixtureMarket(prices, seed=seed)


def real_market(folder: str) -> FixtureMarket:
    """Fixture market on the real Coin Metrics closes of ``REAL_BASES`` in ``folder``."""
    return FixtureMarket.from_coinmetrics(Path(folder), REAL_BASES)


@dataclass(frozen=True)
class RawResponse:
    """One raw HTTP answer of the emulator."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def raw_get(base_url: str, path: str, **params: object) -> RawResponse:
    """Plain urllib GET (independent of ccxt) -- to test the emulator itself."""
    url = f"{base_url}{path}"
    if params:
        url += "?" + urlencode({k: str(v) for k, v in params.items()})
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return RawResponse(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as exc:
        return RawResponse(exc.code, dict(exc.headers.items()), exc.read())


def run(coro_factory: Callable[[], Awaitable[T]]) -> T:
    """Run one coroutine in a fresh event loop."""

    async def main() -> T:
        return await coro_factory()

    return asyncio.run(main())
