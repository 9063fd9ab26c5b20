"""Fit the demo market's parameters to real daily prices and publish the comparison.

Usage (the real data is read from the folder given; nothing from it is copied into the
package -- only the fitted numbers are written to ``params.py``)::

    python -m tools.demo_calibrate /work/shared/data/coinmetrics --write \
        --report docs/demo-market.md

Steps
-----
1. Read every ``<asset>.csv`` with :mod:`rotation_addin.data.csv_import` (``rndr`` -> RENDER).
2. Market (BTC): GARCH(1,1) with Student-t innovations fitted by maximum likelihood on the
   whole BTC history (shape: alpha, beta, dof); daily volatility from the alt window.
3. Each alt: OLS beta to BTC and daily vol over its own days; GARCH-t fitted by maximum
   likelihood on its market residual ``r - beta * r_btc`` (series shorter than a year take
   the median shape of the long series).
4. Residual correlation: the mean cross-sector residual correlation becomes the alt-factor
   share; each sector's within-sector mean minus it becomes the sector's extra share.
5. Simulation refinement: the stress multipliers are chosen on a grid to match stressed and
   normal pairwise correlation; then vol and beta are rescaled so the simulator (regimes,
   stress days and episodes included) reproduces each asset's real vol and beta on average
   over several seeds.
6. Table refit (:mod:`tools.demo_refit`): stress-day alt-factor multiplier,
   per-sector alt-factor shares and BTC's tail thickness, matched to the statistics of
   :data:`stats.TABLE_STATISTICS` whose real sampling bands ``docs/demo-market.md`` shows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rotation_addin.core.universe import Universe
from rotation_addin.data.atomic import atomic_write_text
from rotation_addin.data.csv_import import import_csv_folder, read_series_csv
from rotation_addin.data.demo import stats
from rotation_addin.data.demo.models import DemoParameters
from rotation_addin.data.demo.simulator import DEFAULT_DAYS, DEFAULT_SEED, DemoMarket
from rotation_addin.data.universe_io import default_universe

PARAMS_PATH = Path(__file__).resolve().parents[1] / "rotation_addin" / "data" / "demo" / "params.py"
SHORT_SERIES_DAYS = 365
DOF_FLOOR = 4.0
"""Student-t dof are floored here so the fourth moment (kurtosis) of the innovations exists."""
MIN_FIT_DAYS = 60
REFINE_SEEDS = tuple(range(101, 125))
COMPARE_SEEDS = tuple(range(1, 17))
BAND_BLOCK_DAYS = 20
BAND_RESAMPLES = 1000
STRESS_GRID_IDIO = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
STRESS_GRID_BETA = (1.0, 1.15, 1.3, 1.5)


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


# ---------------------------------------------------------------------------- simulation


def simulated_close(
    parameters: DemoParameters, seed: int, bases: Sequence[str], days: int = DEFAULT_DAYS
) -> pd.DataFrame:
    """Daily closes of ``bases`` from the simulator (exactly what ``daily_candles`` returns)."""
    market = DemoMarket(seed=seed, days=days, end=dt.date(2025, 1, 1), parameters=parameters)
    return market.daily_frame("close")[list(bases)]


def _sim_asset_stats(
    parameters: DemoParameters, real: RealMarket, seeds: Sequence[str | int]
) -> pd.DataFrame:
    frames = []
    for seed in seeds:
        close = simulated_close(parameters, int(seed), list(real.close.columns))
        frames.append(stats.asset_statistics(stats.log_returns(close), real.universe.benchmark))
    return pd.concat(frames).groupby(level=0).mean()


def _stress_variance_share(real: RealMarket) -> float:
    """Share of BTC's squared returns that falls on its worst-decile days (real window)."""
    r = stats.log_returns(real.window)[real.universe.benchmark].dropna()
    stress = r <= r.quantile(stats.STRESS_QUANTILE)
    return float((r[stress] ** 2).sum() / (r**2).sum())


