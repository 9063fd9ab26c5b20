"""One walk-forward decision: the sector ranking as the tool would have printed it at the close
of a day (every frame cut at that day), and the call scored on the forward returns.

Split out of :mod:`rotation_addin.core.backtest`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from rotation_addin.core.backtest_results import Decision
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.core.scores import (
    FLAG_FOMO,
    FLAG_OVER_EXTENDED,
    SectorScore,
    rank_sectors,
    sector_inputs,
)


def _until(frame: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    """Rows of a dated frame on or before ``day`` (an undated, empty frame as it is)."""
    if isinstance(frame.index, pd.DatetimeIndex) and len(frame.index):
        return frame.loc[:day]
    return frame


def _ranking_at(dataset: MarketDataset, row: int, d_frame: pd.DataFrame | None,
                params: PlanParameters, enabled: bool) -> tuple[SectorScore, ...]:
    """The sector table as the tool would have printed it at the close of day ``row``."""
    cut = row + 1
    day = dataset.close.index[row]
    view = replace(
        dataset,
        close=dataset.close.iloc[:cut],
        volume_usd=dataset.volume_usd.reindex(dataset.close.index[:cut]),
        macro=_until(dataset.macro, day),
        social_volume=_until(dataset.social_volume, day),
        onchain_activity=_until(dataset.onchain_activity, day),
        as_of=pd.Timestamp(day).to_pydatetime(),
    )
    d_view = _until(d_frame, day) if d_frame is not None else None
    return rank_sectors(sector_inputs(view, divergence=d_view), weights=params.weights,
                        theta=params.theta, rotation_enabled=enabled)


def _decision(day: pd.Timestamp, ranking: tuple[SectorScore, ...], forward: Mapping[str, float],
              label: str, enabled: bool) -> Decision | None:
    ranked = [r for r in ranking if math.isfinite(r.score)]
    scored = [r for r in ranked if r.sector in forward]
    if len(scored) < 2 or ranked[0].sector not in forward:
        return None  # never replace a leader without forward data by the next one
    values = {r.sector: forward[r.sector] for r in scored}
    mean = float(np.mean(list(values.values())))
    leader, laggard = ranked[0], ranked[-1]
    excess = values[leader.sector] - mean
    return Decision(
        day=day, leader=leader.sector, laggard=laggard.sector, leader_score=leader.score,
        regime_label=label, rotation_enabled=enabled,
        over_extended=tuple(r.sector for r in ranking if FLAG_OVER_EXTENDED in r.flags),
        fomo=tuple(r.sector for r in ranking if FLAG_FOMO in r.flags),
        forward_relative_log_returns=values, sector_mean_forward_log_return=mean,
        leader_excess_log_return=excess, leader_hit=excess > 0,
        sectors_beating_mean=sum(1 for r in values.values() if r > mean),
    )
