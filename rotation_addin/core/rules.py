"""Discipline rules (STRATEGY.md, "Discipline rules"): enforced, not suggested.

Only orders that *add* risk (``open``, ``increase``) are checked; closing or reducing a
position is always allowed. Each rule is a small function returning a
:class:`~rotation_addin.core.orders.Refusal` or None, so a test can check each one alone:

=====================  ===================================================================
rule                   refuses an order when
=====================  ===================================================================
``minimum-equity``     equity < ``min_equity_usd``
``stop-required``      it has no stop, or the stop is not on the losing side of entry
``risk-cap``           its risk (stop loss + costs) > ``max_risk_fraction`` x equity
``cool-down``          a trade in the same sector closed at a loss less than
                       ``cooldown_days`` before ``as_of``
``max-open-positions`` positions held after today's closes + earlier accepted opens
                       already reach ``max_open_positions``
``stressed-exposure``  with every stop hit at once (correlation 1) the portfolio would lose
                       more than ``portfolio_risk_cap_fraction`` x equity (see
                       :func:`enforce_portfolio_risk_cap`; scaled down first, lowest
                       conviction first)
=====================  ===================================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from rotation_addin.core.errors import InputError, TradeRefused
from rotation_addin.core.orders import (
    ACTION_CLOSE,
    ACTION_INCREASE,
    ACTION_REDUCE,
    MarketSnapshot,
    RebalanceOrder,
    Refusal,
    open_order,
    refusal_from_error,
)
from rotation_addin.core.rotation import (
    ClosedTrade,
    ExposureItem,
    PlanParameters,
    Position,
    PositionBook,
    StressedExposure,
    Target,
    stressed_exposure,
)

RULE_MIN_EQUITY = "minimum-equity"
RULE_STOP_REQUIRED = "stop-required"
RULE_RISK_CAP = "risk-cap"
RULE_COOLDOWN = "cool-down"
RULE_MAX_OPEN = "max-open-positions"
RULE_STRESSED = "stressed-exposure"

RISK_TOLERANCE_USD = 1e-6
"""Rounding slack when comparing a risk in USD to its cap."""


def check_minimum_equity(order: RebalanceOrder, params: PlanParameters) -> Refusal | None:
    """Refuse new risk when equity is below ``min_equity_usd``."""
    if order.adds_risk and params.equity_usd < params.min_equity_usd:
        return Refusal(order.symbol, RULE_MIN_EQUITY,
                       f"equity {params.equity_usd:,.2f} USD is below the minimum "
                       f"{params.min_equity_usd:,.2f} USD the framework needs")
    return None


def check_stop_required(order: RebalanceOrder) -> Refusal | None:
    """Refuse new risk without a stop on the losing side of entry."""
    if not order.adds_risk:
        return None
    stop = order.stop_price_usd
    if stop is None or not math.isfinite(stop) or stop <= 0:
        return Refusal(order.symbol, RULE_STOP_REQUIRED, "every position needs a stop (got none)")
    if order.side.sign * (order.entry_price_usd - stop) <= 0:
        return Refusal(order.symbol, RULE_STOP_REQUIRED,
                       f"stop {stop:g} is not on the losing side of entry "
                       f"{order.entry_price_usd:g} for a {order.side.value}")
    return None


def check_risk_cap(order: RebalanceOrder, params: PlanParameters) -> Refusal | None:
    """Refuse an order whose position would lose more than ``max_risk_fraction`` x equity.

    The loss checked is the larger of the order's own risk and the whole position's after
    it (an ``increase`` adds to a held position's risk).
    """
    cap = params.max_risk_fraction * params.equity_usd
    risk = max(order.risk_usd, order.position_risk_usd)
    if order.adds_risk and risk > cap + RISK_TOLERANCE_USD:
        return Refusal(order.symbol, RULE_RISK_CAP,
                       f"risk {risk:,.2f} USD exceeds the per-trade cap {cap:,.2f} USD "
                       f"({params.max_risk_fraction:.1%} of equity)")
    return None


def recent_losses(
    closed_trades: Sequence[ClosedTrade],
    sector_of: Callable[[str], str],
    as_of: datetime,
    cooldown_days: int,
) -> dict[str, ClosedTrade]:
    """Latest losing trade per sector closed within ``cooldown_days`` before ``as_of``.

    A trade closed at ``t`` blocks its sector while ``as_of - t < cooldown_days`` days.
    Trades on bases outside the universe are ignored.
    """
    window = timedelta(days=cooldown_days)
    blocked: dict[str, ClosedTrade] = {}
    for trade in closed_trades:
        if trade.realised_pnl_usd >= 0 or as_of - trade.closed_at >= window:
            continue
        try:
            sector = sector_of(trade.base)
        except InputError:
            continue
        previous = blocked.get(sector)
        if previous is None or trade.closed_at > previous.closed_at:
            blocked[sector] = trade
    return blocked


def check_cooldown(
    order: RebalanceOrder, losses_by_sector: Mapping[str, ClosedTrade], params: PlanParameters,
    as_of: datetime,
) -> Refusal | None:
    """Refuse re-entering a sector within the cool-down after a loss (anti-revenge trading)."""
    trade = losses_by_sector.get(order.sector)
    if not order.adds_risk or trade is None:
        return None
    until = trade.closed_at + timedelta(days=params.cooldown_days)
    return Refusal(order.symbol, RULE_COOLDOWN,
                   f"{trade.base} ({order.sector}) closed at a loss of "
                   f"{-trade.realised_pnl_usd:,.2f} USD on {trade.closed_at:%Y-%m-%d}; no new "
                   f"{order.sector} position before {until:%Y-%m-%d %H:%M} UTC "
                   f"(cool-down {params.cooldown_days} days, as of {as_of:%Y-%m-%d})")


def positions_after_closes(
    positions: Sequence[Position], orders: Sequence[RebalanceOrder]
) -> tuple[str, ...]:
    """Bases still held once today's ``close`` orders are done (reductions keep a position)."""
    closed = {o.base for o in orders if o.action == ACTION_CLOSE}
    return tuple(p.base for p in positions if p.base not in closed)


def apply_discipline(
    orders: Sequence[RebalanceOrder],
    book: PositionBook,
    params: PlanParameters,
    *,
    as_of: datetime,
    sector_of: Callable[[str], str],
) -> tuple[tuple[RebalanceOrder, ...], tuple[Refusal, ...]]:
    """Apply every per-order rule; return (allowed orders, refusals).

    Risk-adding orders are examined in conviction order (highest first), so when the
    position limit binds it is the lowest-conviction orders that are refused. Held
    positions without a stop are reported under ``stop-required`` (they stay open: the
    user must set a stop).
    """
    refusals: list[Refusal] = [
        Refusal(p.base, RULE_STOP_REQUIRED,
                f"open {p.side.value} position of {p.quantity_base:g} {p.base} has no stop: "
                "set one (its stressed loss is taken as a k-sigma move)")
        for p in book.positions if p.stop_price_usd is None
    ]
    losses = recent_losses(book.closed_trades, sector_of, as_of, params.cooldown_days)
    held = set(positions_after_closes(book.positions, orders))
    allowed: list[RebalanceOrder] = [o for o in orders if not o.adds_risk]
    for order in sorted((o for o in orders if o.adds_risk), key=lambda o: -o.conviction):
        refusal = (check_minimum_equity(order, params) or check_stop_required(order)
                   or check_risk_cap(order, params)
                   or check_cooldown(order, losses, params, as_of))
        if refusal is None and order.base not in held and len(held) >= params.max_open_positions:
            refusal = Refusal(order.symbol, RULE_MAX_OPEN,
                              f"{len(held)} positions would already be open; the limit is "
                              f"{params.max_open_positions}")
        if refusal is not None:
            refusals.append(refusal)
            continue
        allowed.append(order)
        held.add(order.base)
    return tuple(allowed), tuple(refusals)


def held_exposure_items(
    positions: Sequence[Position],
    orders: Sequence[RebalanceOrder],
    params: PlanParameters,
    snapshots: Mapping[str, MarketSnapshot],
) -> list[ExposureItem]:
    """Stop-out loss of every position still held after today's closes and reductions.

    Without a stop the loss is a k-sigma move: Q x price x k x sigma_daily x sqrt(h).
    """
    items: list[ExposureItem] = []
    for position in positions:
        quantity = position.quantity_base
        for order in orders:
            if order.base == position.base and order.action in (ACTION_CLOSE, ACTION_REDUCE):
                quantity -= order.quantity_base
        if quantity <= 1e-12:
            continue
        loss = position.stop_out_loss_usd(quantity, taker_fee_rate=params.taker_fee_rate,
                                          stop_slippage_rate=params.stop_slippage_rate)
        if loss is None:
            snap = snapshots.get(position.base)
            price = snap.price_usd if snap else position.entry_price_usd
            sigma = snap.daily_vol if snap and math.isfinite(snap.daily_vol) else 0.1
            loss = quantity * price * params.vol_k_sigma * sigma * math.sqrt(params.holding_days)
        items.append(ExposureItem(f"held:{position.base}", loss, math.inf, adjustable=False))
    return items


def enforce_portfolio_risk_cap(
    orders: Sequence[RebalanceOrder],
    book: PositionBook,
    params: PlanParameters,
    *,
    targets: Mapping[str, Target],
    snapshots: Mapping[str, MarketSnapshot],
) -> tuple[tuple[RebalanceOrder, ...], tuple[Refusal, ...], StressedExposure]:
    """Scale down or refuse the lowest-conviction opens until the stressed loss fits the cap.

    Stressed loss (correlation 1) = sum of held positions' stop-out losses + sum of the new
    orders' ``risk_usd``; cap = ``portfolio_risk_cap_fraction`` x equity. A scaled order is
    re-sized through the risk engine with a budget of its risk times the factor (sizes round
    down, so its loss can only shrink); if it falls below the exchange minimum it is refused.
    An ``increase`` that does not fit whole is refused (the held position stays as it is).
    """
    items = held_exposure_items(book.positions, orders, params, snapshots)
    items += [ExposureItem(o.base, o.risk_usd, o.conviction, adjustable=True)
              for o in orders if o.adds_risk]
    check = stressed_exposure(items, params.portfolio_risk_cap_usd)
    kept: list[RebalanceOrder] = []
    refusals: list[Refusal] = []
    for order in orders:
        factor = check.scale_by_label.get(order.base, 1.0) if order.adds_risk else 1.0
        if factor >= 1.0:
            kept.append(order)
            continue
        reason = check.reasons.get(order.base, "portfolio cap")
        target = targets.get(order.base)
        if factor <= 0.0 or target is None or order.action == ACTION_INCREASE:
            refusals.append(Refusal(order.symbol, RULE_STRESSED, reason))
            continue
        try:
            # the allowed loss is the order's actual risk x factor (<= its budget x factor)
            allowed_fraction = order.risk_usd * factor / params.equity_usd
            resized = open_order(target, snapshots[order.base], params,
                                 risk_fraction=allowed_fraction)
        except (TradeRefused, InputError) as error:
            why = refusal_from_error(order.symbol, error).detail
            detail = f"{reason}; the smaller size is refused: {why}"
            refusals.append(Refusal(order.symbol, RULE_STRESSED, detail))
            continue
        kept.append(_with_reason(resized, f"{order.reason}; {reason}"))
    held_loss = sum(i.loss_usd for i in items if not i.adjustable)
    final_loss = held_loss + sum(o.risk_usd for o in kept if o.adds_risk)
    after = StressedExposure(check.loss_before_usd, final_loss, check.cap_usd,
                             check.scale_by_label, check.reasons, check.warnings)
    return tuple(kept), tuple(refusals), after  # (dataclasses.replace costs more than the rule)


def _with_reason(order: RebalanceOrder, reason: str) -> RebalanceOrder:
    return replace(order, reason=reason)
