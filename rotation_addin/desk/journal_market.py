"""What the journal use cases read from a :class:`MarketDataset`: the current price (with
its source), daily candles since a moment, daily closes as marks, funding rates."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import InputError
from rotation_addin.core.paper import Candle
from rotation_addin.data.cache import MarketCache
from rotation_addin.data.paths import cache_path

DAY = timedelta(days=1)

FundingHistory = Mapping[str, Sequence[tuple[datetime, float]]]
"""Funding-rate history per base: (settlement time UTC, rate per 8 h), ascending."""


@dataclass(frozen=True)
class Quote:
    """A current price and where it came from (recorded with every paper fill)."""

    base: str
    price_usd: float
    source: str


def known_base(dataset: MarketDataset, symbol: object, field: str = "symbol") -> str:
    """The base of ``symbol`` if the dataset has prices for it, else one line naming it."""
    text = str(symbol or "").strip().split("/")[0].strip().upper()
    if not text or text not in dataset.bases:
        valid = ", ".join(dataset.bases)
        raise InputError(field, f"must be one of the universe's symbols ({valid}) "
                         f"(got {str(symbol)!r})")
    return text


def current_quote(dataset: MarketDataset, base: str) -> Quote:
    """Last traded price of the ticker when the source has one, else the last daily close."""
    ticker = dataset.tickers.get(base)
    if ticker is not None and math.isfinite(ticker.last_price_usd) and ticker.last_price_usd > 0:
        return Quote(base, float(ticker.last_price_usd), f"{dataset.source}, ticker last price")
    close = dataset.close[base].dropna()
    if close.empty:
        raise InputError("symbol", f"{base} has no price in {dataset.source}")
    return Quote(base, float(close.iloc[-1]),
                 f"{dataset.source}, daily close {close.index[-1]:%Y-%m-%d}")


def candles_since(dataset: MarketDataset, base: str, since: datetime,
                  until: datetime) -> list[Candle]:
    """Daily candles that opened at or after ``since`` and closed by ``until``.

    A candle that began before ``since`` is left out: its high and low may predate the entry.
    """
    frame = pd.concat([dataset.open.get(base), dataset.high.get(base), dataset.low.get(base)],
                      axis=1, keys=["open", "high", "low"]).dropna()
    out: list[Candle] = []
    starts = pd.DatetimeIndex(frame.index).to_pydatetime()
    values = frame.to_numpy(dtype=float)
    for start, (o, h, lo) in zip(starts, values, strict=True):
        if start >= since and start + DAY <= until:
            out.append(Candle(open_time=start, close_time=start + DAY, open=float(o),
                              high=float(h), low=float(lo)))
    return out


def daily_marks(dataset: MarketDataset, base: str) -> list[tuple[datetime, float]]:
    """(close time, close) of every daily candle: the mark used for funding."""
    close = dataset.close[base].dropna()
    starts = pd.DatetimeIndex(close.index).to_pydatetime()
    return [(t + DAY, float(v)) for t, v in zip(starts, close.to_numpy(dtype=float),
                                                 strict=True)]


def current_funding_rate(dataset: MarketDataset, base: str) -> float:
    """The ticker's current funding rate per 8 h (0 when the source has none)."""
    ticker = dataset.tickers.get(base)
    rate = ticker.funding_rate if ticker is not None else 0.0
    return float(rate) if math.isfinite(rate) else 0.0


def cached_funding(dataset: MarketDataset, exchange_id: str,
                   cache_file: object = None) -> dict[str, list[tuple[datetime, float]]]:
    """Funding history from the market-data cache for a cache/live dataset (empty for the
    demo market, whose funding is its ticker's current rate)."""
    if dataset.is_demo:
        return {}

    path = cache_file if cache_file is not None else cache_path()
    history: dict[str, list[tuple[datetime, float]]] = {}
    with MarketCache(path) as cache:  # type: ignore[arg-type]
        for base in dataset.bases:
            series = cache.read_funding(exchange_id, base)
            times = pd.DatetimeIndex(series.index).to_pydatetime()
            history[base] = [(t, float(r)) for t, r in zip(times, series.to_numpy(dtype=float),
                                                            strict=True)]
    return history
