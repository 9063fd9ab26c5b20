"""Rotation logic: plan parameters, the position book, targets, take-profit triggers, budget
reallocation and the stressed-exposure check (correlations set to 1).

The one import point for them: each lives in its own module, re-exported here --
:mod:`~rotation_addin.core.plan_parameters` (``PlanParameters``, ``PlanOverrides``),
:mod:`~rotation_addin.core.position_book` (``Position``, ``ClosedTrade``, ``PositionBook``),
:mod:`~rotation_addin.core.targets` (``select_targets``, ``best_member``, ``Target``...),
:mod:`~rotation_addin.core.take_profit` (take-profit hits, the reallocation target) and
:mod:`~rotation_addin.core.stressed_exposure` (the correlation-1 stressed loss under the cap).

Pure: scores and prices in, frozen dataclasses out. Sizing of the resulting orders lives in
:mod:`rotation_addin.core.orders`; the discipline rules in :mod:`rotation_addin.core.rules`.

Conventions
-----------
* Risk fractions are fractions of account equity (0.02 = 2 %).
* "Conviction" only orders sizes (leaders before hedges, higher score first); the risk caps set
  the sizes themselves (STRATEGY.md, "Weighting, hedges and rotation").
"""

from rotation_addin.core.plan_parameters import PlanOverrides, PlanParameters
from rotation_addin.core.position_book import ClosedTrade, Position, PositionBook
from rotation_addin.core.stressed_exposure import (
    ExposureItem,
    StressedExposure,
    stressed_exposure,
)
from rotation_addin.core.take_profit import (
    TakeProfitHit,
    reallocation_sector,
    reallocation_target,
    take_profit_hits,
    take_profit_level,
)
from rotation_addin.core.targets import (
    MIN_RISK_SHARE,
    RISK_STEP_PER_RANK,
    ROLE_HEDGE,
    ROLE_LEADER,
    ROLE_REALLOCATION,
    TARGET_FIELDS,
    MemberStats,
    Target,
    best_member,
    select_targets,
)

__all__ = [
    "MIN_RISK_SHARE",
    "RISK_STEP_PER_RANK",
    "ROLE_HEDGE",
    "ROLE_LEADER",
    "ROLE_REALLOCATION",
    "TARGET_FIELDS",
    "ClosedTrade",
    "ExposureItem",
    "MemberStats",
    "PlanOverrides",
    "PlanParameters",
    "Position",
    "PositionBook",
    "StressedExposure",
    "TakeProfitHit",
    "Target",
    "best_member",
    "reallocation_sector",
    "reallocation_target",
    "select_targets",
    "stressed_exposure",
    "take_profit_hits",
    "take_profit_level",
]
