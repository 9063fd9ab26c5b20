"""A 10,000-cell ``=CRYPTO_PRICE()`` recalculation, this tree against the code before the desk
session.

Each repetition is a fresh Python process with its own ``ROTATION_DESK_HOME`` (demo data
source, so no network): it calls ``udfs.PRICE`` once untimed (the demo market is built and the
quote snapshot taken), then times 10,000 calls over 40 symbols, as Excel calls the function
cell by cell. The two trees alternate. Target: before / now >= 5x.

Run: ``.venv/bin/python bench/bench_price_cells.py [--repeat 5] [--cells 10000]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline_tree import BASELINE_REF, REPO, baseline_tree

CHILD = r"""
import sys, time
from rotation_addin import udfs
from rotation_addin.data.universe_io import load_universe
cells = int(sys.argv[1])
bases = list(load_universe().bases)[:40]
price = getattr(udfs, "CRYPTO_PRICE", None) or udfs.PRICE  # renamed after the baseline
price(bases[0])
start = time.perf_counter()
values = [price(bases[i % len(bases)]) for i in range(cells)]
elapsed = time.perf_counter() - start
assert all(isinstance(v, float) and v > 0 for v in values), values[:3]
print(elapsed)
"""
TARGET = 5.0


def recalculation_s(root: Path, cells: int) -> float:
    """Seconds of ``cells`` PRICE calls in a fresh process running the code under ``root``."""
    env = dict(os.environ, ROTATION_DESK_HOME=tempfile.mkdtemp(prefix="bench-price-"))
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    # cwd outside the repository: `python -c` puts the cwd before PYTHONPATH on sys.path
    out = subprocess.run([sys.executable, "-c", CHILD, str(cells)], env=env, check=True,
                         capture_output=True, text=True, cwd=env["ROTATION_DESK_HOME"]).stdout
    return float(out.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument("--cells", type=int, default=10_000, help="PRICE cells (default 10000)")
    parser.add_argument("--baseline-ref", default=BASELINE_REF,
                        help=f"git revision of the 'before' code (default {BASELINE_REF})")
    args = parser.parse_args()
    before_root = baseline_tree(args.baseline_ref)
    runs: dict[str, list[float]] = {"before": [], "now": []}
    for _ in range(args.repeat):
        runs["before"].append(recalculation_s(before_root, args.cells))
        runs["now"].append(recalculation_s(REPO, args.cells))
    medians = {name: statistics.median(times) for name, times in runs.items()}
    print(f"{args.cells} PRICE cells, {args.repeat} fresh processes of each, alternating; "
          f"before = {args.baseline_ref}")
    for name, times in runs.items():
        print(f"{name:7s}: median {medians[name] * 1000:8.1f} ms  "
              f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}; "
              f"{medians[name] / args.cells * 1e6:.1f} us per cell)")
    speedup = medians["before"] / medians["now"]
    print(f"speed-up before / now: {speedup:.1f}x (target >= {TARGET}x) "
          f"{'OK' if speedup >= TARGET else 'UNDER TARGET'}")
    return 0 if speedup >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
