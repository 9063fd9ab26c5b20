"""``rotation plan`` end to end on the demo market, against bare interpreter start-up.

Subprocess wall time (fresh Python each run, alternating so machine load hits all alike):

* baseline A: ``python -c "import rotation_addin"`` (interpreter + package import);
* baseline B: ``rotation plan --help`` (the CLI registry with every command group, no data);
* measured:   ``rotation plan`` (demo market built, regime, scores, correlation, orders).

In-process: ``demo_dataset()`` (first, uncached build) and ``daily_report(dataset)`` medians.
Target: ``rotation plan`` under 2 s wall time on these machines.

Run: ``.venv/bin/python bench/bench_plan.py [--repeat 7]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

TARGET_S = 2.0
COMMANDS: dict[str, list[str]] = {
    "import rotation_addin": ["-c", "import rotation_addin"],
    "rotation plan --help": ["-m", "rotation_addin.cli.main", "plan", "--help"],
    "rotation plan": ["-m", "rotation_addin.cli.main", "plan"],
}


def wall_time(args: Sequence[str], env: dict[str, str]) -> float:
    """Seconds from start to exit of ``python *args`` (output discarded, exit code checked)."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, timeout=300)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return elapsed


def in_process(repeat: int) -> tuple[float, float, float]:
    """(first demo_dataset build, median daily_report, median plan text) in seconds."""
    import contextlib
    import io

    from rotation_addin.cli.main import main as cli_main
    from rotation_addin.core.report import daily_report
    from rotation_addin.data.demo import demo_dataset

    start = time.perf_counter()
    dataset = demo_dataset()
    build = time.perf_counter() - start
    reports: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        daily_report(dataset)
        reports.append(time.perf_counter() - start)
    cli: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            cli_main(["plan"])
        cli.append(time.perf_counter() - start)
    return build, statistics.median(reports), statistics.median(cli)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7, help="runs of each (default 7)")
    args = parser.parse_args()
    repo = Path(__file__).resolve().parents[1]
    home = tempfile.mkdtemp(prefix="bench-plan-")
    os.environ["ROTATION_DESK_HOME"] = home
    env = dict(os.environ)
    env["PYTHONPATH"] = str(repo) + os.pathsep + env.get("PYTHONPATH", "")
    for command in COMMANDS.values():  # untimed: fills the OS cache and byte-compiles
        wall_time(command, env)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.repeat):
        for name, command in COMMANDS.items():
            times[name].append(wall_time(command, env))
    medians = {name: statistics.median(values) for name, values in times.items()}
    build, report, cli = in_process(args.repeat)
    plan = medians["rotation plan"]
    print(f"machine: {os.cpu_count()} CPU(s); {args.repeat} alternating runs of each; "
          f"python {sys.version.split()[0]}")
    for name, values in times.items():
        print(f"{name:22s}: median {medians[name] * 1000:7.1f} ms  "
              f"(min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})")
    print(f"ratio plan / import rotation_addin : {plan / medians['import rotation_addin']:.2f}x")
    print(f"ratio plan / rotation plan --help  : {plan / medians['rotation plan --help']:.2f}x")
    print(f"in-process demo_dataset() first build: {build * 1000:7.1f} ms")
    print(f"in-process daily_report(demo), median: {report * 1000:7.1f} ms")
    print(f"in-process `rotation plan` (cached data), median: {cli * 1000:7.1f} ms")
    verdict = "OK" if plan < TARGET_S else "OVER TARGET"
    print(f"rotation plan wall time {plan:.2f} s vs target < {TARGET_S:.1f} s: {verdict}")
    return 0 if plan < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
