"""The long UDF fuzz run of issue #18: >= 50,000 hostile calls over every UDF.

The CI suite (tests/attack/test_fuzz_udfs.py) runs a few thousand calls through hypothesis;
this runs the same hostile families (tests/attack/hostile.py) from a seeded generator, every
UDF in turn, and counts what came back: 0 escaped exceptions, 0 ``#ERROR`` results and 0
``#INPUT``/``#REFUSED`` results that name no argument of the UDF are the acceptance.
It also reports calls per second against ``POSITION_SIZE`` with valid cells (the baseline,
measured in the same run).

Run: ``.venv/bin/python bench/bench_udf_fuzz.py [--calls 60000] [--seed 18]``.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args(argv)
    os.environ["ROTATION_DESK_HOME"] = tempfile.mkdtemp(prefix="udf-fuzz-")

    from rotation_addin import udfs
    from rotation_addin.excel import context
    from rotation_addin.excel.cell_errors import CellError
    from tests.attack.hostile import arity, random_cell, udf_problem

    context.clear()
    rng = random.Random(args.seed)
    start = time.perf_counter()
    for _ in range(2000):
        udfs.POSITION_SIZE(10_000, "2%", 100, 95)
    baseline = 2000 / (time.perf_counter() - start)
    outcomes: Counter[str] = Counter()
    problems: list[str] = []
    escaped = 0
    start = time.perf_counter()
    for call in range(args.calls):
        name = udfs.UDF_NAMES[call % len(udfs.UDF_NAMES)]
        function = getattr(udfs, name)
        total = arity(function)
        given = rng.randint(0, total)
        cells = [random_cell(rng) for _ in range(given)] + [None] * (total - given)
        try:
            result = function(*cells)
        except Exception as exc:  # the acceptance says this never happens
            escaped += 1
            problems.append(f"{name}: escaped {type(exc).__name__}: {exc}")
            continue
        reason = str(result) if isinstance(result, CellError) else ""
        head = reason.split(" ", 1)[0] if reason.startswith("#") else "value"
        outcomes[head] += 1
        problem = udf_problem(name, cells, result)
        if problem:
            problems.append(problem)
    elapsed = time.perf_counter() - start
    print(f"{args.calls:,} hostile UDF calls over {len(udfs.UDF_NAMES)} UDFs in {elapsed:.1f} s "
          f"({args.calls / elapsed:,.0f}/s; baseline valid POSITION_SIZE {baseline:,.0f}/s)")
    print("results: " + ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items())))
    print(f"escaped exceptions: {escaped}; unacceptable results: {len(problems)}")
    for line in problems[:10]:
        print("  " + line[:300])
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
