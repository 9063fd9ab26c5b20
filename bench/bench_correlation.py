"""Rolling correlation kernel against pandas: 60 symbols x 8,760 hourly bars, window 720.

Measured (each in its own fresh process, so one's memory does not hide the other's; the two
alternate, ``--repeat`` times, so machine load hits both alike):

* baseline: ``frame.rolling(720).corr()`` (pandas);
* measured: ``rolling_correlation(frame, 720)`` (``rotation_addin.core.correlation``), the same
  DataFrame layout (rows (time, symbol), one column per symbol).

Time is the call alone (data built and modules imported before the clock starts). Memory:
how far the process's peak resident set grew during the call (``ru_maxrss`` after minus the
resident set just before; the kernel maps its output directly, which ``tracemalloc`` does
not see), in a separate run of each, against the size of the output tensor
(T x p x p float64).
One more process checks that both give the same numbers (max absolute difference).

Acceptance: ours >= 5x faster than pandas, peak memory <= 2x the output's size.
Run: ``.venv/bin/python bench/bench_correlation.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

SYMBOLS, BARS, WINDOW = 60, 8760, 720
TARGET_SPEEDUP, TARGET_MEMORY = 5.0, 2.0


def hourly_returns() -> object:
    """Seeded one-factor hourly log returns; three symbols list late (NaN before)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(17)
    market = rng.standard_t(4, BARS) * 0.006
    loadings = rng.uniform(0.5, 1.5, SYMBOLS)
    values = market[:, None] * loadings + rng.normal(0, 0.008, (BARS, SYMBOLS))
    values[: BARS // 3, :3] = np.nan
    index = pd.date_range("2025-01-01", periods=BARS, freq="h", tz="UTC")
    return pd.DataFrame(values, index=index, columns=[f"S{i:02d}" for i in range(SYMBOLS)])


def run_child(which: str, memory: bool) -> dict[str, float]:
    """One measurement in this process: seconds of the call, or its traced peak bytes."""
    import pandas as pd

    from rotation_addin.core.correlation import rolling_correlation

    frame = hourly_returns()
    assert isinstance(frame, pd.DataFrame)

    def call() -> pd.DataFrame:
        if which == "pandas":
            return frame.rolling(WINDOW).corr()
        return rolling_correlation(frame, WINDOW)

    if memory:
        page = os.sysconf("SC_PAGE_SIZE")
        before = int(Path("/proc/self/statm").read_text().split()[1]) * page
        result = call()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
        return {"peak_bytes": float(peak - before),
                "output_bytes": float(result.to_numpy().nbytes)}
    start = time.perf_counter()
    call()
    return {"seconds": time.perf_counter() - start}


def check_child() -> dict[str, float]:
    """Max |ours - pandas| where pandas has a value, and whether NaN patterns agree."""
    import numpy as np
    import pandas as pd

    from rotation_addin.core.correlation import rolling_correlation

    frame = hourly_returns()
    assert isinstance(frame, pd.DataFrame)
    ours = rolling_correlation(frame, WINDOW).to_numpy()
    theirs = frame.rolling(WINDOW).corr().to_numpy()
    finite = np.isfinite(theirs)
    same_nan = bool(np.array_equal(finite, np.isfinite(ours)))
    return {"max_abs_diff": float(np.abs(ours[finite] - theirs[finite]).max()),
            "same_missing": float(same_nan)}


def child(args: list[str]) -> dict[str, float]:
    """Run a measurement in a fresh interpreter and return its JSON answer."""
    repo = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, __file__, "--child", *args], cwd=repo,
                         capture_output=True, text=True, timeout=1800, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"child {args} failed: {out.stderr[-2000:]}")
    answer: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return answer


def spread(values: list[float], unit: float = 1.0) -> str:
    return (f"median {statistics.median(values) / unit:8.3f}  "
            f"(min {min(values) / unit:.3f}, max {max(values) / unit:.3f})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each (default 3)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child[0] == "check":
            print(json.dumps(check_child()))
        else:
            print(json.dumps(run_child(args.child[0], args.child[1] == "memory")))
        return 0
    times: dict[str, list[float]] = {"pandas": [], "ours": []}
    for _ in range(args.repeat):
        for which in times:
            times[which].append(child([which, "time"])["seconds"])
    ratios = [p / o for p, o in zip(times["pandas"], times["ours"], strict=True)]
    memory = {which: child([which, "memory"]) for which in times}
    check = child(["check"])
    output = memory["ours"]["output_bytes"]
    print(f"{SYMBOLS} symbols x {BARS} bars, window {WINDOW}; {args.repeat} alternating "
          f"runs of each, fresh process each; python {sys.version.split()[0]}")
    for which, values in times.items():
        print(f"{which:7s} seconds: {spread(values)}")
    print(f"speed-up pandas/ours (pair by pair): {spread(ratios)}  target >= {TARGET_SPEEDUP}x")
    print(f"output tensor: {output / 2**20:.1f} MiB")
    for which, figures in memory.items():
        print(f"{which:7s} peak RSS growth: {figures['peak_bytes'] / 2**20:8.1f} MiB = "
              f"{figures['peak_bytes'] / output:.2f}x the output")
    print(f"agreement: max |ours - pandas| = {check['max_abs_diff']:.2e}; "
          f"same missing windows: {bool(check['same_missing'])}")
    ok = (statistics.median(ratios) >= TARGET_SPEEDUP
          and memory["ours"]["peak_bytes"] <= TARGET_MEMORY * output)
    print("verdict:", "OK" if ok else "OVER TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
