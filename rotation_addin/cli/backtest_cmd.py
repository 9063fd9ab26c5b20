"""``rotation backtest``: walk-forward test of the sector ranking, with no look-ahead.

Runs :func:`rotation_addin.core.backtest.walk_forward` on the demo market, the cache or a
folder of CSV prices and prints the source, the period, the hit-rate table (overall, by
regime, with the regime gate, over-extended calls), the divergence signals' hit rate, the
paper curve's total and one plain verdict that says only what the numbers support.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rotation_addin.cli import term
from rotation_addin.cli.backtest_args import (
    MAX_SPAN_DAYS,
    check_outputs,
    print_warnings,
    warmup_days,
    whole_days,
    write_output,
)
from rotation_addin.cli.flag_errors import as_flag
from rotation_addin.cli.quick_args import _in_range
from rotation_addin.core import formats, sweep_grid
from rotation_addin.core.constants import (
    DEFAULT_WARMUP_DAYS,
    MIN_WARMUP_DAYS,
    RANKING_EVERY_DAYS,
    RANKING_HORIZON_DAYS,
    SWEEP_WORKERS_DEFAULT_MAX,
    SWEEP_WORKERS_MAX,
)
from rotation_addin.core.errors import InputError
from rotation_addin.data.settings import load_settings

if TYPE_CHECKING:
    from rotation_addin.core.backtest import BacktestResult, HitStats
    from rotation_addin.core.dataset import MarketDataset

SIGNIFICANCE = 0.05
STATS_HEADERS = ["decisions", "hits", "hit rate %", "baseline %", "p-value",
                 "mean excess %", "t-stat"]
DECISION_HEADERS = ["day", "leader", "laggard", "regime", "rotation_enabled",
                    "leader_forward_pct", "sector_mean_forward_pct", "leader_excess_pct",
                    "leader_hit", "over_extended", "fomo", "curve_position",
                    "curve_cumulative_net_pct", "gated_position",
                    "gated_curve_cumulative_net_pct", "basket_cumulative_pct"]


def _strategy_arguments(parser: argparse.ArgumentParser) -> None:
    """The whole-strategy backtest's flags (``--strategy`` and its outputs)."""
    parser.add_argument("--strategy", action="store_true",
                        help="backtest the whole strategy instead of the ranking: the daily "
                             "plan traded with fees, slippage, funding, stops, take-profits, "
                             "liquidations and the discipline rules, against BTC, the "
                             "equal-weight universe and random-sector rotation")
    parser.add_argument("--report", default=None, metavar="FILE.html",
                        help="write the whole-strategy backtest as a self-contained HTML "
                             "report with charts (implies --strategy)")
    parser.add_argument("--workbook", default=None, metavar="FILE",
                        help="also write the whole-strategy backtest on the Backtest sheet of "
                             "this .xlsx/.xlsm (a refresh of that workbook; implies "
                             "--strategy)")
    parser.add_argument("--sweep", action="store_true",
                        help="also sweep the plan's parameters (without --grid: stop and "
                             "take-profit multiples and top-N, "
                             f"{sweep_grid.DEFAULT_SETTINGS} settings) on every core (--workers), "
                             "with "
                             "walk-forward optimisation and the deflated Sharpe ratio of the "
                             "best setting (implies --strategy)")
    parser.add_argument("--grid", action="append", default=None, metavar="NAME=V1,V2,...",
                        help="a parameter of the sweep and its values, repeated for each "
                             "parameter (implies --sweep); every combination is one setting, "
                             f"at most {sweep_grid.MAX_SETTINGS}. NAME is one of "
                             f"{', '.join(sweep_grid.SWEEP_NAMES)}")
    parser.add_argument("--workers", type=_in_range(1, SWEEP_WORKERS_MAX, whole=True),
                        default=None, metavar="N",
                        help="processes the sweep runs its settings on (default: the cores "
                             f"this process may use, at most {SWEEP_WORKERS_DEFAULT_MAX}; 1 "
                             "where the OS cannot fork, e.g. Windows)")