def _stress_search(
    parameters: DemoParameters, real: RealMarket, seeds: Sequence[int]
) -> DemoParameters:
    """Grid search of the stress multipliers matching stressed and normal pair correlation.

    A stress beta multiplier ``c`` raises the measured (OLS) beta by about ``1 + w (c - 1)``
    where ``w`` is the stress days' share of market variance; candidate betas are divided by
    that so the grid compares like with like (the later refinement removes what is left).
    """
    target = stats.stress_correlation(stats.log_returns(real.window), real.universe.benchmark)
    share = _stress_variance_share(real)
    best: tuple[float, DemoParameters] | None = None
    for idio in STRESS_GRID_IDIO:
        for beta_mult in STRESS_GRID_BETA:
            stress = dict(parameters.stress, idio_multiplier=idio, beta_multiplier=beta_mult)
            scale = 1.0 + share * (beta_mult - 1.0)
            assets = {
                b: dict(v, beta=round(float(v["beta"]) / scale, 4))
                for b, v in parameters.assets.items()
            }
            trial = parameters.replace(stress=stress, assets=assets)
            values = []
            for seed in seeds:
                close = simulated_close(trial, seed, list(real.close.columns))
                values.append(
                    stats.stress_correlation(stats.log_returns(close), real.universe.benchmark)
                )
            s = float(np.median([v["stress_pair_corr"] for v in values]))
            n = float(np.median([v["normal_pair_corr"] for v in values]))
            loss = (s - target["stress_pair_corr"]) ** 2 + (n - target["normal_pair_corr"]) ** 2
            if best is None or loss < best[0]:
                best = (loss, trial)
    assert best is not None
    return best[1]


def _sim_residual_corr(
    parameters: DemoParameters, real: RealMarket, seeds: Sequence[int]
) -> dict[str, float]:
    values = []
    for seed in seeds:
        close = simulated_close(parameters, seed, list(real.close.columns))
        values.append(
            stats.residual_correlations(
                stats.log_returns(close), real.universe.benchmark, real.sectors
            )
        )
    return {str(k): float(v) for k, v in pd.DataFrame(values).median().items()}


def _refine_correlation(
    parameters: DemoParameters, real: RealMarket, seeds: Sequence[int]
) -> DemoParameters:
    """Rescale the alt-wide share and shift sector extras toward the real residual corr."""
    target = stats.residual_correlations(
        stats.log_returns(real.window), real.universe.benchmark, real.sectors
    )
    sim = _sim_residual_corr(parameters, real, seeds)
    alt = dict(parameters.alt_factor)
    old_share = float(alt["residual_corr"])
    if sim["_cross"] > 0:
        alt["residual_corr"] = round(min(old_share * target["_cross"] / sim["_cross"], 0.8), 4)
    sectors = {k: dict(v) for k, v in parameters.sectors.items()}
    for sector, entry in sectors.items():
        if sector in target and sector in sim and np.isfinite(target[sector]):
            gap = (target[sector] - sim[sector]) - (target["_cross"] - sim["_cross"])
            entry["residual_corr"] = round(max(float(entry["residual_corr"]) + gap, 0.0), 4)
    return parameters.replace(alt_factor=alt, sectors=sectors)


def refine(
    parameters: DemoParameters,
    real: RealMarket,
    seeds: Sequence[int] = REFINE_SEEDS,
    rounds: int = 2,
) -> DemoParameters:
    """Step 5: stress multipliers on a grid, correlation shares, then vol/beta rescaled."""
    parameters = _stress_search(parameters, real, seeds[:8])
    for _ in range(rounds + 1):
        parameters = _refine_correlation(parameters, real, seeds)
    return rescale_vol_beta(parameters, real, seeds, rounds)


