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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rotation_addin.cli import leverage_cmd, term
from rotation_addin.cli.quick_args import (
    EQUITY,
    _base,
    _data_flags,
    _fraction,
    _given,
    _liq_text,
    _load_dataset,
    _number,
    _pct,
    _print_result,
    _settings,
    _usd,
)
from rotation_addin.core import validation as v
from rotation_addin.core.brackets import BracketTable, bracket_table_from_ccxt
from rotation_addin.core.constants import QUANTITY_RANGE_BASE
from rotation_addin.core.errors import InputError
from rotation_addin.core.liquidation import (
    LiquidationResult,
    OtherPosition,
    check_stop_before_liquidation,
    liquidation_price,
)
from rotation_addin.core.sizing import PositionSize
from rotation_addin.core.types import ContractSpec
from rotation_addin.data.settings import Settings
from rotation_addin.data.text_files import read_user_text
from rotation_addin.desk.quick_check import brackets_for, quick_check, request_from_settings

if TYPE_CHECKING:
    from rotation_addin.core.dataset import MarketDataset


# ------------------------------------------------------------------------------ registration

def register(subparsers: Any) -> None:
    """Add ``size``, ``liq`` and ``leverage`` to the ``rotation`` command."""
    _register_size(subparsers)
    _register_liq(subparsers)
    leverage_cmd.register_leverage(subparsers)


def _register_size(subparsers: Any) -> argparse.ArgumentParser:
    size: argparse.ArgumentParser = subparsers.add_parser(
        "size", help="position size from equity, risk %%, entry and stop",
        description="Size a position so that a stop-out (fees and slippage included) costs at "
                    "most the risk fraction of equity; quantity rounds down to the amount step.")
    size.add_argument("--equity", type=EQUITY, required=True, help="account equity, USD")
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


# ------------------------------------------------------------------------------ size

def _contract_from_flags(args: argparse.Namespace) -> ContractSpec | None:
    if args.step is None and args.min_qty is None and args.min_notional is None:
        return None
    if args.min_qty is not None:  # checked as itself (--min-qty) before it stands in for a step
        v.non_negative("min_amount", args.min_qty)
    step = args.step if args.step is not None else (args.min_qty or 1e-8)
    return ContractSpec(
        symbol=args.symbol or "cli",
        base=args.symbol or "cli",
        amount_step=step,
        min_amount=args.min_qty if args.min_qty is not None else step,
        min_notional_usd=args.min_notional if args.min_notional is not None else 0.0,
        max_leverage=1_000.0,
    )


def _symbol_contract(
    args: argparse.Namespace, settings: Settings
) -> tuple[ContractSpec | None, str, MarketDataset | None]:
    """Contract rules for ``rotation size``: --symbol's from the dataset (what
    ``=POSITION_SIZE(..., symbol)`` uses), with --step/--min-qty/--min-notional overriding;
    and the dataset read (None without --symbol: no data needed)."""
    flags = _contract_from_flags(args)
    if args.symbol is None or not args.symbol.strip():
        return flags, "flags" if flags is not None else "", None
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
    return spec, dataset.source, dataset


def run_size(args: argparse.Namespace) -> int:
    """Handler of ``rotation size``: the desk's quick check with the settings' defaults."""
    notes: list[str] = []
    settings = _settings(notes)
    contract, contract_source, dataset = _symbol_contract(args, settings)
    request = dataclasses.replace(
        request_from_settings(
            settings, equity_usd=args.equity, entry_price_usd=args.entry,
            stop_price_usd=args.stop, side=args.side, risk_fraction=args.risk,
            leverage=args.leverage, contract=contract,
            brackets=brackets_for(dataset, _base(args.symbol))),
        max_risk_fraction=_given(args.max_risk, settings.max_risk_fraction),
        taker_fee_rate=_given(args.fee, settings.taker_fee_rate),
        stop_slippage_rate=_given(args.slippage, settings.stop_slippage_rate),
        min_equity_usd=settings.min_equity_usd,
    )
    checked = quick_check(request)
    sized, liq, table, capital = (checked.size, checked.liquidation, checked.brackets,
                                  checked.capital)
    assert capital is not None  # min_equity_usd was given
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
        ("notional USD", _usd(sized.notional_usd)),
        (f"margin USD at {sized.leverage:g}x", _usd(sized.margin_usd)),
        ("risk budget USD", _usd(sized.risk_budget_usd)),
        ("risk at stop USD (fees, slippage)", _usd(sized.risk_usd)),
        ("risk of equity", _pct(sized.risk_fraction_of_equity, 3)),
        ("stop distance", _pct(sized.stop_distance_fraction)),
        ("fees USD (entry + stop)", _usd(sized.fees_usd)),
        ("stop slippage USD", _usd(sized.slippage_usd)),
        ("liquidation price USD (isolated)", _liq_text(liq)),
        ("liquidation distance", _pct(liq.distance_fraction)),
    ]


# ------------------------------------------------------------------------------ liq

def _read_brackets_file(path: Path) -> BracketTable:
    try:
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
    return brackets_for(None, _base(args.symbol))


CROSS_ONLY_FLAGS: tuple[tuple[str, str], ...] = (
    ("wallet", "--wallet"), ("other_mm", "--other-mm"), ("other_upnl", "--other-upnl"))
"""(argument, flag) of the figures only cross margin reads."""


def _refuse_cross_only_flags(args: argparse.Namespace) -> None:
    """A cross-only figure typed with isolated margin is refused, not ignored: the trader who
    typed ``--wallet`` would read the answer as computed from that wallet."""
    if args.mode == "cross":
        return
    typed = [flag for name, flag in CROSS_ONLY_FLAGS if getattr(args, name) is not None]
    if typed:
        verb = "applies" if len(typed) == 1 else "apply"
        raise InputError(", ".join(typed), f"{verb} to --mode cross only (--mode {args.mode} "
                                           "uses the position's own margin): add --mode cross "
                                           f"or leave {' and '.join(typed)} out")


def run_liq(args: argparse.Namespace) -> int:
    """Handler of ``rotation liq``."""
    _refuse_cross_only_flags(args)
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
        ("notional USD", _usd(result.notional_usd)),
        ("leverage", "n/a" if result.leverage is None else f"{result.leverage:g}x"),
        ("wallet balance used USD", _usd(result.wallet_balance_usd)),
        ("maintenance margin at entry USD", _usd(result.maintenance_margin_usd)),
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
