"""The market factor: each sector's and asset's beta to BTC, and what is left without it.

Single-factor regression (ordinary least squares) of a daily log return on the
benchmark's: ``r_t = alpha + beta * r_BTC,t + e_t``. ``r_squared`` is the share of the
return variance BTC explains; the residuals ``e`` carry whatever sector structure is real.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rotation_addin.core.constants import SQRT_DAYS_PER_YEAR
from rotation_addin.core.errors import InputError
from rotation_addin.core.frames import drop_columns, require_column, require_frame, window_days
from rotation_addin.core.pearson import correlation_matrix
from rotation_addin.core.returns import sector_index_returns
from rotation_addin.core.universe import BENCHMARK_SECTOR, Universe
from rotation_addin.core.validation import positive_int


@dataclass(frozen=True)
class _Fit:
    alpha: float
    beta: float
    r_squared: float
    residual_vol_daily: float
    observations: int


def _ols_on_market(y: np.ndarray, x: np.ndarray, min_observations: int) -> _Fit | None:
    both = np.isfinite(x) & np.isfinite(y)
    n = int(both.sum())
    if n < max(min_observations, 3):
        return None
    xs, ys = x[both], y[both]
    dx, dy = xs - xs.mean(), ys - ys.mean()
    sxx = float((dx * dx).sum())
    syy = float((dy * dy).sum())
    if sxx == 0.0 or syy == 0.0:
        return None
    beta = float((dx * dy).sum()) / sxx
    alpha = float(ys.mean() - beta * xs.mean())
    ssr = float(((dy - beta * dx) ** 2).sum())
    return _Fit(alpha, beta, 1.0 - ssr / syy, float(np.sqrt(ssr / (n - 2))), n)


def sector_betas(
    returns: pd.DataFrame,
    universe: Universe,
    *,
    benchmark: str | None = None,
    min_observations: int = 30,
    assets: bool = True,
) -> pd.DataFrame:
    """Beta to BTC, BTC-explained variance share and residual volatility per sector and asset.

    Parameters
    ----------
    returns : pd.DataFrame
        Daily USD log returns by base, including the benchmark column.
    universe : Universe
        Sectors; the sector index is the equal-weight mean of the members present (the
        benchmark asset itself is left out of every index).
    benchmark : str or None
        Market factor column; default ``universe.benchmark``.
    min_observations : int
        Rows with fewer common days than this are omitted.
    assets : bool
        False: the sector rows only (one regression per sector instead of one per base too;
        the sector rows are the same either way).

    Returns
    -------
    pd.DataFrame
        Index ``name`` (sector name, then base). Columns: ``kind`` ("sector"/"asset"),
        ``sector``, ``beta``, ``r_squared`` (0..1), ``residual_vol_daily`` (standard error
        of the regression ``sqrt(SSR / (n - 2))``), ``residual_vol_annual``
        (x sqrt(365)), ``alpha_daily``, ``observations``.
    """
    frame = require_frame("returns", returns, min_rows=3, min_columns=2)
    if not isinstance(universe, Universe):
        raise InputError("universe", f"must be a Universe (got {type(universe).__name__})")
    market_name = benchmark or universe.benchmark
    market = require_column("benchmark", frame, market_name).to_numpy()
    minimum = positive_int("min_observations", min_observations, minimum=3)
    others = drop_columns(frame, [market_name])
    sectors = sector_index_returns(others, universe)
    sector_of = {base: universe.sector_of(base) for base in universe.bases}
    rows: list[dict[str, object]] = []
    kinds = (("sector", sectors), ("asset", others)) if assets else (("sector", sectors),)
    for kind, data in kinds:
        for name in data.columns:
            fit = _ols_on_market(data[name].to_numpy(), market, minimum)
            if fit is None:
                continue
            sector = str(name) if kind == "sector" else sector_of.get(str(name), "")
            rows.append(_beta_row(str(name), kind, sector, fit))
    return pd.DataFrame(rows, columns=list(BETA_COLUMNS)).set_index("name")


BETA_COLUMNS = ("name", "kind", "sector", "beta", "r_squared", "residual_vol_daily",
                "residual_vol_annual", "alpha_daily", "observations")
"""Columns of :func:`sector_betas` (``name`` becomes the index)."""


def _beta_row(name: str, kind: str, sector: str, fit: _Fit) -> dict[str, object]:
    """One row of :func:`sector_betas` from a market regression."""
    return {
        "name": name,
        "kind": kind,
        "sector": sector,
        "beta": fit.beta,
        "r_squared": fit.r_squared,
        "residual_vol_daily": fit.residual_vol_daily,
        "residual_vol_annual": fit.residual_vol_daily * SQRT_DAYS_PER_YEAR,
        "alpha_daily": fit.alpha,
        "observations": fit.observations,
    }


def residual_returns(
    returns: pd.DataFrame, benchmark: str = "BTC", *, min_observations: int = 30
) -> pd.DataFrame:
    """Returns with the market factor removed: ``e_t = r_t - alpha - beta * r_BTC,t``.

    Alpha and beta are full-sample OLS estimates per column (common days only). Columns with
    too little data are dropped; the benchmark column is dropped (its residual is 0).
    """
    frame = require_frame("returns", returns, min_rows=3, min_columns=2)
    market = require_column("benchmark", frame, benchmark).to_numpy()
    minimum = positive_int("min_observations", min_observations, minimum=3)
    residuals: dict[str, np.ndarray] = {}
    for name in frame.columns:
        if name == benchmark:
            continue
        y = frame[name].to_numpy()
        fit = _ols_on_market(y, market, minimum)
        if fit is not None:
            residuals[str(name)] = y - fit.alpha - fit.beta * market
    return pd.DataFrame(residuals, index=frame.index)


def residual_correlation(
    returns: pd.DataFrame,
    benchmark: str = "BTC",
    window: int | None = None,
    *,
    min_observations: int = 30,
) -> pd.DataFrame:
    """Correlation matrix of :func:`residual_returns` (the co-movement BTC does not explain).

    With ``window`` the betas and the correlation use only the last ``window`` days.
    If sectors are real, residual correlation is higher inside a sector than across.
    """
    frame = require_frame("returns", returns, min_rows=3, min_columns=2)
    if window is not None:
        frame = frame.iloc[-window_days("window", window, minimum=3) :]
    residuals = residual_returns(frame, benchmark, min_observations=min_observations)
    if residuals.shape[1] == 0:
        raise InputError("returns", "no column has enough days for a beta to the benchmark")
    return correlation_matrix(residuals, min_observations=min(min_observations, len(frame)))


@dataclass(frozen=True)
class SectorStructure:
    """Average correlation inside sectors versus across sectors.

    Attributes
    ----------
    intra_sector_mean : float
        Mean correlation over pairs of assets in the same sector (NaN if no such pair).
    inter_sector_mean : float
        Mean correlation over pairs in different sectors.
    gap : float
        ``intra - inter``: how much sector membership adds (near 0 = sectors are labels only).
    by_sector : Mapping[str, float]
        Mean intra-sector correlation per sector with at least two assets.
    intra_pairs, inter_pairs : int
        Pair counts behind the means.
    """

    intra_sector_mean: float
    inter_sector_mean: float
    gap: float
    by_sector: Mapping[str, float]
    intra_pairs: int
    inter_pairs: int


def sector_structure(corr_matrix: pd.DataFrame, universe: Universe) -> SectorStructure:
    """Intra- vs inter-sector mean correlation of a matrix (e.g. :func:`residual_correlation`).

    Assets outside the universe and the benchmark sector are ignored; NaN pairs skipped.
    """
    matrix = require_frame("corr_matrix", corr_matrix, dated=False)
    if not isinstance(universe, Universe):
        raise InputError("universe", f"must be a Universe (got {type(universe).__name__})")
    if list(matrix.index) != list(matrix.columns):
        raise InputError("corr_matrix", "must be square with the same labels on both axes")
    values_array = matrix.to_numpy()
    position = {str(c): k for k, c in enumerate(matrix.columns)}
    members = set(universe.bases)
    labels = [
        str(c) for c in matrix.columns
        if c in members and universe.sector_of(str(c)) != BENCHMARK_SECTOR
    ]
    intra: dict[str, list[float]] = {}
    inter: list[float] = []
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            value = float(values_array[position[a], position[b]])
            if not np.isfinite(value):
                continue
            sector_a, sector_b = universe.sector_of(a), universe.sector_of(b)
            if sector_a == sector_b:
                intra.setdefault(sector_a, []).append(value)
            else:
                inter.append(value)
    intra_all = [v for values in intra.values() for v in values]
    intra_mean = float(np.mean(intra_all)) if intra_all else float("nan")
    inter_mean = float(np.mean(inter)) if inter else float("nan")
    return SectorStructure(
        intra_sector_mean=intra_mean,
        inter_sector_mean=inter_mean,
        gap=intra_mean - inter_mean,
        by_sector={s: float(np.mean(v)) for s, v in intra.items()},
        intra_pairs=len(intra_all),
        inter_pairs=len(inter),
    )