def rescale_vol_beta(
    parameters: DemoParameters, real: RealMarket, seeds: Sequence[int], rounds: int = 2
) -> DemoParameters:
    """Rescale each asset's vol and shift its beta so the simulated averages match the real."""
    target = stats.asset_statistics(stats.log_returns(real.window), real.universe.benchmark)
    bench = real.universe.benchmark
    target_vol = stats.column_dict(target, "daily_vol")
    target_beta = stats.column_dict(target, "beta")
    for _ in range(rounds):
        sim = _sim_asset_stats(parameters, real, seeds)
        sim_vol = stats.column_dict(sim, "daily_vol")
        sim_beta = stats.column_dict(sim, "beta")
        assets = {b: dict(v) for b, v in parameters.assets.items()}
        for base, entry in assets.items():
            ratio = target_vol[base] / sim_vol[base]
            entry["daily_vol"] = round(float(entry["daily_vol"]) * ratio, 5)
            shift = target_beta[base] - sim_beta[base]
            entry["beta"] = round(float(entry["beta"]) + shift, 4)
        market = dict(parameters.market)
        market["daily_vol"] = round(market["daily_vol"] * target_vol[bench] / sim_vol[bench], 5)
        parameters = parameters.replace(assets=assets, market=market)
    return parameters


# ---------------------------------------------------------------------------- comparison


STAT_LABELS: dict[str, str] = {
    "btc_daily_vol": "BTC daily vol (s.d. of log returns)",
    "btc_excess_kurtosis": "BTC excess kurtosis",
    "btc_acf_abs": "BTC vol clustering: mean ACF of abs(r), lags 1-10",
    "alt_median_daily_vol": "alts: median daily vol",
    "alt_median_excess_kurtosis": "alts: median excess kurtosis",
    "alt_median_acf_sq_1": "alts: median lag-1 ACF of r^2",
    "alt_median_acf_abs": "alts: median mean ACF of abs(r), lags 1-10",
    "alt_median_beta": "alts: median beta to BTC",
    "alt_median_corr_btc": "alts: median correlation to BTC",
    "residual_corr_within_sector": "residual corr. (BTC removed), same sector",
    "residual_corr_cross_sector": "residual corr. (BTC removed), different sectors",
    "stress_pair_corr": "mean pair corr. on BTC's worst-decile days",
    "normal_pair_corr": "mean pair corr. on the other days",
    "neg_rel_corr_render_compute": (
        "share of 30-d windows, render vs compute member pairs, BTC-relative corr. < 0"
    ),
    "below_minus_0_2_rel_corr_render_compute": "same, corr. < -0.2 (hedge flag)",
}


def default_seed_check(
    parameters: DemoParameters, real: RealMarket, seed: int = DEFAULT_SEED
) -> pd.DataFrame:
    """The shipped seed's statistics against :data:`stats.CALIBRATION_BANDS`.

    Columns: ``real``, ``simulated`` (seed ``seed``, 1100 days), ``band`` (text), ``holds``.
    """
    inputs = stats.ComparisonInputs(real.window, real.universe.benchmark, real.sectors)
    real_values = stats.summary_statistics(inputs)
    close = simulated_close(parameters, seed, list(real.close.columns))
    sim_values = stats.summary_statistics(
        stats.ComparisonInputs(close, real.universe.benchmark, real.sectors)
    )
    rows = {
        band.statistic: {
            "real": real_values[band.statistic],
            "simulated": sim_values[band.statistic],
            "band": band.describe(),
            "holds": band.holds(real_values[band.statistic], sim_values[band.statistic]),
        }
        for band in stats.CALIBRATION_BANDS
    }
    return pd.DataFrame.from_dict(rows, orient="index")


def comparison_table(
    parameters: DemoParameters, real: RealMarket, seeds: Sequence[int] = COMPARE_SEEDS
) -> pd.DataFrame:
    """Real vs simulated headline statistics (same bases, same sectors, same code).

    Columns: ``real`` (alt window), ``sim_median``, ``sim_min``, ``sim_max`` over ``seeds``
    (each a 1100-day simulation).
    """
    inputs = stats.ComparisonInputs(real.window, real.universe.benchmark, real.sectors)
    real_values = stats.summary_statistics(inputs)
    sims = []
    for seed in seeds:
        close = simulated_close(parameters, seed, list(real.close.columns))
        sims.append(
            stats.summary_statistics(
                stats.ComparisonInputs(close, real.universe.benchmark, real.sectors)
            )
        )
    sim = pd.DataFrame(sims)
    return pd.DataFrame(
        {
            "real": pd.Series(real_values),
            "sim_median": sim.median(),
            "sim_min": sim.min(),
            "sim_max": sim.max(),
        }
    ).loc[list(real_values)]


