"""Peak memory and wall time of ``rotation sectors`` (demo market) by universe size.

Issue #18: with no bound, 5,000 symbols passed 7.3 GB. The universe is now capped at
``core.universe.MAX_UNIVERSE_SYMBOLS`` (1,000); this measures what sizes below the cap cost,
against the bundled universe measured in the same run (baseline), and checks that one symbol
past the cap is refused in one line without building anything.

Each size runs in a fresh subprocess (``os.wait4`` gives its own peak RSS); an address-space
limit (``--limit-gb``) keeps a runaway size from taking the machine down.

Run: ``.venv/bin/python bench/bench_universe_size.py [--sizes 100,300,1000] [--repeat 1]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rotation_addin.core.universe import MAX_UNIVERSE_SYMBOLS

ROTATION = str(Path(sys.executable).parent / "rotation")
SECTORS = 10


def universe_toml(symbols: int) -> str:
    """A universe of ``symbols`` bases (BTC benchmark + synthetic names in 10 sectors)."""
    sectors: dict[str, list[str]] = {}
    for i in range(1, symbols):
        sectors.setdefault(f"sector{i % SECTORS}", []).append(f"S{i:05d}")
    lines = ['quote = "USDT"', 'benchmark = "BTC"', "", "[sectors]", 'benchmark = ["BTC"]']
    lines += [f"{name} = [{', '.join(repr(b).replace(chr(39), chr(34)) for b in members)}]"
              for name, members in sectors.items()]
    return "\n".join(lines) + "\n"


def run_sectors(symbols: int | None, limit_gb: float,
                timeout_s: float) -> tuple[int, float, float, str]:
    """Exit code, wall seconds, peak RSS in MB and last stderr line of one run."""
    with tempfile.TemporaryDirectory() as home:
        if symbols is not None:
            (Path(home) / "config").mkdir()
            (Path(home) / "config" / "universe.toml").write_text(universe_toml(symbols))
        env = {**os.environ, "ROTATION_DESK_HOME": home}
        limit = int(limit_gb * 1024**3)

        def cap() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        start = time.perf_counter()
        with tempfile.TemporaryFile("w+") as err_file:
            proc = subprocess.Popen([ROTATION, "sectors"], env=env, stdout=subprocess.DEVNULL,
                                    stderr=err_file, text=True, preexec_fn=cap)
            deadline = start + timeout_s
            while True:  # os.wait4 gives this child's own peak RSS
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    proc.kill()
                time.sleep(0.05)
            proc.returncode = os.waitstatus_to_exitcode(status)
            wall = time.perf_counter() - start
            err_file.seek(0)
            last = (err_file.read().strip().splitlines() or [""])[-1]
    return proc.returncode, wall, usage.ru_maxrss / 1024, last


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,300,1000")
    parser.add_argument("--limit-gb", type=float, default=12.0)
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    code, wall, peak, _ = run_sectors(None, args.limit_gb, args.timeout)
    print(f"baseline bundled universe: exit {code}, {wall:.1f} s, peak {peak:,.0f} MB",
          flush=True)
    base_wall, base_peak = wall, peak
    for size in sizes:
        code, wall, peak, last = run_sectors(size, args.limit_gb, args.timeout)
        print(f"{size:>5} symbols: exit {code}, {wall:.1f} s ({wall / base_wall:.1f}x), "
              f"peak {peak:,.0f} MB ({peak / base_peak:.1f}x) {last[:120] if code else ''}",
              flush=True)
    code, wall, peak, last = run_sectors(MAX_UNIVERSE_SYMBOLS + 1, args.limit_gb, args.timeout)
    print(f"{MAX_UNIVERSE_SYMBOLS + 1:>5} symbols: exit {code} in {wall:.1f} s, "
          f"peak {peak:,.0f} MB: {last}")
    return 0 if code == 2 else 1


if __name__ == "__main__":
    sys.exit(main())
