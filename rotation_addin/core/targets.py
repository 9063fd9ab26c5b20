"""Targets: the positions the plan wants to hold (the long leaders, the hedge) and the member
picked in each sector.

Conviction only orders sizes (leaders before hedges, higher score first); the risk caps set
the sizes themselves (STRATEGY.md, "Weighting, hedges and rotation"). Split out of
:mod:`rotation_addin.core.rotation` (which still re-exports these names).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rotation_addin.core.plan_parameters import PlanParameters
from rotation_addin.core.scores import SectorScore
from rotation_addin.core.types import Side

ROLE_LEADER = "leader"
ROLE_HEDGE = "hedge"
ROLE_REALLOCATION = "reallocation"

RISK_STEP_PER_RANK = 0.25
"""Each lower-ranked long target gets this much less of ``risk_fraction`` (1, 0.75, 0.5...)."""

MIN_RISK_SHARE = 0.5
"""Floor of that step-down, as a share of ``risk_fraction``."""


@dataclass(frozen=True)
class MemberStats:
    """What the target picker needs to know about one sector member.

    Attributes
    ----------
    base : str
        Base asset.
    momentum_7d : float
        BTC-relative 7-day log return of the member.
    avg_volume_usd : float
        Average daily USD volume over 30 days (liquidity).
    """

    base: str
    momentum_7d: float
    avg_volume_usd: float


@dataclass(frozen=True)
class Target:
    """A position the plan wants to hold.

    Attributes
    ----------
    base, sector : str
        The member chosen and its sector.
    side : Side
        Long for leaders and reallocations, short for hedges.
    role : str
        ``"leader"``, ``"hedge"`` or ``"reallocation"``.
    conviction : float
        Orders sizes and who is cut first under the stressed-exposure cap (higher = kept).
    risk_fraction : float
        Risk budget as a fraction of equity (already <= the hard cap).
    reason : str
        Plain-language reason shown beside the order.
    """

    base: str
    sector: str
    side: Side
    role: str
    conviction: float
    risk_fraction: float
    reason: str


def best_member(members: Sequence[MemberStats]) -> MemberStats | None:
    """Member with the best mix of relative momentum and liquidity.

    Score = z(momentum_7d) + z(log avg_volume_usd), z taken within the sector (population
    standard deviation; a constant column contributes 0). Members with no usable figures are
    skipped.
    """
    usable = [
        m for m in members
        if math.isfinite(m.momentum_7d) and math.isfinite(m.avg_volume_usd) and m.avg_volume_usd > 0
    ]
    if not usable:
        return None
    mom = _zscores([m.momentum_7d for m in usable])
    liq = _zscores([math.log(m.avg_volume_usd) for m in usable])
    scored = [(mom[i] + liq[i], -i) for i in range(len(usable))]
    best_index = -max(scored)[1]
    return usable[best_index]


def _zscores(values: Sequence[float]) -> list[float]:
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in values) / n)
    if sd <= 1e-12:
        return [0.0] * n
    return [(x - mean) / sd for x in values]


TARGET_FIELDS = ("top_n_long", "rotation_in_risk_off", "require_weekly_confirmation",
                 "risk_fraction", "max_risk_fraction", "theta", "short_over_extended",
                 "hedge_risk_multiplier")
"""The :class:`PlanParameters` fields :func:`select_targets` reads (and only those: a memo of
its result may be keyed on them; ``tests/core/test_rotation.py`` changes every other field
and checks the targets do not move)."""


def select_targets(
    scores: Sequence[SectorScore],
    members: Mapping[str, Sequence[MemberStats]],
    params: PlanParameters,
    *,
    rotation_enabled: bool,
) -> tuple[tuple[Target, ...], tuple[str, ...]]:
    """Pick the long leaders and the hedge from ranked sector scores.

    * Longs: the ``top_n_long`` best-ranked sectors with a positive score that are not
      over-extended and, with ``require_weekly_confirmation``, whose 7-day momentum vs BTC is
      confirmed by a positive 30-day one; only when ``rotation_enabled`` (or
      ``params.rotation_in_risk_off``). The risk share steps down with rank (1, 0.75, 0.5 of
      ``risk_fraction``).
    * Hedge: the over-extended sector (divergence >= theta with positive 7-day momentum)
      with the highest 7-day momentum, shorted at ``hedge_risk_multiplier`` x risk
      (if ``short_over_extended``), else only avoided.

    Returns
    -------
    (targets, notes)
        Targets sorted by conviction (highest first) and plain-language notes.
    """
    notes: list[str] = []
    ranked = sorted(scores, key=lambda s: s.rank)
    targets: list[Target] = []
    if rotation_enabled or params.rotation_in_risk_off:
        targets.extend(_long_targets(ranked, members, params, notes))
    else:
        notes.append("regime is risk-off: no new alt longs (rotation_in_risk_off is off)")
    hedge = _hedge_target(ranked, members, params, notes, targets)
    if hedge is not None:
        targets.append(hedge)
    targets.sort(key=lambda t: -t.conviction)
    return tuple(targets), tuple(notes)


def _confirmed(sector: SectorScore, params: PlanParameters) -> bool:
    if not params.require_weekly_confirmation:
        return True
    return sector.momentum_7d > 0 and sector.momentum_30d > 0


def _long_targets(
    ranked: Sequence[SectorScore],
    members: Mapping[str, Sequence[MemberStats]],
    params: PlanParameters,
    notes: list[str],
) -> list[Target]:
    candidates: list[SectorScore] = []
    for sector in ranked:
        if not (sector.score > 0 and not sector.over_extended):
            continue
        if not _confirmed(sector, params):
            notes.append(f"{sector.sector}: 7d momentum {sector.momentum_7d:+.1%} not confirmed "
                         f"by 30d {sector.momentum_30d:+.1%} vs BTC -> no long")
            continue
        candidates.append(sector)
    if not candidates:
        notes.append("no sector has a positive, confirmed score without being over-extended: "
                     "no longs")
    targets: list[Target] = []
    for position, sector in enumerate(candidates[: params.top_n_long]):
        member = best_member(members.get(sector.sector, ()))
        if member is None:
            notes.append(f"{sector.sector}: no member with usable prices and volume")
            continue
        share = max(MIN_RISK_SHARE, 1.0 - RISK_STEP_PER_RANK * position)
        targets.append(Target(
            base=member.base, sector=sector.sector, side=Side.LONG, role=ROLE_LEADER,
            conviction=sector.score,
            risk_fraction=min(params.risk_fraction * share, params.max_risk_fraction),
            reason=(f"{sector.sector} ranked #{sector.rank} (score {sector.score:+.2f}, "
                    f"7d rel. momentum {sector.momentum_7d:+.1%}, volume trend "
                    f"{sector.volume_trend:.2f})"),
        ))
    return targets


def _hedge_target(
    ranked: Sequence[SectorScore],
    members: Mapping[str, Sequence[MemberStats]],
    params: PlanParameters,
    notes: list[str],
    longs: Sequence[Target],
) -> Target | None:
    extended = sorted((s for s in ranked if s.over_extended), key=lambda s: -s.momentum_7d)
    for sector in extended:
        notes.append(f"{sector.sector}: over-extended (D {sector.divergence:+.2f} >= "
                     f"{params.theta:g}) -> avoid new longs")
    if not extended or not params.short_over_extended:
        return None
    sector = extended[0]
    member = best_member(members.get(sector.sector, ()))
    if member is None:
        return None
    return Target(
        base=member.base, sector=sector.sector, side=Side.SHORT, role=ROLE_HEDGE,
        conviction=min((t.conviction for t in longs), default=0.0) - 1.0,
        risk_fraction=params.risk_fraction * params.hedge_risk_multiplier,
        reason=(f"{sector.sector} over-extended: FOMO divergence D "
                f"{sector.divergence:+.2f} >= {params.theta:g} with 7d rel. momentum "
                f"{sector.momentum_7d:+.1%} -> short as hedge (reduced risk)"),
    )
