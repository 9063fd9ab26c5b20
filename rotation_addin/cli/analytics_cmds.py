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
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rotation_addin.cli import term
from rotation_addin.core import claims

if TYPE_CHECKING:
    from rotation_addin.core.dataset import MarketDataset
    from rotation_addin.core.orders import RebalanceOrder
    from rotation_addin.core.report import CorrelationPicture, DailyReport
    from rotation_addin.core.rotation import PlanParameters

NO_ORDERS_SENT = "Orders are a proposal: nothing is sent to any exchange."
INVERSE_PAIRS_CAVEAT = f"{claims.INVERSE_PAIRS_CAVEAT} (docs/real-data-check.md)"
STALE_AFTER = timedelta(hours=36)
"""Data whose last daily candle closed longer ago than this is flagged (as the desktop app's
status bar does)."""
NOISY_WINDOW_DAYS = 30
"""Below this window a sample correlation is too noisy to read as a relationship."""
RANKING_NOT_FORECAST = ("scores rank today's conditions; they are not a forecast (on real "
                        "2022-23 data the momentum leader did not reliably outperform: "
                        "docs/real-data-check.md).")


def _window(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of days (got {text!r})") from None
    if not 5 <= value <= 365:
        raise argparse.ArgumentTypeError(f"must be between 5 and 365 days (got {value})")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number (got {text!r})") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0 (got {text})")
    return value


def _positive_fraction(text: str) -> float:
    """A fraction as ``0.02`` or ``2%`` (as ``rotation size --risk`` takes it); the range is
    checked by the plan parameters, which name the field."""
    stripped = text.strip()
    if stripped.endswith("%"):
        return _positive_float(stripped[:-1]) / 100.0
    return _positive_float(stripped)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", choices=("demo", "cache"), default=None,
                        help="demo = simulated market (no network); cache = last `rotation "
                             "refresh` (default: the data_source setting)")
    parser.add_argument("--exchange", metavar="ID", default=None,
                        help="exchange whose cached data to read (default: settings exchange_id)")
    parser.add_argument("--cache", type=Path, default=None, help=argparse.SUPPRESS)
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="machine-readable JSON")
    out.add_argument("--csv", action="store_true", help="CSV rows (source and as_of on each)")


def register(subparsers: Any) -> None:
    """Add ``regime``, ``sectors``, ``corr`` and ``plan`` to the ``rotation`` command."""
    regime = subparsers.add_parser(
        "regime", help="macro regime: risk-on / neutral / risk-off with a reason per input",
        description="BTC dominance trend, stablecoin-supply change and an equity index vs its "
                    "50-day average each vote +1/0/-1 (with a dead band); the sum gives the "
                    "label. Rotation within alts is enabled unless the regime is risk-off.")
    _common(regime)
    regime.set_defaults(handler=_regime)

    sectors = subparsers.add_parser(
        "sectors", help="sector table: BTC-relative momentum, volume trend, divergence, score",
        description="Score = weighted z-scores of 7d and 30d momentum of the sector index "
                    "against BTC, the 7d/30d volume trend, minus the sentiment divergence D. "
                    "Beta to BTC and the share of variance BTC explains are shown beside "
                    "each score: much of every sector's move is the market factor.")
    _common(sectors)
    sectors.set_defaults(handler=_sectors)

    corr = subparsers.add_parser(
        "corr", help="sector correlation: matrix, betas, stress vs normal, inverse pairs",
        description="Pearson correlation of the sector indices' daily log returns over the "
                    "window; --relative removes BTC's move first; --stress compares BTC's "
                    "worst-decile days with the rest (raw, Forbes-Rigobon adjusted, co-crash "
                    "rate). Pairs below -0.2 are listed as inverse pairs when there are any: a "
                    f"measurement, not a hedge ({claims.RENDER_COMPUTE}; "
                    "docs/real-data-check.md).")
    _common(corr)
    corr.add_argument("--window", type=_window, default=None, metavar="DAYS",
                      help="window in days (30 or 90 usually; default 30)")
    corr.add_argument("--relative", action="store_true", help="BTC-relative returns")
    corr.add_argument("--stress", action="store_true",
                      help="stress-day vs normal-day correlation to BTC")
    corr.set_defaults(handler=_corr)

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
    _common(plan)
    plan.add_argument("--positions", type=Path, default=None, metavar="FILE",
                      help="positions CSV (default: positions.csv in the config folder)")
    plan.add_argument("--journal", type=Path, default=None, metavar="FILE",
                      help="trade journal CSV (default: trade_journal.csv in the config folder)")
    plan.add_argument("--equity", type=_positive_float, default=None, metavar="USD",
                      help="account equity (default: settings equity_usd)")
    plan.add_argument("--risk-fraction", type=_positive_fraction, default=None, metavar="F",
                      help="risk per trade: 0.02 or 2%% of equity (default: settings, 2%%)")
    plan.add_argument("--top", type=int, default=None, metavar="N",
                      help="number of leading sectors to hold long (default 1)")
    plan.add_argument("--portfolio-cap", type=_positive_fraction, default=None, metavar="F",
                      help="stressed-loss cap: 0.06 or 6%% of equity (default 6%%)")
    plan.set_defaults(handler=_plan)


