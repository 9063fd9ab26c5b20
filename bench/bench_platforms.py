"""``rotation platforms`` for 10 symbols on two venues against the loopback emulators.

    .venv/bin/python bench/bench_platforms.py [--repeat 7]

Binance USDⓈ-M (``tests/emulator/binance.py``) and Bybit v5 (``tests/emulator/bybit.py``)
serve the same 10-symbol market, each in its own process (as real venues are remote: no GIL
shared with the client); :func:`rotation_addin.data.venues.compare_many_async` fetches every
symbol's contract, book, funding now, 30-day funding history and (Bybit) risk-limit tiers,
one client per venue, venues concurrently. Each venue keeps its REAL rate (Binance 2,400
weight / 60 s = 40/s; Bybit 600 requests / 5 s = 120/s) over a window shrunk 100x (Binance 24
per 0.6 s) and 10x (Bybit 60 per 0.5 s), so the rate limit, not the loopback latency, sets
the pace. The client's safety margin is shrunk with the window (the product books each
request for its window + 1 s on Binance's 60 s window, 1.7 %; here 0.6 s + 0.05 s, 8 %:
a smaller margin lets scheduling jitter on a loaded machine push a request into the next
fixed window, and the emulator answers 429 as Binance would).
The floor of a venue = its weight (requests) divided by its rate; reported: elapsed ÷ the
slowest venue's floor, several repeats (run 1 includes ccxt's first import and is left out).

OKX: no emulator dialect, so okx is not in this bench; in the tests it is served by nothing
(a closed loopback port: the row must say "unavailable").
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rotation_addin.data.venues import compare_many_async
from tests.emulator.bybit import BybitEmulator
from tests.emulator.fixture_market import FixtureMarket
from tests.emulator.remote import EmulatorProcess

END = datetime(2025, 6, 2, tzinfo=UTC)
NOW = datetime(2025, 6, 1, 12, 30, tzinfo=UTC)
VENUES = {  # venue: (capacity per window, window s) -- real rate, shrunk window
    "binanceusdm": (24, 0.6),
    "bybit": (60, 0.5),
}
MARGIN_S = 0.05
"""Client safety margin per booked request on the shrunk windows (see the module text)."""


def client_options(margin_s: float = MARGIN_S) -> dict[str, dict[str, object]]:
    """Per venue: the shrunk budget, the margin shrunk with it (Bybit: our pacing, not ccxt's)."""
    (b_cap, b_win), (y_cap, y_win) = VENUES["binanceusdm"], VENUES["bybit"]
    return {"binanceusdm": {"weight_budget_per_minute": b_cap, "weight_window_s": b_win,
                            "weight_margin_s": margin_s},
            "bybit": {"weight_budget_per_minute": y_cap, "weight_window_s": y_win,
                      "ccxt_throttle": False, "weight_margin_s": margin_s}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--margin", type=float, default=MARGIN_S,
                        help=f"client safety margin, s (default {MARGIN_S})")
    args = parser.parse_args(argv)
    market = FixtureMarket.synthetic(10, end=END, days=60, seed=5)
    bases = list(market.bases)
    (b_cap, b_win), (y_cap, y_win) = VENUES["binanceusdm"], VENUES["bybit"]
    ratios: list[float] = []
    with EmulatorProcess(market, now=NOW, weight_limit_per_minute=b_cap,
                         minute_seconds=b_win) as binance, \
            EmulatorProcess(market, emulator_class=BybitEmulator, now=NOW,
                            weight_limit_per_minute=y_cap, minute_seconds=y_win) as bybit:
        urls = {"binanceusdm": binance.base_url, "bybit": bybit.base_url}
        for repeat in range(args.repeat):
            binance.reset_counters()
            bybit.reset_counters()
            time.sleep(max(b_win, y_win) * 2)  # idle budgets on both sides
            started = time.perf_counter()
            rows = asyncio.run(compare_many_async(
                bases, 25_000.0, venues=list(VENUES), api_urls=urls,
                client_options=client_options(args.margin), now=NOW))
            elapsed = time.perf_counter() - started
            ok = sum(r.status == "ok" for per in rows.values() for r in per)
            b_stats, y_stats = binance.stats(), bybit.stats()
            floors = {"binanceusdm": b_stats.weight_used / (b_cap / b_win),
                      "bybit": y_stats.weight_used / (y_cap / y_win)}
            slowest = max(floors, key=lambda v: floors[v])
            ratio = elapsed / floors[slowest]
            if repeat:
                ratios.append(ratio)
            print(f"run {repeat + 1}: {ok}/{2 * len(bases)} rows ok, elapsed {elapsed:.2f} s; "
                  f"binance weight {b_stats.weight_used} (floor {floors['binanceusdm']:.2f} s, "
                  f"429s {b_stats.count_429}), bybit requests {y_stats.weight_used} "
                  f"({y_stats.requests} logged, floor {floors['bybit']:.2f} s, 429s "
                  f"{y_stats.count_429}); slowest {slowest}: {ratio:.2f}x its floor"
                  + (" (first run: ccxt import, not counted)" if not repeat else ""))
    if ratios:
        print(f"median elapsed / slowest venue's floor over runs 2-{args.repeat}: "
              f"{statistics.median(ratios):.2f}x (min {min(ratios):.2f}x, max "
              f"{max(ratios):.2f}x; target <= 1.2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
