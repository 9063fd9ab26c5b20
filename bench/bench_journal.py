"""The trade journal at 10,000 paper trades: writing them, the weekly review over them, and one
checked entry on top of them.

* writes: 10,000 paper trades opened and closed (fills with fee and slippage from
  :func:`rotation_addin.core.paper.paper_fill`), one transaction per event as the CLI writes
  them, into a fresh journal file;
* baseline: reading every row of that file with plain ``sqlite3`` (``SELECT *``, no objects);
* measured: ``desk.journal_ops.review`` over the week holding all 10,000 trades, cold (read
  rows -> events -> corrected view -> ledger -> review; the caches emptied first, what one
  ``rotation journal review`` pays) and warm (the app and the workbook refresh again: rows
  already parsed, the fold memoised), and ``desk.journal.check_trade`` (every rule, against
  the same journal) -- medians of ``--repeat`` runs, in the same process.

Target: the review under 0.5 s. Run: ``.venv/bin/python bench/bench_journal.py [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

TRADES = 10_000
TARGET_S = 0.5


def write_trades(path: Path, dataset: object, count: int) -> float:
    """Seconds to journal ``count`` paper trades opened and closed (one transaction each)."""
    from rotation_addin.core.ledger import JournalEvent
    from rotation_addin.core.paper import paper_fill
    from rotation_addin.core.types import Side
    from rotation_addin.journal.store import JournalStore

    as_of = dataset.as_of  # type: ignore[attr-defined]
    start = time.perf_counter()
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
            store.append([JournalEvent(kind="open", event_time=opened_at,
                                       price_usd=entry.price_usd, fee_usd=entry.fee_usd,
                                       stop_price_usd=10.0 * (1 - 0.05 * side.sign),
                                       **common)])  # type: ignore[arg-type]
            store.append([JournalEvent(kind="close", event_time=opened_at + timedelta(seconds=40),
                                       price_usd=leave.price_usd, fee_usd=leave.fee_usd,
                                       **common)])  # type: ignore[arg-type]
    return time.perf_counter() - start


def median_time(action: object, repeat: int) -> float:
    """Median seconds of ``action()`` over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--trades", type=int, default=TRADES)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as home:
        os.environ["ROTATION_DESK_HOME"] = home
        from rotation_addin.core.rotation import PlanParameters
        from rotation_addin.data.loader import load_market
        from rotation_addin.desk.journal import JournalInputs, OrderRequest, check_trade
        from rotation_addin.desk.journal_ops import review

        dataset = load_market("demo")
        path = Path(home) / "journal.sqlite3"
        written = write_trades(path, dataset, args.trades)
        inputs = JournalInputs(params=PlanParameters(), dataset=dataset,
                               now=dataset.as_of, path=path)

        def raw_read() -> None:
            with sqlite3.connect(path) as conn:
                conn.execute("SELECT * FROM events").fetchall()

        baseline = median_time(raw_read, args.repeat)
        result = review(inputs)
        assert result.trades == args.trades, result.trades

        def cold_review() -> None:
            from rotation_addin.desk import journal as desk_journal
            from rotation_addin.journal import store as journal_store

            journal_store._EVENT_CACHE.clear()
            desk_journal._LEDGERS.clear()
            review(inputs)

        cold_s = median_time(cold_review, args.repeat)
        review_s = median_time(lambda: review(inputs), args.repeat)
        price = float(dataset.close["RENDER"].iloc[-1])
        request = OrderRequest("RENDER", "short", stop=price * 1.05, quantity=1.0)
        check_s = median_time(lambda: check_trade(inputs, request), args.repeat)
    print(f"journal: {args.trades:,} paper trades opened and closed, "
          f"{2 * args.trades:,} rows, median of {args.repeat}")
    print(f"  write (one transaction per event)   {written:8.2f} s "
          f"({written / (2 * args.trades) * 1000:.2f} ms per event)")
    print(f"  baseline: sqlite3 SELECT * (rows)   {baseline:8.3f} s")
    print(f"  review, cold (parse + fold + review) {cold_s:8.3f} s  "
          f"({cold_s / baseline:.1f}x the raw read; target < {TARGET_S} s: "
          f"{'met' if cold_s < TARGET_S else 'NOT met'})")
    print(f"  review, warm (rows already parsed)   {review_s:8.3f} s  "
          f"({review_s / baseline:.1f}x the raw read; target < {TARGET_S} s: "
          f"{'met' if review_s < TARGET_S else 'NOT met'})")
    print(f"  check_trade (every rule)             {check_s:8.3f} s  "
          f"({check_s / baseline:.1f}x the raw read)")
    print(f"  review figures: win rate {result.win_rate:.1%}, average R {result.average_r:.3f}, "
          f"max drawdown {result.max_drawdown_usd:,.2f} USD")
    return 0


if __name__ == "__main__":
    sys.exit(main())
