"""What the refresh needs from an exchange client, typed: :class:`MarketDataClient`.

``data.exchange.ExchangeClient`` (ccxt, weight budget, retries) satisfies it; the refresh
(``data/refresh.py``) is written against this protocol, so a renamed method or field is a type
error, not a silent fallback.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from rotation_addin.core.dataset import OrderBook, Ticker
from rotation_addin.core.types import ContractSpec
from rotation_addin.data.exchange_results import FundingHistory, LeverageTiersResult, OhlcvResult


class MarketDataClient(Protocol):
    """A read-only market-data client of one exchange (USDⓈ-M linear perpetuals).

    Attributes
    ----------
    cancel : threading.Event or callable or None
        Set (or returning True) when the user cancelled.
    requests_sent, rate_limited : int
        Requests sent and HTTP 429 answers received so far.
    """

    cancel: threading.Event | Callable[[], bool] | None
    requests_sent: int
    rate_limited: int

    @property
    def weight_used(self) -> int:
        """Request weight spent so far (the exchange's budget unit)."""
        ...

    def server_now_ms(self) -> int:
        """The exchange's clock (from its ``Date`` headers), ms since the epoch."""
        ...

    async def load_markets(self) -> dict[str, ContractSpec]:
        """Contract rules of every listed linear perpetual, by base."""
        ...

    async def fetch_tickers(self, bases: Sequence[str]) -> dict[str, Ticker]:
        """Latest last/mark prices and funding of ``bases``."""
        ...

    async def fetch_candles(self, base: str, since: Mapping[str, datetime | int],
                            until: datetime | int | None = None) -> dict[str, OhlcvResult]:
        """Closed candles of ``base`` per timeframe from each start in ``since``."""
        ...

    async def fetch_ohlcv(self, base: str, timeframe: str, since: datetime | int,
                          until: datetime | int | None = None) -> OhlcvResult:
        """Closed candles of one timeframe with open time in ``[since, until)``."""
        ...

    async def fetch_funding_history(self, base: str, since: datetime | int,
                                    until: datetime | int | None = None) -> FundingHistory:
        """Funding rates of ``base`` since ``since``."""
        ...

    async def fetch_order_book(self, base: str, limit: int = 20) -> OrderBook:
        """Order book snapshot of ``base``."""
        ...

    async def fetch_leverage_tiers(self, bases: Sequence[str]) -> LeverageTiersResult:
        """Leverage tiers (maintenance brackets) where the exchange publishes them."""
        ...
