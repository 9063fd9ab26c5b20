"""``rotation backtest --strategy`` / ``--report FILE.html``: the whole-strategy backtest.

Thin: loads the funding history that goes with the data source, calls the desk
(:func:`rotation_addin.desk.backtest.strategy_backtest`, and
:func:`~rotation_addin.desk.backtest.strategy_sweep` for ``--sweep`` / ``--grid``), and
prints or writes the result.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rotation_addin.cli import term
from rotation_addin.cli.backtest_args import print_warnings, warmup_days, write_output
from rotation_addin.cli.flag_errors import as_flag
from rotation_addin.core import formats
from rotation_addin.core.errors import InputError
from rotation_addin.core.performance import MIN_ANNUALISED_DAYS
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.core.sweep_grid import SWEEP_NAMES
from rotation_addin.data.settings import load_settings
from rotation_addin.desk.backtest import (
    backtest_funding,
    strategy_sweep,
    sweep_grid,
    sweep_lines,
)
from rotation_addin.desk.backtest import strategy_backtest as desk_backtest
from rotation_addin.reports.backtest_html import render_html
from workbook.refresh import refresh_workbook

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import pandas as pd

    from rotation_addin.core.dataset import MarketDataset
    from rotation_addin.core.performance import Metrics
    from rotation_addin.core.rotation import PlanParameters
    from rotation_addin.core.strategy_report import StrategySummary
    from rotation_addin.desk.backtest import BacktestRun, SweepSummary

METRIC_HEADERS = ["", "total return %", "CAGR %", "volatility %", "Sharpe", "Sortino",
                  "Calmar", "max drawdown %", "longest drawdown d"]


def _funding(args: argparse.Namespace, dataset: MarketDataset) -> pd.DataFrame | None:
    return backtest_funding(dataset, args.exchange or load_settings().exchange_id,
                            from_cache=args.data_dir is None, cache_file=args.cache)


def _fixed(value: float, decimals: int) -> str:
    """One figure of the metrics table: fixed decimals, thousands separators, missing (the
    table prints n/a) for annualised figures over fewer than ``MIN_ANNUALISED_DAYS`` days."""
    return formats.format_number(value, decimals)


def _metrics_row(name: str, m: Metrics) -> list[Any]:
    return [name, *(_fixed(100 * x, 1) for x in (m.total_return, m.cagr, m.volatility)),
            *(_fixed(x, 2) for x in (m.sharpe, m.sortino, m.calmar)),
            _fixed(100 * m.max_drawdown, 1), m.max_drawdown_days]


def summary_lines(s: StrategySummary) -> list[str]:
    """Every line the table output prints (each figure from the summary)."""
    r, t = s.result, s.trades
    pct, money = formats.format_pct, formats.format_money
    spread = ", ".join(f"p{q} {pct(x, signed=True)}" for q, x in s.random.percentiles.items())
    funding = ("funding 0.00 USD" if abs(r.funding_usd) < 0.005
               else f"funding paid {money(-r.funding_usd)}" if r.funding_usd < 0
               else f"funding received {money(r.funding_usd)}")
    refusals = ", ".join(f"{k} {n}" for k, n in r.refusals_by_rule.items()) or "none"
    lines = [
        f"source: {r.source}",
        f"period {s.strategy.start:%Y-%m-%d} to {s.strategy.end:%Y-%m-%d} "
        f"({formats.format_count(s.strategy.days, 'day')}, "
        f"{formats.format_count(r.decisions, 'daily decision')}); initial equity "
        f"{money(r.params.equity_usd)}, compounding",
        term.render_table(METRIC_HEADERS, [
            _metrics_row("strategy", s.strategy), _metrics_row("BTC buy-and-hold", s.btc),
            _metrics_row("equal-weight universe", s.equal_weight)]),
        f"random-sector rotation ({s.random.seeds} seeds, every {s.random.every_days} d): "
        f"total return {spread}; the strategy beat {pct(s.random.share_beaten, 0)} of "
        "the seeds",
        f"trades {t.trades}, won {t.wins}"
        + (f" ({pct(t.win_rate)})" if t.trades else "")
        + f", average R {t.average_r:+.2f}, liquidations {t.liquidations}; exits: "
        + (", ".join(f"{k} {n}" for k, n in t.exit_reasons.items()) or "none"),
        f"mean gross exposure {s.exposure:.2f} x equity; turnover "
        f"{s.turnover_per_year:.1f} x mean equity per year; fees {money(r.fees_usd)}; "
        f"{funding}",
        f"rule refusals: {refusals}",
    ]
    lines += [f"model: {c}" for c in s.conventions]
    if s.strategy.days < MIN_ANNUALISED_DAYS:
        lines.append(f"note: {formats.format_count(s.strategy.days, 'day')}: annualised "
                     f"figures (CAGR, volatility, Sharpe, Sortino, Calmar) need at least "
                     f"{MIN_ANNUALISED_DAYS} days and are n/a")
    if r.ruined_on is not None:
        lines.append(f"the account was ruined on {r.ruined_on:%Y-%m-%d}")
    if r.source.startswith("demo"):
        lines.append("note: simulated market: says how the tool behaves, nothing about real "
                     "markets.")
    return lines


def _trade_text(trade: Any) -> str:
    pnl = formats.format_money(trade.pnl_usd, decimals=0, signed=True)
    return (f"{trade.base} {trade.side} {trade.entry_day:%Y-%m-%d} {pnl} "
            f"(R {trade.r_multiple:+.1f}, {trade.exit_reason})")


def concentration_line(s: StrategySummary, best: int = 3) -> str:
    """How much of the net result the ``best`` most profitable trades made, and which."""
    trades = sorted(s.result.trades, key=lambda t: -t.pnl_usd)
    if not trades:
        return "no trade"
    top = sum(t.pnl_usd for t in trades[:best])
    net = sum(t.pnl_usd for t in trades)
    def money(value: float) -> str:
        return formats.format_money(value, signed=True)

    return (f"the {min(best, len(trades))} best trades made {money(top)} of the {money(net)} "
            f"net result (without them: {money(net - top)}): "
            + "; ".join(_trade_text(t) for t in trades[:best])
            + f"; worst: {_trade_text(trades[-1])}")


def sweep_json(sweep: SweepSummary) -> dict[str, Any]:
    """The sweep as ``--json`` gives it: every setting's figures, the best, DSR, walk-forward."""
    result, d = sweep.result, sweep.result.deflated
    return {
        "parameters": list(sweep.names),
        "settings": [{"label": row.label, "values": dict(setting.values),
                      "total_return": row.total_return, "sharpe": row.sharpe,
                      "max_drawdown": row.max_drawdown}
                     for setting, row in zip(result.settings, sweep.rows, strict=True)],
        "best": {"index": result.best, "label": sweep.rows[result.best].label,
                 "sharpe": float(result.sharpe[result.best]), "in_sample": True},
        "deflated_sharpe": {"probability": d.probability, "trials": d.trials,
                            "expected_max_sharpe_annualised": sweep.unskilled_best_sharpe},
        "walk_forward": {"folds": result.folds, "out_of_sample_sharpe": result.oos_sharpe,
                         "chosen": [result.settings[k].label for k in result.oos_choices]},
    }


