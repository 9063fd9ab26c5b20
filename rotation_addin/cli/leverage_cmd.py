"""``rotation leverage``: the safe leverage of a volatility or of a symbol's recent candles.

``rotation leverage (--daily-vol 5% | --annual-vol 90% | --symbol RENDER [--source demo]
[--exchange ID]) [--estimator ewma|close|parkinson|garman-klass] [--k 3] [--holding-days 1]
[--gap-buffer 2%] [--mmr 0.65%] [--max-leverage 75] [--json]``
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any

from rotation_addin.cli import term
from rotation_addin.cli.quick_args import (
    ANNUAL_VOL_PLAIN_MAX,
    DAILY_VOL_PLAIN_MAX,
    ESTIMATORS,
    VOL_LOOKBACK_DAYS,
    _base,
    _data_flags,
    _fraction,
    _given,
    _load_dataset,
    _number,
    _pct,
    _print_result,
    _settings,
)
from rotation_addin.core.constants import SQRT_DAYS_PER_YEAR
from rotation_addin.core.errors import InputError
from rotation_addin.core.leverage import SafeLeverage, safe_leverage
from rotation_addin.core.validation import in_range
from rotation_addin.desk.quick_check import brackets_for

if TYPE_CHECKING:
    from rotation_addin.core.dataset import MarketDataset
    from rotation_addin.core.volatility import VolatilityEstimate
    from rotation_addin.data.settings import Settings


def register_leverage(subparsers: Any) -> argparse.ArgumentParser:
    lev: argparse.ArgumentParser = subparsers.add_parser(
        "leverage", help="safe leverage for a volatility (falls as volatility rises)",
        description="Largest whole leverage L whose exact isolated liquidation distance, "
                    "(1/L - MMR)/(1 - MMR) for a long or (1/L - MMR)/(1 + MMR) for a short, is "
                    ">= k*sigma*sqrt(h) + gap buffer, capped by the bracket's maximum leverage. "
                    "Without --side the short (nearer) distance binds, so either side is safe.")
    vol = lev.add_mutually_exclusive_group(required=True)
    vol.add_argument("--daily-vol", type=_fraction(DAILY_VOL_PLAIN_MAX),
                     help="daily sigma: 0.05 or 5%%")
    vol.add_argument("--annual-vol", type=_fraction(ANNUAL_VOL_PLAIN_MAX),
                     help="annual sigma: 0.9 or 90%%")
    vol.add_argument("--symbol", default=None,
                     help=f"base: estimate sigma from its last {VOL_LOOKBACK_DAYS} daily "
                          "candles in the market dataset (see --source)")
    _data_flags(lev, "--symbol")
    lev.add_argument("--estimator", choices=ESTIMATORS, default="ewma",
                     help="sigma estimator for --symbol (default ewma, lambda 0.94)")
    lev.add_argument("--k", type=_number, default=None,
                     help="k sigma to survive (default: settings vol_k_sigma, 3)")
    lev.add_argument("--holding-days", type=_number, default=None,
                     help="holding period, days (default: settings holding_days, 1)")
    lev.add_argument("--gap-buffer", type=_fraction(1.0), default=None,
                     help="extra distance for gaps (default: settings gap_buffer_fraction, "
                          "2%%)")
    lev.add_argument("--mmr", type=_fraction(1.0), default=None,
                     help="maintenance margin rate (default: the bracket's)")
    lev.add_argument("--max-leverage", type=_number, default=None,
                     help="a lower leverage cap (default and upper limit: the bracket's "
                          "and the contract's maximum)")
    lev.add_argument("--side", choices=("long", "short", "either"), default="either",
                     help="position side (default either: safe for a long and a short)")
    lev.add_argument("--json", action="store_true", help="machine-readable output")
    lev.set_defaults(handler=run_leverage)
    return lev


def _symbol_volatility(
    base: str, args: argparse.Namespace, settings: Settings, notes: list[str]
) -> tuple[VolatilityEstimate, MarketDataset, float | None]:
    """σ of ``base`` from the dataset (the desk's :func:`symbol_volatility`): the estimate, the
    dataset and the contract's maximum leverage; staleness goes to ``notes``."""
    from rotation_addin.desk.market import symbol_volatility  # deferred: pandas (see _session)

    dataset = _load_dataset(args, settings)
    found = symbol_volatility(dataset, base)
    notes.extend(found.notes)
    return found.estimate, dataset, found.contract_max_leverage


def run_leverage(args: argparse.Namespace) -> int:
    """Handler of ``rotation leverage``."""
    estimate: VolatilityEstimate | None = None
    dataset: MarketDataset | None = None
    contract_max: float | None = None
    notes: list[str] = []
    settings = _settings(notes)  # k, h and the gap buffer default to them, as =SAFE_LEVERAGE()
    if args.symbol is not None:
        estimate, dataset, contract_max = _symbol_volatility(args.symbol, args, settings, notes)
        daily = estimate.daily_sigma(args.estimator)
    elif args.daily_vol is not None:
        daily = args.daily_vol
    else:
        if not isinstance(args.annual_vol, float) or not math.isfinite(args.annual_vol):
            raise InputError("annual_vol", f"must be a finite number (got {args.annual_vol})")
        daily = args.annual_vol / SQRT_DAYS_PER_YEAR
    source_label = None if dataset is None else dataset.source
    brackets = brackets_for(dataset, _base(args.symbol))
    cap = args.max_leverage
    limit = (brackets.max_leverage if contract_max is None
             else min(contract_max, brackets.max_leverage))
    if cap is None and contract_max is not None:
        cap = limit
    elif (cap is not None and args.mmr is None
          and limit < in_range("max_leverage", cap, 1.0, 1_000.0)):
        # --max-leverage lowers the cap; it cannot lift the exchange's own maximum
        notes.append(f"--max-leverage {cap:g}x is above the {limit:g}x maximum of the bracket "
                     f"and contract ({brackets.source}): {limit:g}x applies")
        cap = limit
    result = safe_leverage(
        daily_vol=daily, k_sigma=_given(args.k, settings.vol_k_sigma),
        holding_days=_given(args.holding_days, settings.holding_days),
        gap_buffer_fraction=_given(args.gap_buffer, settings.gap_buffer_fraction),
        brackets=brackets,
        maintenance_margin_rate=args.mmr, max_leverage=cap, side=args.side,
    )
    warnings = [*notes, *(w for w in result.warnings if not w.startswith("no brackets given"))]
    if estimate is not None:
        warnings.extend(estimate.warnings)
    if args.json:
        print(term.to_json({"safe_leverage": result, "volatility": estimate,
                            "source": source_label, "estimator": args.estimator
                            if estimate is not None else None, "warnings": warnings}))
        return 0
    rows = _leverage_rows(args, result, estimate, source_label)
    rows.append(("brackets (MMR, max leverage)",
                 "--mmr given" if args.mmr is not None else brackets.source))
    _print_result(rows, warnings, footer=result.explanation)
    return 0


def _leverage_rows(args: argparse.Namespace, result: SafeLeverage,
                   estimate: VolatilityEstimate | None,
                   source_label: str | None) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    if estimate is not None:
        rows += [
            ("symbol / data", f"{args.symbol.upper()} / {source_label} "
                              f"(last {estimate.observations} days)"),
            ("daily sigma close / EWMA", f"{_pct(estimate.close_to_close_daily_sigma)} / "
                                         f"{_pct(estimate.ewma_daily_sigma)}"),
            ("daily sigma Parkinson / G-K", f"{_pct(estimate.parkinson_daily_sigma)} / "
                                            f"{_pct(estimate.garman_klass_daily_sigma)}"),
            ("ATR USD", estimate.atr_usd if estimate.atr_usd is not None else "n/a"),
        ]
    rows += [
        (f"daily sigma used ({args.estimator if estimate else 'given'})", _pct(result.daily_vol)),
        ("annualised sigma (x sqrt 365)", _pct(result.daily_vol * SQRT_DAYS_PER_YEAR)),
        ("required distance k*sigma*sqrt(h) + gap", _pct(result.required_distance_fraction)),
        ("maintenance margin rate", _pct(result.maintenance_margin_rate, 3)),
        ("safe leverage", f"{result.leverage}x"),
        ("limited by", result.limiting_factor),
        (f"liquidation distance at that leverage ({result.side})",
         _pct(result.liquidation_distance_fraction)),
    ]
    return rows
