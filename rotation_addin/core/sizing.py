"""Position size from the risk rule: lose at most ``risk_fraction`` of equity at the stop.

    budget   = equity · risk_fraction
    per_unit = |E − S| + E·fee + S·(fee + slippage)      (USD lost per base unit at the stop)
    quantity = floor_to_step(budget / per_unit)

Entry and exit are both taker fills; the stop fills ``slippage`` worse than its price.
Leverage does not change the risk, only the margin (= notional / leverage).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from rotation_addin.core import parameters as p
from rotation_addin.core.constants import PRICE_RANGE_USD
from rotation_addin.core.errors import InputError, TradeRefused
from rotation_addin.core.types import ContractSpec, Side
from rotation_addin.core.validation import in_range, non_negative, positive

EQUITY_RANGE_USD: tuple[float, float] = (p.EQUITY_USD.low, p.EQUITY_USD.high)
"""Equity from one cent to ten trillion USD."""

MIN_RISK_FRACTION: float = 1e-6
"""Smallest accepted risk per trade (0.0001 %)."""

MAX_RISK_CAP_FRACTION: float = 0.10
"""Highest hard cap a user may set (10 % of equity per trade): the same bound as
``Settings.max_risk_fraction`` and ``PlanParameters.max_risk_fraction``, so no surface sizes a
trade that the plan and the settings would refuse."""

_STEP_EPSILON = Decimal("1e-9")
"""Quantities within 1e-9 of a step below a whole number of steps count as that number, so float
noise (0.3 / 0.1 = 2.9999999999999996) never costs a whole step. The extra risk this allows is
at most 1e-9 of one step's risk."""


@dataclass(frozen=True)
class PositionSize:
    """Result of :func:`position_size`.

    Attributes
    ----------
    side : Side
    quantity_base : float
        Order quantity in base units, rounded down to the contract's amount step.
    notional_usd : float
        quantity · entry price.
    margin_usd : float
        notional / leverage.
    leverage : float
    risk_budget_usd : float
        equity · risk_fraction.
    risk_usd : float
        Loss at the stop after rounding, fees and stop slippage: quantity · per-unit loss.
    risk_fraction_of_equity : float
        risk_usd / equity.
    stop_distance_fraction : float
        |entry − stop| / entry.
    fees_usd : float
        Taker fees of the entry and of the stop exit: quantity · fee · (entry + stop).
    slippage_usd : float
        Expected stop slippage: quantity · stop · slippage.
    per_unit_loss_usd : float
        |E − S| + E·fee + S·(fee + slippage).
    unrounded_quantity_base : float
        budget / per-unit loss before rounding to the step.
    warnings : tuple[str, ...]
    """

    side: Side
    entry_price_usd: float
    stop_price_usd: float
    quantity_base: float
    notional_usd: float
    margin_usd: float
    leverage: float
    risk_budget_usd: float
    risk_usd: float
    risk_fraction_of_equity: float
    stop_distance_fraction: float
    fees_usd: float
    slippage_usd: float
    per_unit_loss_usd: float
    unrounded_quantity_base: float
    warnings: tuple[str, ...]


def validate_price(field: str, value: object) -> float:
    """A price in USD within :data:`PRICE_RANGE_USD`."""
    return in_range(field, value, *PRICE_RANGE_USD)


def validate_equity(field: str, value: object) -> float:
    """An account equity in USD within :data:`EQUITY_RANGE_USD`."""
    return in_range(field, value, *EQUITY_RANGE_USD)


def floor_to_step(quantity: float, step: float) -> float:
    """Round ``quantity`` down to a whole number of ``step`` (decimal-safe).

    Uses the decimal text of both floats, so ``floor_to_step(0.3, 0.1) == 0.3`` (plain float
    division gives 2.9999999999999996 steps). Quantities within 1e-9 step below a whole number
    of steps count as that number.
    """
    if step <= 0.0:
        return quantity
    steps = (Decimal(repr(quantity)) / Decimal(repr(step)) + _STEP_EPSILON).to_integral_value(
        rounding=ROUND_FLOOR
    )
    return float(steps * Decimal(repr(step)))


def ceil_to_step(quantity: float, step: float) -> float:
    """Round ``quantity`` up to a whole number of ``step`` (decimal-safe mirror of floor)."""
    if step <= 0.0:
        return quantity
    steps = (Decimal(repr(quantity)) / Decimal(repr(step)) - _STEP_EPSILON).to_integral_value(
        rounding=ROUND_CEILING
    )
    return float(steps * Decimal(repr(step)))


def validate_stop(side: Side, entry_price_usd: float, stop_price_usd: float) -> None:
    """Raise ``InputError('stop_price_usd')`` unless the stop is on the losing side of entry."""
    if side is Side.LONG and not stop_price_usd < entry_price_usd:
        raise InputError(
            "stop_price_usd",
            f"must be below entry {entry_price_usd:g} for a long (got {stop_price_usd:g})",
        )
    if side is Side.SHORT and not stop_price_usd > entry_price_usd:
        raise InputError(
            "stop_price_usd",
            f"must be above entry {entry_price_usd:g} for a short (got {stop_price_usd:g})",
        )