def _load(args: argparse.Namespace) -> MarketDataset:
    from rotation_addin.data.loader import load_market
    from rotation_addin.data.settings import load_settings

    settings = load_settings()
    source = args.source or settings.data_source
    return load_market(source, exchange_id=args.exchange or settings.exchange_id,
                       cache_file=args.cache)


def data_warnings(dataset: MarketDataset, now: datetime | None = None) -> list[str]:
    """What a trader must know before reading any number: stale data, sectors without prices.

    A cache refreshed long ago, or an import whose altcoin files end earlier than BTC's, gives
    tables full of n/a (or yesterday's plan) without saying why.
    """
    warnings: list[str] = []
    as_of = dataset.as_of if dataset.as_of.tzinfo else dataset.as_of.replace(tzinfo=UTC)
    age = (now or datetime.now(UTC)) - as_of
    if age > STALE_AFTER:
        warnings.append(f"stale data: the last daily candle closed {as_of:%Y-%m-%d %H:%M} UTC, "
                        f"{age.days} d {age.seconds // 3600} h ago; run `rotation refresh` "
                        "(or use --source demo)")
    close = dataset.close
    if close.empty:
        return warnings
    last_day = close.index[-1]
    for sector in dataset.universe.trading_sectors():
        members = [b for b in dataset.universe.sectors[sector] if b in close.columns]
        prices = close[members].dropna(how="all") if members else close.iloc[0:0]
        if prices.empty:
            warnings.append(f"{sector}: no prices for any member: its figures are n/a")
        elif prices.index[-1] < last_day:
            warnings.append(f"{sector}: no prices since {prices.index[-1]:%Y-%m-%d} (data runs "
                            f"to {last_day:%Y-%m-%d}): its recent figures are n/a")
    return warnings


def _print_data_warnings(dataset: MarketDataset) -> None:
    for warning in data_warnings(dataset):
        print(f"warning: {warning}")


def _stamp(dataset: MarketDataset) -> str:
    return dataset.as_of.isoformat()


def _header(dataset: MarketDataset) -> str:
    return f"source: {dataset.source}   as of: {dataset.as_of:%Y-%m-%d %H:%M} UTC"


def _pct(value: float) -> float:
    return value * 100.0 if math.isfinite(value) else math.nan


