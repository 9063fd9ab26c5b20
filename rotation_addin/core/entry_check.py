"""The discipline rules at the moment a trade is made (one implementation, pure).

:func:`check_entry` runs every rule of :mod:`rotation_addin.core.rules` on one proposed
entry (it builds the same :class:`~rotation_addin.core.orders.RebalanceOrder` the plan checks)
plus the rules only a hand-made entry can break:

==========================  ==============================================================
rule                        refuses an entry when
==========================  ==============================================================
``minimum-equity``          equity < ``min_equity_usd``
``stop-required``           no stop, or the stop not on the losing side of entry
``stop-before-liquidation`` the stop is at or beyond the liquidation price
``risk-cap``                its stop-out loss (fees, slippage) > ``max_risk_fraction`` x equity
``cool-down``               its sector closed a loss less than ``cooldown_days`` ago
``max-open-positions``      ``max_open_positions`` positions are already open
``stressed-exposure``       held stop-out losses + this one (correlation 1) > the
                            portfolio cap ``portfolio_risk_cap_fraction`` x equity
``regime-gate``             an alt long while the regime disables rotation into alts
==========================  ==============================================================

Every refusal names the rule and the numbers; all rules that fail are reported, so an
override (which needs a non-empty reason) knows what it overrides.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from rotation_addin.core.errors import InputError
from rotation_addin.core.orders import ACTION_INCREASE, ACTION_OPEN, RebalanceOrder, Refusal
from rotation_addin.core.rotation import ClosedTrade, PlanParameters
from rotation_addin.core.rules import (
    RISK_TOLERANCE_USD,
    RULE_MAX_OPEN,
    RULE_STRESSED,
    check_cooldown,
    check_minimum_equity,
    check_risk_cap,
    check_stop_required,
    recent_losses,
)
from rotation_addin.core.sizing import per_unit_loss_usd
from rotation_addin.core.types import Side

RULE_STOP_LIQUIDATION = "stop-before-liquidation"
RULE_REGIME_GATE = "regime-gate"


@dataclass(frozen=True)
class ProposedEntry:
    """A trade the trader wants to make (open, or add to a held position).

    Attributes
    ----------
    base, sector : str
        Asset and its sector (the cool-down is per sector).
    side : Side
    entry_price_usd : float
        Expected fill price.
    stop_price_usd : float | None
        Protective stop (None breaks ``stop-required``).
    quantity_base : float
        Quantity to buy or sell (> 0).
    liquidation_price_usd : float | None
        Bracket-aware liquidation price at the chosen leverage (None: not checked).
    is_alt : bool
        True for anything but the benchmark (BTC): the regime gate applies to alt longs.
    adds_to_held : bool
        True when it adds to a position already open in ``base``.
    held_risk_usd : float
        Stop-out loss of the held position it adds to (0 for a new position).
    """

    base: str
    sector: str
    side: Side
    entry_price_usd: float
    stop_price_usd: float | None
    quantity_base: float
    liquidation_price_usd: float | None = None
    is_alt: bool = True
    adds_to_held: bool = False
    held_risk_usd: float = 0.0


@dataclass(frozen=True)
class EntryContext:
    """What the rules compare an entry against (the journal's state and today's regime).

    Attributes
    ----------
    params : PlanParameters
        Equity, caps and costs.
    as_of : datetime
        The moment of the entry (UTC).
    closed_trades : Sequence[ClosedTrade]
        The account's closed trades (losses drive the cool-down).
    sector_by_base : Mapping[str, str]
        Sector of each base (trades on unknown bases are ignored by the cool-down).
    held_losses_usd : Mapping[str, float]
        Stop-out loss of every open position, by base.
    rotation_enabled : bool
        The regime's verdict: False blocks new alt longs (unless the settings allow it).
    regime_label : str
        The regime's name, for the refusal text.
    """

    params: PlanParameters
    as_of: datetime
    closed_trades: Sequence[ClosedTrade]
    sector_by_base: Mapping[str, str]
    held_losses_usd: Mapping[str, float]
    rotation_enabled: bool = True
    regime_label: str = ""


def entry_risk_usd(entry: ProposedEntry, params: PlanParameters) -> float:
    """Stop-out loss of the entry: Q x (|E - S| + E x fee + S x (fee + slippage)); inf
    without a stop."""
    stop = entry.stop_price_usd
    if stop is None or not math.isfinite(stop):
        return math.inf
    return entry.quantity_base * per_unit_loss_usd(entry.entry_price_usd, stop,
                                                   params.taker_fee_rate,
                                                   params.stop_slippage_rate)


def _as_order(entry: ProposedEntry, params: PlanParameters) -> RebalanceOrder:
    risk = entry_risk_usd(entry, params)
    notional = entry.quantity_base * entry.entry_price_usd
    return RebalanceOrder(
        symbol=entry.base, base=entry.base, sector=entry.sector, side=entry.side,
        action=ACTION_INCREASE if entry.adds_to_held else ACTION_OPEN,
        quantity_base=entry.quantity_base, entry_price_usd=entry.entry_price_usd,
        notional_usd=notional, margin_usd=notional, leverage=None,
        stop_price_usd=entry.stop_price_usd, take_profit_price_usd=None,
        liquidation_price_usd=entry.liquidation_price_usd,
        risk_usd=0.0 if math.isinf(risk) else risk, conviction=0.0, role="journal",
        reason="", position_risk_usd=(0.0 if math.isinf(risk) else risk) + entry.held_risk_usd,
    )


LEVEL_STOP = "stop"
LEVEL_TAKE_PROFIT = "take_profit"
"""The two exit levels of a trade (the field an error names)."""


def check_level_side(side: Side, price_usd: float, level_usd: float | None, *, level: str,
                     price_name: str = "entry") -> None:
    """Refuse an exit level on the wrong side of the price the trade is at.

    A stop (``level`` :data:`LEVEL_STOP`) must be on the losing side of ``price_usd``
    (below it for a long), a take-profit (:data:`LEVEL_TAKE_PROFIT`) on the winning side
    (above it for a long); a level at the price would fire at once. At entry ``price_usd``
    is the entry price; when a level is moved it is the current price (``price_name``
    says which in the message).

    Parameters
    ----------
    side : Side
        The trade's side.
    price_usd : float
        The price the level is compared with.
    level_usd : float | None
        The level (None: nothing to check).
    level : str
        :data:`LEVEL_STOP` or :data:`LEVEL_TAKE_PROFIT`.
    price_name : str
        How the message names ``price_usd`` (``"entry"``, ``"the current price"``).

    Raises
    ------
    InputError
        Naming ``level``: ``must be below entry 2.09671 for a long (got 3)``.
    """
    if level_usd is None:
        return
    losing = level == LEVEL_STOP
    if (side.sign if losing else -side.sign) * (price_usd - level_usd) > 0:
        return
    where = "below" if (side is Side.LONG) == losing else "above"
    raise InputError(level, f"must be {where} {price_name} {price_usd:g} for a {side.value} "
                     f"(got {level_usd:g})")


def check_stop_inside_liquidation(entry: ProposedEntry) -> Refusal | None:
    """Refuse a stop at or beyond the liquidation price (the margin would be lost first)."""
    stop, liq = entry.stop_price_usd, entry.liquidation_price_usd
    if stop is None or liq is None or not math.isfinite(stop) or liq <= 0:
        return None
    if entry.side.sign * (stop - liq) <= 0:
        where = "above" if entry.side is Side.LONG else "below"
        return Refusal(entry.base, RULE_STOP_LIQUIDATION,
                       f"stop {stop:g} must be {where} the liquidation price {liq:g} "
                       f"(entry {entry.entry_price_usd:g}): the exchange would liquidate "
                       "before the stop fires")
    return None


def check_max_open(entry: ProposedEntry, context: EntryContext) -> Refusal | None:
    """Refuse a new position when ``max_open_positions`` are already open."""
    held = len(context.held_losses_usd)
    if entry.adds_to_held or held < context.params.max_open_positions:
        return None
    return Refusal(entry.base, RULE_MAX_OPEN,
                   f"{held} positions are open; the limit is "
                   f"{context.params.max_open_positions}")


def check_stressed(entry: ProposedEntry, context: EntryContext) -> Refusal | None:
    """Refuse when every stop hit at once (correlation 1) would lose more than the cap."""
    risk = entry_risk_usd(entry, context.params)
    if math.isinf(risk):
        return None  # stop-required reports it
    held = sum(context.held_losses_usd.values())
    cap = context.params.portfolio_risk_cap_usd
    if held + risk <= cap + RISK_TOLERANCE_USD:
        return None
    return Refusal(entry.base, RULE_STRESSED,
                   f"stressed loss {held + risk:,.2f} USD (held {held:,.2f} + this "
                   f"{risk:,.2f}, correlation 1) exceeds the portfolio cap {cap:,.2f} USD "
                   f"({context.params.portfolio_risk_cap_fraction:.1%} of equity)")


def check_regime_gate(entry: ProposedEntry, context: EntryContext) -> Refusal | None:
    """Refuse an alt long while the regime disables rotation into alts."""
    if context.rotation_enabled or not entry.is_alt or entry.side is not Side.LONG:
        return None
    label = context.regime_label or "this regime"
    return Refusal(entry.base, RULE_REGIME_GATE,
                   f"no new alt long in {label}: rotation into alts is off "
                   "(settings: rotation_in_risk_off = false)")


def check_entry(entry: ProposedEntry, context: EntryContext) -> tuple[Refusal, ...]:
    """Every rule the entry breaks (empty = allowed), in the table's order."""
    params = context.params
    order = _as_order(entry, params)
    losses = recent_losses(context.closed_trades,
                           lambda base: _sector_of(context.sector_by_base, base),
                           context.as_of, params.cooldown_days)
    found = (
        check_minimum_equity(order, params),
        check_stop_required(order),
        check_stop_inside_liquidation(entry),
        check_risk_cap(order, params),
        check_cooldown(order, losses, params, context.as_of),
        check_max_open(entry, context),
        check_stressed(entry, context),
        check_regime_gate(entry, context),
    )
    return tuple(r for r in found if r is not None)