def per_unit_loss_usd(
    entry_price_usd: float, stop_price_usd: float, taker_fee_rate: float, stop_slippage_rate: float
) -> float:
    """USD lost per base unit stopped out: ``|E − S| + E·fee + S·(fee + slippage)``."""
    return (
        abs(entry_price_usd - stop_price_usd)
        + entry_price_usd * taker_fee_rate
        + stop_price_usd * (taker_fee_rate + stop_slippage_rate)
    )


def validate_risk_fraction(risk_fraction: float, max_risk_fraction: float) -> tuple[float, float]:
    """Validate ``risk_fraction`` in [1e-6, max] and ``max_risk_fraction`` in (0, 0.10]."""
    cap = in_range("max_risk_fraction", max_risk_fraction, 0.0, MAX_RISK_CAP_FRACTION,
                   low_inclusive=False)
    risk = in_range("risk_fraction", risk_fraction, MIN_RISK_FRACTION, 1.0)
    if risk > cap:
        raise InputError(
            "risk_fraction",
            f"must be <= the hard cap max_risk_fraction {cap:g} (got {risk:g})",
        )
    return risk, cap


def validate_costs(taker_fee_rate: float, stop_slippage_rate: float) -> tuple[float, float]:
    """Fee and slippage rates must lie in [0, 0.1)."""
    fee = in_range("taker_fee_rate", taker_fee_rate, 0.0, 0.1, high_inclusive=False)
    slip = in_range("stop_slippage_rate", stop_slippage_rate, 0.0, 0.1, high_inclusive=False)
    return fee, slip


def _validate_contract(contract: ContractSpec | None) -> ContractSpec | None:
    if contract is None:
        return None
    if not isinstance(contract, ContractSpec):
        raise InputError("contract", f"must be a ContractSpec (got {type(contract).__name__})")
    positive("contract.amount_step", contract.amount_step)
    non_negative("contract.min_amount", contract.min_amount)
    non_negative("contract.min_notional_usd", contract.min_notional_usd)
    positive("contract.max_leverage", contract.max_leverage)
    return contract


def smallest_tradable_quantity(contract: ContractSpec | None, entry_price_usd: float) -> float:
    """Smallest quantity meeting the contract's amount step, minimum amount and notional."""
    if contract is None:
        return 0.0
    by_notional = ceil_to_step(contract.min_notional_usd / entry_price_usd, contract.amount_step)
    by_amount = ceil_to_step(contract.min_amount, contract.amount_step)
    return max(by_notional, by_amount)


def position_size(
    *,
    equity_usd: float,
    entry_price_usd: float,
    stop_price_usd: float,
    side: object,
    risk_fraction: float = p.RISK_FRACTION.default,
    max_risk_fraction: float = p.MAX_RISK_FRACTION.default,
    taker_fee_rate: float = p.TAKER_FEE_RATE.default,
    stop_slippage_rate: float = p.STOP_SLIPPAGE_RATE.default,
    leverage: float = 1.0,
    contract: ContractSpec | None = None,
) -> PositionSize:
    """Size a position so that a stop-out costs at most ``risk_fraction`` of equity.

    Parameters
    ----------
    equity_usd : float
        Account equity (> 0).
    entry_price_usd, stop_price_usd : float
        Entry and stop prices (> 0); the stop must be below entry for a long, above for a short.
    side : "long" | "short" | Side
    risk_fraction : float
        Risk per trade as a fraction of equity (default 0.02 = 2 %).
    max_risk_fraction : float
        Hard cap (default 0.03, at most 0.10); a larger ``risk_fraction`` is refused.
    taker_fee_rate : float
        Taker fee per fill as a fraction of notional (entry and stop exit).
    stop_slippage_rate : float
        Extra adverse fill at the stop as a fraction of the stop price.
    leverage : float
        Leverage in [1, contract max]; sets the margin, not the risk.
    contract : ContractSpec, optional
        Amount step, minimum amount/notional and max leverage; without it the quantity is not
        rounded and no minimums apply.

    Returns
    -------
    PositionSize
        ``quantity = floor_to_step(budget / (|E − S| + E·fee + S·(fee + slip)))`` and the risk
        actually taken after rounding and costs (never above the budget).

    Raises
    ------
    InputError
        Any invalid input (field named), stop on the wrong side, risk above the cap.
    TradeRefused
        The rounded quantity is zero or below the exchange's minimum amount / notional, or
        the leverage is above the contract's maximum.
    """
    position_side = Side.parse(side)
    checked = _checked_sizing_inputs(position_side, equity_usd, entry_price_usd, stop_price_usd,
                                     risk_fraction, max_risk_fraction, taker_fee_rate,
                                     stop_slippage_rate, leverage, contract)
    return _sized(position_side, *checked)


