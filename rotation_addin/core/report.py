"""The daily report: regime, sector table, correlation picture and the rebalance plan.

:func:`daily_report` is the ONE call every surface (workbook, UDFs, GUI, CLI) makes to answer
"where is money flowing, what should I hold, and what do I change today?". Pure: a
:class:`~rotation_addin.core.dataset.MarketDataset`, the user's positions and a
:class:`~rotation_addin.core.rotation.PlanParameters` in, a frozen :class:`DailyReport` out.

How the plan is built (each step in its own module):

1. regime on the last candle's day (``regime.regime_verdict``); risk-off gates new alt longs;
2. sector scores from BTC-relative momentum, volume trend and divergence (``scores``);
3. targets: the top sector(s) long through their best member, the most over-extended sector
   short at half risk (``rotation.select_targets``);
4. closes: take-profits hit (price or k x ATR), longs in FOMO sectors, positions against a
   sector's opposite-side target; the freed budget goes to the best sector with rising
   volume and non-negative divergence (``rotation.reallocation_target``);
5. opens and top-ups sized by the risk engine, stops m x ATR away and inside the
   liquidation price (``orders``);
6. discipline rules, then the stressed-exposure cap with correlation 1 (``rules``).
Every order carries its reason; everything refused is listed with its rule.

The report's parts live in their own modules, re-exported here:
:mod:`~rotation_addin.core.correlation_picture`, :mod:`~rotation_addin.core.market_snapshot`
(price, ATR, volatility and contract rules per base) and
:mod:`~rotation_addin.core.rebalance_plan` (``build_plan``, steps 4 to 6).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from rotation_addin.core.correlation_picture import CorrelationPicture, correlation_picture
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.divergence import divergence
from rotation_addin.core.errors import InputError
from rotation_addin.core.market_snapshot import (
    VOL_HISTORY_DAYS,
    candle_snapshot,
    market_snapshot,
)
from rotation_addin.core.rebalance_plan import RebalancePlan, build_plan
from rotation_addin.core.regime import RegimeVerdict, regime_verdict
from rotation_addin.core.returns import log_returns, relative_returns
from rotation_addin.core.rotation import (
    ClosedTrade,
    MemberStats,
    PlanParameters,
    Position,
    PositionBook,
)
from rotation_addin.core.scores import SectorScore, rank_sectors, sector_inputs

__all__ = [
    "VOL_HISTORY_DAYS",
    "ClosedTrade",
    "CorrelationPicture",
    "DailyReport",
    "PlanParameters",
    "Position",
    "PositionBook",
    "RebalancePlan",
    "build_plan",
    "candle_snapshot",
    "correlation_picture",
    "daily_report",
    "market_regime",
    "market_snapshot",
    "member_stats",
]

MEMBER_LIQUIDITY_DAYS = 30
MEMBER_MOMENTUM_DAYS = 7
DIVERGENCE_RECENT_DAYS = 30
"""Days of divergence D the report computes (scores read each base's latest D only)."""


@dataclass(frozen=True)
class DailyReport:
    """Everything a surface shows for one day, from one dataset.

    Attributes
    ----------
    source : str
        Data source label (``"demo (simulated)"``...), shown on every output.
    as_of : datetime
        Close time of the last daily candle used (UTC).
    regime : RegimeVerdict
        Macro verdict with one reason per input.
    sectors : tuple[SectorScore, ...]
        Sector table, rank order.
    correlation : CorrelationPicture
        Correlation picture.
    plan : RebalancePlan
        Orders and refusals.
    parameters : PlanParameters
        The parameters used.
    missing_symbols : tuple[str, ...]
        Universe members the source does not list.
    warnings : tuple[str, ...]
        Data gaps and other caveats.
    """

    source: str
    as_of: datetime
    regime: RegimeVerdict
    sectors: tuple[SectorScore, ...]
    correlation: CorrelationPicture
    plan: RebalancePlan
    parameters: PlanParameters
    missing_symbols: tuple[str, ...]
    warnings: tuple[str, ...]


def _as_book(positions: PositionBook | Sequence[Position] | None) -> PositionBook:
    if positions is None:
        return PositionBook()
    if isinstance(positions, PositionBook):
        return positions
    if isinstance(positions, Sequence) and all(isinstance(p, Position) for p in positions):
        return PositionBook(positions=tuple(positions))
    raise InputError("positions", "must be a PositionBook or a list of Position "
                     f"(got {type(positions).__name__})")


def member_stats(dataset: MarketDataset, relative: pd.DataFrame) -> dict[str, list[MemberStats]]:
    """Per trading sector: each member's 7-day BTC-relative momentum and 30-day USD volume."""
    momentum = relative.iloc[-MEMBER_MOMENTUM_DAYS:].sum(axis=0, min_count=MEMBER_MOMENTUM_DAYS)
    liquidity = dataset.volume_usd.iloc[-MEMBER_LIQUIDITY_DAYS:].mean(axis=0)
    stats: dict[str, list[MemberStats]] = {}
    for sector in dataset.universe.trading_sectors():
        stats[sector] = [
            MemberStats(base, float(momentum.get(base, math.nan)),
                        float(liquidity.get(base, math.nan)))
            for base in dataset.universe.sectors[sector] if base in relative.columns
        ]
    return stats


def market_regime(dataset: MarketDataset, params: PlanParameters | None = None) -> RegimeVerdict:
    """Regime verdict for the dataset's last daily candle (macro data after it is ignored).

    Without any macro rows every input votes 0 with the reason "no data" (label neutral).
    """
    params = params or PlanParameters()
    day = pd.Timestamp(dataset.close.index[-1])
    macro = dataset.macro
    if macro.shape[0] == 0:
        macro = pd.DataFrame(index=pd.DatetimeIndex([day], name="date"))
    return regime_verdict(macro, as_of=day, rotation_in_risk_off=params.rotation_in_risk_off)


def daily_report(
    dataset: MarketDataset,
    positions: PositionBook | Sequence[Position] | None = None,
    params: PlanParameters | None = None,
) -> DailyReport:
    """Regime, sector table, correlation picture and rebalance plan for the dataset's last day.

    Parameters
    ----------
    dataset : MarketDataset
        Daily candles (with the benchmark), macro and sentiment series, contracts.
    positions : PositionBook or sequence of Position, optional
        Current positions and the trade journal (closed trades drive the cool-down rule).
    params : PlanParameters, optional
        Defaults to ``PlanParameters()``; build it from user settings with
        ``PlanParameters.from_settings(settings)``.

    Returns
    -------
    DailyReport
        Everything labelled with ``dataset.source`` and ``dataset.as_of``. Orders are a
        proposal: nothing is sent anywhere.
    """
    if not isinstance(dataset, MarketDataset):
        raise InputError("dataset", f"must be a MarketDataset (got {type(dataset).__name__})")
    params = params or PlanParameters()
    if not isinstance(params, PlanParameters):
        raise InputError("params", f"must be PlanParameters (got {type(params).__name__})")
    book = _as_book(positions)
    universe = dataset.universe
    warnings: list[str] = list(dataset.warnings)  # the loader's data-quality notes come first
    if dataset.missing_symbols:
        warnings.append("not listed by the source: " + ", ".join(dataset.missing_symbols))
    regime = market_regime(dataset, params)
    warnings.extend(regime.warnings)
    returns = log_returns(dataset.close)
    relative = relative_returns(returns, universe.benchmark)
    picture = correlation_picture(returns, universe, params.correlation_window_days)
    warnings.extend(picture.warnings)
    d_frame = _divergence_frame(dataset, warnings)
    betas = {str(k): (float(r["beta"]), float(r["r_squared"]))
             for k, r in picture.betas.iterrows()}
    scores = rank_sectors(
        sector_inputs(dataset, divergence=d_frame, betas=betas), weights=params.weights,
        theta=params.theta, rotation_enabled=bool(regime.rotation_enabled),
    )
    members = member_stats(dataset, relative)
    plan = build_plan(
        dataset, book, scores, members, params,
        rotation_enabled=bool(regime.rotation_enabled),
    )
    return DailyReport(
        source=dataset.source, as_of=dataset.as_of, regime=regime, sectors=scores,
        correlation=picture, plan=plan, parameters=params,
        missing_symbols=tuple(dataset.missing_symbols), warnings=tuple(warnings),
    )


def _divergence_frame(dataset: MarketDataset, warnings: list[str]) -> pd.DataFrame | None:
    social, chain = dataset.social_volume, dataset.onchain_activity
    if social.empty or chain.empty:
        warnings.append("no sentiment data: divergence left out of the scores")
        return None
    try:
        return _latest_divergence(social, chain)
    except InputError as error:
        warnings.append(f"divergence not computed: {error}")
        return None


def _latest_divergence(social: pd.DataFrame, chain: pd.DataFrame) -> pd.DataFrame:
    """D by base, exact on the recent days the scores read (each base's last finite D).

    Only the last :data:`DIVERGENCE_RECENT_DAYS` are computed (the same values as the full
    history's, see ``divergence``); a base without a D in them gets its whole history, so
    ``ffill().iloc[-1]`` is the full computation's for every base.
    """
    recent = pd.DataFrame(divergence(social, chain, last_days=DIVERGENCE_RECENT_DAYS)
                          ["divergence"])
    stale = [str(c) for c, seen in zip(recent.columns, np.isfinite(recent.to_numpy()).any(0),
                                       strict=True) if not seen]
    if not stale:
        return recent
    history = pd.DataFrame(divergence(social[stale], chain[stale])["divergence"])
    fresh = recent[[c for c in recent.columns if c not in set(stale)]]
    return pd.concat([history, fresh], axis=1)[list(recent.columns)]
