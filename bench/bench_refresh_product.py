"""Weight of the product's own refresh (`rotation refresh`): every artifact, not just candles.

    .venv/bin/python bench/bench_refresh_product.py

Runs ``refresh_exchange`` (the code behind ``rotation refresh`` and the app's Refresh button)
against the loopback emulator serving the demo market (default universe, 22 symbols, 1 year of
daily + hourly history), then again 1 hour and 24 hours later, and prints the weight by
endpoint and each incremental run as a share of the full one; then the weight of fetching one
symbol's book and funding history on demand (``rotation platforms``). ``bench_refresh.py``
measures the candle download the issue's acceptance is defined on; this one shows what the snapshots
(mark prices and funding now) add on top.
"""

from __future__ import annotations

import collections
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rotation_addin.data.cache import MarketCache
from rotation_addin.data.demo import DemoMarket
from rotation_addin.data.on_demand import fetch_execution_inputs
from rotation_addin.data.refresh import refresh_exchange
from rotation_addin.data.universe_io import load_universe
from tests.emulator.binance import BinanceEmulator


def main() -> int:
    market = DemoMarket(days=400)
    universe = load_universe()
    with tempfile.TemporaryDirectory() as folder, BinanceEmulator(market) as exchange, \
            MarketCache(Path(folder) / "cache.sqlite3") as cache:

        def run(label: str) -> int:
            exchange.reset_counters()
            summary = refresh_exchange(universe, cache=cache, api_base_url=exchange.base_url,
                                       history_days={"1d": 365, "1h": 365})
            by_path: collections.Counter[str] = collections.Counter()
            for request in exchange.request_log:
                by_path[request.path.rsplit("/", 1)[-1]] += request.weight
            total = sum(by_path.values())
            print(f"{label:>12}: weight {total:5d}  symbols ok {len(summary.symbols_ok)}, "
                  f"failed {len(summary.failures)}, 429s {summary.rate_limited_429}  "
                  f"{dict(by_path)}")
            return total

        full = run("full")
        start = exchange.now
        for hours in (1, 24):
            exchange.set_now(start + timedelta(hours=hours))
            weight = run(f"+{hours} h")
            print(f"{'':>12}  = {100 * weight / full:.1f} % of the full refresh")
        exchange.reset_counters()
        fetch_execution_inputs("binanceusdm", "RENDER", api_base_url=exchange.base_url,
                               cache=cache)
        by_path: collections.Counter[str] = collections.Counter()
        for request in exchange.request_log:
            by_path[request.path.rsplit("/", 1)[-1]] += request.weight
        print(f"{'on demand':>12}: weight {sum(by_path.values()):5d}  one symbol's book and "
              f"30-day funding {dict(by_path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