def _checked_sizing_inputs(
    position_side: Side,
    equity_usd: float,
    entry_price_usd: float,
    stop_price_usd: float,
    risk_fraction: float,
    max_risk_fraction: float,
    taker_fee_rate: float,
    stop_slippage_rate: float,
    leverage: float,
    contract: ContractSpec | None,
) -> tuple[float, float, float, float, float, float, float, ContractSpec | None]:
    """(equity, entry, stop, risk, fee, slippage, leverage, contract), each in its range."""
    equity = validate_equity("equity_usd", equity_usd)
    entry = validate_price("entry_price_usd", entry_price_usd)
    stop = validate_price("stop_price_usd", stop_price_usd)
    risk, _cap = validate_risk_fraction(risk_fraction, max_risk_fraction)
    fee, slip = validate_costs(taker_fee_rate, stop_slippage_rate)
    lev = in_range("leverage", leverage, 1.0, 1_000.0)
    spec = _validate_contract(contract)
    validate_stop(position_side, entry, stop)
    if spec is not None and lev > spec.max_leverage:
        raise TradeRefused(
            "leverage",
            f"must be <= the contract's maximum {spec.max_leverage:g}x (got {lev:g})",
        )
    return equity, entry, stop, risk, fee, slip, lev, spec


def _sized(
    position_side: Side,
    equity: float,
    entry: float,
    stop: float,
    risk: float,
    fee: float,
    slip: float,
    lev: float,
    spec: ContractSpec | None,
) -> PositionSize:
    """The position of checked inputs: budget / per-unit loss, rounded down to the step."""
    budget = equity * risk
    unit_loss = per_unit_loss_usd(entry, stop, fee, slip)
    raw_quantity = budget / unit_loss
    if not (math.isfinite(raw_quantity) and math.isfinite(raw_quantity * entry)):
        raise InputError(
            "equity_usd", f"is too large for this stop distance: the size overflows (got "
                          f"{equity:g} with a per-unit loss of {unit_loss:g} USD)"
        )
    quantity = floor_to_step(raw_quantity, spec.amount_step) if spec is not None else raw_quantity
    _refuse_below_minimums(quantity, entry, unit_loss, risk, spec)

    notional = quantity * entry
    risk_usd = quantity * unit_loss
    warnings = _warnings(notional / lev, equity, notional, raw_quantity, quantity, spec)
    return PositionSize(
        side=position_side,
        entry_price_usd=entry,
        stop_price_usd=stop,
        quantity_base=quantity,
        notional_usd=notional,
        margin_usd=notional / lev,
        leverage=lev,
        risk_budget_usd=budget,
        risk_usd=risk_usd,
        risk_fraction_of_equity=risk_usd / equity,
        stop_distance_fraction=abs(entry - stop) / entry,
        fees_usd=quantity * fee * (entry + stop),
        slippage_usd=quantity * stop * slip,
        per_unit_loss_usd=unit_loss,
        unrounded_quantity_base=raw_quantity,
        warnings=warnings,
    )


def _refuse_below_minimums(
    quantity: float, entry: float, unit_loss: float, risk: float, spec: ContractSpec | None
) -> None:
    def hint() -> str:  # made only for a refusal (two decimal roundings and a format)
        if spec is None:
            return ""
        smallest = smallest_tradable_quantity(spec, entry)
        needed = smallest * unit_loss / risk
        return (f"; the smallest tradable size {smallest:g} needs equity >= {needed:,.2f} USD "
                f"at this risk, or a tighter stop")

    if quantity <= 0.0:
        raise TradeRefused("quantity_base", f"the risk budget rounds down to size 0{hint()}")
    if spec is None:
        return
    if quantity < spec.min_amount * (1.0 - 1e-9):
        raise TradeRefused(
            "quantity_base",
            f"size {quantity:g} is below the exchange minimum amount {spec.min_amount:g}{hint()}",
        )
    if quantity * entry < spec.min_notional_usd * (1.0 - 1e-9):
        raise TradeRefused(
            "notional_usd",
            f"notional {quantity * entry:,.2f} USD is below the exchange minimum "
            f"{spec.min_notional_usd:g} USD{hint()}",
        )


def _warnings(
    margin: float,
    equity: float,
    notional: float,
    raw_quantity: float,
    quantity: float,
    spec: ContractSpec | None,
) -> tuple[str, ...]:
    notes: list[str] = []
    if margin > equity:
        notes.append(
            f"margin {margin:,.2f} USD exceeds equity {equity:,.2f} USD: needs at least "
            f"{math.ceil(notional / equity)}x leverage to open"
        )
    if spec is not None and raw_quantity > 0 and quantity < 0.9 * raw_quantity:
        notes.append(
            f"rounding to the amount step {spec.amount_step:g} cut the size by "
            f"{1 - quantity / raw_quantity:.0%}"
        )
    return tuple(notes)
