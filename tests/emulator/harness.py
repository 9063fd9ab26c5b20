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

from tests.emulator.fixture_market import FixtureMarket

T = TypeVar("T")

#: Bases with real Coin Metrics prices through 2023-12-15 (plus BTC/LTC to 2025).
REAL_BASES = ("BTC", "LTC", "RENDER", "FET")
#: Server clock for tests on the real data: 30 minutes into an hour, mid-December 2023.
REAL_NOW = datetime(2023, 12, 14, 12, 30, tzinfo=UTC)


@lru_cache(maxsize=2)
def real_market(folder: str) -> FixtureMarket:
    """Fixture market on the real Coin Metrics closes of ``REAL_BASES`` (cached per process)."""
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
