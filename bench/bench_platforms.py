"""``rotation platforms`` for 10 symbols on two venues against the loopback emulators.

    .venv/bin/python bench/bench_platforms.py

Binance USDⓈ-M (``tests/emulator/binance.py``) and Bybit v5 (``tests/emulator/bybit.py``)
serve the same 10-symbol market; :func:`rotation_addin.data.venues.compare_many_async` fetches
every symbol's contract, book, funding now, 30-day funding history and (Bybit) risk-limit
tiers, one client per venue, venues concurrently. Each venue keeps its REAL rate (Binance 2,400
weight / 60 s = 40/s; Bybit 600 requests / 5 s = 120/s) but over a window shrunk so that the
work spans several windows (Binance 24 per 0.6 s, Bybit 60 per 0.5 s): the rate limit, not
the loopback latency, then sets the pace. The floor of a venue = its weight (requests)
divided by its rate; reported: elapsed ÷ the slowest venue's floor, several repeats.
OKX has no emulator dialect yet (not measured).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rotation_addin.data.venues import compare_many_async
from tests.emulator.binance import BinanceEmulator
from tests.emulator.bybit import BybitEmulator
from tests.emulator.fixture_market import FixtureMarket

END = datetime(2025, 6, 2, tzinfo=UTC)
NOW = datetime(2025, 6, 1, 12, 30, tzinfo=UTC)
VENUES = {  # venue: (capacity per window, window s) -- real rate, shrunk window
    "binanceusdm": (24, 0.6),
    "bybit": (60, 0.5),
}
REPEATS = 5


def main() -> int:
    market = FixtureMarket.synthetic(10, end=END, days=60, seed=5)
    bases = list(market.bases)
    (b_cap, b_win), (y_cap, y_win) = VENUES["binanceusdm"], VENUES["bybit"]
    ratios = []
    with BinanceEmulator(market, now=NOW, weight_limit_per_minute=b_cap,
                         minute_seconds=b_win) as binance, \
            BybitEmulator(market, now=NOW, weight_limit_per_minute=y_cap,
                          minute_seconds=y_win) as bybit:
        urls = {"binanceusdm": binance.base_url, "bybit": bybit.base_url}
        margin = {"weight_margin_s": 0.1}  # loopback delay; the default (>= 0.25 s) is
        # sized for real networks and 60 s windows, a 40 % tax on a 0.6 s window
        options = {"binanceusdm": {"weight_budget_per_minute": b_cap, "weight_window_s": b_win,
                                   **margin},
                   "bybit": {"weight_budget_per_minute": y_cap, "weight_window_s": y_win,
                             "ccxt_throttle": False, **margin}}
        for repeat in range(REPEATS):
            binance.reset_counters()
            bybit.reset_counters()
            time.sleep(max(b_win, y_win) * 2)  # idle budgets on both sides
            started = time.perf_counter()
            rows = asyncio.run(compare_many_async(bases, 25_000.0, venues=list(VENUES),
                                                  api_urls=urls, client_options=options,
                                                  now=NOW))
            elapsed = time.perf_counter() - started
            ok = sum(r.status == "ok" for per in rows.values() for r in per)
            floors = {"binanceusdm": binance.weight_used / (b_cap / b_win),
                      "bybit": bybit.weight_used / (y_cap / y_win)}
            slowest = max(floors, key=lambda v: floors[v])
            ratios.append(elapsed / floors[slowest])
            print(f"run {repeat + 1}: {ok}/{2 * len(bases)} rows ok, elapsed {elapsed:.2f} s; "
                  f"binance weight {binance.weight_used} (floor {floors['binanceusdm']:.2f} s, "
                  f"429s {binance.count_429}), bybit requests {bybit.weight_used} (floor "
                  f"{floors['bybit']:.2f} s, 429s {bybit.count_429}); slowest {slowest}: "
                  f"{ratios[-1]:.2f}x its floor")
    print(f"median elapsed / slowest venue's floor: {statistics.median(ratios):.2f}x "
          f"(target <= 1.2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
