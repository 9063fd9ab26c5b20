"""What :class:`~rotation_addin.data.exchange.ExchangeClient` returns and raises.

Result records (progress events, candles with their gaps, funding, leverage tiers, batch
outcomes) and the client's errors, kept apart from the client so that callers can import them
without pulling in ccxt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from rotation_addin.core.errors import DataError


# ---------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ProgressEvent:
    """Progress of a batch: ``done`` of ``total`` symbols, weight sent so far."""

    done: int
    total: int
    weight_used: int
    symbol: str | None
    stage: str
    failures: int = 0


@dataclass(frozen=True)
class OhlcvResult:
    """Closed candles of one symbol and timeframe.

    Attributes
    ----------
    base, timeframe : str
        What was fetched (``"RENDER"``, ``"1h"``).
    candles : pd.DataFrame
        Indexed by UTC open time (``"date"``), columns ``open high low close volume
        volume_usd`` (base volume and quote/USD volume), ascending, unique, closed only.
    gaps : tuple of (datetime, datetime)
        Missing candles between the first one received and the last closed one, as
        ``[start, end)`` ranges of open times.
    requests, weight : int
        Requests sent (retries included) and their weight.
    duplicates_dropped, out_of_order : int
        Repairs made to what the exchange sent.
    last_closed : datetime or None
        Open time of the last candle closed at the exchange clock when fetched.
    warnings : tuple of str
        Human-readable notes (data starting later than asked, approximated quote volume...).
    """

    base: str
    timeframe: str
    candles: pd.DataFrame
    gaps: tuple[tuple[datetime, datetime], ...] = ()
    requests: int = 0
    weight: int = 0
    duplicates_dropped: int = 0
    out_of_order: int = 0
    last_closed: datetime | None = None
    warnings: tuple[str, ...] = ()

    @property
    def frame(self) -> pd.DataFrame:
        """Alias of ``candles``."""
        return self.candles


@dataclass(frozen=True)
class FundingHistory:
    """Funding history of one perpetual: ``frame`` indexed by funding time (UTC), columns
    ``funding_rate`` (fraction per interval) and ``mark_price``."""

    base: str
    frame: pd.DataFrame

    @property
    def rates(self) -> pd.Series:
        """Funding rate by funding time (what the cache stores)."""
        return self.frame["funding_rate"].rename(self.base)


@dataclass(frozen=True)
class FundingRate:
    """Current funding of one perpetual (fraction per 8 h interval)."""

    base: str
    funding_rate: float
    mark_price_usd: float
    next_funding_time: datetime | None
    timestamp: datetime | None


@dataclass(frozen=True)
class LeverageTiersResult:
    """Leverage/maintenance tiers by base, or why they are unavailable."""

    available: bool
    tiers: Mapping[str, tuple[dict[str, Any], ...]]
    message: str = ""


@dataclass(frozen=True)
class BatchResult:
    """Candles of many symbols: results by ``(base, timeframe)`` and failures by base."""

    results: Mapping[tuple[str, str], OhlcvResult]
    failures: Mapping[str, str]
    weight: int
    requests: int


# ---------------------------------------------------------------------------- errors
class ExchangeBannedError(DataError):
    """The exchange banned this IP (HTTP 418): every request stops at once."""


class FetchCancelledError(DataError):
    """The user cancelled the refresh."""


class SymbolFetchError(DataError):
    """One symbol failed after every retry (the batch carries on with the others)."""

    def __init__(self, base: str, message: str) -> None:
        self.base = base
        super().__init__(f"{base}: {message}")


class RetryableError(Exception):
    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
