"""Candles at an interval and funding history of one symbol, from the configured source.

What ``=OHLCV()`` and ``=FUNDING_HISTORY()`` spill. Daily candles are the dataset's (the ones
every analytic uses); weekly candles aggregate them (weeks open Monday 00:00 UTC, the
exchanges' convention); hourly and 4-hourly candles come from the demo simulator's hourly
path (whose days aggregate exactly to the daily candles) or from the hourly candles
``rotation refresh`` stored in the cache. Funding rates are the demo simulator's 8-hourly
rates or those the refresh stored.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import DataError
from rotation_addin.data.cache import MarketCache
from rotation_addin.data.funding import cached_funding, demo_funding

INTERVALS: tuple[str, ...] = ("1h", "4h", "1d", "1w")
"""Candle intervals the functions offer."""
CANDLE_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "volume_usd")
"""Columns of a candle table (prices USD, quote volume USD)."""
_AGGREGATE = {"open": "first", "high": "max", "low": "min", "close": "last", "volume_usd": "sum"}
_RULES = {"4h": "4h", "1w": "W-MON"}


def _daily(data: MarketDataset, base: str) -> pd.DataFrame:
    frames = {"open": data.open, "high": data.high, "low": data.low, "close": data.close,
              "volume_usd": data.volume_usd}
    table = pd.DataFrame({name: frame[base] for name, frame in frames.items()})
    return table.dropna(subset=["close"])


def _hourly(data: MarketDataset, base: str, exchange_id: str) -> pd.DataFrame:
    if data.source.startswith("demo"):
        # deferred: demo simulator (~65 ms, -X importtime), demo source only: off the UDF import
        from rotation_addin.data.demo import demo_market

        end = pd.Timestamp(data.close.index[-1]).date()
        market = demo_market(end=end, days=len(data.close), universe=data.universe)
        return market.hourly_candles(base).loc[:, list(CANDLE_COLUMNS)]

    with MarketCache() as cache:
        stored = cache.read_candles(exchange_id, base, "1h")
    if stored.empty:
        raise DataError(f"{base}: no hourly candles in {data.source} (run rotation refresh)")
    return stored.loc[:, list(CANDLE_COLUMNS)]


def candles(data: MarketDataset, base: str, interval: str, *, exchange_id: str,
            start: datetime | None = None, end: datetime | None = None) -> pd.DataFrame:
    """Candles of ``base`` at ``interval`` (one of :data:`INTERVALS`), open times in UTC.

    A candle is kept when its open time lies in ``[start, end]`` (either bound optional).
    Aggregates (4h, 1w) are open = first open, high = max, low = min, close = last close,
    volume = sum; an aggregate still open at the end of the data covers the hours so far.

    Raises
    ------
    DataError
        No price history for ``base`` in the source, or no candles in the range.
    """
    if base not in data.close.columns:
        raise DataError(f"{base}: no price history in {data.source}")
    table = (_daily(data, base) if interval in ("1d", "1w")
             else _hourly(data, base, exchange_id))
    if interval in _RULES:
        table = table.resample(_RULES[interval], label="left", closed="left").agg(_AGGREGATE)
        table = table.dropna(subset=["close"])
    if start is not None:
        table = table[table.index >= pd.Timestamp(start)]
    if end is not None:
        table = table[table.index <= pd.Timestamp(end)]
    if table.empty:
        raise DataError(f"{base}: no {interval} candles in that date range in {data.source}")
    return table


def funding_history(data: MarketDataset, base: str, *, exchange_id: str,
                    start: datetime | None = None,
                    end: datetime | None = None) -> pd.Series:
    """Funding rates of ``base`` (fraction per funding interval), indexed by funding time.

    Raises
    ------
    DataError
        The source holds no funding rates for ``base`` (in the range).
    """
    if base not in data.bases:
        raise DataError(f"{base}: not in the universe of {data.source}")
    table = (demo_funding(data) if data.source.startswith("demo")
             else cached_funding(data, exchange_id))
    if base not in table.columns:
        raise DataError(f"{base}: no funding rates in {data.source} (run rotation refresh)")
    rates = table[base].dropna()
    if start is not None:
        rates = rates[rates.index >= pd.Timestamp(start)]
    if end is not None:
        rates = rates[rates.index <= pd.Timestamp(end)]
    if rates.empty:
        raise DataError(f"{base}: no funding rates in that date range in {data.source}")
    return rates