def _grid(args: argparse.Namespace, params: PlanParameters,
          dataset: MarketDataset) -> Mapping[str, Sequence[float]] | None:
    """``--grid`` items as a grid checked against the parameters' ranges and the data's
    trading sectors (None: the default grid), before any backtest runs."""
    if not args.grid:
        return None
    try:
        return sweep_grid(args.grid, params, dataset)
    except InputError as error:
        flag = "--grid" if error.field == "grid" else f"--grid {error.field}"
        raise InputError(flag, error.reason) from None


def _sweep(args: argparse.Namespace, run: BacktestRun, params: PlanParameters, warmup: int,
           grid: Mapping[str, Sequence[float]] | None) -> SweepSummary:
    try:
        return strategy_sweep(run.dataset, params, grid=grid,
                              funding=_funding(args, run.dataset), warmup_days=warmup,
                              start=args.start, end=args.end, workers=args.workers,
                              progress=term.ProgressBar("sweep"))
    except InputError as error:
        if args.grid and error.field in SWEEP_NAMES:  # a grid value refused against the data
            raise InputError(f"--grid {error.field}", error.reason) from None
        raise as_flag(error, "backtest") from None


TRADE_HEADERS = ["base", "sector", "side", "role", "entry_day", "exit_day", "entry_price_usd",
                 "exit_price_usd", "quantity_base", "pnl_usd", "fees_usd", "funding_usd",
                 "initial_risk_usd", "r_multiple", "exit_reason"]


def trade_rows(s: StrategySummary) -> list[list[Any]]:
    """One CSV row per closed trade (``--csv-out`` with ``--strategy``)."""
    return [[t.base, t.sector, t.side, t.role, f"{t.entry_day:%Y-%m-%d}",
             f"{t.exit_day:%Y-%m-%d}", t.entry_price_usd, t.exit_price_usd, t.quantity_base,
             round(t.pnl_usd, 6), round(t.fees_usd, 6), round(t.funding_usd, 6),
             round(t.initial_risk_usd, 6), round(t.r_multiple, 6), t.exit_reason]
            for t in s.result.trades]


