"""Run every benchmark in one command and print each one's ratios.

    .venv/bin/python bench/run_all.py          # plan (22/200/1,000 symbols too), demo simulator,
                                               # rolling correlation, workbook, app start,
                                               # refresh (--quick), venues side by side,
                                               # journal, backtest, CLI start, 10,000
                                               # CRYPTO_PRICE cells, streaming, the
                                               # app's first "Live prices" click
    .venv/bin/python bench/run_all.py --full   # the refresh benchmark at full size (~6 min)
    .venv/bin/python bench/run_all.py --only live_toggle --only streaming
                                               # just those (name = file minus bench_ / .py)

Each benchmark measures against a baseline taken in the same run (see docs/benchmarks.md);
this script only runs them one after the other, so their figures are not mixed by load.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true",
                        help="refresh benchmark at full size (40 symbols, naive loop, sustained)")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="run only this benchmark (bench_NAME.py; repeatable)")
    args = parser.parse_args(argv)
    runs = [
        ["bench_plan.py"],
        ["bench_plan_scale.py"],
        ["bench_correlation.py"],
        ["bench_workbook.py"],
        ["bench_demo_market.py"],
        ["bench_gui_start.py"],
        ["bench_gui_refresh.py"],
        ["bench_refresh.py"] + ([] if args.full else ["--quick"]),
        ["bench_refresh_product.py"],
        ["bench_platforms.py"],
        ["bench_journal.py"],
        ["bench_backtest.py"],
        ["bench_cli_start.py"],
        ["bench_price_cells.py"],
        ["bench_streaming.py"],
        ["bench_live_toggle.py"],
    ]
    if args.only:
        names = {command[0].removeprefix("bench_").removesuffix(".py") for command in runs}
        unknown = sorted(set(args.only) - names)
        if unknown:
            parser.error(f"no benchmark named {', '.join(unknown)} (one of: "
                         f"{', '.join(sorted(names))})")
        runs = [command for command in runs
                if command[0].removeprefix("bench_").removesuffix(".py") in args.only]
    failed = []
    for command in runs:
        print(f"\n=== {' '.join(command)} ===", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / command[0]), *command[1:]])
        print(f"--- exit {code} in {time.perf_counter() - started:.1f} s", flush=True)
        if code != 0:
            failed.append(command[0])
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
