"""Per-asset model parameters of the demo market, filled from ``params.py``.

Symbols with fitted parameters use them; symbols without real data get the average of their
sector's fitted members (or of all fitted alts when the sector has none), and that choice is
recorded in ``fitted_from`` so the documentation and ``rotation demo`` can say so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
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
        Extra share of the non-market variance common to the sector (on top of the alt
        factor share).
    alt_share : float
        Share of the non-market variance loading on the alt-wide factor (per sector:
        ``SECTORS[k]["alt_share"]``, else ``ALT_FACTOR["residual_corr"]``).
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
    alt_share: float
    price_usd: float
    volume_usd: float
    fitted_from: str


@dataclass(frozen=True)
class DemoParameters:
    """Every fitted number the simulator uses (defaults: the literals in ``params.py``).

    Attributes mirror ``params.py``: ``market`` (BTC GARCH-t), ``assets`` (per fitted base),
    ``sectors`` (extra residual correlation per sector), ``alt_factor`` (residual correlation
    shared by all alts and its GARCH-t), ``stress`` (beta / idiosyncratic multipliers on the
    market's worst-decile shock days) and ``stablecoin`` (supply dynamics).
    """

    market: Mapping[str, float]
    assets: Mapping[str, Mapping[str, float | str]]
    sectors: Mapping[str, Mapping[str, float]]
    alt_factor: Mapping[str, float]
    stress: Mapping[str, float]
    stablecoin: Mapping[str, float]

    @classmethod
    def from_module(cls) -> DemoParameters:
        """The fitted parameters shipped in ``params.py``."""
        return cls(
            market=params.MARKET,
            assets=params.ASSETS,
            sectors=params.SECTORS,
            alt_factor=params.ALT_FACTOR,
            stress=params.STRESS,
            stablecoin=params.STABLECOIN,
        )

    def replace(self, **changes: object) -> DemoParameters:
        """Copy with some groups replaced (used by the calibration search)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def _average(p: DemoParameters, bases: list[str]) -> dict[str, float]:
    return {
        name: float(np.mean([float(p.assets[b][name]) for b in bases])) for name in NUMERIC_FIELDS
    }


def asset_models(universe: Universe, p: DemoParameters | None = None) -> dict[str, AssetModel]:
    """Parameters for every base of ``universe`` (benchmark = market factor, beta 1).

    Bases without fitted parameters get the mean of their sector's fitted members, else of
    the fallback sector (``benchmark`` -> ``mining``), else of all fitted alts.
    """
    p = p or DemoParameters.from_module()
    fitted_by_sector: dict[str, list[str]] = {}
    members = set(universe.bases)
    for base, fitted in p.assets.items():
        sector = universe.sector_of(base) if base in members else str(fitted["sector"])
        fitted_by_sector.setdefault(sector, []).append(base)
    all_alts = [b for b in p.assets if b != universe.benchmark]
    mean_extra = float(np.mean([float(s["residual_corr"]) for s in p.sectors.values()]))
    default_alt = float(p.alt_factor["residual_corr"])
    models: dict[str, AssetModel] = {}
    averages: dict[tuple[str, ...], dict[str, float]] = {}
    for base in universe.bases:
        sector = universe.sector_of(base)
        price, volume = REFERENCE_LEVELS.get(base, DEFAULT_LEVEL)
        extra = float(p.sectors.get(sector, {}).get("residual_corr", mean_extra))
        alt_share = float(p.sectors.get(sector, {}).get("alt_share", default_alt))
        if base == universe.benchmark:
            values = {
                k: float(p.market[k]) for k in ("daily_vol", "t_dof", "garch_alpha", "garch_beta")
            }
            values["beta"] = 1.0
            source = "btc"
            extra = 0.0
        elif base in p.assets:
            values = {k: float(p.assets[base][k]) for k in NUMERIC_FIELDS}
            source = str(p.assets[base]["fitted_from"])
        else:
            donor_sector = sector if fitted_by_sector.get(sector) else FALLBACK_SECTOR.get(sector)
            donors = fitted_by_sector.get(donor_sector or "", []) or all_alts
            if tuple(donors) not in averages:
                averages[tuple(donors)] = _average(p, donors)
            values = averages[tuple(donors)].copy()
            label = f"sector {donor_sector}" if donors is not all_alts else "all fitted alts"
            source = f"no real data: mean of {label} ({', '.join(donors)})"
        models[base] = AssetModel(
            base=base,
            sector=sector,
            residual_corr=extra,
            alt_share=alt_share,
            price_usd=price,
            volume_usd=volume,
            fitted_from=source,
            **values,
        )
    return models
