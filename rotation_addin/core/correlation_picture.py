"""The correlation picture of the daily report: how the sectors move together (USD and
BTC-relative matrices), how much of it is just BTC (betas, explained share), stress-day
correlation, natural hedges and the correlation-decay alert; and how the inverse pairs are
said on the app's Correlation tab and the workbook's Correlation sheet
(:func:`inverse_pairs_line`).

Split out of :mod:`rotation_addin.core.report` (which still re-exports these names).
"""


from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from rotation_addin.core import formats
from rotation_addin.core.constants import HEDGE_THRESHOLD
from rotation_addin.core.correlation import (
    CorrelationDecayAlert,
    HedgePair,
    StressCorrelation,
    average_pairwise_correlation,
    correlation_decay_alert,
    correlation_matrix,
    natural_hedges,
    sector_betas,
    stress_correlation,
)
from rotation_addin.core.errors import InputError
from rotation_addin.core.frames import drop_columns
from rotation_addin.core.returns import relative_returns, sector_index_returns
from rotation_addin.core.universe import Universe

BETA_WINDOW_DAYS = 90
DECAY_BASELINE_DAYS = 90

_THRESHOLD_TEXT = f"{HEDGE_THRESHOLD:g}".replace("-", "\N{MINUS SIGN}")  # the app's and sheet's −
INVERSE_PAIRS_LABEL = f"inverse pairs (correlation < {_THRESHOLD_TEXT}) — measured, not a hedge"
"""The CLI's wording (``rotation corr``): a negative correlation is a measurement, never a
hedge (``rotation_addin.core.claims.RENDER_COMPUTE``: never inverse in USD on real data,
mildly and briefly inverse BTC-relative). The threshold is :data:`HEDGE_THRESHOLD`, the one
:func:`correlation_picture` lists the pairs with."""


def inverse_pairs_listed(pairs: Iterable[HedgePair]) -> str:
    """The pairs as every surface lists them: ``"render/compute -0.35, ai/meme -0.22"``
    (``""`` when there is none)."""
    return ", ".join(
        f"{p.first}/{p.second} {formats.format_correlation(p.correlation, signed=True)}"
        for p in pairs)


def inverse_pairs_line(returns_label: str, pairs: Iterable[HedgePair]) -> str:
    """One return type's inverse pairs, as the app's Correlation notes and the workbook's
    Correlation sheet write them.

    Parameters
    ----------
    returns_label : str
        ``"USD"`` or ``"BTC-relative"``.
    pairs : Iterable[HedgePair]
        That return type's pairs below :data:`HEDGE_THRESHOLD` (``natural_hedges_usd`` /
        ``natural_hedges_relative`` of a :class:`CorrelationPicture`).

    Returns
    -------
    str
        ``"USD inverse pairs (correlation < −0.2) — measured, not a hedge: none"``, or the
        pairs listed (:func:`inverse_pairs_listed`) after the colon.
    """
    return f"{returns_label} {INVERSE_PAIRS_LABEL}: {inverse_pairs_listed(pairs) or 'none'}"


@dataclass(frozen=True)
class CorrelationPicture:
    """How the sectors move together, and how much of it is just BTC.

    Attributes
    ----------
    window_days : int
        Window of the matrices.
    sector_matrix_usd, sector_matrix_relative : pd.DataFrame
        Pearson correlation of the sector indices' daily log returns, in USD and BTC-relative.
    betas : pd.DataFrame
        Per sector (index): ``beta`` to BTC and ``r_squared`` (BTC-explained share), over
        the last 90 days of USD returns.
    stress : StressCorrelation | None
        Normal vs stress-day correlation (BTC's worst decile), bias-adjusted, co-crash rate.
    natural_hedges_usd, natural_hedges_relative : tuple[HedgePair, ...]
        Sector pairs with correlation < -0.2.
    average_pairwise : float
        Latest average pairwise rolling correlation of the sector indices (USD).
    decay_alert : CorrelationDecayAlert | None
        Latest value against its 90-day mean.
    warnings : tuple[str, ...]
        What could not be computed and why.
    """

    window_days: int
    sector_matrix_usd: pd.DataFrame
    sector_matrix_relative: pd.DataFrame
    betas: pd.DataFrame
    stress: StressCorrelation | None
    natural_hedges_usd: tuple[HedgePair, ...]
    natural_hedges_relative: tuple[HedgePair, ...]
    average_pairwise: float
    decay_alert: CorrelationDecayAlert | None
    warnings: tuple[str, ...]


def _sector_returns(returns: pd.DataFrame, universe: Universe) -> pd.DataFrame:
    """USD sector index returns of the trading sectors, with BTC's own return beside them."""
    index = sector_index_returns(drop_columns(returns, [universe.benchmark]), universe)
    trading = [s for s in universe.trading_sectors() if s in index.columns]
    frame = index[trading].copy()
    frame[universe.benchmark] = returns[universe.benchmark]
    return frame


def correlation_picture(
    returns: pd.DataFrame, universe: Universe, window_days: int
) -> CorrelationPicture:
    """Build the :class:`CorrelationPicture` from daily USD log returns by base."""
    warnings: list[str] = []
    sectors_usd = _sector_returns(returns, universe)
    trading = [c for c in sectors_usd.columns if c != universe.benchmark]
    relative = relative_returns(sectors_usd, universe.benchmark)
    minimum = max(2, min(10, window_days // 2))
    usd_matrix = correlation_matrix(sectors_usd[trading], window_days, min_observations=minimum)
    rel_matrix = correlation_matrix(relative[trading], window_days, min_observations=minimum)
    betas_all = sector_betas(returns.iloc[-BETA_WINDOW_DAYS:], universe, assets=False,
                             min_observations=min(30, max(3, len(returns) // 3)))
    is_trading_sector = (betas_all["kind"] == "sector") & betas_all.index.isin(trading)
    betas = betas_all[is_trading_sector][["beta", "r_squared"]]
    stress: StressCorrelation | None = None
    try:
        stress = stress_correlation(sectors_usd, universe.benchmark,
                                    pairs=[(s, universe.benchmark) for s in trading])
        warnings.extend(stress.warnings)
    except InputError as error:
        warnings.append(f"stress correlation not computed: {error}")
    average = average_pairwise_correlation(sectors_usd[trading], window_days) \
        if len(trading) >= 2 else pd.Series(dtype=float)
    latest = float(average.dropna().iloc[-1]) if average.notna().any() else math.nan
    alert: CorrelationDecayAlert | None = None
    try:
        alert = correlation_decay_alert(average, baseline_days=DECAY_BASELINE_DAYS)
    except InputError as error:
        warnings.append(f"correlation decay alert not computed: {error}")
    return CorrelationPicture(
        window_days=window_days, sector_matrix_usd=usd_matrix, sector_matrix_relative=rel_matrix,
        betas=betas, stress=stress,
        natural_hedges_usd=tuple(natural_hedges(usd_matrix, HEDGE_THRESHOLD)),
        natural_hedges_relative=tuple(natural_hedges(rel_matrix, HEDGE_THRESHOLD)),
        average_pairwise=latest, decay_alert=alert, warnings=tuple(warnings),
    )
