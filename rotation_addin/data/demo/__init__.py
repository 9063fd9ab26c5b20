"""Embedded demo market: a seeded simulator calibrated to real data (label "demo (simulated)").

Public API::

    from rotation_addin.data.demo import DEFAULT_SEED, DemoMarket, demo_dataset
    market = DemoMarket(seed=DEFAULT_SEED, days=1100)      # end: default_end(), yesterday UTC
    market.daily_candles("RENDER"); market.hourly_candles("RENDER"); market.macro()
    dataset = demo_dataset()                                # MarketDataset, memoised
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator, Mapping

from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.core.dataset import MarketDataset, OrderBook
from rotation_addin.core.universe import Universe
from rotation_addin.data.demo.simulator import (
    DEFAULT_DAYS,
    DEFAULT_SEED,
    DEMO_END_ENV,
    DemoMarket,
    Episode,
    default_end,
)

__all__ = [
    "DEFAULT_DAYS",
    "DEFAULT_SEED",
    "DEMO_END_ENV",
    "DEMO_SOURCE_LABEL",
    "DemoMarket",
    "Episode",
    "default_end",
    "demo_dataset",
    "demo_market",
]

_CACHE: dict[tuple[int, int, dt.date, str], tuple[DemoMarket, MarketDataset]] = {}
_LOCK = threading.Lock()
_CACHE_LIMIT = 8


def _key(
    seed: int, days: int, end: dt.date | None, universe: Universe | None
) -> tuple[int, int, dt.date, str]:
    if end is None:
        end = default_end()
    elif isinstance(end, dt.datetime):
        end = end.date()
    uni = (
        ""
        if universe is None
        else repr([(k, tuple(v)) for k, v in universe.sectors.items()])  # order matters
        + universe.quote
        + universe.benchmark
    )
    return (seed, days, end, uni)


def _build(
    seed: int, days: int, end: dt.date | None, universe: Universe | None
) -> tuple[DemoMarket, MarketDataset]:
    key = _key(seed, days, end, universe)
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None:
        return hit
    market = DemoMarket(seed=seed, days=days, end=key[2], universe=universe)
    bases = list(market.universe.bases)
    wide = market.daily_frame  # daily values only: no hourly bridge is simulated here
    listed = set(market.listed_bases())

    dataset = MarketDataset(
        source=DEMO_SOURCE_LABEL,
        as_of=market.as_of,
        universe=market.universe,
        open=wide("open"),
        high=wide("high"),
        low=wide("low"),
        close=wide("close"),
        volume_usd=wide("volume_usd"),
        macro=market.macro(),
        social_volume=market.social_volume(),
        onchain_activity=market.onchain_activity(),
        contracts=market.contract_specs(),
        tickers=market.tickers(),
        order_books=_LazyBooks(market),
        missing_symbols=tuple(b for b in bases if b not in listed),
    )
    with _LOCK:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = (market, dataset)
    return market, dataset


class _LazyBooks(Mapping[str, OrderBook]):
    """Order books of every listed base, each simulated on first access and then kept.

    A command that reads two books does not pay for a thousand; the values are exactly
    :meth:`DemoMarket.order_book` (deterministic per seed and base).
    """

    def __init__(self, market: DemoMarket) -> None:
        self._market = market
        self._bases = market.listed_bases()
        self._known = set(self._bases)
        self._books: dict[str, OrderBook] = {}
        self._lock = threading.Lock()

    def __getitem__(self, base: str) -> OrderBook:
        if base not in self._known:
            raise KeyError(base)
        with self._lock:
            book = self._books.get(base)
            if book is None:
                book = self._books[base] = self._market.order_book(base)
        return book

    def __iter__(self) -> Iterator[str]:
        return iter(self._bases)

    def __len__(self) -> int:
        return len(self._bases)


def demo_dataset(
    seed: int = DEFAULT_SEED,
    end: dt.date | None = None,
    *,
    days: int = DEFAULT_DAYS,
    universe: Universe | None = None,
) -> MarketDataset:
    """The demo market as a :class:`MarketDataset` (source ``"demo (simulated)"``).

    Memoised per (seed, days, end, universe): repeated calls return the same object, so treat
    its frames as read-only (copy before modifying).

    Parameters
    ----------
    seed : int
        Simulator seed (default :data:`DEFAULT_SEED`).
    end : datetime.date or None
        Open date of the last daily candle; default :func:`default_end` (yesterday UTC
        unless ``$ROTATION_DEMO_END`` names a date).
    days : int
        Number of daily candles (default 1100).
    universe : Universe or None
        Sectors to simulate; default the bundled universe. Bases without fitted parameters
        get their sector's average parameters.
    """
    return _build(seed, days, end, universe)[1]


def demo_market(
    seed: int = DEFAULT_SEED,
    end: dt.date | None = None,
    *,
    days: int = DEFAULT_DAYS,
    universe: Universe | None = None,
) -> DemoMarket:
    """The memoised :class:`DemoMarket` behind :func:`demo_dataset` (hourly data, funding...)."""
    return _build(seed, days, end, universe)[0]
