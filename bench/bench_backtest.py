"""Whole-strategy backtest: per-decision cost as history grows, and sweep throughput.

Measured in one run, alternating, several repeats (medians):

* per-decision cost of ``run_strategy`` (features precomputed, the last ``DECISIONS`` days
  traded) on the demo market with ``SHORT_DAYS`` and ``4 x SHORT_DAYS`` days of history;
  target: the long history within 1.3x of the short one (O(window), not O(history)). For
  comparison, the ranking walk-forward (``core.backtest.walk_forward``, which re-processes
  the history at each decision) on the same days;
* sweep throughput (settings x days per second) of ``run_sweep`` over ``GRID`` (the full
  plan per setting and day), serial and on 2 processes, against vectorbt on the same grid
  and data, two ways: ``Portfolio.from_signals`` computing the nearest rotation vectorbt
  can express itself (:func:`vectorbt_signals_sweep`: the target's reference), and
  ``Portfolio.from_orders`` only replaying each setting's executed orders from the sweep
  (accounting only, a lower bound of vectorbt's work), all settings as columns of one call.

Run: ``.venv/bin/python bench/bench_backtest.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from typing import Any

import numpy as np
import pandas as pd

SHORT_DAYS = 300
DECISIONS = 120
GRID = {"atr_stop_multiple": [1.5, 2.5], "max_leverage": [2.0, 5.0],
        "take_profit_atr_multiple": [2.0, 3.0, 4.5]}
SWEEP_DAYS = 400


def _last_rows(dataset: object, rows: int) -> object:
    from dataclasses import replace

    frames = {n: getattr(dataset, n).iloc[-rows:] for n in ("open", "high", "low", "close",
                                                            "volume_usd")}
    return replace(dataset, **frames)  # type: ignore[type-var]


def per_decision(days: int) -> tuple[float, float, float]:
    """(strategy s/decision, ranking walk-forward s/decision, strategy CPU s/decision) on
    ``days`` of history.

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
    began, cpu = time.perf_counter(), time.process_time()
    result = run_strategy(dataset, features=features, start=start)
    strategy = (time.perf_counter() - began) / result.decisions
    strategy_cpu = (time.process_time() - cpu) / result.decisions
    began = time.perf_counter()
    ranking = walk_forward(dataset, horizon_days=1, rebalance_every_days=1,
                           start=dataset.close.index[-DECISIONS - 2])
    walk = (time.perf_counter() - began) / max(1, len(ranking.decisions) + ranking.skipped_days)
    return strategy, walk, strategy_cpu


def sweep_throughput(workers: int) -> tuple[float, object, float]:
    """(setting-days per wall second, the result, setting-days per CPU second of this
    process: with workers > 1 the children's CPU is not in it)."""
    from rotation_addin.core.sweep import run_sweep
    from rotation_addin.data.demo import demo_dataset

    dataset = demo_dataset(days=SWEEP_DAYS)
    began, cpu = time.perf_counter(), time.process_time()
    result = run_sweep(dataset, GRID, workers=workers, folds=3)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    return result.equity.size / elapsed, result, result.equity.size / cpu


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


def _zscore(values: np.ndarray) -> np.ndarray:
    """Cross-sectional z-score per row (ddof 0), NaN -> 0, as ``core.scores`` does."""
    import warnings

    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows before the windows fill
        mean = np.nanmean(values, axis=1, keepdims=True)
        sd = np.nanstd(values, axis=1, keepdims=True)
        z = (values - mean) / np.where(sd > 1e-12, sd, np.nan)
    return np.where(np.isfinite(z), z, 0.0)


def _held_leader_members(features: Any, p: Any) -> np.ndarray:
    """Day x base, True where held: the daily leader sector by the plan's score (weighted
    z-scores of 7/30-day momentum and volume trend), its member with the best 7-day momentum,
    when the regime allows rotation; nothing in the sweep's 60-day warmup."""
    w = p.weights
    score = (w.momentum_7d * _zscore(features.momentum_short)
             + w.momentum_30d * _zscore(features.momentum_long)
             + w.volume_trend * _zscore(features.volume_trend))
    held = np.zeros((len(features.days), len(features.base_index)), dtype=bool)
    leader = np.argmax(score, axis=1)
    momentum = np.where(np.isfinite(features.member_momentum), features.member_momentum,
                        -np.inf)
    for row, k in enumerate(leader):
        members = [features.base_index[b] for b in features.member_bases[k]]
        if members and features.rotation_enabled[row]:
            held[row, members[int(np.argmax(momentum[row, members]))]] = True
    held[:60] = False  # the sweep's warmup
    return held


