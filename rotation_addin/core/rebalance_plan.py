"""The rebalance plan: from the current positions to the targets -- closes (stop crossed,
take-profit, FOMO exits, a sector's opposite-side target), the reallocation of freed budget,
opens and top-ups, then the discipline rules and the stressed-exposure cap.

Split out of :mod:`rotation_addin.core.report` (which still re-exports these names).
"""


from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import InputError, TradeRefused
from rotation_addin.core.market_snapshot import market_snapshot
from rotation_addin.core.orders import (
    ACTION_CLOSE,
    MarketSnapshot,
    RebalanceOrder,
    Refusal,
    close_order,
    increase_order,
    open_order,
    refusal_from_error,
)
from rotation_addin.core.rotation import (
    ROLE_REALLOCATION,
    MemberStats,
    PlanParameters,
    Position,
    PositionBook,
    TakeProfitHit,
    Target,
    reallocation_target,
    select_targets,
    take_profit_hits,
)
from rotation_addin.core.rules import apply_discipline, enforce_portfolio_risk_cap
from rotation_addin.core.scores import (
    FLAG_FOMO,
    FLAG_OVER_EXTENDED,
    SectorScore,
)
from rotation_addin.core.types import Side


@dataclass(frozen=True)
class RebalancePlan:
    """Orders from the current positions to the targets, and everything that was refused.

    Attributes
    ----------
    orders : tuple[RebalanceOrder, ...]
        Closes and reductions first, then opens by conviction.
    refusals : tuple[Refusal, ...]
        Every order a rule stopped, with the rule's name.
    targets : tuple[Target, ...]
        What the plan wanted to hold, conviction order.
    take_profit_hits : tuple[TakeProfitHit, ...]
        Positions whose take-profit was reached.
    stressed_loss_usd : float
        Sum of every stop-out loss after the plan (correlation 1).
    stressed_loss_before_usd : float
        The same before the portfolio cap scaled anything.
    portfolio_risk_cap_usd : float
        The cap it must fit.
    notes : tuple[str, ...]
        Plain-language notes (regime gate, holds, over-extended sectors...).
    """

    orders: tuple[RebalanceOrder, ...]
    refusals: tuple[Refusal, ...]
    targets: tuple[Target, ...]
    take_profit_hits: tuple[TakeProfitHit, ...]
    stressed_loss_usd: float
    stressed_loss_before_usd: float
    portfolio_risk_cap_usd: float
    notes: tuple[str, ...]


def _stop_crossed_reason(position: Position, price_usd: float) -> str | None:
    """A position whose price is at or beyond its stop has been stopped out: close it.

    Left open, its stressed loss would still be counted from the stop, which the price has
    already passed, and a long would even be topped up below its own stop.
    """
    stop = position.stop_price_usd
    if stop is None or not math.isfinite(price_usd):
        return None
    if position.side.sign * (price_usd - stop) > 0:
        return None
    pnl = position.side.sign * (price_usd - position.entry_price_usd) * position.quantity_base
    return (f"stop crossed: price {price_usd:g} is at or beyond the stop {stop:g} of this "
            f"{position.side.value} (P&L at this price {pnl:+,.2f} USD before costs): the stop "
            "should already have closed it")


def _exit_reason(position: Position, score: SectorScore | None) -> str | None:
    """Why a held position must be closed regardless of take-profit (None = keep it)."""
    if score is None or position.side is not Side.LONG:
        return None
    if FLAG_OVER_EXTENDED in score.flags or FLAG_FOMO in score.flags:
        return (f"exit: {score.sector} shows FOMO divergence D {score.divergence:+.2f} "
                "(retail crowding) -> close the long")
    return None


