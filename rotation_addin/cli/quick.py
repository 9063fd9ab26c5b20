"""Quick risk checks: ``rotation size``, ``rotation liq`` and ``rotation leverage``.

* ``rotation size --equity 10000 --entry 7.50 --stop 7.05 --side long [--risk 2%] [--leverage 5]
  [--max-risk 3%] [--fee 0.05%] [--slippage 0.05%] [--step 0.1] [--min-qty 0.1]
  [--min-notional 5] [--symbol BASE [--source demo|cache] [--exchange ID]] [--json]``
  (risk, cap, fee and slippage default to the settings, as in ``=POSITION_SIZE()``; --symbol
  applies that contract's amount step and minimums from the dataset, as the UDF does)
* ``rotation liq --side long --entry 100 (--quantity 10 | --notional 1000)
  (--leverage 20 | --margin 50) [--mode isolated|cross --wallet W --other-mm X --other-upnl Y]
  [--symbol BASE | --brackets tiers.json | --mmr 0.4%] [--stop 96] [--json]``
* ``rotation leverage (--daily-vol 5% | --annual-vol 90% | --symbol RENDER [--source demo]
  [--exchange ID])
  [--estimator ewma|close|parkinson|garman-klass] [--k 3] [--holding-days 1]
  [--gap-buffer 2%] [--mmr 0.65%] [--max-leverage 75] [--json]``

Fractions accept ``0.02`` or ``2%``. Every number goes through the engine's validation, so a bad
value ends the command with one line naming the field (exit 2) and an impossible trade with one
line saying why (exit 3).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rotation_addin.cli import term
from rotation_addin.core.brackets import (
    BracketTable,
    bracket_table_from_ccxt,
    default_bracket_table,
)
from rotation_addin.core.capital import minimum_capital_check
from rotation_addin.core.constants import (
    DEFAULT_MAX_RISK_FRACTION,
    DEFAULT_RISK_FRACTION,
    SQRT_DAYS_PER_YEAR,
)
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.leverage import safe_leverage
from rotation_addin.core.liquidation import (
    QUANTITY_RANGE_BASE,
    LiquidationResult,
    OtherPosition,
    check_stop_before_liquidation,
    liquidation_price,
)
from rotation_addin.core.sizing import PositionSize, position_size
from rotation_addin.core.types import ContractSpec
from rotation_addin.core.validation import in_range
from rotation_addin.core.volatility import HISTORY_DAYS, VolatilityEstimate, volatility_estimate

ESTIMATORS = ("ewma", "close", "parkinson", "garman-klass")
DEFAULT_TAKER_FEE_RATE = 0.0005
DEFAULT_STOP_SLIPPAGE_RATE = 0.0005
VOL_LOOKBACK_DAYS = HISTORY_DAYS
"""Daily candles behind ``--symbol`` volatility: the plan's window, so the CLI, the UDFs and
``rotation plan`` quote the same sigma for the same symbol."""

DAILY_VOL_PLAIN_MAX = 1.0
"""A bare ``--daily-vol`` above 1 (100 % a day) is taken as a forgotten ``%`` and refused."""
ANNUAL_VOL_PLAIN_MAX = 5.0
"""A bare ``--annual-vol`` above 5 (500 % a year) is taken as a forgotten ``%`` and refused."""

_NEGATIVE_NUMBER = re.compile(r"^-\d+%?$|^-\d*\.\d+%?$")
"""argparse's negative-number pattern, plus a trailing ``%``: ``--risk -1%`` reaches the
engine (which names the field and its range) instead of failing as a missing argument."""


# ------------------------------------------------------------------------------ flag parsing

def _number(text: str) -> float:
    cleaned = text.strip().replace("_", "").replace(",", "").lstrip("$")
    try:
        return float(cleaned)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number (got {text!r})") from None


def _fraction(plain_max: float | None) -> Any:
    """Argparse type for fractions: ``0.02`` or ``2%``; plain numbers above ``plain_max`` are
    refused as probably meant as percentages."""

    def parse(text: str) -> float:
        stripped = text.strip()
        if stripped.endswith("%"):
            return _number(stripped[:-1]) / 100.0
        value = _number(stripped)
        if not math.isfinite(value):
            return value  # the engine names the field: "must be a finite number"
        if plain_max is not None and value > plain_max:
            raise argparse.ArgumentTypeError(
                f"must be a fraction like 0.02 or a percentage like 2% (got {text!r}; "
                f"did you mean {text.strip()}%?)"
            )
        return value

    return parse


def _pct(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value * 100:.{digits}f} %"


def _print_result(pairs: list[tuple[str, Any]], warnings: tuple[str, ...] | list[str],
                  footer: str | None = None) -> None:
    print(term.render_key_values(pairs))
    for warning in warnings:
        print(f"warning: {warning}")
    if footer:
        print(footer)


# ------------------------------------------------------------------------------ registration

def register(subparsers: Any) -> None:
    """Add ``size``, ``liq`` and ``leverage`` to the ``rotation`` command."""
    for parser in (_register_size(subparsers), _register_liq(subparsers),
                   _register_leverage(subparsers)):
        parser._negative_number_matcher = _NEGATIVE_NUMBER


def _data_flags(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--source", choices=("demo", "cache"), default=None,
                        help=f"dataset for {what} (default: the data_source setting, demo = "
                             "the simulated market)")
    parser.add_argument("--exchange", metavar="ID", default=None,
                        help="exchange whose cached data to read with --source cache "
                             "(default: settings exchange_id; 'demo' = `rotation refresh "
                             "--demo`)")


def _register_size(subparsers: Any) -> argparse.ArgumentParser:
    size: argparse.ArgumentParser = subparsers.add_parser(
        "size", help="position size from equity, risk %%, entry and stop",
        description="Size a position so that a stop-out (fees and slippage included) costs at "
                    "most the risk fraction of equity; quantity rounds down to the amount step.")
    size.add_argument("--equity", type=_number, required=True, help="account equity, USD")
    size.add_argument("--entry", type=_number, required=True, help="entry price, USD")
    size.add_argument("--stop", type=_number, required=True, help="stop price, USD")
    size.add_argument("--side", required=True, help="long or short")
    size.add_argument("--risk", type=_fraction(1.0), default=None,
                      help="risk per trade: 0.02 or 2%% (default: settings, 2%%)")
    size.add_argument("--max-risk", type=_fraction(1.0), default=None,
                      help="hard cap on --risk, at most 10%% (default: settings, 3%%)")
    size.add_argument("--fee", type=_fraction(0.1), default=None,
                      help="taker fee per fill (default: settings, 0.05%%)")
    size.add_argument("--slippage", type=_fraction(0.1), default=None,
                      help="stop slippage (default: settings, 0.05%%)")
    size.add_argument("--leverage", type=_number, default=1.0,
                      help="leverage for the margin and liquidation check (default 1)")
    size.add_argument("--step", type=_number, default=None, help="contract amount step")
    size.add_argument("--min-qty", type=_number, default=None, help="exchange minimum amount")
    size.add_argument("--min-notional", type=_number, default=None,
                      help="exchange minimum notional, USD")
    size.add_argument("--symbol", default=None,
                      help="base whose contract rules (amount step, minimums, from --source) "
                           "and default maintenance brackets apply, as in =POSITION_SIZE() "
                           "(default: no rounding, mid-cap alt brackets)")
    _data_flags(size, "--symbol's contract rules")
    size.add_argument("--json", action="store_true", help="machine-readable output")
    size.set_defaults(handler=run_size)
    return size


def _register_liq(subparsers: Any) -> argparse.ArgumentParser:
    liq: argparse.ArgumentParser = subparsers.add_parser(
        "liq", help="liquidation price (USDⓈ-M linear, one-way, isolated or cross)",
        description="LP = (WB - TMM + UPNL + cum - side*Q*EP) / (Q*MMR - side*Q), with MMR and "
                    "cum from the maintenance bracket re-checked at the liquidation price.")
    liq.add_argument("--side", required=True, help="long or short")
    liq.add_argument("--entry", type=_number, required=True, help="entry price, USD")
    amount = liq.add_mutually_exclusive_group(required=True)
    amount.add_argument("--quantity", type=_number, help="position size, base units")
    amount.add_argument("--notional", type=_number, help="position notional, USD")
    margin = liq.add_mutually_exclusive_group()
    margin.add_argument("--leverage", type=_number, help="leverage (isolated margin = notional/L)")
    margin.add_argument("--margin", type=_number, help="isolated position margin, USD")
    liq.add_argument("--mode", choices=("isolated", "cross"), default="isolated",
                     help="margin mode (default isolated)")
    liq.add_argument("--wallet", type=_number, default=None,
                     help="cross: wallet balance, USD")
    liq.add_argument("--other-mm", type=_number, default=None,
                     help="cross: maintenance margin of the other positions, USD")
    liq.add_argument("--other-upnl", type=_number, default=None,
                     help="cross: unrealised PnL of the other positions, USD")
    tables = liq.add_mutually_exclusive_group()
    tables.add_argument("--symbol", default=None,
                        help="base for the bundled default brackets (BTC, ETH, RENDER...)")
    tables.add_argument("--brackets", type=Path, default=None, metavar="FILE",
                        help="JSON list of ccxt leverage tiers (fetch_leverage_tiers)")
    tables.add_argument("--mmr", type=_fraction(1.0), default=None,
                        help="flat maintenance margin rate, cum 0 (e.g. 0.4%%)")
    liq.add_argument("--stop", type=_number, default=None,
                     help="planned stop: refused unless between entry and liquidation")
    liq.add_argument("--json", action="store_true", help="machine-readable output")
    liq.set_defaults(handler=run_liq)
    return liq


def _register_leverage(subparsers: Any) -> argparse.ArgumentParser:
    lev: argparse.ArgumentParser = subparsers.add_parser(
        "leverage", help="safe leverage for a volatility (falls as volatility rises)",
        description="Largest whole leverage L with 1/L - MMR >= k*sigma*sqrt(h) + gap buffer, "
                    "capped by the bracket's maximum leverage.")
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
    lev.add_argument("--k", type=_number, default=3.0, help="k sigma to survive (default 3)")
    lev.add_argument("--holding-days", type=_number, default=1.0,
                     help="holding period, days (default 1)")
    lev.add_argument("--gap-buffer", type=_fraction(1.0), default=0.02,
                     help="extra distance for gaps (default 2%%)")
    lev.add_argument("--mmr", type=_fraction(1.0), default=None,
                     help="maintenance margin rate (default: the bracket's)")
    lev.add_argument("--max-leverage", type=_number, default=None,
                     help="a lower leverage cap (default and upper limit: the bracket's "
                          "and the contract's maximum)")
    lev.add_argument("--json", action="store_true", help="machine-readable output")
    lev.set_defaults(handler=run_leverage)
    return lev


# ------------------------------------------------------------------------------ size

def _contract_from_flags(args: argparse.Namespace) -> ContractSpec | None:
    if args.step is None and args.min_qty is None and args.min_notional is None:
        return None
    step = args.step if args.step is not None else (
        args.min_qty if args.min_qty is not None else 1e-8)
    return ContractSpec(
        symbol=args.symbol or "cli",
        base=args.symbol or "cli",
        amount_step=step,
        min_amount=args.min_qty if args.min_qty is not None else step,
        min_notional_usd=args.min_notional if args.min_notional is not None else 0.0,
        max_leverage=1_000.0,
    )


def _settings(notes: list[str] | None = None) -> Any:
    """The user's settings, or None (built-in defaults) when they cannot be read.

    A broken settings.toml must not stop a quick check whose flags say everything: the
    defaults apply and ``notes`` says why (as the desktop app does).
    """
    try:
        from rotation_addin.data.settings import load_settings
    except ImportError:  # the pure quick checks work without the data layer
        return None
    try:
        return load_settings()
    except InputError as error:
        if notes is not None:
            notes.append(f"settings not read ({error}): built-in defaults used")
        return None


def _load_dataset(args: argparse.Namespace, settings: Any) -> Any:
    """The dataset ``--source``/``--exchange`` name (defaults: the settings), as the UDFs read."""
    try:
        from rotation_addin.data.loader import load_market
    except ImportError as exc:  # the data layer is optional for the pure quick checks
        raise DataError(f"--symbol needs the market data loader ({exc}); "
                        "use --daily-vol or --annual-vol, or --step/--min-qty/--min-notional"
                        ) from None
    source = args.source or getattr(settings, "data_source", "demo")
    exchange = args.exchange or getattr(settings, "exchange_id", "binanceusdm")
    return load_market(source, exchange_id=exchange)


def _symbol_contract(args: argparse.Namespace, settings: Any) -> tuple[ContractSpec | None, str]:
    """Contract rules for ``rotation size``: --symbol's from the dataset (what
    ``=POSITION_SIZE(..., symbol)`` uses), with --step/--min-qty/--min-notional overriding."""
    flags = _contract_from_flags(args)
    if args.symbol is None or not args.symbol.strip():
        return flags, "flags" if flags is not None else ""
    dataset = _load_dataset(args, settings)
    base = args.symbol.strip().upper().split("/")[0]
    spec = dataset.contracts.get(base)
    if spec is None:
        raise InputError("symbol", f"{base} has no contract rules in {dataset.source}; omit "
                         "--symbol or give --step/--min-qty/--min-notional")
    if flags is not None:
        spec = dataclasses.replace(
            spec,
            amount_step=args.step if args.step is not None else spec.amount_step,
            min_amount=args.min_qty if args.min_qty is not None else spec.min_amount,
            min_notional_usd=(args.min_notional if args.min_notional is not None
                              else spec.min_notional_usd),
        )
    return spec, dataset.source


def _or_setting(value: float | None, settings: Any, name: str, default: float) -> float:
    if value is not None:
        return value
    return float(getattr(settings, name, default)) if settings is not None else default


def run_size(args: argparse.Namespace) -> int:
    """Handler of ``rotation size``."""
    notes: list[str] = []
    settings = _settings(notes)
    args.risk = _or_setting(args.risk, settings, "risk_fraction", DEFAULT_RISK_FRACTION)
    args.max_risk = _or_setting(args.max_risk, settings, "max_risk_fraction",
                                DEFAULT_MAX_RISK_FRACTION)
    args.fee = _or_setting(args.fee, settings, "taker_fee_rate", DEFAULT_TAKER_FEE_RATE)
    args.slippage = _or_setting(args.slippage, settings, "stop_slippage_rate",
                                DEFAULT_STOP_SLIPPAGE_RATE)
    contract, contract_source = _symbol_contract(args, settings)
    sized = position_size(
        equity_usd=args.equity, entry_price_usd=args.entry, stop_price_usd=args.stop,
        side=args.side, risk_fraction=args.risk, max_risk_fraction=args.max_risk,
        taker_fee_rate=args.fee, stop_slippage_rate=args.slippage, leverage=args.leverage,
        contract=contract,
    )
    table = default_bracket_table(args.symbol or "default")
    liq = liquidation_price(
        side=sized.side, entry_price_usd=sized.entry_price_usd,
        quantity_base=sized.quantity_base, leverage=sized.leverage, brackets=table,
    )
    check_stop_before_liquidation(sized.side, sized.entry_price_usd, sized.stop_price_usd,
                                  liq.liquidation_price_usd)
    capital = minimum_capital_check(
        equity_usd=args.equity, entry_price_usd=args.entry, stop_price_usd=args.stop,
        side=sized.side, risk_fraction=args.risk, contract=contract,
        taker_fee_rate=args.fee, stop_slippage_rate=args.slippage,
    )
    warnings = [*notes, *sized.warnings, *capital.warnings]
    if contract is None:
        warnings = [w for w in warnings if not w.startswith("no contract given")]
    if args.json:
        print(term.to_json({"position": sized, "liquidation": liq, "capital": capital,
                            "contract": contract, "contract_source": contract_source or None,
                            "warnings": warnings}))
        return 0
    footer = f"brackets: {table.source}"
    if contract is not None and contract_source not in ("", "flags"):
        footer += (f"\ncontract rules: {contract.symbol} from {contract_source} (amount step "
                   f"{contract.amount_step:g}, min amount {contract.min_amount:g}, min notional "
                   f"{contract.min_notional_usd:g} USD)")
    _print_result(_size_rows(sized, liq), warnings, footer=footer)
    return 0


def _size_rows(sized: PositionSize, liq: LiquidationResult) -> list[tuple[str, Any]]:
    return [
        ("side", sized.side.value),
        ("quantity (base units)", sized.quantity_base),
        ("notional USD", round(sized.notional_usd, 2)),
        (f"margin USD at {sized.leverage:g}x", round(sized.margin_usd, 2)),
        ("risk budget USD", round(sized.risk_budget_usd, 2)),
        ("risk at stop USD (fees, slippage)", round(sized.risk_usd, 2)),
        ("risk of equity", _pct(sized.risk_fraction_of_equity, 3)),
        ("stop distance", _pct(sized.stop_distance_fraction)),
        ("fees USD (entry + stop)", round(sized.fees_usd, 2)),
        ("stop slippage USD", round(sized.slippage_usd, 2)),
        ("liquidation price USD (isolated)", _liq_text(liq)),
        ("liquidation distance", _pct(liq.distance_fraction)),
    ]


def _liq_text(liq: LiquidationResult) -> Any:
    if liq.can_be_liquidated:
        return liq.liquidation_price_usd
    return "none (margin covers a fall to 0)"


# ------------------------------------------------------------------------------ liq

def _read_brackets_file(path: Path) -> BracketTable:
    try:
        from rotation_addin.data.text_files import read_user_text

        document = json.loads(read_user_text(path, "brackets"))
    except FileNotFoundError:
        raise InputError("brackets", f"file {path} does not exist") from None
    except RecursionError:
        raise InputError("brackets", f"file {path} is nested too deeply to be a list of "
                                     "leverage tiers") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError("brackets", f"file {path} is not readable JSON ({exc})") from None
    symbol = path.stem
    if isinstance(document, dict) and len(document) == 1:
        symbol, document = next(iter(document.items()))
    if not isinstance(document, list):
        raise InputError("brackets", "file must hold a JSON list of ccxt leverage tiers "
                                     "(or {symbol: [tiers]})")
    return bracket_table_from_ccxt(str(symbol), document, source=f"file {path}")


def _liq_table(args: argparse.Namespace) -> BracketTable | None:
    if args.brackets is not None:
        return _read_brackets_file(args.brackets)
    if args.mmr is not None:
        return None
    return default_bracket_table(args.symbol or "default")


def run_liq(args: argparse.Namespace) -> int:
    """Handler of ``rotation liq``."""
    if args.quantity is not None:
        quantity = args.quantity
    else:
        if not isinstance(args.entry, float) or not args.entry > 0 or not math.isfinite(args.entry):
            raise InputError("entry_price_usd", f"must be > 0 (got {args.entry})")
        quantity = args.notional / args.entry
        if not (math.isfinite(quantity) and quantity > 0):
            raise InputError("notional_usd", f"must be > 0 (got {args.notional:g})")
        low, high = QUANTITY_RANGE_BASE
        if not low <= quantity <= high:
            raise InputError("notional_usd", f"must come to {low:g}..{high:g} base units at entry "
                             f"{args.entry:g} (got {args.notional:g} USD = {quantity:g} units)")
    others: tuple[OtherPosition, ...] = ()
    if args.other_mm is not None or args.other_upnl is not None:
        if args.mode != "cross":
            raise InputError("other_positions", "--other-mm/--other-upnl need --mode cross")
        others = (OtherPosition(args.other_mm or 0.0, args.other_upnl or 0.0),)
    table = _liq_table(args)
    result = liquidation_price(
        side=args.side, entry_price_usd=args.entry, quantity_base=quantity,
        leverage=args.leverage, margin_usd=args.margin, mode=args.mode,
        wallet_balance_usd=args.wallet, other_positions=others, brackets=table,
        maintenance_margin_rate=args.mmr,
    )
    if args.stop is not None:
        check_stop_before_liquidation(result.side, result.entry_price_usd, args.stop,
                                      result.liquidation_price_usd)
    if args.json:
        print(term.to_json(result))
        return 0
    rows: list[tuple[str, Any]] = [
        ("side / mode", f"{result.side.value} / {result.mode}"),
        ("entry price USD", result.entry_price_usd),
        ("quantity (base units)", result.quantity_base),
        ("notional USD", round(result.notional_usd, 2)),
        ("leverage", "n/a" if result.leverage is None else f"{result.leverage:g}x"),
        ("wallet balance used USD", round(result.wallet_balance_usd, 2)),
        ("maintenance margin at entry USD", round(result.maintenance_margin_usd, 2)),
        ("MMR / cum at liquidation", f"{_pct(result.bracket.maintenance_margin_rate, 3)} / "
                                     f"{result.bracket.maintenance_amount_usd:,.2f} USD"),
        ("liquidation price USD", _liq_text(result)),
        ("distance from entry", _pct(result.distance_fraction)),
    ]
    if args.stop is not None:
        rows.append(("stop USD", f"{args.stop:g} (before liquidation: ok)"))
    source = table.source if table is not None else f"flat MMR {_pct(args.mmr, 3)}, cum 0"
    _print_result(rows, result.warnings, footer=f"brackets: {source}")
    return 0


# ------------------------------------------------------------------------------ leverage

def _symbol_volatility(
    base: str, args: argparse.Namespace, notes: list[str]
) -> tuple[VolatilityEstimate, str, float | None]:
    """σ of ``base`` from the dataset: (estimate, source label, contract max leverage).

    Appends to ``notes`` when the figure is stale: the dataset as a whole, or this symbol's
    candles ending before the dataset's last day.
    """
    from rotation_addin.cli.analytics_cmds import STALE_AFTER

    dataset = _load_dataset(args, _settings(notes))
    key = base.strip().upper()
    if key not in dataset.close.columns:
        raise DataError(f"no daily candles for {key} in {dataset.source}; "
                        f"available: {', '.join(map(str, dataset.close.columns))}")
    frame = (
        dataset.close[[key]].rename(columns={key: "close"})
        .join(dataset.open[key].rename("open"))
        .join(dataset.high[key].rename("high"))
        .join(dataset.low[key].rename("low"))
        .dropna()
        .tail(VOL_LOOKBACK_DAYS)
    )
    if len(frame) < 3:
        raise DataError(f"only {len(frame)} complete daily candles for {key} in "
                        f"{dataset.source}")
    estimate = volatility_estimate(frame["open"], frame["high"], frame["low"], frame["close"])
    last_day = dataset.close.index[-1]
    if frame.index[-1] < last_day:
        notes.append(f"{key}: no candles since {frame.index[-1]:%Y-%m-%d} (data runs to "
                     f"{last_day:%Y-%m-%d}): this sigma describes that older period")
    as_of = dataset.as_of if dataset.as_of.tzinfo else dataset.as_of.replace(tzinfo=UTC)
    if datetime.now(UTC) - as_of > STALE_AFTER:
        notes.append(f"stale data: the last daily candle closed {as_of:%Y-%m-%d %H:%M} UTC; "
                     "run `rotation refresh` (or use --source demo)")
    contract = dataset.contracts.get(key)
    return estimate, dataset.source, None if contract is None else contract.max_leverage


def run_leverage(args: argparse.Namespace) -> int:
    """Handler of ``rotation leverage``."""
    estimate: VolatilityEstimate | None = None
    source_label: str | None = None
    contract_max: float | None = None
    notes: list[str] = []
    if args.symbol is not None:
        estimate, source_label, contract_max = _symbol_volatility(args.symbol, args, notes)
        daily = estimate.daily_sigma(args.estimator)
    elif args.daily_vol is not None:
        daily = args.daily_vol
    else:
        if not isinstance(args.annual_vol, float) or not math.isfinite(args.annual_vol):
            raise InputError("annual_vol", f"must be a finite number (got {args.annual_vol})")
        daily = args.annual_vol / SQRT_DAYS_PER_YEAR
    brackets = default_bracket_table(args.symbol or "default")
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
        daily_vol=daily, k_sigma=args.k, holding_days=args.holding_days,
        gap_buffer_fraction=args.gap_buffer, brackets=brackets,
        maintenance_margin_rate=args.mmr, max_leverage=cap,
    )
    warnings = [*notes, *(w for w in result.warnings if not w.startswith("no brackets given"))]
    if estimate is not None:
        warnings.extend(estimate.warnings)
    if args.json:
        print(term.to_json({"safe_leverage": result, "volatility": estimate,
                            "source": source_label, "estimator": args.estimator
                            if estimate is not None else None, "warnings": warnings}))
        return 0
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
        ("liquidation distance at that leverage", _pct(result.liquidation_distance_fraction)),
    ]
    _print_result(rows, warnings, footer=result.explanation)
    return 0