def _signal_arguments(vbt: Any, dataset: object, bases: list[str], held: np.ndarray,
                      settings: list[Any], p: Any) -> dict[str, Any]:
    """``Portfolio.from_signals`` arguments, every setting a column group of ``bases``:
    entries and exits at the next open, stop and take-profit at the setting's multiples of
    ATR(14), size ``min(1, risk_fraction / stop distance) x max_leverage`` (at most 100 %)."""
    frame = {n: getattr(dataset, n).reindex(columns=bases) for n in
             ("open", "high", "low", "close")}
    atr = vbt.ATR.run(frame["high"], frame["low"], frame["close"], window=p.atr_window_days
                      ).atr.to_numpy()
    stop_fraction = atr / frame["close"].to_numpy()
    decided = pd.DataFrame(held, index=frame["close"].index, columns=bases)
    entries = (decided & ~decided.shift(1, fill_value=False)).shift(1, fill_value=False)
    exits = (~decided & decided.shift(1, fill_value=False)).shift(1, fill_value=False)
    n = len(settings)
    tile = lambda x: np.tile(np.asarray(x, dtype=float), (1, n))  # noqa: E731
    sl = np.hstack([np.roll(s.params.atr_stop_multiple * stop_fraction, 1, axis=0)
                    for s in settings])
    tp = np.hstack([np.roll(s.params.take_profit_atr_multiple * stop_fraction, 1, axis=0)
                    for s in settings])
    size = np.hstack([np.minimum(1.0, np.minimum(1.0, p.risk_fraction / np.maximum(
        s.params.atr_stop_multiple * stop_fraction, 1e-9)) * s.params.max_leverage)
        for s in settings])
    size = np.roll(size, 1, axis=0)
    return dict(
        close=tile(frame["close"]), entries=np.tile(entries.to_numpy(), (1, n)),
        exits=np.tile(exits.to_numpy(), (1, n)), open=tile(frame["open"]),
        high=tile(frame["high"]), low=tile(frame["low"]), price=tile(frame["open"]),
        sl_stop=np.nan_to_num(sl, nan=np.inf), tp_stop=np.nan_to_num(tp, nan=np.inf),
        size=np.nan_to_num(size), size_type="percent", fees=p.taker_fee_rate,
        slippage=p.stop_slippage_rate, init_cash=p.equity_usd, cash_sharing=True,
        group_by=np.repeat(np.arange(n), len(bases)))


def vectorbt_signals_sweep(dataset: object,
                           grid: dict[str, list[float]]) -> tuple[float, float, int]:
    """vectorbt computing the nearest rotation it can express, on the same grid and data.

    Timed from the features (``build_features``, as the sweep does) to every setting's
    equity: the daily leader sector by the plan's score (weighted z-scores of 7/30-day
    momentum and volume trend), its member with the best 7-day momentum, held long; vectorbt
    ``Portfolio.from_signals`` with all settings as column groups (cash sharing), orders at
    the next open with slippage and the taker fee, intrabar stop and take-profit at
    ``atr_stop_multiple`` / ``take_profit_atr_multiple`` x ATR(14) (vectorbt's ATR), size
    ``min(1, risk_fraction / stop distance) x max_leverage`` capped at 100 % of cash
    (vectorbt does not lever). Not modelled (the plan does them): discipline rules, hedges
    and shorts, funding, liquidation, the portfolio stress cap. Returns (seconds, CPU
    seconds, days).
    """
    import vectorbt as vbt

    from rotation_addin.core.bt_features import build_features
    from rotation_addin.core.rotation import PlanParameters
    from rotation_addin.core.sweep import expand_grid

    began, cpu = time.perf_counter(), time.process_time()
    p = PlanParameters()
    settings = expand_grid(grid)
    features = build_features(dataset)  # type: ignore[arg-type]
    bases = list(features.base_index)
    held = _held_leader_members(features, p)
    pf = vbt.Portfolio.from_signals(**_signal_arguments(vbt, dataset, bases, held, settings, p))
    pf.value()
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    if int(pf.trades.count().sum()) == 0:
        raise RuntimeError("the vectorbt rotation made no trade: the baseline is broken")
    return elapsed, cpu, len(features.days) - 60


def vectorbt_signals_throughput() -> tuple[float, float]:
    """Settings x days per wall second and per CPU second of :func:`vectorbt_signals_sweep`
    (after one warm-up call that compiles vectorbt's numba kernels)."""
    from rotation_addin.data.demo import demo_dataset

    dataset = demo_dataset(days=SWEEP_DAYS)
    vectorbt_signals_sweep(dataset, GRID)  # compile vectorbt's kernels once
    elapsed, cpu, days = vectorbt_signals_sweep(dataset, GRID)
    work = int(np.prod([len(v) for v in GRID.values()])) * days
    return work / elapsed, work / cpu