def per_asset_table(
    parameters: DemoParameters, real: RealMarket, seeds: Sequence[int] = COMPARE_SEEDS
) -> pd.DataFrame:
    """Per-asset real vs simulated (mean over seeds) vol, excess kurtosis, beta, corr."""
    bench = real.universe.benchmark
    real_stats = stats.asset_statistics(stats.log_returns(real.window), bench)
    sim_stats = _sim_asset_stats(parameters, real, seeds)
    cols = ["daily_vol", "excess_kurtosis", "acf_abs", "beta", "corr_btc"]
    out = pd.concat(
        {"real": real_stats[cols], "sim": sim_stats.loc[real_stats.index, cols]}, axis=1
    )
    return out.swaplevel(axis=1).sort_index(axis=1, level=0, sort_remaining=False)


# ---------------------------------------------------------------------------- output


def render_params_module(
    parameters: DemoParameters, *, command: str, window: str, notes: Sequence[str]
) -> str:
    """Text of ``params.py`` holding ``parameters`` as literals."""
    today = dt.datetime.now(dt.UTC).date().isoformat()

    note_lines = "".join(f"#   - {n}\n" for n in notes) or "#   (none)\n"
    return (
        '"""Fitted parameters of the demo market (generated by calibrate.py; do not edit).\n\n'
        f"Fitted on {today} with::\n\n    {_wrap(command)}\n\n"
        f"Real data window: {window}.\n"
        "Source: Coin Metrics Community Data (CC BY-NC 4.0), read from the folder given on the\n"
        "command line; only these fitted numbers are stored here.\n"
        '"""\n\n'
        "from __future__ import annotations\n\n"
        f"FITTED_ON = {json.dumps(today)}\n"
        "FIT_COMMAND = (\n"
        + "".join(f"    {json.dumps(part)}\n" for part in _split_command(command))
        + ")\n"
        f"DATA_WINDOW = {json.dumps(window)}\n\n"
        "# Notes from the fit:\n" + note_lines + "\n"
        f"MARKET: dict[str, float] = {_literal(parameters.market)}\n\n"
        f"ASSETS: dict[str, dict[str, float | str]] = {_literal(parameters.assets)}\n\n"
        f"SECTORS: dict[str, dict[str, float]] = {_literal(parameters.sectors)}\n\n"
        f"ALT_FACTOR: dict[str, float] = {_literal(parameters.alt_factor)}\n\n"
        f"STRESS: dict[str, float] = {_literal(parameters.stress)}\n\n"
        f"STABLECOIN: dict[str, float] = {_literal(parameters.stablecoin)}\n"
    )


def _split_command(command: str) -> list[str]:
    """``command`` in pieces of at most ~60 characters, split before spaces."""
    parts: list[str] = []
    current = ""
    for word in command.split(" "):
        piece = word if not current else " " + word
        if current and len(current) + len(piece) > 60:
            parts.append(current)
            current = " " + word
        else:
            current += piece
    parts.append(current)
    return parts


def _wrap(command: str) -> str:
    """Command split over two lines at ``--write`` so generated lines stay short."""
    return command.replace(" --write", " \\\n        --write")


