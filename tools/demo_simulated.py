"""Demo calibration, step 5: simulation refinement, and real vs simulated comparison tables.

Part of :mod:`tools.demo_calibrate` (which documents the steps); import from there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from rotation_addin.data.demo import stats
from rotation_addin.data.demo.models import DemoParameters
from rotation_addin.data.demo.simulator import DEFAULT_DAYS, DEFAULT_SEED, DemoMarket
from tools.demo_fit import RealMarket

REFINE_SEEDS = tuple(range(101, 125))
COMPARE_SEEDS = tuple(range(1, 17))


STRESS_GRID_IDIO = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
STRESS_GRID_BETA = (1.0, 1.15, 1.3, 1.5)


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