def plan_and_book_cost(repeat: int) -> tuple[float, float]:
    """(full setting-day, book only) in CPU microseconds, minima over ``repeat`` rounds.

    Settings 2..N of ``GRID`` (the memos full, as in a sweep), each run twice: as the sweep
    runs it, and with ``strategy_backtest.decide`` (the plan) replaced by a replay of the
    orders the plan gave for that setting and day, so only the book runs (fills, intrabar
    stops and take-profits, liquidations, funding, marks). The replay's equity curves must
    equal the real ones bit for bit, else this raises. The difference is the plan's cost:
    it says what the sweep could reach if the plan cost nothing (measurement only; the
    patch is undone before this returns).
    """
    import rotation_addin.core.strategy_backtest as backtest
    from rotation_addin.core.sweep import _init, _run_one, expand_grid, shared_features
    from rotation_addin.data.demo import demo_dataset

    dataset = demo_dataset(days=SWEEP_DAYS)
    settings = expand_grid(GRID)
    _init(dataset, None, 60, shared_features(dataset, settings))
    plan = backtest.decide
    orders: dict[tuple[int, int], Any] = {}

    def recording(run: Any, row: int, equity: float) -> Any:
        orders[(id(run.params), row)] = made = plan(run, row, equity)
        return made

    def replay(run: Any, row: int, equity: float) -> Any:
        run.decisions += 1
        return orders[(id(run.params), row)]

    full, book = math.inf, math.inf
    try:
        backtest.decide = recording  # type: ignore[assignment]
        curves = [_run_one(s) for s in settings]
        days = sum(c.size for c in curves[1:])
        for _ in range(repeat):
            backtest.decide = plan
            began = time.process_time()
            for s in settings[1:]:
                _run_one(s)
            full = min(full, (time.process_time() - began) / days)
            backtest.decide = replay  # type: ignore[assignment]
            began = time.process_time()
            again = [_run_one(s) for s in settings[1:]]
            book = min(book, (time.process_time() - began) / days)
            if not all(np.array_equal(a, b) for a, b in zip(again, curves[1:], strict=True)):
                raise RuntimeError("the replayed orders gave other equity curves")
    finally:
        backtest.decide = plan
    return 1e6 * full, 1e6 * book


def sweep_figures(repeat: int) -> dict[str, float]:
    """Medians over ``repeat`` rounds, each round running serial, 2 processes, vectorbt
    from_signals and the order replay one after the other (alternating, so a change of the
    machine's load hits every side)."""
    rounds: dict[str, list[float]] = {k: [] for k in ("serial", "parallel", "reference",
                                                       "replay", "serial_cpu",
                                                       "reference_cpu")}
    for _ in range(repeat):
        serial, _result, serial_cpu = sweep_throughput(1)
        rounds["serial"].append(serial)
        rounds["serial_cpu"].append(serial_cpu)
        rounds["parallel"].append(sweep_throughput(2)[0])
        reference, reference_cpu = vectorbt_signals_throughput()
        rounds["reference"].append(reference)
        rounds["reference_cpu"].append(reference_cpu)
        rounds["replay"].append(vectorbt_throughput())
    return {k: statistics.median(x) for k, x in rounds.items()}


def _per_decision_report(repeat: int) -> None:
    short: list[tuple[float, float, float]] = []
    long: list[tuple[float, float, float]] = []
    for _ in range(repeat):
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
    s_cpu = statistics.median(x[2] for x in short)
    l_cpu = statistics.median(x[2] for x in long)
    print(f"strategy CPU per decision (less sensitive to load): {1e3 * s_cpu:.2f} ms / "
          f"{1e3 * l_cpu:.2f} ms, ratio {l_cpu / s_cpu:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sweep-only", action="store_true",
                        help="skip the per-decision part (the sweep against vectorbt only)")
    args = parser.parse_args()
    if not args.sweep_only:
        _per_decision_report(args.repeat)
    f = sweep_figures(args.repeat)
    print(f"sweep {len(GRID)} parameters, {np.prod([len(v) for v in GRID.values()])} settings "
          f"x {SWEEP_DAYS} d: serial {f['serial']:,.0f} setting-days/s, 2 processes "
          f"{f['parallel']:,.0f}; vectorbt from_signals computing the same grid's rotation "
          f"{f['reference']:,.0f}; vectorbt from_orders only replaying the sweep's orders "
          f"{f['replay']:,.0f}")
    best = max(f["serial"], f["parallel"])
    print(f"sweep throughput (best of serial / 2 processes) / vectorbt from_signals: "
          f"{best / f['reference']:.3f} (target >= 1.0: "
          f"{'met' if best >= f['reference'] else 'NOT met'}); / the replay (accounting "
          f"only): {best / f['replay']:.4f}")
    full, book = plan_and_book_cost(args.repeat)
    reference_us = 1e6 / f["reference_cpu"]
    print(f"CPU per setting-day, settings 2..{int(np.prod([len(x) for x in GRID.values()]))}: "
          f"the sweep "
          f"{full:.1f} us = the plan {full - book:.1f} + the book (fills, exits, funding, "
          f"marks; the plan's orders replayed) {book:.1f}; vectorbt from_signals, all of it "
          f"{reference_us:.1f}")
    print(f"per CPU second of one process (less sensitive to load): serial sweep "
          f"{f['serial_cpu']:,.0f}, vectorbt from_signals {f['reference_cpu']:,.0f} "
          f"setting-days; ratio {f['serial_cpu'] / f['reference_cpu']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