def _sector_of(sectors: Mapping[str, str], base: str) -> str:
    try:
        return sectors[base]
    except KeyError:
        raise InputError("symbol", f"{base} is not in the universe") from None


def refusal_line(refusals: Sequence[Refusal]) -> str:
    """One line: ``rule: numbers; rule: numbers`` (``OK`` when empty)."""
    return "; ".join(f"{r.rule}: {r.detail}" for r in refusals) if refusals else "OK"


def crossed_levels_warning(base: str, side: Side, mark_usd: float, stop_usd: float | None,
                           liquidation_usd: float | None) -> str | None:
    """One line when an open position's mark (USD) is at or beyond its stop or its
    liquidation price (long: at or below; short: at or above), else None.

    Such a position has probably been closed by its stop, or liquidated, at the exchange:
    the journal says it is open only because no exit was recorded.
    """
    if not math.isfinite(mark_usd):
        return None
    crossed = [f"{name} {level:g}" for name, level in (("the stop", stop_usd),
                                                       ("the liquidation price",
                                                        liquidation_usd))
               if level is not None and side.sign * (mark_usd - level) <= 0]
    if not crossed:
        return None
    beyond = "below" if side is Side.LONG else "above"
    fate = "closed by its stop or liquidated" if len(crossed) == 2 else \
        ("closed by its stop" if crossed[0].startswith("the stop") else "liquidated")
    return (f"warning: {base} {side.value}: price {mark_usd:g} is at or {beyond} "
            f"{' and '.join(crossed)}: this position was probably {fate}; record its exit "
            f"(rotation trade close {base})")
