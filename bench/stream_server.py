"""Loopback exchange for the streaming bench, in its own process (as a real exchange is).

Starts the REST emulator (``tests/emulator/binance.py``) on a synthetic market of ``--symbols``
assets and the websocket emulator (``tests/emulator/binance_ws.py``), prints one JSON line
``{"rest": URL, "ws": URL, "ids": [...]}``, then reads commands from stdin, one a line:
``tick RATE`` (every symbol RATE times a second, a random walk), ``stop`` (stop ticking),
``stats`` (prints ``{"frames_sent": n, "connections": n}``), ``quit``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.emulator.binance import BinanceEmulator
from tests.emulator.binance_ws import BinanceStreamEmulator
from tests.emulator.fixture_market import FixtureMarket


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=40)
    args = parser.parse_args()
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    market = FixtureMarket.synthetic(args.symbols, end=today, days=200, seed=11)
    with BinanceEmulator(market) as rest, BinanceStreamEmulator() as ws:
        ids = [f"{base}USDT" for base in market.contract_specs()]
        start = {i: 10.0 + n for n, i in enumerate(ids)}
        print(json.dumps({"rest": rest.base_url, "ws": ws.ws_url, "ids": ids,
                          "bases": list(market.contract_specs())}), flush=True)
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            if words[0] == "tick":
                ws.start_ticking(ids, float(words[1]),
                                 lambda s, n: start[s] * (1 + 0.01 * math.sin(n / 7)))
            elif words[0] == "stop":
                ws.stop_ticking()
            elif words[0] == "stats":
                print(json.dumps({"frames_sent": ws.frames_sent,
                                  "connections": ws.connection_count()}), flush=True)
            elif words[0] == "quit":
                break
    return 0


if __name__ == "__main__":
    sys.exit(main())
