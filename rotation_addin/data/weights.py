"""Request weights of Binance USDⓈ-M public endpoints and a shared weight budget.

Binance counts a *weight* per request against a budget per IP and minute (2,400 on USDⓈ-M)
and reports the weight used in the current minute in ``X-MBX-USED-WEIGHT-1M``. Past the
budget it answers 429 with ``Retry-After``; clients that keep sending get 418 (IP ban).

Weights (Binance USDⓈ-M REST docs, "Kline/Candlestick Data", "Order Book"):

* klines by ``limit``: [1, 100) -> 1, [100, 500) -> 2, [500, 1000] -> 5, > 1000 -> 10
  (default limit 500, max 1500). Limit 499 is the cheapest per candle (249.5 candles per
  weight unit, against 99 for limit 99 and 200 for limit 1000).
* depth by ``limit``: 5/10/20/50 -> 2, 100 -> 5, 500 -> 10, 1000 -> 20.
* ``ticker/24hr``: 1 per symbol, 40 for all symbols; ``premiumIndex``: 1, 10 for all.
* ``exchangeInfo``, ``time``, ``ping``, ``fundingRate``: 1.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from functools import lru_cache

from rotation_addin.core.errors import InputError
from rotation_addin.core.validation import positive, positive_int

#: (largest limit of the tier, weight) for Binance USDⓈ-M klines.
KLINES_WEIGHT_TIERS: tuple[tuple[int, int], ...] = ((99, 1), (499, 2), (1000, 5), (1500, 10))
KLINES_MAX_LIMIT = 1500
KLINES_DEFAULT_LIMIT = 500
#: (largest limit, weight) for depth.
DEPTH_WEIGHT_TIERS: tuple[tuple[int, int], ...] = ((50, 2), (100, 5), (500, 10), (1000, 20))
DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)
TICKER_24HR_ALL_WEIGHT = 40
PREMIUM_INDEX_ALL_WEIGHT = 10
BINANCE_WEIGHT_EXCHANGES = frozenset({"binanceusdm"})


def klines_weight(limit: int) -> int:
    """Weight of one Binance USDⓈ-M klines request with ``limit`` candles."""
    limit = positive_int("limit", limit)
    for largest, weight in KLINES_WEIGHT_TIERS:
        if limit <= largest:
            return weight
    raise InputError("limit", f"must be <= {KLINES_MAX_LIMIT} (got {limit})")


def depth_weight(limit: int) -> int:
    """Weight of one Binance USDⓈ-M depth request with ``limit`` levels."""
    limit = positive_int("limit", limit)
    for largest, weight in DEPTH_WEIGHT_TIERS:
        if limit <= largest:
            return weight
    raise InputError("limit", f"must be one of {DEPTH_LIMITS} (got {limit})")


@lru_cache(maxsize=4096)
def _best_cost(n_candles: int) -> tuple[int, tuple[int, ...]]:
    """(total weight, page sizes) of the cheapest way to fetch ``n_candles`` (DP over tiers)."""
    cost = [0] * (n_candles + 1)
    choice = [0] * (n_candles + 1)
    for n in range(1, n_candles + 1):
        best, best_size = None, 0
        for largest, weight in KLINES_WEIGHT_TIERS:
            size = min(largest, n)
            total = cost[n - size] + weight
            # prefer fewer requests on ties (bigger page)
            if best is None or total < best or (total == best and size > best_size):
                best, best_size = total, size
        cost[n] = best if best is not None else 0
        choice[n] = best_size
    pages: list[int] = []
    n = n_candles
    while n > 0:
        pages.append(choice[n])
        n -= choice[n]
    return cost[n_candles], tuple(sorted(pages, reverse=True))


def plan_pages(n_candles: int) -> tuple[int, ...]:
    """Page sizes (limits) that fetch ``n_candles`` candles for the least total weight.

    Full pages of 499 (weight 2) plus one last page sized to what is left: e.g. one year of
    hourly candles, 8,760 = 17 x 499 + 277, costs 18 x 2 = 36 weight (limit 1500 pages would
    cost 6 x 10 = 60; the default 500, 18 x 5 = 90).
    """
    if n_candles < 0:
        raise InputError("n_candles", f"must be >= 0 (got {n_candles})")
    full, rest = divmod(n_candles, 499)
    if full > 8:  # keep the DP small: every optimal plan is 499-pages plus a small tail
        tail = _best_cost(rest + 499 * 8)[1]
        return (499,) * (full - 8) + tail
    return _best_cost(n_candles)[1]


def plan_weight(n_candles: int) -> int:
    """Total weight of :func:`plan_pages` (the weight floor of fetching ``n_candles``)."""
    return sum(klines_weight(size) for size in plan_pages(n_candles))


class WeightBudget:
    """Sliding-window weight budget shared by every request of a client.

    A request of weight ``w`` may start only if the weights started in the last
    ``window_s`` seconds plus ``w`` stay within ``capacity``. Any fixed one-minute window
    (Binance counts per calendar minute) lies inside some sliding window, so a client that
    respects this never passes the exchange budget. An idle budget lets ``capacity`` weight
    go at once; after that, requests are paced at ``capacity`` per ``window_s``.

    Parameters
    ----------
    capacity : int
        Weight allowed per window (the exchange's per-minute budget).
    window_s : float
        Window length in seconds (60 for Binance; tests shrink it with the emulator's).
    margin_s : float or None
        Extra seconds an entry is remembered, covering network delay between the moment a
        request is scheduled and the moment the server counts it (default 2 % of the window,
        between 0.25 s and 1 s).
    clock : callable
        Monotonic clock in seconds.
    """

    def __init__(
        self,
        capacity: int,
        *,
        window_s: float = 60.0,
        margin_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = positive_int("weight_budget_per_minute", capacity)
        self.window_s = positive("weight_window_s", window_s)
        default_margin = min(1.0, max(0.25, 0.02 * self.window_s))
        self.margin_s = default_margin if margin_s is None else float(margin_s)
        self._clock = clock
        self._entries: deque[tuple[float, int]] = deque()
        self._in_window = 0
        self._paused_until = 0.0
        self._lock = asyncio.Lock()
        self.weight_sent = 0
        self.foreign_weight_seen = 0

    def _purge(self, now: float) -> None:
        horizon = now - self.window_s - self.margin_s
        while self._entries and self._entries[0][0] <= horizon:
            self._in_window -= self._entries.popleft()[1]

    def in_window(self) -> int:
        """Weight scheduled in the current sliding window."""
        self._purge(self._clock())
        return self._in_window

    def wait_time(self, weight: int) -> float:
        """Seconds until a request of ``weight`` could start (0 = now)."""
        now = self._clock()
        self._purge(now)
        wait = max(0.0, self._paused_until - now)
        excess = self._in_window + weight - self.capacity
        if excess > 0:
            freed = 0
            for stamp, entry_weight in self._entries:
                freed += entry_weight
                if freed >= excess:
                    wait = max(wait, stamp + self.window_s + self.margin_s - now)
                    break
        return wait

    async def acquire(self, weight: int, *, poll_s: float = 0.1) -> None:
        """Wait (FIFO) until ``weight`` fits in the window, then book it."""
        if weight > self.capacity:
            raise InputError("weight", f"must be <= the budget {self.capacity} (got {weight})")
        async with self._lock:
            while True:
                wait = self.wait_time(weight)
                if wait <= 0.0:
                    break
                await asyncio.sleep(min(wait, poll_s))
            self._entries.append((self._clock(), weight))
            self._in_window += weight
            self.weight_sent += weight

    def observe_used(self, used_weight: int) -> None:
        """Resync with the exchange's ``X-MBX-USED-WEIGHT-1M``.

        If the exchange counts more than this client booked in the window, someone else
        (another program on the same IP) is using the budget: book the difference now.
        """
        now = self._clock()
        self._purge(now)
        foreign = used_weight - self._in_window
        if foreign > 0:
            self._entries.append((now, foreign))
            self._in_window += foreign
            self.foreign_weight_seen += foreign

    def pause(self, seconds: float) -> None:
        """Hold every request for ``seconds`` (a 429's Retry-After)."""
        self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))


__all__ = [
    "BINANCE_WEIGHT_EXCHANGES",
    "DEPTH_LIMITS",
    "KLINES_WEIGHT_TIERS",
    "PREMIUM_INDEX_ALL_WEIGHT",
    "TICKER_24HR_ALL_WEIGHT",
    "WeightBudget",
    "depth_weight",
    "klines_weight",
    "plan_pages",
    "plan_weight",
]