def register(subparsers: Any) -> None:
    """Add ``backtest`` to the ``rotation`` command."""
    parser = subparsers.add_parser(
        "backtest", help="walk-forward test of the sector ranking (no look-ahead): hit rate "
                         "vs chance, by regime, divergence signals, paper curve; --strategy "
                         "trades the whole plan with its costs, --sweep its parameters",
        description="Every --every days, rank the sectors with only the data up to that day "
                    "and score the call on the next --horizon days: did the leader beat the "
                    "mean of the sectors (BTC-relative), more often than a random sector "
                    "does? Reports the binomial p-value, the mean excess with its t-statistic, "
                    "the same by regime and with the regime gate, the divergence signals' "
                    "hit rate when sentiment data exists, and a paper curve 'long the "
                    "leader, short BTC' net of taker fees. In-sample, one period: a "
                    "measurement, not a forecast.")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--source", choices=("demo", "cache"), default=None,
                        help="demo = simulated market; cache = last `rotation refresh` "
                             "(default: the data_source setting)")
    source.add_argument("--data-dir", type=Path, default=None, metavar="FOLDER",
                        help="read prices from a folder of per-symbol CSVs (e.g. Coin Metrics "
                             "exports) instead of the demo market or the cache")
    parser.add_argument("--macro", type=Path, default=None, metavar="FILE",
                        help="with --data-dir: macro CSV (btc_dominance, stablecoin_supply_usd, "
                             "equity_index)")
    parser.add_argument("--social", type=Path, default=None, metavar="FILE",
                        help="with --data-dir: social-volume CSV (wide by base)")
    parser.add_argument("--onchain", type=Path, default=None, metavar="FILE",
                        help="with --data-dir: on-chain activity CSV (wide by base)")
    parser.add_argument("--exchange", metavar="ID", default=None,
                        help="exchange whose cached data to read (default: settings)")
    parser.add_argument("--cache", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--horizon", default=None, metavar="DAYS",
                        help="days after each decision it is scored on (default "
                             f"{RANKING_HORIZON_DAYS}; the ranking backtest only)")
    parser.add_argument("--every", default=None, metavar="DAYS",
                        help=f"days between decisions (default {RANKING_EVERY_DAYS}; the "
                             "ranking backtest only: --strategy decides every day)")
    parser.add_argument("--warmup", default=None, metavar="DAYS",
                        help="days of history before the first decision (>= "
                             f"{MIN_WARMUP_DAYS}, default {DEFAULT_WARMUP_DAYS})")
    parser.add_argument("--start", default=None, metavar="YYYY-MM-DD",
                        help="first decision day (default: after the warmup)")
    parser.add_argument("--end", default=None, metavar="YYYY-MM-DD",
                        help="last day of data used (default: the last day)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="machine-readable JSON")
    output.add_argument("--csv", action="store_true",
                        help="print one CSV row per decision instead of the summary (with "
                             "--strategy: one row per closed trade); warnings go to stderr")
    parser.add_argument("--csv-out", default=None, metavar="FILE",
                        help="also write one row per decision to FILE (atomic write); with "
                             "--strategy one row per closed trade. The file holds no "
                             "warnings: the summary, --json or stderr (--csv) print them")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing --report or --csv-out file (without it an "
                             "existing file is refused before anything runs)")
    _strategy_arguments(parser)
    parser.set_defaults(handler=_backtest)


# ----------------------------------------------------------------------------- loading
def _load(args: argparse.Namespace) -> tuple[MarketDataset, list[str]]:
    if args.data_dir is None:
        for flag in ("macro", "social", "onchain"):
            if getattr(args, flag) is not None:
                raise InputError(f"--{flag}", "only applies with --data-dir FOLDER")
        # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
        from rotation_addin.data.loader import load_market
        from rotation_addin.data.settings import load_settings

        settings = load_settings()
        dataset = load_market(args.source or settings.data_source,
                              exchange_id=args.exchange or settings.exchange_id,
                              cache_file=args.cache)
        return dataset, []
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.data.csv_import import import_csv_folder

    if not Path(args.data_dir).is_dir():
        raise InputError("--data-dir", f"must be an existing folder (got {args.data_dir})")
    imported = import_csv_folder(args.data_dir, macro_csv=args.macro, social_csv=args.social,
                                 onchain_csv=args.onchain)
    return imported.dataset, list(imported.warnings)


def _run(args: argparse.Namespace, dataset: MarketDataset) -> BacktestResult:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.core.backtest import walk_forward
    from rotation_addin.core.rotation import PlanParameters

    horizon = whole_days("--horizon", args.horizon, RANKING_HORIZON_DAYS, 1, MAX_SPAN_DAYS)
    every = whole_days("--every", args.every, RANKING_EVERY_DAYS, 1, MAX_SPAN_DAYS)
    warmup = warmup_days(args)
    params = PlanParameters.from_settings(load_settings())
    try:
        return walk_forward(dataset, params, horizon_days=horizon, rebalance_every_days=every,
                            warmup_days=warmup, start=args.start, end=args.end)
    except InputError as error:
        raise as_flag(error, "backtest") from None


# ----------------------------------------------------------------------------- output
def _pct(value: float, digits: int = 1) -> float:
    return round(100.0 * value, digits) if math.isfinite(value) else math.nan


def _round(value: float, digits: int) -> float:
    return round(value, digits) if math.isfinite(value) else math.nan


def _stats_row(name: str, stats: HitStats) -> list[Any]:
    return [name, stats.decisions, stats.hits, _pct(stats.hit_rate), _pct(stats.baseline_rate),
            _round(stats.p_value, 3), _pct(stats.mean_excess_log_return, 2),
            _round(stats.t_statistic, 2)]


def stats_rows(result: BacktestResult) -> list[list[Any]]:
    """The results table: one row per group of calls (leader overall, by regime...)."""
    rows = [_stats_row("leader, all decisions", result.leader)]
    rows += [_stats_row(f"leader, {s.label}", s) for s in result.by_regime]
    rows.append(_stats_row("leader, regime gate applied", result.gated))
    rows.append(_stats_row("over-extended as short", result.over_extended))
    return rows


def p_text(p: float) -> str:
    """``p = `` a p-value with two significant digits, more where two would round it to 1
    (``p = 0.999`` for 0.99935, not ``p = 1``), ``p > 0.999`` above that."""
    text = f"{p:.2g}"
    if p < 1.0 and float(text) >= 1.0:
        return f"p = {p:.3f}" if p < 0.9995 else "p > 0.999"
    return f"p = {text}"


def verdict(result: BacktestResult) -> str:
    """One plain sentence about the leader's hit rate that never claims more than the data."""
    s = result.leader
    if s.decisions == 0:
        return "no decision could be scored on this data: nothing to conclude."
    head = (f"the leader beat the sector mean in {formats.format_pct(s.hit_rate, 0)} of "
            f"{s.decisions} decisions vs {formats.format_pct(s.baseline_rate, 0)} for a random "
            f"sector ({p_text(s.p_value)})")
    if s.decisions < 20:
        return head + ": too few decisions to tell an edge from luck."
    t = s.t_statistic
    if s.p_value < SIGNIFICANCE and math.isfinite(t) and t >= 2.0:
        excess = formats.format_pct(s.mean_excess_log_return, 2, signed=True)
        return (head + f", mean excess {excess} per "
                f"{result.horizon_days} days (t = {t:.1f}): some evidence of an edge on this "
                "data, in-sample and on one period only.")
    if s.hit_rate <= s.baseline_rate:
        return (head + ": no evidence of an edge on this data (the leader did no better than "
                "a random sector).")
    return head + ": no evidence of an edge on this data."


def _divergence_line(result: BacktestResult) -> str:
    check = result.divergence
    rate = check.hit_rate
    if not check.available or rate is None:
        return f"divergence signals: {check.note}"
    return (f"divergence signals: {rate.hits} of {rate.signals} hit "
            f"({formats.format_pct(rate.hit_rate)} vs {formats.format_pct(rate.baseline_rate)} "
            "on random "
            f"days, {p_text(rate.p_value)}; entries {rate.entry_hits}/{rate.entry_signals}, "
            f"exits {rate.exit_hits}/{rate.exit_signals}) -- {check.note}")


def _curve_line(result: BacktestResult) -> str:
    if not result.curve:
        return "paper curve: no decision"
    last = result.curve[-1]
    def pct(value: float) -> str:
        return formats.format_pct(value, signed=True)

    return (f"paper curve, long the leader / short BTC, equal notional, rebalanced every "
            f"{result.rebalance_every_days} d, taker fee {100 * result.taker_fee_rate:g}% per "
            f"leg traded: {pct(last.cumulative_net_log_return)} (sum of log returns); with the "
            f"regime gate {pct(last.gated_cumulative_net_log_return)}; for comparison, all "
            f"sectors equally vs BTC (no fees) {pct(last.basket_cumulative_log_return)}")


def _period(result: BacktestResult) -> str:
    first, last = result.first_decision_day, result.last_decision_day
    decisions = (f"decisions {first:%Y-%m-%d} to {last:%Y-%m-%d}" if first is not None
                 and last is not None else "no decision")
    return (f"data {result.data_start:%Y-%m-%d} to {result.data_end:%Y-%m-%d}; {decisions}; "
            f"horizon {result.horizon_days} d, every {result.rebalance_every_days} d, "
            f"warmup {result.warmup_days} d")


def decision_rows(result: BacktestResult) -> list[list[Any]]:
    """One CSV row per decision (percent figures are BTC-relative log returns x 100)."""
    rows = []
    for d, point in zip(result.decisions, result.curve, strict=True):
        rows.append([
            f"{d.day:%Y-%m-%d}", d.leader, d.laggard, d.regime_label, d.rotation_enabled,
            _pct(d.forward_relative_log_returns[d.leader], 3),
            _pct(d.sector_mean_forward_log_return, 3), _pct(d.leader_excess_log_return, 3),
            d.leader_hit, ";".join(d.over_extended), ";".join(d.fomo), point.position,
            _pct(point.cumulative_net_log_return, 3), point.gated_position,
            _pct(point.gated_cumulative_net_log_return, 3),
            _pct(point.basket_cumulative_log_return, 3),
        ])
    return rows


def _json(result: BacktestResult, load_warnings: list[str]) -> str:
    return term.to_json({
        "source": result.source,
        "data_start": result.data_start,
        "data_end": result.data_end,
        "first_decision_day": result.first_decision_day,
        "last_decision_day": result.last_decision_day,
        "horizon_days": result.horizon_days,
        "rebalance_every_days": result.rebalance_every_days,
        "warmup_days": result.warmup_days,
        "taker_fee_rate": result.taker_fee_rate,
        "leader": result.leader,
        "by_regime": result.by_regime,
        "gated": result.gated,
        "over_extended": result.over_extended,
        "divergence": result.divergence,
        "paper_curve_net_log_return": result.curve[-1].cumulative_net_log_return
        if result.curve else None,
        "paper_curve_gated_net_log_return": result.curve[-1].gated_cumulative_net_log_return
        if result.curve else None,
        "basket_vs_btc_log_return": result.curve[-1].basket_cumulative_log_return
        if result.curve else None,
        "skipped_days": result.skipped_days,
        "verdict": verdict(result),
        "warnings": [*result.warnings, *load_warnings],
        "decisions": [dict(zip(DECISION_HEADERS, row, strict=True))
                      for row in decision_rows(result)],
    })


def _print(result: BacktestResult, load_warnings: list[str]) -> None:
    print(f"source: {result.source}")
    print(_period(result))
    print(term.render_table(["group", *STATS_HEADERS], stats_rows(result)))
    print("hit = the called sector's BTC-relative return over the horizon beat the mean of "
          "the sectors (over-extended: fell below it); baseline = how often a random sector "
          "did; p-value one-sided binomial against that baseline.")
    print(_divergence_line(result))
    print(_curve_line(result))
    print(f"verdict: {verdict(result)}")
    if result.source.startswith("demo"):
        print("note: simulated market: says how the tool behaves, nothing about real markets.")
    print_warnings([*result.warnings, *load_warnings])


def _backtest(args: argparse.Namespace) -> int:
    check_outputs(args)  # a bad output path fails now, not after the backtest ran
    if args.workers is not None and not (args.sweep or args.grid):
        raise InputError("--workers", "only applies to a sweep (--sweep or --grid): one "
                                      "backtest runs on one process")
    dataset, load_warnings = _load(args)
    if args.strategy or args.sweep or args.grid or args.report is not None \
            or args.workbook is not None:
        for flag in ("horizon", "every"):
            if getattr(args, flag) is not None:
                raise InputError(f"--{flag}", "only applies to the ranking backtest (without "
                                              "--strategy, --sweep, --grid, --report or "
                                              "--workbook): the strategy decides every day")
        # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
        from rotation_addin.cli.strategy_cmd import strategy_backtest

        return strategy_backtest(args, dataset, load_warnings)
    result = _run(args, dataset)
    if args.csv_out is not None:
        write_output("--csv-out", args.csv_out,
                     term.to_csv(DECISION_HEADERS, decision_rows(result)), args)
    if args.json:
        print(_json(result, load_warnings))
    elif args.csv:  # data on stdout, its caveats on stderr
        sys.stdout.write(term.to_csv(DECISION_HEADERS, decision_rows(result)))
        print_warnings([*result.warnings, *load_warnings], sys.stderr)
    else:
        _print(result, load_warnings)
        if args.csv_out is not None:
            print(f"decisions written to {args.csv_out} (one CSV row per decision)")
    return 0
