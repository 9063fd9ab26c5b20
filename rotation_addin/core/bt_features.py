"""Every per-day input of the plan, computed once for the whole history and looked up by row.

The sector table of day ``t`` (``core.scores.sector_inputs`` on the data cut at ``t``), the
member figures (``core.report.member_stats``) and the regime label are trailing-window
figures: each uses a fixed number of rows up to ``t`` and nothing later. Computing them
once over the whole history as rolling windows and reading row ``t`` gives the same numbers
as recomputing them from the cut data every day, at a per-decision cost that does not grow
with history (``tests/analytics/test_strategy_backtest.py`` checks the equality on every day
of the demo market). The ranking itself is still done by the plan code
(``core.scores.rank_sectors``, ``core.rotation.select_targets`` through
``core.report.build_plan``).

Formulas (``n`` = row, windows in rows of the close's calendar):

* sector index BTC-relative daily log returns ``x`` (``core.returns``);
* ``momentum_short[t] = sum(x[t-s+1..t])`` (``s`` = ``short_days``, 7 by default; NaN unless
  all ``s`` values exist), ``momentum_long`` likewise with ``long_days`` (30);
* ``volume_trend[t] = mean(V[t-s+1..t]) / mean(V[t-l+1..t])`` with ``V`` the sector's summed
  USD volume (NaN-skipping means, NaN before ``l`` rows);
* ``divergence[t]``: mean over members of the last D on or before ``t``;
* members: 7-day BTC-relative momentum (all 7 needed) and 30-day mean USD volume.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from rotation_addin.core import parameters as pdef
from rotation_addin.core.cross_section import cross_section_z_rows, log_volume_trend
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import InputError
from rotation_addin.core.returns import log_returns, relative_returns, sector_index_returns
from rotation_addin.core.rotation import MemberStats, PlanParameters
from rotation_addin.core.scores import (
    LONG_WINDOW_DAYS,
    SHORT_WINDOW_DAYS,
    SectorInputs,
    ZScores,
)
from rotation_addin.core.walk_forward_inputs import _regime_table, _sector_divergence_frame

MEMBER_MOMENTUM_DAYS = 7
"""``core.report.MEMBER_MOMENTUM_DAYS`` (the member picker's momentum window)."""
MEMBER_LIQUIDITY_DAYS = 30
"""``core.report.MEMBER_LIQUIDITY_DAYS`` (the member picker's liquidity window)."""
MAX_WINDOW_DAYS = int(pdef.LONG_WINDOW.high)


@dataclass(frozen=True)
class MomentumWindows:
    """Short and long momentum windows of the sector score (days; 7 and 30 live)."""

    short_days: int = SHORT_WINDOW_DAYS
    long_days: int = LONG_WINDOW_DAYS

    def __post_init__(self) -> None:
        pdef.SHORT_WINDOW.check_int(self.short_days)
        pdef.LONG_WINDOW.check_int(self.long_days)
        if self.long_days > MAX_WINDOW_DAYS:
            raise InputError("long_days", f"must be <= {MAX_WINDOW_DAYS} (got {self.long_days})")
        if self.short_days >= self.long_days:
            raise InputError("short_days", f"must be below long_days {self.long_days} "
                                           f"(got {self.short_days})")


def _rolling_sum_all(values: np.ndarray, days: int) -> np.ndarray:
    """Row t: sum of rows t-days+1..t; NaN unless all of them are finite (min_count=days)."""
    out = np.full(values.shape, np.nan)
    if len(values) < days:
        return out
    windows = np.lib.stride_tricks.sliding_window_view(values, days, axis=0)
    out[days - 1:] = windows.sum(axis=-1)  # NaN propagates: any missing value -> NaN
    return out


def _rolling_nanmean(values: np.ndarray, days: int) -> np.ndarray:
    """Row t: NaN-skipping mean of rows max(0, t-days+1)..t (NaN when all are missing)."""
    finite = np.isfinite(values)
    filled = np.where(finite, values, 0.0)
    zeros = np.zeros((1, *values.shape[1:]))
    total = np.concatenate([zeros, np.cumsum(filled, axis=0)])
    count = np.concatenate([zeros, np.cumsum(finite, axis=0)])
    rows = np.arange(len(values))
    low = np.maximum(0, rows - days + 1)
    window_sum = total[rows + 1] - total[low]
    window_count = count[rows + 1] - count[low]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(window_count > 0, window_sum / np.maximum(window_count, 1), np.nan)


@dataclass(frozen=True)
class FeatureTable:
    """Per-day plan inputs for every row of ``dataset.close`` (see the module docstring).

    Attributes
    ----------
    days : pd.DatetimeIndex
        The close's calendar.
    sectors : tuple[str, ...]
        Trading sectors in universe order (the order ``sector_inputs`` returns).
    momentum_short, momentum_long, volume_trend, divergence : np.ndarray
        Shape (days, sectors).
    member_bases : tuple[tuple[str, ...], ...]
        Per sector, its members with prices (the order ``member_stats`` uses).
    member_momentum, member_volume : np.ndarray
        Shape (days, bases) with ``bases`` the columns of ``base_index``.
    base_index : dict[str, int]
        Column of each base in the member arrays.
    regime_label : tuple[str, ...]
        Regime label per day.
    rotation_enabled : np.ndarray
        The regime gate per day (bool).
    windows : MomentumWindows
        The momentum windows used.
    warnings : tuple[str, ...]
        Data caveats (proxy dominance, missing macro inputs).
    has_divergence : bool
        True when sentiment series gave a divergence frame.
    memo : dict
        Per-row look-ups already made (members, rankings), reused by every run on this
        table (a sweep's settings): the same objects the first look-up returned.
    snapshot_memo : dict
        Market snapshots per (row, base, ATR window), computed by ``core.report``'s
        ``market_snapshot`` on the day's window; a sweep shares one between tables.
    """

    days: pd.DatetimeIndex
    sectors: tuple[str, ...]
    momentum_short: np.ndarray
    momentum_long: np.ndarray
    volume_trend: np.ndarray
    divergence: np.ndarray
    member_bases: tuple[tuple[str, ...], ...]
    member_momentum: np.ndarray
    member_volume: np.ndarray
    base_index: dict[str, int]
    regime_label: tuple[str, ...]
    rotation_enabled: np.ndarray
    windows: MomentumWindows
    warnings: tuple[str, ...]
    has_divergence: bool
    memo: dict[object, object] = field(default_factory=dict, compare=False, repr=False)
    snapshot_memo: dict[object, object] = field(default_factory=dict, compare=False,
                                                 repr=False)

    def inputs_at(self, row: int) -> tuple[SectorInputs, ...]:
        """The sector table's raw inputs at the close of ``row`` (no betas, as backtested)."""
        return tuple(
            SectorInputs(sector=sector, momentum_7d=float(self.momentum_short[row, k]),
                         momentum_30d=float(self.momentum_long[row, k]),
                         volume_trend=float(self.volume_trend[row, k]),
                         divergence=float(self.divergence[row, k]))
            for k, sector in enumerate(self.sectors))

    def z_scores_at(self, row: int) -> ZScores:
        """``scores.sector_z_scores(self.inputs_at(row))``, from the z-scores of the rows
        from the first one asked on, made at once (``cross_section.cross_section_z_rows``;
        a run asks from its first decision on: O(days traded), not O(history))."""
        cached = self.memo.get("z-scores")
        if not (isinstance(cached, tuple) and cached[0] <= row):
            trend = self.volume_trend[row:]
            logs = np.array([[log_volume_trend(x) for x in values] for values in
                             trend.tolist()], dtype=float).reshape(trend.shape)
            components = (self.momentum_short[row:], self.momentum_long[row:], logs,
                          self.divergence[row:])
            cached = (row, tuple(cross_section_z_rows(a) for a in components))
            self.memo["z-scores"] = cached
        first, tables = cached
        z7, z30, zv, zd = (t[row - first] for t in tables)
        return z7, z30, zv, zd

    def members_at(self, row: int) -> dict[str, tuple[MemberStats, ...]]:
        """Per sector: each member's 7-day relative momentum and 30-day mean USD volume
        (computed once per row, then the same read-only mapping)."""
        key = ("members", row)
        cached = self.memo.get(key)
        if cached is None:
            momentum, volume = self.member_momentum[row], self.member_volume[row]
            cached = {sector: tuple(
                MemberStats(base, float(momentum[self.base_index[base]]),
                            float(volume[self.base_index[base]])) for base in bases)
                for sector, bases in zip(self.sectors, self.member_bases, strict=True)}
            self.memo[key] = cached
        assert isinstance(cached, dict)
        return cached


def _sector_volume_trend(dataset: MarketDataset, sectors: tuple[str, ...],
                         windows: MomentumWindows) -> np.ndarray:
    volume = dataset.volume_usd.reindex(dataset.close.index)
    n = len(dataset.close)
    out = np.full((n, len(sectors)), np.nan)
    for k, sector in enumerate(sectors):
        members = [b for b in dataset.universe.sectors[sector] if b in volume.columns]
        if not members:
            continue
        daily = volume[members].sum(axis=1, min_count=1).to_numpy(dtype=float)
        long_mean = _rolling_nanmean(daily, windows.long_days)
        short_mean = _rolling_nanmean(daily, windows.short_days)
        with np.errstate(invalid="ignore", divide="ignore"):
            trend = np.where(np.isfinite(long_mean) & np.isfinite(short_mean)
                             & (long_mean > 0), short_mean / long_mean, np.nan)
        trend[: windows.long_days - 1] = np.nan  # sector_inputs needs long_days rows
        out[:, k] = trend
    return out


def _sector_divergence(d_frame: pd.DataFrame | None, dataset: MarketDataset,
                       sectors: tuple[str, ...]) -> np.ndarray:
    index = dataset.close.index
    out = np.full((len(index), len(sectors)), np.nan)
    if d_frame is None or d_frame.empty:
        return out
    for k, sector in enumerate(sectors):
        members = [b for b in dataset.universe.sectors[sector] if b in d_frame.columns]
        if not members:
            continue
        last = d_frame[members].ffill().reindex(index, method="ffill")
        out[:, k] = last.mean(axis=1, skipna=True).to_numpy(dtype=float)
    return out


def build_features(dataset: MarketDataset, *, windows: MomentumWindows | None = None,
                   rotation_in_risk_off: bool = False) -> FeatureTable:
    """Compute the :class:`FeatureTable` of ``dataset`` once (O(history) in total).

    Raises
    ------
    InputError
        No benchmark prices, fewer rows than the long window needs, or bad windows.
    """
    w = windows if windows is not None else MomentumWindows()
    if not isinstance(w, MomentumWindows):
        raise InputError("windows", f"must be MomentumWindows (got {type(w).__name__})")
    universe = dataset.universe
    close = dataset.close
    if universe.benchmark not in close.columns:
        raise InputError("close", f"needs the benchmark {universe.benchmark}")
    if len(close) < w.long_days + 1:
        raise InputError("close", f"needs at least {w.long_days + 1} days of prices "
                                  f"(got {len(close)})")
    relative = relative_returns(log_returns(close), universe.benchmark).reindex(close.index)
    index = sector_index_returns(relative, universe)
    sectors = tuple(universe.trading_sectors())
    sector_x = index.reindex(columns=list(sectors)).to_numpy(dtype=float)
    bases = tuple(str(c) for c in relative.columns)
    member_bases = tuple(tuple(b for b in universe.sectors[s] if b in relative.columns)
                         for s in sectors)
    volume = dataset.volume_usd.reindex(index=close.index, columns=list(bases))
    warnings: list[str] = []
    d_frame = _sector_divergence_frame(dataset)
    regimes = _regime_table(dataset, PlanParameters(rotation_in_risk_off=rotation_in_risk_off),
                            warnings)
    return FeatureTable(
        days=pd.DatetimeIndex(close.index), sectors=sectors,
        momentum_short=_rolling_sum_all(sector_x, w.short_days),
        momentum_long=_rolling_sum_all(sector_x, w.long_days),
        volume_trend=_sector_volume_trend(dataset, sectors, w),
        divergence=_sector_divergence(d_frame, dataset, sectors),
        member_bases=member_bases,
        member_momentum=_rolling_sum_all(relative.to_numpy(dtype=float), MEMBER_MOMENTUM_DAYS),
        member_volume=_rolling_nanmean(volume.to_numpy(dtype=float), MEMBER_LIQUIDITY_DAYS),
        base_index={b: j for j, b in enumerate(bases)},
        regime_label=tuple(str(x) for x in regimes["label"].to_numpy()),
        rotation_enabled=regimes["rotation_enabled"].fillna(False).to_numpy(dtype=bool),
        windows=w, warnings=tuple(warnings), has_divergence=d_frame is not None,
    )



CLOSE_ONLY_WARNING = (
    "close-only prices (no volume): every volume is set to the same 1 USD so the plan can "
    "pick members (by momentum alone; the volume trend is 1 for every sector); open = high "
    "= low = close, so fills and stops happen at daily closes (a close-to-close backtest)")


def with_equal_volume(dataset: MarketDataset) -> MarketDataset:
    """``dataset`` with every volume 1 USD where a close exists, for close-only data.

    The plan's member picker needs a volume (``core.rotation.best_member``); with equal
    volumes its liquidity z-score is 0 everywhere and momentum alone decides. Say so
    (:data:`CLOSE_ONLY_WARNING`) wherever it is used.
    """
    close = dataset.close
    volume = pd.DataFrame(np.where(np.isfinite(close.to_numpy(dtype=float)), 1.0, np.nan),
                          index=close.index, columns=close.columns)

    return replace(dataset, volume_usd=volume)


def has_volume(dataset: MarketDataset) -> bool:
    """True when any volume figure is finite and > 0."""
    values = dataset.volume_usd.to_numpy(dtype=float) if dataset.volume_usd.size else \
        np.empty(0)
    return bool((np.isfinite(values) & (values > 0)).any())
