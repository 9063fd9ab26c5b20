"""Whole-strategy backtest: per-decision cost as history grows, and sweep throughput.

Measured in one run, alternating, several repeats (medians):

* per-decision cost of ``run_strategy`` (features precomputed, the last ``DECISIONS`` days
  traded) on the demo market with ``SHORT_DAYS`` and ``4 x SHORT_DAYS`` days of history;
  target: the long history within 1.3x of the short one (O(window), not O(history)). For
  comparison, the ranking walk-forward (``core.backtest.walk_forward``, which re-processes
  the history at each decision) on the same days;
* sweep throughput (settings x days per second) of ``run_sweep`` over a grid of
  ``GRID`` (the full plan per setting), serial and on 2 processes, against vectorbt
  ``Portfolio.from_orders`` on the same grid and data: vectorbt is given each setting's
  executed orders (quantities and fill prices from the sweep) and only does the
  accounting, all settings as columns of one call.

Run: ``.venv/bin/python bench/bench_backtest.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

SHORT_DAYS = 300
DECISIONS = 120
GRID = {"atr_stop_multiple": [1.5, 2.5], "max_leverage": [2.0, 5.0]}
SWEEP_DAYS = 400


def _last_rows(dataset: object, rows: int) -> object:
    from dataclasses import replace

    frames = {n: getattr(dataset, n).iloc[-rows:] for n in ("open", "high", "low", "close",
                                                            "volume_usd")}
    return replace(dataset, **frames)  # type: ignore[type-var]


def per_decision(days: int) -> tuple[float, float]:
    """(strategy s/decision, ranking walk-forward s/decision) on ``days`` of history.

    Both histories are the last rows of one 4 x SHORT_DAYS demo market, so the traded days
    (the last DECISIONS) see the same prices: only the length of the history differs.
    """
    from rotation_addin.core.backtest import walk_forward
    from rotation_addin.core.bt_features import build_features
    from rotation_addin.core.strategy_backtest import run_strategy
    from rotation_addin.data.demo import demo_dataset

    dataset = _last_rows(demo_dataset(days=4 * SHORT_DAYS), days)
    features = build_features(dataset)
    start = dataset.close.index[-DECISIONS - 1]
    began = time.perf_counter()
    result = run_strategy(dataset, features=features, start=start)
    strategy = (time.perf_counter() - began) / result.decisions
    began = time.perf_counter()
    ranking = walk_forward(dataset, horizon_days=1, rebalance_every_days=1,
                           start=dataset.close.index[-DECISIONS - 2])
    walk = (time.perf_counter() - began) / max(1, len(ranking.decisions) + ranking.skipped_days)
    return strategy, walk


def sweep_throughput(workers: int) -> tuple[float, object]:
    from rotation_addin.core.sweep import run_sweep
    from rotation_addin.data.demo import demo_dataset

    dataset = demo_dataset(days=SWEEP_DAYS)
    began = time.perf_counter()
    result = run_sweep(dataset, GRID, workers=workers, folds=3)
    elapsed = time.perf_counter() - began
    return result.equity.size / elapsed, result


def vectorbt_throughput() -> float:
    """vectorbt replaying each setting's orders (one column per setting), settings x days / s."""
    import vectorbt as vbt

    from rotation_addin.core.fills import fill_price
    from rotation_addin.core.strategy_backtest import run_strategy
    from rotation_addin.core.sweep import expand_grid
    from rotation_addin.data.demo import demo_dataset

    dataset = demo_dataset(days=SWEEP_DAYS)
    settings = expand_grid(GRID)
    bases = list(dataset.close.columns)
    columns: list[tuple[np.ndarray, np.ndarray]] = []
    for setting in settings:
        result = run_strategy(dataset, setting.params)
        sizes = np.zeros((len(result.equity), len(bases)))
        for trade in result.trades:  # entry and exit of each trade, signed
            j = bases.index(trade.base)
            sign = 1.0 if trade.side == "long" else -1.0
            rows = result.equity.index.get_indexer([trade.entry_day, trade.exit_day])
            sizes[rows[0], j] += sign * trade.quantity_base
            sizes[rows[1], j] -= sign * trade.quantity_base
        columns.append((sizes, result.equity.to_numpy()))
    days = columns[0][0].shape[0]
    size = np.concatenate([c[0] for c in columns], axis=1)
    close = np.tile(dataset.close.iloc[-days:].to_numpy(), (1, len(settings)))
    price = np.tile(np.array([[fill_price(max(x, 1e-9), True, 0.0) for x in row]
                              for row in dataset.open.iloc[-days:].to_numpy()]),
                    (1, len(settings)))
    groups = np.repeat(np.arange(len(settings)), len(bases))
    index = pd.RangeIndex(days)
    vbt.Portfolio.from_orders(close=pd.DataFrame(close, index=index),  # compile once
                              size=pd.DataFrame(size, index=index), price=price,
                              fees=0.0005, init_cash=10_000.0, cash_sharing=True,
                              group_by=groups, direction="both")
    began = time.perf_counter()
    pf = vbt.Portfolio.from_orders(close=pd.DataFrame(close, index=index),
                                   size=pd.DataFrame(size, index=index), price=price,
                                   fees=0.0005, init_cash=10_000.0, cash_sharing=True,
                                   group_by=groups, direction="both")
    pf.value()
    return len(settings) * days / (time.perf_counter() - began)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    short: list[tuple[float, float]] = []
    long: list[tuple[float, float]] = []
    for _ in range(args.repeat):
        short.append(per_decision(SHORT_DAYS))
        long.append(per_decision(4 * SHORT_DAYS))
    s_strategy = statistics.median(x[0] for x in short)
    l_strategy = statistics.median(x[0] for x in long)
    s_walk = statistics.median(x[1] for x in short)
    l_walk = statistics.median(x[1] for x in long)
    print(f"per decision, {SHORT_DAYS} d history: strategy {1e3 * s_strategy:.2f} ms, ranking "
          f"walk-forward {1e3 * s_walk:.2f} ms")
    print(f"per decision, {4 * SHORT_DAYS} d history: strategy {1e3 * l_strategy:.2f} ms, "
          f"ranking walk-forward {1e3 * l_walk:.2f} ms")
    ratio = l_strategy / s_strategy
    print(f"strategy cost ratio 4x history / 1x: {ratio:.2f} (target <= 1.3: "
          f"{'met' if ratio <= 1.3 else 'NOT met'}); ranking walk-forward {l_walk / s_walk:.2f}")
    serial = statistics.median(sweep_throughput(1)[0] for _ in range(args.repeat))
    parallel = statistics.median(sweep_throughput(2)[0] for _ in range(args.repeat))
    reference = statistics.median(vectorbt_throughput() for _ in range(args.repeat))
    print(f"sweep {len(GRID)} parameters, {np.prod([len(v) for v in GRID.values()])} settings "
          f"x {SWEEP_DAYS} d: serial {serial:,.0f} setting-days/s, 2 processes "
          f"{parallel:,.0f}; vectorbt from_orders replaying the same orders {reference:,.0f}")
    print(f"sweep throughput / vectorbt: {parallel / reference:.4f} (target >= 1.0: "
          f"{'met' if parallel >= reference else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