def _csv_cell(value: Any) -> Any:
    """An empty cell for a missing number: "nan"/"inf" text is not a value (JSON says null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    return value


def _emit_csv(
    dataset: MarketDataset, headers: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    prefix = [dataset.source, _stamp(dataset)]
    print(term.to_csv(["source", "as_of", *headers],
                      [[*prefix, *map(_csv_cell, row)] for row in rows]), end="")


def _regime(args: argparse.Namespace) -> int:
    from rotation_addin.core.report import market_regime

    dataset = _load(args)
    verdict = market_regime(dataset, _params(args))
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
            positions: Any = None) -> tuple[MarketDataset, DailyReport]:
    from rotation_addin.core.report import daily_report

    dataset = _load(args)
    return dataset, daily_report(dataset, positions, params or _params(args))


def _params(args: argparse.Namespace) -> PlanParameters:
    from rotation_addin.core.rotation import PlanParameters
    from rotation_addin.data.settings import load_settings

    overrides: dict[str, object] = {}
    for flag, field in (("equity", "equity_usd"), ("risk_fraction", "risk_fraction"),
                        ("top", "top_n_long"), ("portfolio_cap", "portfolio_risk_cap_fraction"),
                        ("window", "correlation_window_days")):
        value = getattr(args, flag, None)
        if value is not None:
            overrides[field] = value
    return PlanParameters.from_settings(load_settings(), **overrides)


def _sectors(args: argparse.Namespace) -> int:
    from rotation_addin.core.report_tables import SECTOR_HEADERS, sector_rows

    dataset, report = _report(args)
    if args.json:
        print(term.to_json({"source": report.source, "as_of": report.as_of,
                            "regime": report.regime.label, "sectors": report.sectors,
                            "warnings": report.warnings,
                            "data_warnings": data_warnings(dataset)}))
        return 0
    rows = sector_rows(report)
    if args.csv:
        _emit_csv_report(report, SECTOR_HEADERS, rows)
        return 0
    print(f"source: {report.source}   as of: {report.as_of:%Y-%m-%d %H:%M} UTC")
    print(f"regime: {report.regime.label} (rotation "
          f"{'enabled' if report.regime.rotation_enabled else 'disabled'})")
    print(term.render_table(["#", "sector", "score", "mom 7d %", "mom 30d %", "vol trend", "D",
                             "beta", "BTC R² %", "flags"], [_rounded(r) for r in rows]))
    print("momentum is measured against BTC; 'BTC R² %' is the share of the sector's daily "
          "variance the market factor explains.")
    print(RANKING_NOT_FORECAST)
    for warning in report.warnings:
        print(f"warning: {warning}")
    _print_data_warnings(dataset)
    return 0


def _rounded(row: Sequence[Any], digits: int = 3) -> list[Any]:
    return [round(v, digits) if isinstance(v, float) and math.isfinite(v) else v for v in row]


def _emit_csv_report(report: DailyReport, headers: Sequence[str],
                     rows: Sequence[Sequence[Any]]) -> None:
    prefix = [report.source, report.as_of.isoformat()]
    print(term.to_csv(["source", "as_of", *headers],
                      [[*prefix, *map(_csv_cell, row)] for row in rows]), end="")


def _matrix_rows(matrix: Any) -> list[list[Any]]:
    labels = [str(c) for c in matrix.columns]
    values = matrix.to_numpy()
    return [[a, b, float(values[i, j])] for i, a in enumerate(labels)
            for j, b in enumerate(labels) if i < j]


def _corr(args: argparse.Namespace) -> int:
    from rotation_addin.core.report import correlation_picture
    from rotation_addin.core.returns import log_returns

    dataset = _load(args)
    window = args.window or 30
    picture = correlation_picture(log_returns(dataset.close), dataset.universe, window)
    kind = "relative" if args.relative else "usd"
    matrix = picture.sector_matrix_relative if args.relative else picture.sector_matrix_usd
    hedges = picture.natural_hedges_relative if args.relative else picture.natural_hedges_usd
    if args.json:
        print(term.to_json(_corr_json(dataset, picture, kind, matrix, hedges, args.stress)))
        return 0
    if args.csv:
        if args.stress:
            _emit_csv(dataset, ["first", "second", "normal_corr", "stress_corr",
                                "stress_corr_adjusted", "co_crash_rate", "co_crash_ratio"],
                      _stress_rows(picture))
        else:
            _emit_csv(dataset, ["returns", "window_days", "first", "second", "correlation"],
                      [[kind, window, *row] for row in _matrix_rows(matrix)])
        return 0
    print(_header(dataset))
    label = "BTC-relative" if args.relative else "USD"
    print(f"sector correlation, {label} daily log returns, last {window} days")
    labels = [str(c) for c in matrix.columns]
    print(term.render_table(["", *labels], [[a, *_rounded(list(matrix.loc[a]), 2)]
                                            for a in labels]))
    print()
    print(term.render_table(["sector", "beta to BTC (90 d)", "BTC explains % (90 d)"],
                            [[str(k), round(float(r["beta"]), 2), round(_pct(r["r_squared"]), 1)]
                             for k, r in picture.betas.iterrows()]))
    if args.stress:
        print()
        _print_stress(picture)
    print()
    for line in _inverse_pair_lines(hedges, window):
        print(line)
    if math.isfinite(picture.average_pairwise):
        print(f"average pairwise correlation: {picture.average_pairwise:.2f}")
    if picture.decay_alert is not None:
        print(f"correlation trend: {picture.decay_alert.state} - {picture.decay_alert.message}")
    for warning in picture.warnings:
        print(f"warning: {warning}")
    _print_data_warnings(dataset)
    return 0


def _inverse_pair_lines(hedges: Sequence[Any], window: int) -> list[str]:
    """Pairs below -0.2, said as a measurement (never as a hedge), with the window's noise."""
    if not hedges:
        return [f"inverse pairs (correlation < -0.2 over {window} days): none"]
    lines = [f"inverse pairs (correlation < -0.2 over {window} days): " + ", ".join(
        f"{h.first}/{h.second} {h.correlation:+.2f}" for h in hedges)
        + f" - {INVERSE_PAIRS_CAVEAT}"]
    if window < NOISY_WINDOW_DAYS:
        # 95 % band of a sample correlation around 0 (Fisher z): +-tanh(1.96 / sqrt(n - 3))
        band = math.tanh(1.96 / math.sqrt(max(window - 3, 1)))
        lines.append(f"note: a {window}-day correlation is mostly noise (+-{band:.2f} at 95 % "
                     f"when the true value is 0); use --window {NOISY_WINDOW_DAYS} or more")
    return lines


