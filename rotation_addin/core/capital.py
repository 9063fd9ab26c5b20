"""Minimum-capital check: can this account take the smallest order the exchange allows
without breaking the risk rule, and does it meet the framework's minimum equity ($5,000)?
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rotation_addin.core import parameters as p
from rotation_addin.core.errors import InputError
from rotation_addin.core.sizing import (
    MIN_RISK_FRACTION,
    per_unit_loss_usd,
    smallest_tradable_quantity,
    validate_costs,
    validate_equity,
    validate_price,
    validate_stop,
)
from rotation_addin.core.types import ContractSpec, Side
from rotation_addin.core.validation import in_range, non_negative, positive


@dataclass(frozen=True)
class CapitalCheck:
    """Result of :func:`minimum_capital_check`.

    Attributes
    ----------
    ok : bool
        True when both ``meets_risk_rule`` and ``meets_min_equity`` hold.
    equity_usd, min_equity_usd, risk_fraction : float
        Inputs.
    smallest_quantity_base : float
        Smallest order the contract allows (amount step, min amount, min notional).
    smallest_notional_usd : float
    smallest_trade_risk_usd : float
        Loss at the stop of that smallest order, fees and slippage included.
    smallest_trade_risk_fraction : float
        The same as a fraction of equity.
    equity_needed_usd : float
        Equity at which the smallest order fits the risk rule:
        ``smallest_trade_risk_usd / risk_fraction``.
    meets_risk_rule : bool
    meets_min_equity : bool
    warnings : tuple[str, ...]
    """

    ok: bool
    equity_usd: float
    min_equity_usd: float
    risk_fraction: float
    smallest_quantity_base: float
    smallest_notional_usd: float
    smallest_trade_risk_usd: float
    smallest_trade_risk_fraction: float
    equity_needed_usd: float
    meets_risk_rule: bool
    meets_min_equity: bool
    warnings: tuple[str, ...]


def minimum_capital_check(
    *,
    equity_usd: float,
    entry_price_usd: float,
    stop_price_usd: float,
    risk_fraction: float = p.RISK_FRACTION.default,
    min_equity_usd: float = p.MIN_EQUITY_USD.default,
    contract: ContractSpec | None = None,
    taker_fee_rate: float = p.TAKER_FEE_RATE.default,
    stop_slippage_rate: float = p.STOP_SLIPPAGE_RATE.default,
    side: object | None = None,
) -> CapitalCheck:
    """Check equity against the exchange minimums under the risk rule and the $5,000 floor.

    Parameters
    ----------
    equity_usd : float
        Account equity (> 0).
    entry_price_usd, stop_price_usd : float
        Planned entry and stop (> 0, different); the side follows from them unless given.
    risk_fraction : float
        Risk per trade (default 0.02), in (0, 1].
    min_equity_usd : float
        Framework minimum (default 5,000), >= 0.
    contract : ContractSpec, optional
        Exchange minimums; default: generic USDⓈ-M minimums (step 0.001, 5 USD notional).
    taker_fee_rate, stop_slippage_rate : float
        Costs as fractions, in [0, 0.1).
    side : "long" | "short", optional

    Returns
    -------
    CapitalCheck
        ``equity_needed_usd = smallest_qty · (|E − S| + E·fee + S·(fee + slip)) / risk``.
    """
    equity = validate_equity("equity_usd", equity_usd)
    entry = validate_price("entry_price_usd", entry_price_usd)
    stop = validate_price("stop_price_usd", stop_price_usd)
    risk = in_range("risk_fraction", risk_fraction, MIN_RISK_FRACTION, 1.0)
    floor_equity = non_negative("min_equity_usd", min_equity_usd)
    fee, slip = validate_costs(taker_fee_rate, stop_slippage_rate)
    position_side = _position_side(side, entry, stop)
    validate_stop(position_side, entry, stop)
    warnings: list[str] = []
    spec = _checked_contract(contract, warnings)
    return _capital_check(equity, entry, stop, risk, floor_equity, fee, slip, spec, warnings)


def _position_side(side: object | None, entry: float, stop: float) -> Side:
    """The given side, or the one the stop implies (below entry: long)."""
    if side is None:
        if stop == entry:
            raise InputError("stop_price_usd", f"must differ from entry {entry:g} (got {stop:g})")
        return Side.LONG if stop < entry else Side.SHORT
    return Side.parse(side)


def _checked_contract(contract: ContractSpec | None, warnings: list[str]) -> ContractSpec:
    """The contract with its minimums checked, or generic USDⓈ-M minimums (with a warning)."""
    if contract is None:
        contract = ContractSpec(symbol="generic", base="generic")
        warnings.append("no contract given: used generic minimums (amount step 0.001, "
                        "min amount 0.001, min notional 5 USD)")
    elif not isinstance(contract, ContractSpec):
        raise InputError("contract", f"must be a ContractSpec (got {type(contract).__name__})")
    else:
        positive("contract.amount_step", contract.amount_step)
        non_negative("contract.min_amount", contract.min_amount)
        non_negative("contract.min_notional_usd", contract.min_notional_usd)
    return contract


def _capital_check(
    equity: float,
    entry: float,
    stop: float,
    risk: float,
    floor_equity: float,
    fee: float,
    slip: float,
    contract: ContractSpec,
    warnings: list[str],
) -> CapitalCheck:
    """Compare the smallest tradable order's risk with the rule and equity with the floor."""
    quantity = smallest_tradable_quantity(contract, entry)
    smallest_risk = quantity * per_unit_loss_usd(entry, stop, fee, slip)
    needed = smallest_risk / risk
    if not math.isfinite(smallest_risk / equity):
        raise InputError("equity_usd", f"is too small to compare with a trade (got {equity:g})")
    meets_risk = smallest_risk <= equity * risk * (1 + 1e-9)
    meets_min = equity >= floor_equity
    if not meets_risk:
        warnings.append(
            f"the smallest order ({quantity:g} {contract.base}) risks {smallest_risk:,.2f} USD "
            f"= {smallest_risk / equity:.2%} of equity, above the {risk:.2%} rule: needs "
            f"equity >= {needed:,.2f} USD or a tighter stop"
        )
    if not meets_min:
        warnings.append(
            f"equity {equity:,.2f} USD is below the framework's minimum {floor_equity:,.0f} USD: "
            "fees and exchange minimums make the risk rule hard to keep"
        )
    return CapitalCheck(
        ok=meets_risk and meets_min,
        equity_usd=equity,
        min_equity_usd=floor_equity,
        risk_fraction=risk,
        smallest_quantity_base=quantity,
        smallest_notional_usd=quantity * entry,
        smallest_trade_risk_usd=smallest_risk,
        smallest_trade_risk_fraction=smallest_risk / equity,
        equity_needed_usd=needed,
        meets_risk_rule=meets_risk,
        meets_min_equity=meets_min,
        warnings=tuple(warnings),
    )
