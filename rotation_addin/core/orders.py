"""Rebalance orders: turn targets and take-profit hits into concrete, risk-sized orders.

Every open order is sized by the risk engine (``sizing.position_size``, exchange-rounded with
the contract's rules), gets a stop at ``entry - side * m * ATR`` and a take-profit at
``entry + side * k * ATR``, a leverage of ``min(safe_leverage, max_leverage)`` lowered further
if needed so that the stop lies strictly between entry and the liquidation price
(``liquidation.check_stop_before_liquidation``). Orders are a proposal: nothing here sends
anything anywhere. The order, refusal and snapshot types are in
:mod:`~rotation_addin.core.order_types`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from rotation_addin.core import validation as v
from rotation_addin.core.errors import InputError, TradeRefused
from rotation_addin.core.leverage import leverage_limit, safe_leverage
from rotation_addin.core.liquidation import (
    LiquidationResult,
    check_stop_before_liquidation,
    liquidation_price,
)
from rotation_addin.core.order_types import (
    ACTION_CLOSE,
    ACTION_INCREASE,
    ACTION_OPEN,
    ACTION_REDUCE,
    RISK_ADDING_ACTIONS,
    MarketSnapshot,
    RebalanceOrder,
    Refusal,
)
from rotation_addin.core.rotation import PlanParameters, Position, Target
from rotation_addin.core.sizing import PositionSize, position_size
from rotation_addin.core.types import Side


def _round_to_tick(price: float, tick: float | None) -> float:
    if tick is None or tick <= 0:
        return price
    return round(round(price / tick) * tick, 12)


def protective_levels(
    side: Side, entry_price_usd: float, atr_usd: float, params: PlanParameters,
    tick: float | None = None,
) -> tuple[float, float]:
    """Stop and take-profit from the ATR: entry -/+ m x ATR and entry +/- k x ATR.

    Raises
    ------
    TradeRefused
        When the stop (long) or take-profit (short) would be at or below zero.
    """
    entry = v.positive("entry_price_usd", entry_price_usd)
    atr = v.positive("atr_usd", atr_usd)
    stop = _round_to_tick(entry - side.sign * params.atr_stop_multiple * atr, tick)
    take_profit = _round_to_tick(entry + side.sign * params.take_profit_atr_multiple * atr, tick)
    if stop <= 0 or take_profit <= 0:
        raise TradeRefused("atr_stop_multiple", f"ATR {atr:g} is too large for entry {entry:g}: "
                           "the stop or take-profit would be at or below 0")
    if side.sign * (entry - stop) <= 0:
        raise TradeRefused("atr_usd", f"ATR {atr:g} is below one price tick: no room for a stop")
    return stop, take_profit


def _leverage_for(snapshot: MarketSnapshot, params: PlanParameters,
                  side: Side) -> tuple[float, str]:
    ceiling = params.max_leverage
    if snapshot.contract is not None:
        ceiling = min(ceiling, snapshot.contract.max_leverage)
    if snapshot.brackets is not None:
        ceiling = min(ceiling, snapshot.brackets.max_leverage)
    safe = safe_leverage(
        daily_vol=snapshot.daily_vol, k_sigma=params.vol_k_sigma,
        holding_days=params.holding_days, gap_buffer_fraction=params.gap_buffer_fraction,
        brackets=snapshot.brackets, max_leverage=ceiling, side=side.value,
    )
    note = (f"leverage = min(safe leverage {safe.leverage}x for k={params.vol_k_sigma:g} sigma, "
            f"ceiling {ceiling:g}x)")
    if safe.unsafe_even_at_1x:
        note += "; even 1x leaves less than a k-sigma move before liquidation"
    return max(1.0, min(float(safe.leverage), ceiling)), note


def _lower_leverage(stop_distance_fraction: float, mmr: float, buffer: float,
                    side: Side) -> float:
    """Largest whole leverage whose exact liquidation distance for ``side`` exceeds the stop's
    distance plus the buffer (core/leverage.py: (1/L - MMR) / (1 -/+ MMR))."""
    needed = stop_distance_fraction + buffer
    return max(1.0, math.floor(leverage_limit(needed, mmr, side.value))) if needed + mmr > 0 \
        else 1.0


def _fit_leverage(
    side: Side,
    stop: float,
    leverage: float,
    size_at: Callable[[float], PositionSize],
    liquidation_at: Callable[[PositionSize, float], tuple[LiquidationResult, float]],
    params: PlanParameters,
    warnings: list[str],
) -> tuple[PositionSize, LiquidationResult, float]:
    """Lower the leverage until the stop lies strictly between entry and liquidation.

    Each failed attempt lowers the leverage by at least 1x (to the largest whole L whose
    exact liquidation distance exceeds the stop distance plus the gap buffer), so the
    loop ends; at 1x the risk engine's refusal is raised.
    """
    while True:
        size = size_at(leverage)
        liq, entry = liquidation_at(size, leverage)
        try:
            check_stop_before_liquidation(side, entry, stop, liq.liquidation_price_usd)
        except TradeRefused:
            if leverage <= 1.0:
                raise
            lower = _lower_leverage(abs(entry - stop) / entry,
                                    liq.bracket.maintenance_margin_rate, params.gap_buffer_fraction,
                                    side)
            new_leverage = max(1.0, min(lower, leverage - 1.0))
            warnings.append(f"leverage lowered from {leverage:g}x to {new_leverage:g}x to keep "
                            "the stop inside the liquidation price")
            leverage = new_leverage
            continue
        return size, liq, leverage


def _size_function(
    side: Side, entry: float, stop: float, fraction: float, snapshot: MarketSnapshot,
    params: PlanParameters,
) -> Callable[[float], PositionSize]:
    def size_at(leverage: float) -> PositionSize:
        return position_size(
            equity_usd=params.equity_usd, entry_price_usd=entry, stop_price_usd=stop,
            side=side, risk_fraction=fraction, max_risk_fraction=params.max_risk_fraction,
            taker_fee_rate=params.taker_fee_rate, stop_slippage_rate=params.stop_slippage_rate,
            leverage=leverage, contract=snapshot.contract,
        )
    return size_at


def open_order(
    target: Target,
    snapshot: MarketSnapshot,
    params: PlanParameters,
    *,
    risk_fraction: float | None = None,
) -> RebalanceOrder:
    """Size a new position for ``target`` with the risk engine.

    Parameters
    ----------
    target : Target
        What to hold and why.
    snapshot : MarketSnapshot
        Today's price, ATR, volatility and contract rules of the target's symbol.
    params : PlanParameters
        Equity, risk fractions, costs, ATR multiples, leverage limits.
    risk_fraction : float, optional
        Override of ``target.risk_fraction`` (used when the portfolio cap scales it down).

    Raises
    ------
    TradeRefused
        Below the exchange minimum, no room for a stop, or a stop that cannot be kept
        inside the liquidation price even at 1x.
    """
    fraction = target.risk_fraction if risk_fraction is None else risk_fraction
    v.in_range("risk_fraction", fraction, 0.0, params.max_risk_fraction, low_inclusive=False)
    entry = v.positive("price_usd", snapshot.price_usd)
    tick = snapshot.contract.price_tick if snapshot.contract is not None else None
    stop, take_profit = protective_levels(target.side, entry, snapshot.atr_usd, params, tick)
    leverage, lev_note = _leverage_for(snapshot, params, target.side)
    warnings: list[str] = [lev_note]

    def liquidation_at(size: PositionSize, lev: float) -> tuple[LiquidationResult, float]:
        return liquidation_price(side=target.side, entry_price_usd=entry,
                                 quantity_base=size.quantity_base, leverage=lev,
                                 brackets=snapshot.brackets), entry

    size, liq, leverage = _fit_leverage(
        target.side, stop, leverage, _size_function(target.side, entry, stop, fraction, snapshot,
                                                    params),
        liquidation_at, params, warnings)
    warnings.extend(size.warnings)
    warnings.extend(liq.warnings)
    return RebalanceOrder(
        symbol=snapshot.symbol, base=snapshot.base, sector=snapshot.sector, side=target.side,
        action=ACTION_OPEN, quantity_base=size.quantity_base, entry_price_usd=entry,
        notional_usd=size.notional_usd, margin_usd=size.notional_usd / leverage,
        leverage=leverage, stop_price_usd=stop, take_profit_price_usd=take_profit,
        liquidation_price_usd=liq.liquidation_price_usd if liq.can_be_liquidated else None,
        risk_usd=size.risk_usd, conviction=target.conviction, role=target.role,
        reason=target.reason, warnings=tuple(warnings), position_risk_usd=size.risk_usd,
    )


INCREASE_MIN_SHARE = 0.25
"""An under-sized position is topped up only when at least this share of its budget is unused."""


def _combined_liquidation(
    position: Position, snapshot: MarketSnapshot
) -> Callable[[PositionSize, float], tuple[LiquidationResult, float]]:
    """Liquidation of the held position plus an addition (at their average entry)."""
    def liquidation_at(size: PositionSize, lev: float) -> tuple[LiquidationResult, float]:
        quantity = position.quantity_base + size.quantity_base
        average = (position.notional_usd + size.notional_usd) / quantity
        return liquidation_price(side=position.side, entry_price_usd=average,
                                 quantity_base=quantity, leverage=lev,
                                 brackets=snapshot.brackets), average
    return liquidation_at


def increase_order(
    position: Position,
    target: Target,
    snapshot: MarketSnapshot,
    params: PlanParameters,
) -> RebalanceOrder | None:
    """Top up a held position that uses less than its target's risk budget.

    The added quantity keeps the position's own stop and is sized so that the *whole*
    position's stop-out loss (held loss versus its entry + the new units' loss from today's
    price) stays within ``target.risk_fraction`` x equity. Leverage is lowered if needed so
    that the combined position's liquidation price stays beyond the stop.

    Returns None when there is nothing to add: no stop, a stop no longer on the losing side
    of today's price, a different side, or less than 25 % of the budget unused.

    Raises
    ------
    TradeRefused
        The addition is below the exchange minimum, or the stop cannot be kept inside the
        combined liquidation price even at 1x.
    """
    stop = position.stop_price_usd
    price = v.positive("price_usd", snapshot.price_usd)
    if stop is None or position.side is not target.side:
        return None
    if position.side.sign * (price - stop) <= 0:
        return None
    budget = target.risk_fraction * params.equity_usd
    held_loss = position.stop_out_loss_usd(position.quantity_base,
                                           taker_fee_rate=params.taker_fee_rate,
                                           stop_slippage_rate=params.stop_slippage_rate) or 0.0
    room = budget - held_loss
    if room < INCREASE_MIN_SHARE * budget:
        return None
    leverage, lev_note = _leverage_for(snapshot, params, position.side)
    warnings: list[str] = [lev_note]

    sizer = _size_function(position.side, price, stop, room / params.equity_usd, snapshot, params)
    size, liq, leverage = _fit_leverage(position.side, stop, leverage, sizer,
                                        _combined_liquidation(position, snapshot), params, warnings)
    warnings.extend(size.warnings)
    warnings.append("leverage and liquidation price are for the combined position")
    return RebalanceOrder(
        symbol=snapshot.symbol, base=snapshot.base, sector=snapshot.sector, side=position.side,
        action=ACTION_INCREASE, quantity_base=size.quantity_base, entry_price_usd=price,
        notional_usd=size.notional_usd, margin_usd=size.notional_usd / leverage,
        leverage=leverage, stop_price_usd=stop,
        take_profit_price_usd=position.take_profit_price_usd,
        liquidation_price_usd=liq.liquidation_price_usd if liq.can_be_liquidated else None,
        risk_usd=size.risk_usd, conviction=target.conviction, role=target.role,
        reason=(f"{target.reason}; held position uses {held_loss:,.2f} of its "
                f"{budget:,.2f} USD risk budget: top up with the same stop"),
        warnings=tuple(warnings), position_risk_usd=held_loss + size.risk_usd,
    )


def _round_down(quantity: float, step: float | None) -> float:
    if step is None or step <= 0:
        return quantity
    steps = math.floor(quantity / step + 1e-9)
    return round(steps * step, 12)


def close_order(
    position: Position,
    snapshot: MarketSnapshot,
    *,
    fraction: float = 1.0,
    role: str,
    reason: str,
) -> RebalanceOrder:
    """Close (``fraction`` = 1) or reduce part of ``position`` at today's price.

    A partial quantity is rounded down to the contract's amount step; if that leaves nothing
    or would leave less than the minimum amount, the whole position is closed instead.
    """
    share = v.in_range("fraction", fraction, 0.0, 1.0, low_inclusive=False)
    price = v.positive("price_usd", snapshot.price_usd)
    quantity = position.quantity_base
    action = ACTION_CLOSE
    if share < 1.0:
        step = snapshot.contract.amount_step if snapshot.contract is not None else None
        minimum = snapshot.contract.min_amount if snapshot.contract is not None else 0.0
        partial = _round_down(quantity * share, step)
        if partial > 0 and quantity - partial >= minimum and partial >= minimum:
            quantity, action = partial, ACTION_REDUCE
    return RebalanceOrder(
        symbol=snapshot.symbol, base=position.base, sector=snapshot.sector, side=position.side,
        action=action, quantity_base=quantity, entry_price_usd=price,
        notional_usd=quantity * price, margin_usd=0.0, leverage=None, stop_price_usd=None,
        take_profit_price_usd=None, liquidation_price_usd=None, risk_usd=0.0,
        conviction=0.0, role=role, reason=reason,
    )


RULE_LEVERAGE_BRACKET = "leverage-above-bracket"
"""The leverage exceeds the maximum of the bracket the position's notional falls in (a
refusal used to be filed under ``stop-before-liquidation``, a rule about the stop)."""


def refusal_from_error(symbol: str, error: TradeRefused | InputError) -> Refusal:
    """Turn a risk-engine refusal into a :class:`Refusal` with a rule name."""
    field_name = error.field.lower()
    if "leverage" in field_name:  # the size's bracket allows less than the leverage
        rule = RULE_LEVERAGE_BRACKET
    elif "stop" in field_name:
        rule = "stop-before-liquidation"
    elif "atr" in field_name or "price" in field_name or "vol" in field_name:
        rule = "no-market-data"
    else:
        rule = "exchange-minimum"
    return Refusal(symbol=symbol, rule=rule, detail=str(error))


__all__ = [
    "ACTION_CLOSE",
    "ACTION_INCREASE",
    "ACTION_OPEN",
    "ACTION_REDUCE",
    "INCREASE_MIN_SHARE",
    "RISK_ADDING_ACTIONS",
    "RULE_LEVERAGE_BRACKET",
    "MarketSnapshot",
    "RebalanceOrder",
    "Refusal",
    "close_order",
    "increase_order",
    "open_order",
    "protective_levels",
    "refusal_from_error",
]