def _stress_rows(picture: CorrelationPicture) -> list[list[Any]]:
    if picture.stress is None:
        return []
    table = picture.stress.table
    rows: list[list[Any]] = []
    for key, r in table.iterrows():
        first, second = key if isinstance(key, tuple) else (key, "")
        rows.append([str(first), str(second), float(r["normal_corr"]), float(r["stress_corr"]),
                     float(r["stress_corr_adjusted"]), float(r["co_crash_rate"]),
                     float(r["co_crash_ratio"])])
    return rows


def _print_stress(picture: CorrelationPicture) -> None:
    stress = picture.stress
    if stress is None:
        print("stress correlation: not available (see warnings)")
        return
    print(f"stress days (whole history, not the window): BTC daily log return <= "
          f"{stress.threshold_return:+.2%} ({stress.stress_days} days) vs "
          f"{stress.normal_days} normal days")
    print(term.render_table(
        ["sector", "vs", "normal", "stress", "stress adj.", "co-crash %", "co-crash x indep."],
        [[a, b, *_rounded([n, s, adj, _pct(rate), ratio], 2)]
         for a, b, n, s, adj, rate, ratio in _stress_rows(picture)]))
    print("a raw stress-day correlation is biased by the higher volatility of those days "
          "(Forbes-Rigobon); 'stress adj.' corrects for it, co-crash counts joint k-sigma falls.")