def _json(s: StrategySummary, warnings: list[str], sweep: SweepSummary | None) -> str:
    r = s.result
    extra = {} if sweep is None else {"sweep": sweep_json(sweep)}
    return term.to_json({
        "source": r.source, "strategy": s.strategy, "btc_buy_and_hold": s.btc,
        "equal_weight_universe": s.equal_weight, "random_sector_rotation": s.random,
        "trades": s.trades, "exposure": s.exposure, "turnover_per_year": s.turnover_per_year,
        "fees_usd": r.fees_usd, "funding_usd": r.funding_usd,
        "refusals_by_rule": r.refusals_by_rule, "decisions": r.decisions,
        "ruined_on": r.ruined_on, "conventions": list(s.conventions), "warnings": warnings,
        "equity": {f"{d:%Y-%m-%d}": float(x) for d, x in r.equity.items()}, **extra,
    })


def _run(args: argparse.Namespace, dataset: MarketDataset, warmup: int,
         params: PlanParameters, load_warnings: Sequence[str]) -> BacktestRun:
    try:
        return desk_backtest(dataset, params, funding=_funding(args, dataset),
                             warmup_days=warmup, start=args.start, end=args.end,
                             load_warnings=load_warnings)
    except InputError as error:
        raise _benchmark_file(args, dataset, as_flag(error, "backtest")) from None


def _benchmark_file(args: argparse.Namespace, dataset: MarketDataset,
                    error: InputError) -> InputError:
    """A benchmark without prices on the days traded, from ``--data-dir``: the error names
    the flag and the file its prices came from (``--data-dir: btc.csv (the benchmark): ...``)."""
    if error.field != "benchmark" or args.data_dir is None:
        return error
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.data.csv_folder import base_from_filename

    bench = dataset.universe.benchmark
    names = [p.name for p in sorted(Path(args.data_dir).glob("*.csv"))
             if base_from_filename(p) == bench]
    return InputError("--data-dir", f"{', '.join(names) or bench} (the benchmark): "
                                    f"{error.reason}")


def _write_workbook(path: Path, run: BacktestRun, sweep: SweepSummary | None) -> list[str]:
    result = refresh_workbook(path, run.dataset, backtest=run.summary, sweep=sweep)
    return list(result.warnings)


def _write_files(args: argparse.Namespace, run: BacktestRun,
                 sweep: SweepSummary | None) -> tuple[list[str], list[str]]:
    """Write ``--report``, ``--csv-out`` and ``--workbook`` (paths checked up front by
    ``backtest_args.check_outputs``): the workbook's warnings and the "written" lines."""
    warnings: list[str] = []
    written: list[str] = []
    if args.report is not None:
        write_output("--report", args.report, render_html(run.summary, sweep), args)
        written.append(f"report written to {args.report}")
    if args.csv_out is not None:
        write_output("--csv-out", args.csv_out,
                     term.to_csv(TRADE_HEADERS, trade_rows(run.summary)), args)
        written.append(f"trades written to {args.csv_out} (one CSV row per closed trade)")
    if args.workbook is not None:
        warnings += _write_workbook(Path(args.workbook), run, sweep)
        written.append(f"Backtest sheet of {args.workbook} filled (the workbook was "
                       "refreshed)")
    return warnings, written


def strategy_backtest(args: argparse.Namespace, dataset: MarketDataset,
                      load_warnings: list[str]) -> int:
    """Run, then print the table (or JSON) and write ``--report`` / ``--workbook`` when asked."""
    warmup = warmup_days(args)
    if args.csv and (args.sweep or args.grid):
        raise InputError("--csv", "with --strategy prints one row per closed trade: the "
                                  "sweep's figures are in the table, --json and --report")
    params = PlanParameters.from_settings(load_settings())
    grid = _grid(args, params, dataset)
    run = _run(args, dataset, warmup, params, load_warnings)
    summary = run.summary
    sweep = _sweep(args, run, params, warmup, grid) if args.sweep or args.grid else None
    book_warnings, written = _write_files(args, run, sweep)
    warnings = [*run.warnings, *(sweep.warnings if sweep else ()), *book_warnings]
    if args.json:
        print(_json(summary, warnings, sweep))
        return 0
    if args.csv:  # data on stdout, its caveats on stderr
        sys.stdout.write(term.to_csv(TRADE_HEADERS, trade_rows(summary)))
        print_warnings(warnings, sys.stderr)
        return 0
    for line in [*summary_lines(summary), concentration_line(summary)]:
        print(line)
    if sweep is not None:
        for line in sweep_lines(sweep):
            print(line)
    print_warnings(warnings)
    for line in written:
        print(line)
    return 0
