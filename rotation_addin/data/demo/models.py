"""Per-asset model parameters of the demo market, filled from ``params.py``.

Symbols with fitted parameters use them; symbols without real data get the average of their
sector's fitted members (or of all fitted alts when the sector has none), and that choice is
recorded in ``fitted_from`` so the documentation and ``rotation demo`` can say so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rotation_addin.core.universe import Universe
from rotation_addin.data.demo import params

NUMERIC_FIELDS = ("daily_vol", "beta", "t_dof", "garch_alpha", "garch_beta")

# Sector used as the stand-in for bases whose own sector has no fitted member. ETH has no real
# data here; the large-cap proof-of-work coins (LTC, BCH) are the closest fitted majors.
FALLBACK_SECTOR = {"benchmark": "mining"}

# Typical price level (USD) and 24 h quote volume (USD) of each default member: only sets the
# scale of the simulated numbers (contract ticks, order sizes); not fitted, not a forecast.
REFERENCE_LEVELS: dict[str, tuple[float, float]] = {
    "BTC": (90_000.0, 1.5e10),
    "ETH": (3_000.0, 1.0e10),
    "RENDER": (2.0, 8.0e7),
    "LPT": (4.5, 2.0e7),
    "THETA": (0.5, 1.5e7),
    "AKT": (0.6, 5.0e6),
    "IO": (0.2, 1.5e7),
    "GLM": (0.2, 5.0e6),
    "RLC": (0.7, 5.0e6),
    "ATH": (0.02, 1.0e7),
    "FET": (0.25, 1.0e8),
    "TAO": (280.0, 1.5e8),
    "WLD": (0.6, 1.5e8),
    "ARKM": (0.2, 2.0e7),
    "VIRTUAL": (0.8, 1.2e8),
    "FIL": (1.5, 8.0e7),
    "AR": (4.0, 4.0e7),
    "GRT": (0.05, 2.0e7),
    "BCH": (550.0, 2.5e8),
    "LTC": (80.0, 3.0e8),
    "KAS": (0.05, 2.0e7),
    "ETC": (13.0, 8.0e7),
}
DEFAULT_LEVEL = (1.0, 1.0e7)


@dataclass(frozen=True)
class AssetModel:
    """Simulation parameters of one base asset.

    Attributes
    ----------
    base, sector : str
    daily_vol : float
        Unconditional daily log-return standard deviation (fraction).
    beta : float
        Loading on the market (BTC) factor; BTC itself has 1.
    t_dof : float
        Degrees of freedom of the Student-t innovations of the idiosyncratic part.
    garch_alpha, garch_beta : float
        GARCH(1,1) coefficients of the idiosyncratic part (alpha + beta < 1).
    residual_corr : float
        Share of the non-market variance that is common to the sector.
    price_usd, volume_usd : float
        Reference price level and daily quote volume (scale only).
    fitted_from : str
        Real series the numbers were fitted on, or which average was used.
    """

    base: str
    sector: str
    daily_vol: float
    beta: float
    t_dof: float
    garch_alpha: float
    garch_beta: float
    residual_corr: float
    price_usd: float
    volume_usd: float
    fitted_from: str


def _average(bases: list[str]) -> dict[str, float]:
    return {
        name: float(np.mean([float(params.ASSETS[b][name]) for b in bases]))
        for name in NUMERIC_FIELDS
    }


def asset_models(universe: Universe) -> dict[str, AssetModel]:
    """Parameters for every base of ``universe`` (benchmark = market factor, beta 1)."""
    fitted_by_sector: dict[str, list[str]] = {}
    for base in params.ASSETS:
        sector = universe.sector_of(base) if base in universe.bases else params_sector(base)
        fitted_by_sector.setdefault(sector, []).append(base)
    all_alts = [b for b in params.ASSETS if b != universe.benchmark]
    models: dict[str, AssetModel] = {}
    for base in universe.bases:
        sector = universe.sector_of(base)
        price, volume = REFERENCE_LEVELS.get(base, DEFAULT_LEVEL)
        residual = float(params.SECTORS.get(sector, {}).get("residual_corr", _mean_residual()))
        if base == universe.benchmark:
            values = {
                "daily_vol": params.MARKET["daily_vol"],
                "beta": 1.0,
                "t_dof": params.MARKET["t_dof"],
                "garch_alpha": params.MARKET["garch_alpha"],
                "garch_beta": params.MARKET["garch_beta"],
            }
            source = str(params.MARKET.get("fitted_from", "btc"))
            residual = 0.0
        elif base in params.ASSETS:
            values = {k: float(params.ASSETS[base][k]) for k in NUMERIC_FIELDS}
            source = str(params.ASSETS[base]["fitted_from"])
        else:
            donor_sector = sector if fitted_by_sector.get(sector) else FALLBACK_SECTOR.get(sector)
            donors = fitted_by_sector.get(donor_sector or "", []) or all_alts
            values = _average(donors)
            label = donor_sector if donors is not all_alts else "all fitted alts"
            source = f"no real data: average of {label} ({', '.join(d.lower() for d in donors)})"
        models[base] = AssetModel(
            base=base,
            sector=sector,
            residual_corr=residual,
            price_usd=price,
            volume_usd=volume,
            fitted_from=source,
            **values,
        )
    return models


def params_sector(base: str) -> str:
    """Sector a fitted base was assigned to when the parameters were fitted."""
    return str(params.ASSETS[base].get("sector", "unknown"))


def _mean_residual() -> float:
    values = [float(s["residual_corr"]) for s in params.SECTORS.values() if s["residual_corr"] > 0]
    return float(np.mean(values)) if values else 0.1
