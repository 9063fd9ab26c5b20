"""The trade journal at 10,000 paper trades: writing them, the weekly review over them, and one
checked entry on top of them.

* writes: 10,000 paper trades opened and closed (fills with fee and slippage from
  :func:`rotation_addin.core.paper.paper_fill`), one transaction per event as the CLI writes
  them (``--one-transaction``: all in one, to build the file quickly), into a fresh journal;
* cold, each in a fresh process, alternating, ``--repeat`` times (medians, min-max):
  - baselines: ``python -c "import rotation_addin"`` (the interpreter) and ``rotation --help``
    (the CLI's fixed cost: interpreter, imports, the parser);
  - ``rotation journal review`` over the week holding all 10,000 trades, end to end, with the
    saved fold in the file (what the user runs every time after the first) and with it
    removed before each run (a full replay of every row, which saves it again);
  - the review part alone in a fresh process: ``desk.journal_ops.review`` timed as its first
    call, after its imports and the demo market are loaded (timed apart), with and without
    the saved fold;
* warm, in this process: the review again (the app and a workbook refresh: memoised), and
  ``desk.journal.check_trade`` (every rule, against the same journal).

Target: the review under 0.5 s. Run: ``.venv/bin/python bench/bench_journal.py [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

TRADES = 10_000
TARGET_S = 0.5
BIN = Path(sys.executable).parent
REVIEW_PART = """
import json, sys, time
started = time.perf_counter()
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.data.loader import load_market
from rotation_addin.desk.journal import JournalInputs
from rotation_addin.desk.journal_ops import review
imported = time.perf_counter()
dataset = load_market("demo")
loaded = time.perf_counter()
inputs = JournalInputs(params=PlanParameters(), dataset=dataset, now=dataset.as_of,
                       path=sys.argv[1])
result = review(inputs)
done = time.perf_counter()
print(json.dumps({"imports": imported - started, "market": loaded - imported,
                  "review": done - loaded, "trades": result.trades}))
"""


def write_trades(path: Path, dataset: object, count: int, one_transaction: bool) -> float:
    """Seconds to journal ``count`` paper trades opened and closed."""
    from rotation_addin.core.ledger import JournalEvent
    from rotation_addin.core.paper import paper_fill
    from rotation_addin.core.types import Side
    from rotation_addin.journal.store import JournalStore

    as_of = dataset.as_of  # type: ignore[attr-defined]
    start = time.perf_counter()
    batch: list[JournalEvent] = []
    with JournalStore(path) as store:
        for i in range(count):
            opened_at = as_of - timedelta(days=6, hours=23) + timedelta(seconds=50 * i)
            side = Side.LONG if i % 2 else Side.SHORT
            entry = paper_fill(10.0, 5.0, buys=side is Side.LONG, taker_fee_rate=0.0005,
                               slippage_rate=0.0005)
            exit_price = 10.0 * (1 + (0.03 if i % 3 else -0.02) * side.sign)
            leave = paper_fill(exit_price, 5.0, buys=side is Side.SHORT, taker_fee_rate=0.0005,
                               slippage_rate=0.0005)
            common = dict(account="paper", trade_id=f"t{i}", base="RENDER", sector="render",
                          side=side, quantity_base=5.0)
            events = [JournalEvent(kind="open", event_time=opened_at,
                                   price_usd=entry.price_usd, fee_usd=entry.fee_usd,
                                   stop_price_usd=10.0 * (1 - 0.05 * side.sign),
                                   **common),  # type: ignore[arg-type]
                      JournalEvent(kind="close", event_time=opened_at + timedelta(seconds=40),
                                   price_usd=leave.price_usd, fee_usd=leave.fee_usd,
                                   **common)]  # type: ignore[arg-type]
            if one_transaction:
                batch += events
            else:
                for event in events:
                    store.append([event])
        store.append(batch)
    return time.perf_counter() - start


def median_time(action: object, repeat: int) -> float:
    """Median seconds of ``action()`` over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def drop_snapshots(path: Path) -> None:
    """Remove the saved folds (the next read replays every row and saves them again)."""
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM fold_snapshots")


def timed_run(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Seconds of one fresh process running ``command`` (must exit 0), and its output."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip()[-400:]}")
    return elapsed, done.stdout