def _literal(value: object, indent: int = 0) -> str:
    """Python literal of nested dicts of numbers/text, one key per line (ruff-clean)."""
    if isinstance(value, Mapping):
        pad = " " * (indent + 4)
        items = [f"{pad}{json.dumps(str(k))}: {_literal(v, indent + 4)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return repr(value)
    number = float(round(float(value), 6))  # type: ignore[arg-type]
    return repr(number)


def _fmt(value: float) -> str:
    if not np.isfinite(value):
        return "n/a"
    return f"{value:.3f}"


def table_rows(
    parameters: DemoParameters, real: RealMarket, seeds: Sequence[int] = COMPARE_SEEDS
) -> pd.DataFrame:
    """Rows of the headline table: stored real band, shipped seed, median/min/max over seeds."""
    from rotation_addin.data.demo import table_bands

    def one(seed: int) -> dict[str, float]:
        close = simulated_close(parameters, seed, list(real.close.columns))
        return stats.table_statistics(stats.log_returns(close), real.universe.benchmark,
                                      real.sectors)

    sims = pd.DataFrame([one(s) for s in seeds])
    bands = pd.DataFrame(table_bands.BANDS, index=["real", "low", "high"]).T
    inside = (sims >= bands["low"]) & (sims <= bands["high"])
    rows = bands.assign(shipped=pd.Series(one(DEFAULT_SEED)), median=sims.median(),
                        min=sims.min(), max=sims.max(), seeds_inside=inside.sum())
    rows.attrs["seeds"] = len(seeds)
    rows.attrs["seeds_all_inside"] = int(inside[list(bands.index)].all(axis=1).sum())
    return rows


def render_report(
    parameters: DemoParameters,
    real: RealMarket,
    *,
    command: str,
    seeds: Sequence[int] = COMPARE_SEEDS,
) -> str:
    """Markdown of ``docs/demo-market.md``: model, parameters' provenance, comparison tables."""
    from tools.demo_report import render

    table = comparison_table(parameters, real, seeds)
    assets = per_asset_table(parameters, real, seeds)
    supply_real = (
        stats.stablecoin_statistics(real.supply_usd) if real.supply_usd is not None else None
    )
    supply_sim = pd.DataFrame(
        [
            stats.stablecoin_statistics(
                DemoMarket(seed=s, parameters=parameters, end=dt.date(2025, 1, 1)).macro()[
                    "stablecoin_supply_usd"
                ]
            )
            for s in seeds
        ]
    ).median()
    return render(
        table_rows=table_rows(parameters, real, seeds),
        parameters=parameters,
        real=real,
        table=table,
        bands=default_seed_check(parameters, real),
        assets=assets,
        supply_real=supply_real,
        supply_sim={str(k): float(v) for k, v in supply_sim.items()},
        command=command,
        seeds=seeds,
        labels={**STAT_LABELS, **stats.TABLE_LABELS},
        fmt=_fmt,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: fit, optionally write ``params.py`` and the report."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.demo_calibrate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("folder", type=Path, help="folder of real daily CSVs (Coin Metrics layout)")
    parser.add_argument("--write", action="store_true", help="write the fitted params.py")
    parser.add_argument("--report", type=Path, help="write the comparison markdown here")
    parser.add_argument("--no-refine", action="store_true", help="skip the simulation refinement")
    parser.add_argument("--bands", action="store_true",
                        help="write table_bands.py: real values and block-bootstrap bands")
    args = parser.parse_args(argv)
    command = (
        "python -m tools.demo_calibrate <coinmetrics folder> "
        "--write --report docs/demo-market.md"
    )
    real = load_real_market(args.folder)
    window = (
        f"{real.window.index[0].date()} .. {real.window.index[-1].date()} (alts); "
        f"BTC to {real.close.index[-1].date()}"
    )
    if args.bands:
        from tools.demo_refit import BANDS_PATH_NAME, render_bands_module

        bands = stats.block_bootstrap_bands(
            stats.log_returns(real.window), real.universe.benchmark, real.sectors,
            block_days=BAND_BLOCK_DAYS, resamples=BAND_RESAMPLES,
        )
        path = PARAMS_PATH.with_name(BANDS_PATH_NAME)
        atomic_write_text(path, render_bands_module(real, bands, block_days=BAND_BLOCK_DAYS))
        print(f"wrote {path}")
    if args.write:
        fitted, notes = fit_parameters(real)
        if not args.no_refine:
            from tools.demo_refit import refit_table

            fitted = refit_table(refine(fitted, real), real, REFINE_SEEDS[:12])
        atomic_write_text(
            PARAMS_PATH, render_params_module(fitted, command=command, window=window, notes=notes)
        )
        print(f"wrote {PARAMS_PATH}")
        parameters = fitted
    else:
        parameters = DemoParameters.from_module()
    if args.report:
        atomic_write_text(args.report, render_report(parameters, real, command=command))
        print(f"wrote {args.report}")
    if not args.write and not args.report and not args.bands:
        print(comparison_table(parameters, real).to_string(float_format=lambda v: f"{v:.3f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
