"""``rotation regime | sectors | corr | plan``: the daily analytics in the terminal.

Every command reads one dataset (``--source demo|cache``, default the ``data_source``
setting, i.e. the simulated demo market) and prints its source label and ``as_of`` with the
result, as a table, ``--json`` or ``--csv``. ``rotation plan`` proposes orders; nothing is
ever sent to an exchange.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rotation_addin.cli import corr_cmd, term
from rotation_addin.cli.analytics_common import (
    _desk,
    _emit_csv,
    _emit_csv_report,
    _header,
    _load,
    _print_data_warnings,
    _window,
    common_flags,
    data_warnings,
)
from rotation_addin.cli.quick_args import EQUITY, _fraction, _in_range
from rotation_addin.cli.venues_cmd import (
    add_plan_venue_arguments,
    check_plan_venue_flags,
    order_venues,
    print_order_venues,
)
from rotation_addin.core import claims, formats
from rotation_addin.core.constants import HEDGE_THRESHOLD, STALE_AFTER

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rotation_addin.core.dataset import MarketDataset
    from rotation_addin.core.orders import RebalanceOrder
    from rotation_addin.core.report import DailyReport
    from rotation_addin.core.rotation import PlanOverrides, PlanParameters, PositionBook
    from rotation_addin.core.types import ContractSpec

__all__ = ["STALE_AFTER", "data_warnings", "register"]

NO_ORDERS_SENT = "Orders are a proposal: nothing is sent to any exchange."
TOP = _in_range(1, math.inf, whole=True)
"""argparse type of ``plan --top``: a count of at least 1 (the plan parameters' own check of
``top_n_long``), a word and 0 refused in the same range words (``at least 1``)."""
RANKING_NOT_FORECAST = ("scores rank today's conditions; they are not a forecast (on real "
                        "2022-23 data the momentum leader did not reliably outperform: "
                        "docs/real-data-check.md).")


def register(subparsers: Any) -> None:
    """Add ``regime``, ``sectors``, ``corr`` and ``plan`` to the ``rotation`` command."""
    regime = subparsers.add_parser(
        "regime", help="macro regime: risk-on / neutral / risk-off with a reason per input",
        description="BTC dominance trend, stablecoin-supply change and an equity index vs its "
                    "50-day average each vote +1/0/-1 (with a dead band); the sum gives the "
                    "label. Rotation within alts is enabled unless the regime is risk-off.")
    common_flags(regime)
    regime.set_defaults(handler=_regime)

    sectors = subparsers.add_parser(
        "sectors", help="sector table: BTC-relative momentum, volume trend, divergence, score",
        description="Score = weighted z-scores of 7d and 30d momentum of the sector index "
                    "against BTC, the 7d/30d volume trend, minus the sentiment divergence D. "
                    "Beta to BTC and the share of variance BTC explains are shown beside "
                    "each score: much of every sector's move is the market factor.")
    common_flags(sectors)
    sectors.set_defaults(handler=_sectors)

    corr = subparsers.add_parser(
        "corr", help="sector correlation: matrix, betas, stress vs normal, inverse pairs",
        description="Pearson correlation of the sector indices' daily log returns over the "
                    "window; --relative removes BTC's move first; --stress compares BTC's "
                    "worst-decile days with the rest (raw, Forbes-Rigobon adjusted, co-crash "
                    f"rate). Pairs below {HEDGE_THRESHOLD:g} are listed as inverse pairs when "
                    f"there are any: a measurement, not a hedge ({claims.RENDER_COMPUTE}; "
                    "docs/real-data-check.md).")
    common_flags(corr)
    corr.add_argument("--window", type=_window, default=None, metavar="DAYS",
                      help="window in days (30 or 90 usually; default 30)")
    corr.add_argument("--relative", action="store_true", help="BTC-relative returns")
    corr.add_argument("--stress", action="store_true",
                      help="stress-day vs normal-day correlation to BTC")
    corr.set_defaults(handler=corr_cmd.run_corr)
    _register_plan(subparsers)


def _register_plan(subparsers: Any) -> None:
    plan = subparsers.add_parser(
        "plan", help="today's rebalance orders, risk-sized, with every refusal and its rule",
        description="From your positions (positions.csv) to the targets: leaders long, the "
                    "over-extended sector hedged at half risk, take-profits closed and their "
                    "budget moved to the best sector with rising volume and non-negative "
                    "divergence. A long needs positive momentum vs BTC over both 7 and 30 "
                    "days (weekly confirms daily). Discipline rules: risk cap, cool-down after "
                    "a loss, max open positions, stop required, minimum equity, stressed loss "
                    "(correlation 1) "
                    "within the portfolio cap. Scores and the regime describe conditions and "
                    "gate risk; they are not forecasts. " + NO_ORDERS_SENT)
    common_flags(plan)
    plan.add_argument("--positions", type=Path, default=None, metavar="FILE",
                      help="positions CSV (default: positions.csv in the config folder)")
    plan.add_argument("--journal", type=Path, default=None, metavar="FILE",
                      help="trade journal CSV (default: trade_journal.csv in the config folder)")
    plan.add_argument("--equity", type=EQUITY, default=None, metavar="USD",
                      help="account equity (default: settings equity_usd)")
    plan.add_argument("--risk-fraction", type=_fraction(1.0), default=None, metavar="F",
                      help="risk per trade: 0.02 or 2%% of equity (default: settings, 2%%)")
    plan.add_argument("--top", type=TOP, default=None, metavar="N",
                      help="number of leading sectors to hold long (default 1)")
    plan.add_argument("--portfolio-cap", type=_fraction(1.0), default=None, metavar="F",
                      help="stressed-loss cap: 0.06 or 6%% of equity (default 6%%)")

    add_plan_venue_arguments(plan)
    plan.set_defaults(handler=_plan)


def _regime(args: argparse.Namespace) -> int:
    from rotation_addin.desk import analytics  # deferred: see _desk

    dataset = _load(args)
    verdict = analytics.regime(dataset, _params(args))
    if args.json:
        print(term.to_json({"source": dataset.source, "as_of": dataset.as_of, "regime": verdict,
                            "data_warnings": data_warnings(dataset)}))
        return 0
    rows = [[v.name, round(v.value, 2) if v.value is not None else math.nan, v.vote, v.reason]
            for v in verdict.votes]
    if args.csv:
        _emit_csv(dataset, ["label", "score", "input", "value_pct", "vote", "reason"],
                  [[verdict.label, verdict.score, *row] for row in rows])
        return 0
    print(_header(dataset))
    print(f"regime: {verdict.label} (score {verdict.score:+d}); rotation within alts "
          f"{'enabled' if verdict.rotation_enabled else 'disabled'}")
    print(term.render_table(["input", "value %", "vote", "reason"], rows))
    print("the regime describes current conditions and gates new alt risk; it is not a "
          "forecast of alt returns (docs/real-data-check.md).")
    for warning in verdict.warnings:
        print(f"warning: {warning}")
    _print_data_warnings(dataset)
    return 0


def _report(args: argparse.Namespace, params: PlanParameters | None = None,
            positions: PositionBook | None = None) -> tuple[MarketDataset, DailyReport]:
    dataset = _load(args)
    report = _desk().report(params or _params(args), dataset=dataset,
                                      book=positions if positions is not None else _empty_book())
    return dataset, report


def _empty_book() -> PositionBook:
    from rotation_addin.core.rotation import PositionBook  # deferred: see _desk

    return PositionBook()


def _params(args: argparse.Namespace) -> PlanParameters:
    overrides: PlanOverrides = {}
    if getattr(args, "equity", None) is not None:
        overrides["equity_usd"] = args.equity
    if getattr(args, "risk_fraction", None) is not None:
        overrides["risk_fraction"] = args.risk_fraction
    if getattr(args, "top", None) is not None:
        overrides["top_n_long"] = args.top
    if getattr(args, "portfolio_cap", None) is not None:
        overrides["portfolio_risk_cap_fraction"] = args.portfolio_cap
    if getattr(args, "window", None) is not None:
        overrides["correlation_window_days"] = args.window
    return _desk().plan_parameters(**overrides)


def _sectors(args: argparse.Namespace) -> int:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.core.report_tables import (
        SECTOR_HEADERS,
        SECTOR_TEXT_HEADERS,
        sector_rows,
        sector_text_row,
    )

    dataset, report = _report(args)
    if args.json:
        print(term.to_json({"source": report.source, "as_of": report.as_of,
                            "regime": report.regime.label, "sectors": report.sectors,
                            "warnings": report.warnings,
                            "data_warnings": data_warnings(dataset)}))
        return 0
    if args.csv:
        _emit_csv_report(report, SECTOR_HEADERS, sector_rows(report))
        return 0
    print(f"source: {report.source}   as of: {report.as_of:%Y-%m-%d %H:%M} UTC")
    print(f"regime: {report.regime.label} (rotation "
          f"{'enabled' if report.regime.rotation_enabled else 'disabled'})")
    print(term.render_table(SECTOR_TEXT_HEADERS, [sector_text_row(s) for s in report.sectors]))
    print("momentum is measured against BTC; 'BTC R²' is the share of the sector's daily "
          "variance the market factor explains.")
    print(RANKING_NOT_FORECAST)
    for warning in report.warnings:
        print(f"warning: {warning}")
    _print_data_warnings(dataset)
    return 0


def _plan(args: argparse.Namespace) -> int:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.core.report_tables import ORDER_HEADERS, order_rows

    check_plan_venue_flags(args)  # before the plan: a bad --venue-days even without --venues
    params = _params(args)
    book = _desk().book(args.positions, args.journal)
    dataset, report = _report(args, params, book)
    plan = report.plan

    venues = order_venues(plan.orders, args)  # None unless --venues was given
    if args.json:
        payload: dict[str, Any] = {
            "source": report.source, "as_of": report.as_of, "regime": report.regime.label,
            "rotation_enabled": report.regime.rotation_enabled,
            "orders": [_order_json(o) for o in plan.orders],
            "refusals": plan.refusals, "targets": plan.targets,
            "take_profit_hits": plan.take_profit_hits,
            "stressed_loss_usd": plan.stressed_loss_usd,
            "portfolio_risk_cap_usd": plan.portfolio_risk_cap_usd,
            "notes": plan.notes, "warnings": report.warnings,
            "data_warnings": data_warnings(dataset), "sent": False,
        }
        if venues is not None:
            payload["cheapest_venues"] = venues
        print(term.to_json(payload))
        return 0
    if args.csv:
        _emit_csv_report(report, ORDER_HEADERS, order_rows(report))
        return 0
    _print_plan(report, params, len(book.positions), dataset.contracts)
    if venues is not None:
        print_order_venues(venues)
    _print_data_warnings(dataset)
    print(NO_ORDERS_SENT)
    return 0


def _order_json(order: RebalanceOrder) -> dict[str, Any]:
    body = {f.name: getattr(order, f.name) for f in dataclasses.fields(order)}
    body["order_side"] = order.order_side
    return body


def _print_plan(report: DailyReport, params: PlanParameters, held: int,
                contracts: Mapping[str, ContractSpec]) -> None:
    plan = report.plan
    print(f"source: {report.source}   as of: {report.as_of:%Y-%m-%d %H:%M} UTC")
    print(f"regime: {report.regime.label} (rotation "
          f"{'enabled' if report.regime.rotation_enabled else 'disabled'});  equity "
          f"{params.equity_usd:,.2f} USD;  {held} position(s) held")
    leader = report.sectors[0] if report.sectors else None
    if leader is not None:
        print(f"top sector: {leader.sector} (score "
              f"{formats.format_number(leader.score, formats.SCORE_DECIMALS, signed=True)})")
    print()
    if plan.orders:
        # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
        from rotation_addin.core.report_tables import ORDER_TEXT_HEADERS, order_text_row

        print(term.render_table(ORDER_TEXT_HEADERS,
                                [order_text_row(o, contracts.get(o.base)) for o in plan.orders]))
        print()
        for o in plan.orders:
            print(f"  {o.action} {o.symbol}: {o.reason}")
    else:
        print("no orders today")
    if plan.refusals:
        print()
        print("refused:")
        print(term.render_table(["symbol", "rule", "detail"],
                                [[r.symbol, r.rule, r.detail] for r in plan.refusals]))
    print()
    print(f"stressed loss (every stop hit at once, correlation 1): "
          f"{plan.stressed_loss_usd:,.2f} USD of a {plan.portfolio_risk_cap_usd:,.2f} USD cap")
    for note in plan.notes:
        print(f"note: {note}")
    for warning in report.warnings:
        print(f"warning: {warning}")