def build_plan(
    dataset: MarketDataset,
    book: PositionBook,
    scores: Sequence[SectorScore],
    members: Mapping[str, Sequence[MemberStats]],
    params: PlanParameters,
    *,
    rotation_enabled: bool,
    snapshot_of: Callable[[str], MarketSnapshot | None] | None = None,
    selected: tuple[tuple[Target, ...], tuple[str, ...]] | None = None,
) -> RebalancePlan:
    """From positions to targets: closes, opens, discipline rules and the portfolio cap.

    ``snapshot_of(base)`` gives a base's market snapshot; default
    ``market_snapshot(dataset, base, params)`` (the backtest passes its per-day cache of that
    same function, shared by the settings of a sweep). ``selected`` is
    ``select_targets(scores, members, params, rotation_enabled=rotation_enabled)`` when the
    caller already has it (the backtest memoises it per day on the fields it reads,
    ``rotation.TARGET_FIELDS``); default: computed here.
    """
    universe = dataset.universe
    snap_of = snapshot_of or (lambda base: market_snapshot(dataset, base, params))
    notes: list[str] = []
    targets, target_notes = selected if selected is not None else select_targets(
        scores, members, params, rotation_enabled=rotation_enabled)
    notes.extend(target_notes)
    wanted = {t.base for t in targets} | {p.base for p in book.positions}
    snapshots: dict[str, MarketSnapshot] = {}
    for base in sorted(wanted):
        snap = snap_of(base)
        if snap is not None:
            snapshots[base] = snap
    hits = take_profit_hits(
        book.positions, {b: s.price_usd for b, s in snapshots.items()},
        {b: s.atr_usd for b, s in snapshots.items()}, params.take_profit_atr_multiple,
    )
    orders = _close_orders(book, hits, scores, targets, snapshots, params, notes)
    targets = _with_reallocation(snap_of, hits, scores, members, targets, snapshots, params,
                                 rotation_enabled, notes)
    opens, refusals = _open_orders(book, targets, orders, snapshots, params, notes)
    allowed, rule_refusals = apply_discipline(
        [*orders, *opens], book, params, as_of=dataset.as_of, sector_of=universe.sector_of,
    )
    refusals.extend(rule_refusals)
    final, cap_refusals, stress = enforce_portfolio_risk_cap(
        allowed, book, params, targets={t.base: t for t in targets}, snapshots=snapshots,
    )
    refusals.extend(cap_refusals)
    notes.extend(stress.warnings)
    ordered = sorted(final, key=lambda o: (o.adds_risk, -o.conviction))
    return RebalancePlan(
        orders=tuple(ordered), refusals=tuple(refusals), targets=tuple(targets),
        take_profit_hits=hits, stressed_loss_usd=stress.loss_after_usd,
        stressed_loss_before_usd=stress.loss_before_usd,
        portfolio_risk_cap_usd=stress.cap_usd, notes=tuple(notes),
    )


def _with_reallocation(
    snap_of: Callable[[str], MarketSnapshot | None],
    hits: Sequence[TakeProfitHit],
    scores: Sequence[SectorScore],
    members: Mapping[str, Sequence[MemberStats]],
    targets: tuple[Target, ...],
    snapshots: dict[str, MarketSnapshot],
    params: PlanParameters,
    rotation_enabled: bool,
    notes: list[str],
) -> tuple[Target, ...]:
    """Targets plus where the take-profit budget goes (STRATEGY.md rebalance trigger)."""
    if not hits:
        return targets
    hit_sectors = [snapshots[h.base].sector for h in hits if h.base in snapshots]
    realloc = reallocation_target(hits, scores, members, targets, params,
                                  exclude_sectors=hit_sectors)
    if realloc is None:
        notes.append("take-profit freed risk budget; no other sector has rising volume and "
                      "non-negative divergence with a member not already targeted: kept in cash")
        return targets
    if not (rotation_enabled or params.rotation_in_risk_off):
        notes.append(f"take-profit freed risk budget for {realloc.sector}, but the regime is "
                     "risk-off: kept in cash")
        return targets
    snap = snap_of(realloc.base)
    if snap is not None:
        snapshots[realloc.base] = snap
    return (*targets, realloc)


