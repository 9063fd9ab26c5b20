"""Demo simulator at scale: build time per symbol count, and output against ``main``'s code.

Each measurement is a fresh Python process (cold: imports, simulation, no memo), run with
``PYTHONPATH`` pointing either at this checkout or at a copy of the baseline revision's
``rotation_addin`` (``git archive <rev>``, default ``main``) taken in the same run, so the
two are timed on the same machine under the same load, alternating.

* measured: ``demo_dataset(universe=<n symbols>)`` (daily frames, macro, sentiment,
  contract rules, tickers, order books: what ``rotation plan`` loads), n = 22, 200, 1000;
  the universe is the bundled one plus ``SIM0000...`` members spread over the five trading
  sectors (they get their sector's average parameters);
* compared: a SHA-256 of every frame / mapping of the dataset and of ``hourly_candles`` /
  ``funding_history`` for three bases, per symbol count, baseline vs this checkout.
  "same" means bit-identical output for the same seed.

Run: ``.venv/bin/python bench/bench_demo_market.py [--repeat 3] [--baseline main]
[--sizes 22 200 1000] [--baseline-max 200]`` (the baseline is quadratic: sizes above
``--baseline-max`` are measured on this checkout only).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = r'''
import hashlib, json, sys, time
start = time.perf_counter()
from rotation_addin.core.universe import Universe
from rotation_addin.data.universe_io import default_universe
from rotation_addin.data.demo import demo_dataset, demo_market

def scaled(n):
    sectors = {k: list(v) for k, v in default_universe().sectors.items()}
    trading = [s for s in sectors if s != "benchmark"]
    i = 0
    while sum(len(v) for v in sectors.values()) < n:
        sectors[trading[i % len(trading)]].append(f"SIM{i:04d}")
        i += 1
    return Universe({k: tuple(v) for k, v in sectors.items()})

n, with_hash = int(sys.argv[1]), sys.argv[2] == "1"
universe = scaled(n)
import datetime as dt
end = dt.date(2025, 6, 30)
imported = time.perf_counter()
dataset = demo_dataset(end=end, universe=universe)
built = time.perf_counter()
out = {"import_s": imported - start, "build_s": built - imported}
if with_hash:
    def h(value):
        return hashlib.sha256(repr(value).encode() if not hasattr(value, "to_numpy")
                              else value.to_numpy().tobytes() + repr(list(value.columns)).encode()
                              ).hexdigest()[:16]
    hashes = {name: h(getattr(dataset, name)) for name in
              ("open", "high", "low", "close", "volume_usd", "macro", "social_volume",
               "onchain_activity")}
    hashes["contracts"] = h(sorted(dataset.contracts.items()))
    hashes["tickers"] = h(sorted(dataset.tickers.items()))
    hashes["order_books"] = h(sorted(dataset.order_books.items()))
    market = demo_market(end=end, universe=universe)
    for base in ("BTC", "RENDER", universe.bases[-1]):
        hashes[f"hourly {base}"] = h(market.hourly_candles(base))
        hashes[f"funding {base}"] = h(market.funding_history(base))
        hashes[f"daily {base}"] = h(market.daily_candles(base))
    out["hashes"] = hashes
print(json.dumps(out))
'''


def run(pythonpath: Path, n: int, with_hash: bool) -> dict[str, object]:
    """One cold child process; returns its JSON (times in s, optional hashes)."""
    env = dict(os.environ, PYTHONPATH=str(pythonpath))
    result = subprocess.run([sys.executable, "-c", CHILD, str(n), "1" if with_hash else "0"],
                            env=env, capture_output=True, text=True, timeout=1800,
                            cwd=tempfile.gettempdir())
    if result.returncode != 0:
        raise RuntimeError(f"child failed ({pythonpath}, n={n}): {result.stderr[-2000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def baseline_tree(revision: str) -> Path:
    """``rotation_addin`` of ``revision`` extracted into a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="bench-demo-base-"))
    archive = folder / "tree.tar"
    with archive.open("wb") as handle:
        subprocess.run(["git", "-C", str(REPO), "archive", revision, "rotation_addin"],
                       stdout=handle, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", default="main", help="git revision to compare with")
    parser.add_argument("--sizes", type=int, nargs="+", default=[22, 200, 1000])
    parser.add_argument("--baseline-max", type=int, default=200)
    args = parser.parse_args(argv)
    base = baseline_tree(args.baseline)
    print(f"machine: {os.cpu_count()} CPU(s); {args.repeat} cold runs each; baseline "
          f"{args.baseline}; python {sys.version.split()[0]}")
    print(f"{'symbols':>7} | {'baseline build s':>16} | {'this build s':>12} | "
          f"{'ratio':>6} | {'ms / symbol':>11}")
    rows: list[tuple[int, float]] = []
    differing: dict[int, list[str]] = {}
    for n in args.sizes:
        compare = n <= args.baseline_max
        ours: list[float] = []
        theirs: list[float] = []
        for k in range(args.repeat):
            first = k == 0
            result = run(REPO, n, first and compare)
            ours.append(float(result["build_s"]))  # type: ignore[arg-type]
            if compare:
                other = run(base, n, first)
                theirs.append(float(other["build_s"]))  # type: ignore[arg-type]
                if first:
                    a = dict(result["hashes"])  # type: ignore[call-overload]
                    b = dict(other["hashes"])  # type: ignore[call-overload]
                    differing[n] = sorted(key for key in b if a.get(key) != b[key])
        mine = statistics.median(ours)
        rows.append((n, mine))
        old = f"{statistics.median(theirs):16.3f}" if theirs else f"{'-':>16}"
        ratio = f"{statistics.median(theirs) / mine:5.1f}x" if theirs else f"{'-':>6}"
        print(f"{n:7d} | {old} | {mine:12.3f} | {ratio} | {mine / n * 1000:11.2f}")
    for (n0, t0), (n1, t1) in itertools.pairwise(rows):
        print(f"marginal cost {n0} -> {n1} symbols: {(t1 - t0) / (n1 - n0) * 1000:.2f} ms/symbol")
    for n, keys in differing.items():
        verdict = "bit-identical to baseline" if not keys else f"differs in {', '.join(keys)}"
        print(f"output at {n} symbols: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
