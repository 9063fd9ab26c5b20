"""Take-profit triggers (the position's own level, else entry + side x k x ATR) and where the
risk budget they free goes (STRATEGY.md rebalance trigger).

Split out of :mod:`rotation_addin.core.rotation` (which still re-exports these names).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rotation_addin.core import validation as v
from rotation_addin.core.errors import InputError
from rotation_addin.core.plan_parameters import PlanParameters
from rotation_addin.core.position_book import Position
from rotation_addin.core.scores import SectorScore
from rotation_addin.core.targets import ROLE_REALLOCATION, MemberStats, Target, best_member
from rotation_addin.core.types import Side


@dataclass(frozen=True)
class TakeProfitHit:
    """A position whose take-profit level was reached.

    Attributes
    ----------
    base : str
        The position's base.
    side : Side
        The position's side.
    price_usd : float
        Latest price that reached the level.
    take_profit_price_usd : float
        The level (user's price, or entry + side x k x ATR).
    trigger : str
        ``"price"`` (user level) or ``"k-ATR"`` (computed level).
    """

    base: str
    side: Side
    price_usd: float
    take_profit_price_usd: float
    trigger: str


def take_profit_level(position: Position, atr_usd: float | None, k_atr: float) -> float | None:
    """Take-profit level of ``position``: its own price, else entry + side x k x ATR.

    Returns None when neither is available (no level, no ATR). A computed level at or below
    zero (a short with a huge ATR) is also None.
    """
    if position.take_profit_price_usd is not None:
        return position.take_profit_price_usd
    if atr_usd is None or not math.isfinite(atr_usd) or atr_usd <= 0:
        return None
    level = position.entry_price_usd + position.side.sign * k_atr * atr_usd
    return level if level > 0 else None


def take_profit_hits(
    positions: Sequence[Position],
    last_price_usd: Mapping[str, float],
    atr_usd: Mapping[str, float],
    k_atr: float,
) -> tuple[TakeProfitHit, ...]:
    """Positions whose latest price reached their take-profit (side x (price - level) >= 0)."""
    v.positive("take_profit_atr_multiple", k_atr)
    if type(positions) not in (tuple, list) and (isinstance(positions, str | bytes)
            or not isinstance(positions, Sequence)):  # concrete types skip the ABC check
        raise InputError("positions",
                         f"must be a list of Position (got {type(positions).__name__})")
    if any(not isinstance(p, Position) for p in positions):
        raise InputError("positions", "must hold Position objects only")
    hits: list[TakeProfitHit] = []
    for position in positions:
        price = last_price_usd.get(position.base)
        if price is None or not math.isfinite(price):
            continue
        level = take_profit_level(position, atr_usd.get(position.base), k_atr)
        if level is None:
            continue
        if position.side.sign * (price - level) >= 0:
            trigger = "price" if position.take_profit_price_usd is not None else "k-ATR"
            hits.append(TakeProfitHit(position.base, position.side, price, level, trigger))
    return tuple(hits)


def reallocation_sector(
    scores: Sequence[SectorScore], *, exclude: Sequence[str] = ()
) -> SectorScore | None:
    """Best-ranked sector with rising volume (trend > 1) and non-negative divergence.

    Over-extended sectors and those in ``exclude`` are skipped; None if nothing qualifies.
    """
    for sector in sorted(scores, key=lambda s: s.rank):
        if sector.sector in exclude or sector.over_extended:
            continue
        if not (math.isfinite(sector.volume_trend) and math.isfinite(sector.divergence)):
            continue
        if sector.volume_trend > 1.0 and sector.divergence >= 0.0:
            return sector
    return None


def reallocation_target(
    hits: Sequence[TakeProfitHit],
    scores: Sequence[SectorScore],
    members: Mapping[str, Sequence[MemberStats]],
    targets: Sequence[Target],
    params: PlanParameters,
    *,
    exclude_sectors: Sequence[str] = (),
) -> Target | None:
    """Where the risk budget freed by take-profit hits goes (STRATEGY.md rebalance trigger).

    The destination is :func:`reallocation_sector` (skipping ``exclude_sectors``, e.g. the
    sectors of the positions being closed); its best member gets a long target at
    ``risk_fraction``. Returns None when nothing was hit, nothing qualifies, or the chosen
    member is already a target.
    """
    if not hits:
        return None
    sector = reallocation_sector(scores, exclude=exclude_sectors)
    if sector is None:
        return None
    member = best_member(members.get(sector.sector, ()))
    if member is None or any(t.base == member.base for t in targets):
        return None
    freed = ", ".join(h.base for h in hits)
    return Target(
        base=member.base, sector=sector.sector, side=Side.LONG, role=ROLE_REALLOCATION,
        conviction=sector.score,
        risk_fraction=min(params.risk_fraction, params.max_risk_fraction),
        reason=(f"risk budget freed by take-profit on {freed} moved to {sector.sector} "
                f"(rank #{sector.rank}, volume trend {sector.volume_trend:.2f} > 1, "
                f"D {sector.divergence:+.2f} >= 0)"),
    )
