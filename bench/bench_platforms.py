"""``rotation platforms`` for 10 symbols on three venues against the loopback emulators.

    .venv/bin/python bench/bench_platforms.py [--repeat 7]

Binance USDⓈ-M (``tests/emulator/binance.py``), Bybit v5 (``tests/emulator/bybit.py``) and
OKX v5 (``tests/emulator/okx.py``) serve the same 10-symbol market, each in its own process
(as real venues are remote: no GIL shared with the client);
:func:`rotation_addin.data.venues.compare_many_async` fetches every symbol's contract, book,
funding now, 30-day funding history and (Bybit, OKX) published tiers, one client per venue,
venues concurrently. Each venue keeps its REAL rate (Binance 2,400 weight / 60 s = 40/s;
Bybit 600 requests / 5 s = 120/s; OKX per endpoint and IP, e.g. 10 requests / 2 s on funding
history and position tiers, 40 / 2 s on books) over a window shrunk 100x (Binance 24 per
0.6 s), 10x (Bybit 60 per 0.5 s) and 10x (OKX: every endpoint's window 0.2 s, its limit per
window unchanged), so the rate limit, not the loopback latency, sets the pace. The client's
safety margin is shrunk with the window (the product books each request for its window + 1 s
on Binance's 60 s window, 1.7 %; here 0.6 s + 0.05 s, 8 %: a smaller margin lets scheduling
jitter on a loaded machine push a request into the next fixed window, and the emulator
answers 429 as Binance would).
The floor of a venue = its weight (requests) divided by its rate; OKX's = the largest, over
its endpoints, of that endpoint's requests divided by its rate (the endpoints' windows run
side by side). Reported: elapsed ÷ the slowest venue's floor, several repeats (run 1
includes ccxt's first import and is left out).
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
from tests.emulator.okx import OKX_LIMITS_PER_2S, OkxEmulator
from tests.emulator.remote import EmulatorProcess

END = datetime(2025, 6, 2, tzinfo=UTC)
NOW = datetime(2025, 6, 1, 12, 30, tzinfo=UTC)
VENUES = {  # venue: (capacity per window, window s) -- real rate, shrunk window
    "binanceusdm": (24, 0.6),
    "bybit": (60, 0.5),
}
OKX_WINDOW_S = 0.2
"""OKX's 2 s windows shrunk 10x (each endpoint keeps its limit per window)."""
MARGIN_S = 0.05
"""Client safety margin per booked request on the shrunk windows (see the module text)."""


def client_options(margin_s: float = MARGIN_S) -> dict[str, dict[str, object]]:
    """Per venue: the shrunk budget, the margin shrunk with it (Bybit: our pacing, not ccxt's)."""
    (b_cap, b_win), (y_cap, y_win) = VENUES["binanceusdm"], VENUES["bybit"]
    return {"binanceusdm": {"weight_budget_per_minute": b_cap, "weight_window_s": b_win,
                            "weight_margin_s": margin_s},
            "bybit": {"weight_budget_per_minute": y_cap, "weight_window_s": y_win,
                      "ccxt_throttle": False, "weight_margin_s": margin_s},
            "okx": {"endpoint_window_s": OKX_WINDOW_S, "weight_margin_s": margin_s}}


def okx_floor(by_path: tuple[tuple[str, int], ...]) -> tuple[float, str]:
    """(seconds, endpoint): the slowest OKX endpoint's requests ÷ its rate (limit / window)."""
    floors = {path: n / (OKX_LIMITS_PER_2S.get(path, 10) / OKX_WINDOW_S)
              for path, n in by_path}
    slowest = max(floors, key=lambda p: floors[p])
    return floors[slowest], slowest.rsplit("/", 1)[-1]


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
                            weight_limit_per_minute=y_cap, minute_seconds=y_win) as bybit, \
            EmulatorProcess(market, emulator_class=OkxEmulator, now=NOW,
                            window_s=OKX_WINDOW_S) as okx:
        servers = {"binanceusdm": binance, "bybit": bybit, "okx": okx}
        urls = {venue: server.base_url for venue, server in servers.items()}
        for repeat in range(args.repeat):
            for server in servers.values():
                server.reset_counters()
            time.sleep(max(b_win, y_win, OKX_WINDOW_S) * 2)  # idle budgets everywhere
            started = time.perf_counter()
            rows = asyncio.run(compare_many_async(
                bases, 25_000.0, venues=list(servers), api_urls=urls,
                client_options=client_options(args.margin), now=NOW))
            elapsed = time.perf_counter() - started
            ok = sum(r.status == "ok" for per in rows.values() for r in per)
            stats = {venue: server.stats() for venue, server in servers.items()}
            o_floor, o_path = okx_floor(stats["okx"].requests_by_path)
            floors = {"binanceusdm": stats["binanceusdm"].weight_used / (b_cap / b_win),
                      "bybit": stats["bybit"].weight_used / (y_cap / y_win), "okx": o_floor}
            slowest = max(floors, key=lambda v: floors[v])
            ratio = elapsed / floors[slowest]
            if repeat:
                ratios.append(ratio)
            print(f"run {repeat + 1}: {ok}/{len(servers) * len(bases)} rows ok, elapsed "
                  f"{elapsed:.2f} s; binance weight {stats['binanceusdm'].weight_used} (floor "
                  f"{floors['binanceusdm']:.2f} s), bybit requests {stats['bybit'].weight_used} "
                  f"(floor {floors['bybit']:.2f} s), okx requests {stats['okx'].weight_used} "
                  f"(floor {o_floor:.2f} s, {o_path}); 429s "
                  f"{'/'.join(str(s.count_429) for s in stats.values())}; slowest {slowest}: "
                  f"{ratio:.2f}x its floor"
                  + (" (first run: ccxt import, not counted)" if not repeat else ""))
    if ratios:
        print(f"median elapsed / slowest venue's floor over runs 2-{args.repeat}: "
              f"{statistics.median(ratios):.2f}x (min {min(ratios):.2f}x, max "
              f"{max(ratios):.2f}x; target <= 1.2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
