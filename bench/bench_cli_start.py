"""Cold start of ``rotation size`` against ``python -c "import pandas"``.

Each repetition starts a fresh Python process and measures its wall time; the commands
alternate so machine load hits them alike, after one untimed warm-up of each (OS file cache,
byte-compiled modules). ``rotation size`` is run from this tree and, for comparison, from the
code before the desk session (``bench/baseline_tree.py``). Target: this tree's
``rotation size`` <= 0.6x ``import pandas``.

Run: ``.venv/bin/python bench/bench_cli_start.py [--repeat 9] [--baseline-ref REV]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline_tree import BASELINE_REF, REPO, baseline_tree

SIZE_ARGS = ["size", "--equity", "10000", "--entry", "7.50", "--stop", "7.05", "--side", "long"]
SIZE = f"import sys; from rotation_addin.cli.main import main; sys.exit(main({SIZE_ARGS!r}))"
PANDAS = "import pandas"
TARGET = 0.6


def wall_time(code: str, env: dict[str, str]) -> float:
    """Seconds of ``python -c code`` from start to exit (it must exit 0)."""
    start = time.perf_counter()
    # cwd outside the repository: `python -c` puts the cwd before PYTHONPATH on sys.path
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=env["ROTATION_DESK_HOME"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="runs of each (default 9)")
    parser.add_argument("--baseline-ref", default=BASELINE_REF,
                        help=f"git revision of the 'before' code (default {BASELINE_REF})")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="bench-cli-")
    envs = {}
    for name, root in (("now", REPO), ("before", baseline_tree(args.baseline_ref))):
        env = dict(os.environ, ROTATION_DESK_HOME=home)
        env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
        envs[name] = env
    runs: dict[str, list[float]] = {"import pandas": [], "rotation size": [],
                                    "rotation size (before)": []}
    plan = (("import pandas", PANDAS, envs["now"]), ("rotation size", SIZE, envs["now"]),
            ("rotation size (before)", SIZE, envs["before"]))
    for _, code, env in plan:
        wall_time(code, env)
    for _ in range(args.repeat):
        for name, code, env in plan:
            runs[name].append(wall_time(code, env))
    medians = {name: statistics.median(times) for name, times in runs.items()}
    print(f"runs: {args.repeat} of each, alternating; before = {args.baseline_ref}")
    for name, times in runs.items():
        print(f"{name:24s}: median {medians[name] * 1000:7.1f} ms  "
              f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f})")
    ratio = medians["rotation size"] / medians["import pandas"]
    before = medians["rotation size (before)"] / medians["import pandas"]
    print(f"ratio rotation size / import pandas: {ratio:.2f}x (before {before:.2f}x; target "
          f"<= {TARGET}x) {'OK' if ratio <= TARGET else 'OVER TARGET'}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
