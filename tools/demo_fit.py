"""Demo calibration, step 1-4: the real market and the maximum-likelihood fit of the parameters.

Part of :mod:`tools.demo_calibrate` (which documents the steps); import from there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rotation_addin.core.universe import Universe
from rotation_addin.data.csv_import import import_csv_folder, read_series_csv
from rotation_addin.data.demo import stats
from rotation_addin.data.demo.models import DemoParameters
from rotation_addin.data.universe_io import default_universe

SHORT_SERIES_DAYS = 365
DOF_FLOOR = 4.0
"""Student-t dof are floored here so the fourth moment (kurtosis) of the innovations exists."""
MIN_FIT_DAYS = 60


@dataclass(frozen=True)
class RealMarket:
    """Real closes (wide by base), the alt window they overlap on, and stablecoin supply."""

    close: pd.DataFrame
    window: pd.DataFrame
    supply_usd: pd.Series | None
    universe: Universe
    folder: Path

    @property
    def sectors(self) -> dict[str, list[str]]:
        """Universe sectors restricted to bases with real data."""
        return {
            s: [b for b in members if b in self.close.columns]
            for s, members in self.universe.sectors.items()
        }


def load_real_market(folder: Path, universe: Universe | None = None) -> RealMarket:
    """Read the real prices of ``folder`` (Coin Metrics layout) through the CSV importer."""
    universe = universe or default_universe()
    imported = import_csv_folder(folder, universe)
    close = imported.dataset.close.dropna(how="all")
    alts = [c for c in close.columns if c != universe.benchmark]
    alt_days = close[alts].notna().sum(axis=1) >= 3
    window = close.loc[alt_days[alt_days].index[0] : alt_days[alt_days].index[-1]]
    supply_path = Path(folder) / "stablecoin_supply.csv"
    supply: pd.Series | None = None
    if supply_path.is_file():
        raw = read_series_csv(supply_path)
        supply = raw.sum(axis=1, min_count=1) if isinstance(raw, pd.DataFrame) else raw
    return RealMarket(close, window, supply, universe, Path(folder))


# ---------------------------------------------------------------------------- GARCH-t MLE


def garch_t_negative_loglik(theta: np.ndarray, x: np.ndarray, variance: float) -> float:
    """Negative log-likelihood of GARCH(1,1) with unit-variance Student-t innovations.

    ``sigma2_t = variance (1 - a - b) + a x_{t-1}^2 + b sigma2_{t-1}`` (variance targeting);
    density of ``x_t / sigma_t`` is the standardised t with ``nu`` degrees of freedom.
    """
    a, b, nu = float(theta[0]), float(theta[1]), float(theta[2])
    if a + b >= 0.999 or nu <= 2.05:
        return 1e12
    omega = variance * (1.0 - a - b)
    s2 = variance
    const = math.lgamma((nu + 1) / 2) - math.lgamma(nu / 2) - 0.5 * math.log(math.pi * (nu - 2))
    total = 0.0
    previous = variance
    for value in x.tolist():
        s2 = omega + a * previous + b * s2
        total += (
            const - 0.5 * math.log(s2) - (nu + 1) / 2 * math.log1p(value * value / ((nu - 2) * s2))
        )
        previous = value * value
    return -total


def fit_garch_t(x: np.ndarray) -> tuple[float, float, float]:
    """Maximum-likelihood ``(alpha, beta, dof)`` of a GARCH(1,1)-t on demeaned ``x``."""
    from scipy.optimize import minimize

    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    x = x - x.mean()
    variance = float(x.var())
    best: tuple[float, np.ndarray] | None = None
    for start in ((0.08, 0.88, 5.0), (0.15, 0.7, 4.0), (0.05, 0.93, 8.0)):
        result = minimize(
            garch_t_negative_loglik,
            np.array(start),
            args=(x, variance),
            method="L-BFGS-B",
            bounds=[(0.005, 0.4), (0.3, 0.985), (2.5, 40.0)],
        )
        if best is None or result.fun < best[0]:
            best = (float(result.fun), result.x)
    assert best is not None
    a, b, nu = (float(v) for v in best[1])
    return round(a, 4), round(b, 4), round(max(nu, DOF_FLOOR), 2)


# ---------------------------------------------------------------------------- fitting


def _per_asset(
    real: RealMarket, notes: list[str]
) -> tuple[dict[str, dict[str, float | str]], dict[str, float]]:
    returns = stats.log_returns(real.window)
    bench = real.universe.benchmark
    market = returns[bench]
    assets: dict[str, dict[str, float | str]] = {}
    shapes: dict[str, tuple[float, float, float]] = {}
    for base in returns.columns:
        if base == bench:
            continue
        r = returns[base].dropna()
        if len(r) < MIN_FIT_DAYS:
            notes.append(f"{base}: only {len(r)} days, not fitted")
            continue
        beta, _ = stats.beta_and_corr(r, market)
        resid = (r - beta * market.reindex(r.index)).to_numpy()
        entry: dict[str, float | str] = {
            "sector": real.universe.sector_of(base),
            "daily_vol": round(float(r.std()), 5),
            "beta": round(beta, 4),
        }
        if len(r) >= SHORT_SERIES_DAYS:
            a, b, nu = fit_garch_t(resid)
            shapes[base] = (a, b, nu)
            entry.update(t_dof=nu, garch_alpha=a, garch_beta=b)
        entry["days"] = float(len(r))
        assets[base] = entry
    median = {
        "garch_alpha": float(np.median([s[0] for s in shapes.values()])),
        "garch_beta": float(np.median([s[1] for s in shapes.values()])),
        "t_dof": float(np.median([s[2] for s in shapes.values()])),
    }
    file_of = {
        base: path.stem
        for base, path in import_csv_folder(real.folder, real.universe).files.items()
    }
    for base, entry in assets.items():
        days = int(float(entry.pop("days")))
        name = file_of.get(base, base.lower())
        if "t_dof" not in entry:
            entry.update({k: round(v, 4) for k, v in median.items()})
            entry["fitted_from"] = (
                f"{name} ({days} daily returns; GARCH/tails: median of the long series)"
            )
        else:
            entry["fitted_from"] = f"{name} ({days} daily returns)"
    return assets, median


def fit_parameters(real: RealMarket) -> tuple[DemoParameters, list[str]]:
    """Direct (non-simulated) fit: steps 2-4 of the module docstring."""
    notes: list[str] = []
    bench = real.universe.benchmark
    btc_all = stats.log_returns(real.close[[bench]])[bench].dropna()
    a, b, nu = fit_garch_t(btc_all.to_numpy())
    window_returns = stats.log_returns(real.window)
    market = {
        "daily_vol": round(float(window_returns[bench].std()), 5),
        "t_dof": nu,
        "garch_alpha": a,
        "garch_beta": b,
    }
    assets, median_shape = _per_asset(real, notes)
    resid = stats.residual_correlations(window_returns, bench, real.sectors)
    alt_share = max(float(resid["_cross"]), 0.0)
    sectors: dict[str, dict[str, float]] = {}
    extras = []
    for sector in real.universe.sectors:
        if sector == "benchmark":
            sectors[sector] = {"residual_corr": 0.0}
        elif sector in resid and np.isfinite(resid[sector]):
            extra = round(max(resid[sector] - alt_share, 0.0), 4)
            sectors[sector] = {"residual_corr": extra}
            extras.append(extra)
    for sector in real.universe.sectors:
        if sector not in sectors:
            sectors[sector] = {
                "residual_corr": round(float(np.mean(extras)), 4) if extras else 0.05
            }
            notes.append(
                f"sector {sector}: no pair with real data; mean extra residual correlation"
            )
    alt_factor = {
        "residual_corr": round(alt_share, 4),
        "t_dof": round(median_shape["t_dof"], 2),
        "garch_alpha": round(median_shape["garch_alpha"], 4),
        "garch_beta": round(median_shape["garch_beta"], 4),
    }
    stablecoin = _stablecoin_parameters(real.supply_usd)
    base = DemoParameters.from_module()
    fitted = DemoParameters(
        market=market,
        assets=assets,
        sectors=sectors,
        alt_factor=alt_factor,
        stress=dict(base.stress),
        stablecoin=stablecoin or dict(base.stablecoin),
    )
    return fitted, notes


def _stablecoin_parameters(supply: pd.Series | None) -> dict[str, float] | None:
    if supply is None:
        return None
    s = stats.stablecoin_statistics(supply)
    return {
        "start_supply_usd": round(float(supply.dropna().iloc[0]), -6),
        # jumps are simulated separately: remove their mean from the drift
        "daily_log_drift": round(
            s["daily_log_mean"]
            - s["jump_share"] * s["jump_abs_mean"] * (2 * s["jump_up_share"] - 1),
            6,
        ),
        "daily_log_vol": round(s["calm_daily_log_sd"], 6),
        "jump_probability": round(s["jump_share"], 4),
        "jump_abs_mean": round(s["jump_abs_mean"], 5),
        "jump_up_share": round(s["jump_up_share"], 4),
    }