def cold_runs(path: Path, dataset: object, repeat: int, env: dict[str, str],
              trades: int) -> dict[str, list[float]]:
    """Fresh-process timings, alternating, ``repeat`` rounds."""
    as_of = dataset.as_of  # type: ignore[attr-defined]
    window = ["--from", f"{as_of - timedelta(days=7):%Y-%m-%d}", "--to", f"{as_of:%Y-%m-%d}"]
    review_cli = [str(BIN / "rotation"), "journal", "review", "--source", "demo",
                  "--journal-file", str(path), *window]
    _, out = timed_run([*review_cli, "--json"], env)
    assert json.loads(out)["trades"] == trades, out[:200]  # the review covers them all
    figures: dict[str, list[float]] = {k: [] for k in (
        "python", "help", "cli_saved", "cli_replay", "imports", "market", "part_saved",
        "part_replay")}
    for _ in range(repeat):
        figures["python"].append(timed_run([sys.executable, "-c", "import rotation_addin"],
                                           env)[0])
        figures["help"].append(timed_run([str(BIN / "rotation"), "--help"], env)[0])
        figures["cli_saved"].append(timed_run(review_cli, env)[0])
        drop_snapshots(path)
        figures["cli_replay"].append(timed_run(review_cli, env)[0])  # saves the fold again
        for key in ("part_saved", "part_replay"):
            if key == "part_replay":
                drop_snapshots(path)
            part = json.loads(timed_run([sys.executable, "-c", REVIEW_PART, str(path)],
                                        env)[1])
            figures[key].append(part["review"])
            if key == "part_saved":
                figures["imports"].append(part["imports"])
                figures["market"].append(part["market"])
    return figures


def show(name: str, values: list[float], baseline: float | None = None) -> str:
    """One line: median (min-max) and the ratio to ``baseline``."""
    median = statistics.median(values)
    ratio = f"  {median / baseline:5.2f}x --help" if baseline else ""
    return f"  {name:<52} {median:7.3f} s ({min(values):.3f}-{max(values):.3f}){ratio}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--trades", type=int, default=TRADES)
    parser.add_argument("--one-transaction", action="store_true",
                        help="write every event in one transaction (quick file build)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as home:
        os.environ["ROTATION_DESK_HOME"] = home
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package runs from .pyc
        from rotation_addin.core.rotation import PlanParameters
        from rotation_addin.data.loader import load_market
        from rotation_addin.desk.journal import JournalInputs, OrderRequest, check_trade
        from rotation_addin.desk.journal_ops import review

        dataset = load_market("demo")
        path = Path(home) / "journal.sqlite3"
        written = write_trades(path, dataset, args.trades, args.one_transaction)
        inputs = JournalInputs(params=PlanParameters(), dataset=dataset,
                               now=dataset.as_of, path=path)
        result = review(inputs)  # replays every row and saves the fold
        assert result.trades == args.trades, result.trades
        cold = cold_runs(path, dataset, args.repeat, env, args.trades)
        review_s = median_time(lambda: review(inputs), args.repeat)
        price = float(dataset.close["RENDER"].iloc[-1])
        request = OrderRequest("RENDER", "short", stop=price * 1.05, quantity=1.0)
        check_s = median_time(lambda: check_trade(inputs, request), args.repeat)
    help_s = statistics.median(cold["help"])
    how = "one transaction" if args.one_transaction else "one transaction per event"
    print(f"journal: {args.trades:,} paper trades opened and closed, {2 * args.trades:,} rows; "
          f"cold = fresh process each, median (min-max) of {args.repeat}")
    print(f"  write ({how}) {written:8.2f} s ({written / (2 * args.trades) * 1000:.2f} ms "
          "per event)")
    print(show("baseline: python -c 'import rotation_addin'", cold["python"], help_s))
    print(show("baseline: rotation --help", cold["help"], help_s))
    print(show("rotation journal review, fold saved (end to end)", cold["cli_saved"], help_s))
    print(show("rotation journal review, full replay (end to end)", cold["cli_replay"], help_s))
    print(show("  its imports (fresh process)", cold["imports"]))
    print(show("  demo market load", cold["market"]))
    saved, replay = statistics.median(cold["part_saved"]), statistics.median(cold["part_replay"])
    print(show("review part, fold saved (first call)", cold["part_saved"]) +
          f"  target < {TARGET_S} s: {'met' if saved < TARGET_S else 'NOT met'}")
    print(show("review part, full replay (first call)", cold["part_replay"]) +
          f"  target < {TARGET_S} s: {'met' if replay < TARGET_S else 'NOT met'}")
    print(f"  {'review, warm (memoised, same process)':<52} {review_s:7.3f} s")
    print(f"  {'check_trade (every rule), warm':<52} {check_s:7.3f} s")
    print(f"  review figures: {result.trades:,} trades, win rate {result.win_rate:.1%}, "
          f"average R {result.average_r:.3f}, max drawdown {result.max_drawdown_usd:,.2f} USD")
    return 0


if __name__ == "__main__":
    sys.exit(main())