def _close_orders(
    book: PositionBook,
    hits: Sequence[TakeProfitHit],
    scores: Sequence[SectorScore],
    targets: Sequence[Target],
    snapshots: Mapping[str, MarketSnapshot],
    params: PlanParameters,
    notes: list[str],
) -> list[RebalanceOrder]:
    """Take-profit closes/cuts, longs in FOMO sectors, and positions against a sector target."""
    by_sector = {s.sector: s for s in scores}
    target_side = {t.sector: t for t in targets}
    hit_by_base = {h.base: h for h in hits}
    orders: list[RebalanceOrder] = []
    for position in book.positions:
        snap = snapshots.get(position.base)
        if snap is None:
            notes.append(f"{position.base}: no market data, position left as is")
            continue
        crossed = _stop_crossed_reason(position, snap.price_usd)
        if crossed is not None:
            orders.append(close_order(position, snap, role="exit", reason=crossed))
            continue
        hit = hit_by_base.get(position.base)
        if hit is not None:
            orders.append(close_order(
                position, snap, fraction=params.take_profit_cut_fraction, role="take-profit",
                reason=(f"take-profit reached ({hit.trigger}): price {hit.price_usd:g} vs level "
                        f"{hit.take_profit_price_usd:g}; risk budget freed"),
            ))
            continue
        reason = _exit_reason(position, by_sector.get(snap.sector))
        against = target_side.get(snap.sector)
        if reason is None and against is not None and against.side is not position.side:
            reason = (f"exit: {snap.sector} is now a {against.side.value} target "
                      f"({against.role}); close the {position.side.value}")
        if reason is not None:
            orders.append(close_order(position, snap, role="exit", reason=reason))
    return orders


def _open_orders(
    book: PositionBook,
    targets: Sequence[Target],
    closes: Sequence[RebalanceOrder],
    snapshots: Mapping[str, MarketSnapshot],
    params: PlanParameters,
    notes: list[str],
) -> tuple[list[RebalanceOrder], list[Refusal]]:
    closing = {o.base for o in closes}
    fully_closed = {o.base for o in closes if o.action == ACTION_CLOSE}
    held = {p.base: p for p in book.positions}
    held_sectors = {(snapshots[p.base].sector, p.side) for p in book.positions
                    if p.base in snapshots and p.base not in closing}
    orders: list[RebalanceOrder] = []
    refusals: list[Refusal] = []
    for target in targets:
        position = held.get(target.base)
        if position is not None and position.side is target.side:
            if target.base in closing:
                notes.append(f"{target.base}: take-profit taken today, not re-opened")
            else:
                _top_up(position, target, snapshots.get(target.base), params, orders,
                        refusals, notes)
            continue
        if position is not None and target.base not in fully_closed:
            notes.append(f"{target.base}: held {position.side.value} against a "
                         f"{target.side.value} target: close it first")
            continue
        if (target.sector, target.side) in held_sectors and target.role != ROLE_REALLOCATION:
            notes.append(f"{target.sector}: already {target.side.value} through another member")
            continue
        snap = snapshots.get(target.base)
        symbol = snap.symbol if snap else target.base
        if snap is None or not (math.isfinite(snap.atr_usd) and math.isfinite(snap.daily_vol)):
            refusals.append(Refusal(symbol, "no-market-data",
                                    f"{target.base}: no price, ATR or volatility to size it"))
            continue
        try:
            orders.append(open_order(target, snap, params))
        except (TradeRefused, InputError) as error:
            refusals.append(refusal_from_error(symbol, error))
    return orders, refusals


def _top_up(
    position: Position,
    target: Target,
    snap: MarketSnapshot | None,
    params: PlanParameters,
    orders: list[RebalanceOrder],
    refusals: list[Refusal],
    notes: list[str],
) -> None:
    """Increase an under-sized held position on a target, or note that it is held as is."""
    if snap is None or not math.isfinite(snap.daily_vol):
        notes.append(f"{target.base}: already {position.side.value}, held (no data to top up)")
        return
    try:
        order = increase_order(position, target, snap, params)
    except (TradeRefused, InputError) as error:
        refusals.append(refusal_from_error(snap.symbol, error))
        return
    if order is None:
        notes.append(f"{target.base}: already {position.side.value}, held")
    else:
        orders.append(order)
