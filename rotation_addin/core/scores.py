"""Sector scores: a transparent weighted z-score of momentum, volume trend and divergence.

For each trading sector on the last day of the data:

* ``momentum_7d``, ``momentum_30d``: sum of the sector index's BTC-relative daily log returns
  over 7 and 30 days (= log change of the sector index priced in BTC);
* ``volume_trend``: mean sector USD volume over 7 days / mean over 30 days (> 1 = rising);
* ``divergence``: mean over members of the latest sentiment divergence D = z_social - z_chain.

Each component is turned into a cross-sectional z-score across sectors (population standard
deviation; a component that is constant or missing everywhere contributes 0) and combined::

    score = w7 * z(momentum_7d) + w30 * z(momentum_30d) + wv * z(ln volume_trend)
            - wd * z(divergence)

Divergence enters with a minus sign: retail FOMO (high D) lowers a sector's score. The regime
does not change the score; it *gates* it -- when rotation is disabled the sectors carry the
flag ``regime-gated`` and the plan opens no alt longs.

The score is a ranking of current conditions, not a forecast: on real 2022-23 daily data the
BTC-relative momentum leader did not beat the other sectors more often than chance
(``docs/real-data-check.md``). BTC explains a large share of every sector's variance, which
is why ``beta_to_btc`` and ``btc_explained_share`` are shown beside each score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from rotation_addin.core import parameters as pdef
from rotation_addin.core import validation as v
from rotation_addin.core.cross_section import cross_section_z, log_volume_trend
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import InputError
from rotation_addin.core.returns import log_returns, relative_returns, sector_index_returns
from rotation_addin.core.universe import Universe

SHORT_WINDOW_DAYS = int(pdef.SHORT_WINDOW.default)
LONG_WINDOW_DAYS = int(pdef.LONG_WINDOW.default)
MARKET_DRIVEN_SHARE = 0.7
"""A sector whose variance BTC explains at least this share is flagged ``market-driven``."""

FLAG_OVER_EXTENDED = "over-extended"
FLAG_FOMO = "fomo"
FLAG_ACCUMULATION = "accumulation"
FLAG_RISING_VOLUME = "rising-volume"
FLAG_REGIME_GATED = "regime-gated"
FLAG_MARKET_DRIVEN = "market-driven"
FLAG_NO_SENTIMENT = "no-sentiment-data"


@dataclass(frozen=True)
class ScoreWeights:
    """Weights of the score's z-score components (all >= 0, not all 0).

    ``divergence`` is applied with a minus sign (FOMO lowers the score).
    """

    momentum_7d: float = 0.35
    momentum_30d: float = 0.25
    volume_trend: float = 0.2
    divergence: float = 0.2

    def __post_init__(self) -> None:
        total = 0.0
        for name in ("momentum_7d", "momentum_30d", "volume_trend", "divergence"):
            total += v.in_range(f"weights.{name}", getattr(self, name),
                                *pdef.SCORE_WEIGHT_RANGE)
        if total <= 0.0:
            raise InputError("weights", "at least one score weight must be > 0 (got all 0)")


@dataclass(frozen=True)
class SectorInputs:
    """Raw score components of one sector (units in the names; NaN = not available)."""

    sector: str
    momentum_7d: float
    momentum_30d: float
    volume_trend: float
    divergence: float
    beta_to_btc: float = math.nan
    btc_explained_share: float = math.nan


@dataclass(frozen=True)
class SectorScore:
    """One row of the sector table.

    Attributes
    ----------
    sector : str
        Sector name.
    momentum_7d, momentum_30d : float
        BTC-relative log return of the sector index over 7 / 30 days (0.05 = +5 % vs BTC).
    volume_trend : float
        7-day / 30-day mean sector USD volume (> 1 = rising).
    divergence : float
        Mean D = z_social - z_chain of the members (NaN without sentiment data).
    score : float
        Weighted z-score combination (see module docstring).
    rank : int
        1 = best score.
    beta_to_btc : float
        OLS beta of the sector index's USD returns on BTC's.
    btc_explained_share : float
        Share of the sector's return variance BTC explains (R^2, 0..1).
    over_extended : bool
        Divergence >= theta with positive 7-day momentum (short / hedge candidate).
    flags : tuple[str, ...]
        ``over-extended``, ``fomo``, ``accumulation``, ``rising-volume``,
        ``regime-gated``, ``market-driven``, ``no-sentiment-data``.
    """

    sector: str
    momentum_7d: float
    momentum_30d: float
    volume_trend: float
    divergence: float
    score: float
    rank: int
    beta_to_btc: float
    btc_explained_share: float
    over_extended: bool
    flags: tuple[str, ...]


def _flags(item: SectorInputs, theta: float, rotation_enabled: bool) -> tuple[str, ...]:
    flags: list[str] = []
    d = item.divergence
    if math.isfinite(d) and d >= theta:
        flags.append(FLAG_OVER_EXTENDED if item.momentum_7d > 0 else FLAG_FOMO)
    if math.isfinite(d) and d <= -theta:
        flags.append(FLAG_ACCUMULATION)
    if not math.isfinite(d):
        flags.append(FLAG_NO_SENTIMENT)
    if math.isfinite(item.volume_trend) and item.volume_trend > 1.0:
        flags.append(FLAG_RISING_VOLUME)
    if math.isfinite(item.btc_explained_share) and item.btc_explained_share >= MARKET_DRIVEN_SHARE:
        flags.append(FLAG_MARKET_DRIVEN)
    if not rotation_enabled:
        flags.append(FLAG_REGIME_GATED)
    return tuple(flags)


def _check_sector_inputs(inputs: Sequence[SectorInputs]) -> None:
    """At least one sector, and nothing but :class:`SectorInputs`."""
    if type(inputs) not in (tuple, list) and (isinstance(inputs, str | bytes)
            or not isinstance(inputs, Sequence)):  # concrete types skip the ABC check
        raise InputError("inputs", f"must be a list of SectorInputs (got {type(inputs).__name__})")
    if not inputs:
        raise InputError("sectors", "need at least one sector to score")
    bad = next((i for i in inputs if not isinstance(i, SectorInputs)), None)
    if bad is not None:
        raise InputError("inputs", f"must hold SectorInputs only (got {type(bad).__name__})")


ZScores = tuple[Sequence[float], Sequence[float], Sequence[float], Sequence[float]]
"""Per sector: z of 7-day momentum, of 30-day momentum, of ln volume trend, of divergence."""


def sector_z_scores(inputs: Sequence[SectorInputs]) -> ZScores:
    """The four cross-sectional z-scores :func:`rank_sectors` combines, per sector."""
    return (cross_section_z([i.momentum_7d for i in inputs]),
            cross_section_z([i.momentum_30d for i in inputs]),
            cross_section_z([log_volume_trend(i.volume_trend) for i in inputs]),
            cross_section_z([i.divergence for i in inputs]))


def rank_sectors(
    inputs: Sequence[SectorInputs],
    *,
    weights: ScoreWeights | None = None,
    theta: float = 2.0,
    rotation_enabled: bool = True,
    z_scores: ZScores | None = None,
) -> tuple[SectorScore, ...]:
    """Combine components into scores and rank them (best first).

    Parameters
    ----------
    inputs : sequence of SectorInputs
        One per sector (at least one).
    weights : ScoreWeights
        Component weights; defaults to :class:`ScoreWeights()`.
    theta : float
        Divergence threshold for the FOMO / accumulation flags (> 0).
    rotation_enabled : bool
        The regime's verdict; False adds the ``regime-gated`` flag.
    z_scores : ZScores, optional
        :func:`sector_z_scores` of ``inputs`` when the caller has them (the backtest scores
        every day at once, ``core.cross_section.cross_section_z_rows``); default: computed.

    Returns
    -------
    tuple of SectorScore
        Sorted by rank (1 = highest score; ties keep input order). Sectors whose momentum
        cannot be computed get score NaN and rank last.
    """
    _check_sector_inputs(inputs)
    w = weights if weights is not None else ScoreWeights()
    if not isinstance(w, ScoreWeights):
        raise InputError("weights", f"must be ScoreWeights (got {type(w).__name__})")
    th = v.positive("theta", theta)
    z7, z30, zv, zd = z_scores if z_scores is not None else sector_z_scores(inputs)
    if not all(len(z) == len(inputs) for z in (z7, z30, zv, zd)):
        raise InputError("z_scores", f"need {len(inputs)} values per component")
    raw: list[float] = []
    for k, item in enumerate(inputs):
        usable = math.isfinite(item.momentum_7d) and math.isfinite(item.momentum_30d)
        value = (w.momentum_7d * z7[k] + w.momentum_30d * z30[k] + w.volume_trend * zv[k]
                 - w.divergence * zd[k])
        raw.append(value if usable else math.nan)
    order = sorted(range(len(inputs)),
                   key=lambda k: (not math.isfinite(raw[k]), -raw[k] if math.isfinite(raw[k])
                                  else 0.0, k))
    rows: list[SectorScore] = []
    for rank, k in enumerate(order, start=1):
        item = inputs[k]
        flags = _flags(item, th, rotation_enabled)
        rows.append(SectorScore(
            sector=item.sector, momentum_7d=item.momentum_7d, momentum_30d=item.momentum_30d,
            volume_trend=item.volume_trend, divergence=item.divergence, score=raw[k], rank=rank,
            beta_to_btc=item.beta_to_btc, btc_explained_share=item.btc_explained_share,
            over_extended=FLAG_OVER_EXTENDED in flags, flags=flags,
        ))
    return tuple(rows)


def _window_sum(frame: pd.DataFrame, days: int) -> pd.Series:
    tail = frame.iloc[-days:]
    total: pd.Series = tail.sum(axis=0, min_count=days)
    return total


def _volume_trend(volume_usd: pd.DataFrame, universe: Universe, sector: str) -> float:
    members = [b for b in universe.sectors[sector] if b in volume_usd.columns]
    if not members or len(volume_usd) < LONG_WINDOW_DAYS:
        return math.nan
    daily = volume_usd[members].sum(axis=1, min_count=1)
    long_mean = float(daily.iloc[-LONG_WINDOW_DAYS:].mean())
    short_mean = float(daily.iloc[-SHORT_WINDOW_DAYS:].mean())
    if not (math.isfinite(long_mean) and math.isfinite(short_mean)) or long_mean <= 0:
        return math.nan
    return short_mean / long_mean


def _sector_divergence(divergence: pd.DataFrame | None, universe: Universe, sector: str) -> float:
    if divergence is None or divergence.empty:
        return math.nan
    members = [b for b in universe.sectors[sector] if b in divergence.columns]
    if not members:
        return math.nan
    last = divergence[members].ffill().iloc[-1]
    value = float(last.mean(skipna=True)) if last.notna().any() else math.nan
    return value


def sector_inputs(
    dataset: MarketDataset,
    *,
    divergence: pd.DataFrame | None = None,
    betas: Mapping[str, tuple[float, float]] | None = None,
) -> tuple[SectorInputs, ...]:
    """Score components of every trading sector on the dataset's last day.

    Parameters
    ----------
    dataset : MarketDataset
        Daily closes (BTC among them) and USD volumes.
    divergence : pd.DataFrame or None
        Daily D by base (``core.divergence.divergence``); None -> NaN divergence.
    betas : Mapping[str, (beta, btc_explained_share)] or None
        Per sector, from ``core.correlation.sector_betas``.

    Raises
    ------
    InputError
        If the benchmark has no prices or there are fewer than 31 days.
    """
    if not isinstance(dataset, MarketDataset):
        raise InputError("dataset", f"must be a MarketDataset (got {type(dataset).__name__})")
    universe = dataset.universe
    close = dataset.close
    if universe.benchmark not in close.columns:
        raise InputError("close", f"needs the benchmark {universe.benchmark} to compute "
                         "BTC-relative momentum")
    if len(close) < LONG_WINDOW_DAYS + 1:
        raise InputError("close", f"needs at least {LONG_WINDOW_DAYS + 1} days of prices "
                         f"(got {len(close)})")
    relative = relative_returns(log_returns(close), universe.benchmark)
    index = sector_index_returns(relative, universe)
    m7 = _window_sum(index, SHORT_WINDOW_DAYS)
    m30 = _window_sum(index, LONG_WINDOW_DAYS)
    rows: list[SectorInputs] = []
    for sector in universe.trading_sectors():
        beta, share = (betas or {}).get(sector, (math.nan, math.nan))
        rows.append(SectorInputs(
            sector=sector,
            momentum_7d=float(m7.get(sector, math.nan)),
            momentum_30d=float(m30.get(sector, math.nan)),
            volume_trend=_volume_trend(dataset.volume_usd, universe, sector),
            divergence=_sector_divergence(divergence, universe, sector),
            beta_to_btc=float(beta),
            btc_explained_share=float(share),
        ))
    return tuple(rows)