def _corr_json(dataset: MarketDataset, picture: CorrelationPicture, kind: str, matrix: Any,
               hedges: Any, stress: bool) -> dict[str, Any]:
    labels = [str(c) for c in matrix.columns]
    body: dict[str, Any] = {
        "source": dataset.source, "as_of": dataset.as_of, "window_days": picture.window_days,
        "returns": kind, "labels": labels,
        "matrix": [[float(x) for x in row] for row in matrix.to_numpy()],
        "betas": {str(k): {"beta": float(r["beta"]), "btc_explained_share": float(r["r_squared"])}
                  for k, r in picture.betas.iterrows()},
        "natural_hedges": list(hedges),
        "natural_hedges_note": "pairs with correlation < -0.2 over the window; "
                               + INVERSE_PAIRS_CAVEAT,
        "average_pairwise_correlation": picture.average_pairwise,
        "decay_alert": picture.decay_alert,
        "warnings": picture.warnings,
        "data_warnings": data_warnings(dataset),
    }
    if stress:
        heads = ["first", "second", "normal_corr", "stress_corr", "stress_corr_adjusted",
                 "co_crash_rate", "co_crash_ratio"]
        body["stress"] = [dict(zip(heads, row, strict=True)) for row in _stress_rows(picture)]
        if picture.stress is not None:
            body["stress_threshold_return"] = picture.stress.threshold_return
            body["stress_days"] = picture.stress.stress_days
    return body


def _plan(args: argparse.Namespace) -> int:
    from rotation_addin.core.report_tables import ORDER_HEADERS, order_rows
    from rotation_addin.data.positions import load_book

    params = _params(args)
    book = load_book(args.positions, args.journal)
    dataset, report = _report(args, params, book)
    plan = report.plan
    if args.json:
        print(term.to_json({
            "source": report.source, "as_of": report.as_of, "regime": report.regime.label,
            "rotation_enabled": report.regime.rotation_enabled,
            "orders": [_order_json(o) for o in plan.orders],
            "refusals": plan.refusals, "targets": plan.targets,
            "take_profit_hits": plan.take_profit_hits,
            "stressed_loss_usd": plan.stressed_loss_usd,
            "portfolio_risk_cap_usd": plan.portfolio_risk_cap_usd,
            "notes": plan.notes, "warnings": report.warnings,
            "data_warnings": data_warnings(dataset), "sent": False,
        }))
        return 0
    if args.csv:
        _emit_csv_report(report, ORDER_HEADERS, order_rows(report))
        return 0
    _print_plan(report, params, len(book.positions))
    _print_data_warnings(dataset)
    print(NO_ORDERS_SENT)
    return 0


def _order_json(order: RebalanceOrder) -> dict[str, Any]:
    body = {f.name: getattr(order, f.name) for f in dataclasses.fields(order)}
    body["order_side"] = order.order_side
    return body


def _print_plan(report: DailyReport, params: PlanParameters, held: int) -> None:
    plan = report.plan
    print(f"source: {report.source}   as of: {report.as_of:%Y-%m-%d %H:%M} UTC")
    print(f"regime: {report.regime.label} (rotation "
          f"{'enabled' if report.regime.rotation_enabled else 'disabled'});  equity "
          f"{params.equity_usd:,.2f} USD;  {held} position(s) held")
    leader = report.sectors[0] if report.sectors else None
    if leader is not None:
        print(f"top sector: {leader.sector} (score {leader.score:+.2f})")
    print()
    if plan.orders:
        print(term.render_table(
            ["action", "symbol", "side", "qty", "entry", "notional $", "margin $", "lev",
             "stop", "take-profit", "liq.", "risk $"],
            [[o.action, o.symbol, o.order_side, o.quantity_base, _sig(o.entry_price_usd),
              round(o.notional_usd, 2), round(o.margin_usd, 2),
              o.leverage if o.leverage is not None else "",
              _sig(o.stop_price_usd), _sig(o.take_profit_price_usd),
              _sig(o.liquidation_price_usd), round(o.risk_usd, 2)] for o in plan.orders]))
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


def _sig(value: float | None) -> Any:
    if value is None or not math.isfinite(value):
        return ""
    return float(f"{value:.6g}")
