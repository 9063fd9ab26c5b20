"""``rotation plan`` at scale: 22, 200 and 1,000 demo symbols, cold process, cost per symbol.

The universe is widened the way a user does it: a ``universe.toml`` in the config folder
(``ROTATION_DESK_HOME``) listing the bundled sectors plus synthetic members (``X0000``...,
dealt round-robin to the trading sectors; the demo simulates a base without fitted
parameters with its sector's averages). For each size, in fresh processes:

* cold ``rotation plan`` wall time (interpreter, imports, demo market, report, text), and
  ``rotation plan --help`` as the fixed-cost baseline, alternating, ``--repeat`` times;
* in one process: the first demo market build (the simulator, ``data/demo``), then
  ``daily_report(dataset)`` and ``rotation plan`` with the market already built (medians;
  the desk session is cleared before each plan, so its report is computed each time: an
  earlier version measured the session's memoised report from the second run on).

Printed: the table, the cost per added symbol between sizes (linear = about equal), and
the simulator's share of the cold plan. Target: cold plan < 2 s at 1,000 symbols.
Run: ``.venv/bin/python bench/bench_plan_scale.py [--repeat 3] [--sizes 22 200 1000]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 2.0
SIZES = (22, 200, 1000)
CPU_SECONDS: list[float] = []
"""CPU time of each child run by :func:`wall_time`, in order."""


def write_universe(home: Path, symbols: int) -> None:
    """``home/config/universe.toml``: the bundled sectors widened to ``symbols`` bases."""
    bundled = REPO / "rotation_addin" / "resources" / "universe.toml"
    sectors = {k: list(v) for k, v in tomllib.loads(bundled.read_text())["sectors"].items()}
    trading = [name for name in sectors if name != "benchmark"]
    count = sum(len(members) for members in sectors.values())
    for extra in range(max(0, symbols - count)):
        sectors[trading[extra % len(trading)]].append(f"X{extra:04d}")
    lines = ['quote = "USDT"', 'benchmark = "BTC"', "", "[sectors]"]
    lines += [f"{name} = [{', '.join(json.dumps(b) for b in members)}]"
              for name, members in sectors.items()]
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "universe.toml").write_text("\n".join(lines) + "\n")


def wall_time(args: list[str], env: dict[str, str]) -> float:
    """Seconds from start to exit of ``python *args`` (output discarded, exit code checked).

    The child's CPU time (user + system) is appended to :data:`CPU_SECONDS`: on a loaded
    machine wall time waits for a core, CPU time much less so.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, timeout=1800, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_SECONDS.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return elapsed


def split_child(repeat: int) -> dict[str, float]:
    """In this process: simulator build, then median report and median in-process plan."""
    import contextlib
    import io

    from rotation_addin.cli.main import main as cli_main
    from rotation_addin.core.report import daily_report
    from rotation_addin.data.demo import demo_dataset
    from rotation_addin.data.universe_io import load_universe
    from rotation_addin.desk.session import default_session

    universe = load_universe()
    start = time.perf_counter()
    dataset = demo_dataset(universe=universe)
    build = time.perf_counter() - start
    reports, plans = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        daily_report(dataset)
        reports.append(time.perf_counter() - start)
        default_session().clear()  # the report is computed again, the market stays built
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            cli_main(["plan"])
        plans.append(time.perf_counter() - start)
    return {"symbols": float(len(dataset.close.columns)), "build": build,
            "report": statistics.median(reports), "plan_cached": statistics.median(plans)}


@dataclass(frozen=True)
class SizeFigures:
    """Every figure for one universe size (seconds)."""

    symbols: int
    cold: list[float]
    cold_cpu: list[float]
    fixed: list[float]
    build: float
    report: float
    plan_cached: float

    @property
    def cold_median(self) -> float:
        return statistics.median(self.cold)


def measure(symbols: int, repeat: int) -> SizeFigures:
    """Cold plans alternating with the ``--help`` baseline, then the in-process split."""
    home = Path(tempfile.mkdtemp(prefix=f"bench-plan-{symbols}-"))
    write_universe(home, symbols)
    env = dict(os.environ, ROTATION_DESK_HOME=str(home))
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    plan = ["-m", "rotation_addin.cli.main", "plan"]
    helper = ["-m", "rotation_addin.cli.main", "plan", "--help"]
    wall_time(helper, env)  # untimed warm-up: OS cache, byte-compiled modules
    cold: list[float] = []
    cold_cpu: list[float] = []
    fixed: list[float] = []
    for _ in range(repeat):
        cold.append(wall_time(plan, env))
        cold_cpu.append(CPU_SECONDS[-1])
        fixed.append(wall_time(helper, env))
    out = subprocess.run([sys.executable, __file__, "--child", str(repeat)], env=env,
                         capture_output=True, text=True, timeout=1800, check=True)
    split = json.loads(out.stdout.strip().splitlines()[-1])
    return SizeFigures(int(split["symbols"]), cold, cold_cpu, fixed, split["build"],
                       split["report"], split["plan_cached"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(split_child(args.child)))
        return 0
    rows = [measure(n, args.repeat) for n in args.sizes]
    print(f"machine: {os.cpu_count()} CPU(s); {args.repeat} runs of each; "
          f"python {sys.version.split()[0]}; load average at the end "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("symbols | cold plan median (min-max) s | cold plan CPU s | plan --help s | "
          "simulator build s | daily_report s | plan, market built s | simulator share")
    for row in rows:
        print(f"{row.symbols:7} | {row.cold_median:6.2f} ({min(row.cold):.2f}-"
              f"{max(row.cold):.2f}) | {statistics.median(row.cold_cpu):5.2f} | "
              f"{statistics.median(row.fixed):5.2f} | "
              f"{row.build:6.2f} | {row.report:6.3f} | {row.plan_cached:6.3f} | "
              f"{row.build / row.cold_median:5.1%}")
    for low, high in itertools.pairwise(rows):
        added = high.symbols - low.symbols

        def per(a: float, b: float, n: int = added) -> float:
            return (b - a) / n * 1000

        print(f"{low.symbols}->{high.symbols}: per added symbol (ms) cold plan "
              f"{per(low.cold_median, high.cold_median):.2f}, simulator "
              f"{per(low.build, high.build):.2f}, report {per(low.report, high.report):.2f}, "
              f"plan with market built {per(low.plan_cached, high.plan_cached):.2f}")
    largest = rows[-1]
    verdict = "OK" if largest.cold_median < TARGET_S else "OVER TARGET"
    print(f"cold plan at {largest.symbols} symbols: {largest.cold_median:.2f} s vs "
          f"< {TARGET_S} s: {verdict}")
    return 0 if largest.cold_median < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
