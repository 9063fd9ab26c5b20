"""Refit of the demo market to the issue table's statistics (called by ``calibrate.py``).

After the direct fit and :func:`calibrate.refine`, three simulation-based steps bring the
statistics of :data:`stats.TABLE_STATISTICS` to the real values (median over seeds):

1. stress days: the alt-factor multiplier and the idiosyncratic multiplier (beta multiplier
   1) on a grid, matching the alts' correlation with BTC and between themselves on BTC's
   worst-decile days and on the others -- in real data alts crash *together* more than BTC
   explains, so alt-alt correlation rises while alt-BTC correlation falls;
2. per-sector alt-factor shares (``SECTORS[k]["alt_share"]``, sector extras 0) moved toward
   each sector's real BTC-relative within-sector correlation;
3. a share ``x`` moved from every sector's alt-factor loading to its own sector factor (grid),
   matching the within- minus cross-sector gap (within stays, cross falls by about ``x``);
4. the BTC innovations' degrees of freedom on a grid, matching BTC's excess kurtosis.

Each step is followed by the per-asset vol/beta rescale of :func:`calibrate.refine`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rotation_addin.data.demo import stats
from rotation_addin.data.demo.models import DemoParameters

if TYPE_CHECKING:
    from tools.demo_calibrate import RealMarket

ALT_MULTIPLIERS = (1.0, 1.4, 1.8, 2.2, 2.6, 3.0)
IDIO_MULTIPLIERS = (0.7, 0.85, 1.0, 1.2)
BTC_DOF_GRID = (4.0, 4.5, 5.0, 6.0, 8.0)
SECTOR_SPLIT_GRID = (0.0, 0.01, 0.02, 0.03, 0.04)
SHARE_ROUNDS = 3


def _sim_table(
    parameters: DemoParameters, real: RealMarket, seeds: Sequence[int]
) -> pd.DataFrame:
    from tools.demo_calibrate import simulated_close

    rows = []
    for seed in seeds:
        returns = stats.log_returns(simulated_close(parameters, seed, list(real.close.columns)))
        row = stats.table_statistics(returns, real.universe.benchmark, real.sectors)
        row.update(stats.stress_correlation(returns, real.universe.benchmark))
        per_sector, _, _ = stats._relative_pair_means(
            returns, real.universe.benchmark, real.sectors
        )
        row.update({f"within_{k}": v for k, v in per_sector.items()})
        rows.append(row)
    return pd.DataFrame(rows)


def _real_table(real: RealMarket) -> dict[str, float]:
    returns = stats.log_returns(real.window)
    row = stats.table_statistics(returns, real.universe.benchmark, real.sectors)
    row.update(stats.stress_correlation(returns, real.universe.benchmark))
    per_sector, _, _ = stats._relative_pair_means(returns, real.universe.benchmark, real.sectors)
    row.update({f"within_{k}": v for k, v in per_sector.items()})
    return row


def _loss(sim: pd.DataFrame, target: dict[str, float], keys: Sequence[str]) -> float:
    median = sim.median()
    return float(sum((median[k] - target[k]) ** 2 for k in keys))


def fit_stress(
    parameters: DemoParameters, real: RealMarket, seeds: Sequence[int]
) -> DemoParameters:
    """Step 1: stress multipliers on the grid (beta multiplier 1)."""
    target = _real_table(real)
    keys = ("btc_corr_all_days", "btc_corr_worst_decile", "stress_pair_corr", "normal_pair_corr")
    best: tuple[float, DemoParameters] | None = None
    for alt in ALT_MULTIPLIERS:
        for idio in IDIO_MULTIPLIERS:
            stress = dict(parameters.stress, beta_multiplier=1.0, idio_multiplier=idio,
                          alt_factor_multiplier=alt)
            trial = parameters.replace(stress=stress)
            loss = _loss(_sim_table(trial, real, seeds), target, keys)
            if best is None or loss < best[0]:
                best = (loss, trial)
    assert best is not None
    return best[1]


def fit_alt_shares(
    parameters: DemoParameters, real: RealMarket, seeds: Sequence[int]
) -> DemoParameters:
    """Step 2: per-sector alt-factor shares toward the real BTC-relative within correlation."""
    target = _real_table(real)
    default = float(parameters.alt_factor["residual_corr"])
    sectors = {k: dict(v, residual_corr=0.0) for k, v in parameters.sectors.items()}
    for entry in sectors.values():
        entry.setdefault("alt_share", default)
    current = parameters.replace(sectors=sectors)
    for _ in range(SHARE_ROUNDS):
        median = _sim_table(current, real, seeds).median()
        sectors = {k: dict(v) for k, v in current.sectors.items()}
        for sector, entry in sectors.items():
            key = f"within_{sector}"
            if key in target and key in median and np.isfinite(target[key]):
                share = float(entry["alt_share"]) + (target[key] - float(median[key]))
                entry["alt_share"] = round(min(max(share, 0.02), 0.85), 4)
        fitted = [float(v["alt_share"]) for k, v in sectors.items() if f"within_{k}" in target]
        for sector, entry in sectors.items():  # sectors without real pairs: the mean
            if f"within_{sector}" not in target:
                entry["alt_share"] = round(float(np.mean(fitted)), 4)
        current = current.replace(sectors=sectors)
    return current


def fit_sector_split(
    parameters: DemoParameters, real: RealMarket, seeds: Sequence[int]
) -> DemoParameters:
    """Step 3: move ``x`` of each sector's alt share to its own factor (grid over ``x``)."""
    target = _real_table(real)
    best: tuple[float, DemoParameters] | None = None
    for x in SECTOR_SPLIT_GRID:
        sectors = {k: dict(v) for k, v in parameters.sectors.items()}
        for name, entry in sectors.items():
            if name != "benchmark":
                moved = min(x, float(entry["alt_share"]) - 0.02)
                entry["alt_share"] = round(float(entry["alt_share"]) - moved, 4)
                entry["residual_corr"] = round(moved, 4)
        trial = parameters.replace(sectors=sectors)
        loss = _loss(_sim_table(trial, real, seeds), target, ("rel_within_minus_cross",))
        if best is None or loss < best[0]:
            best = (loss, trial)
    assert best is not None
    return best[1]


def fit_btc_tails(
    parameters: DemoParameters, real: RealMarket, seeds: Sequence[int]
) -> DemoParameters:
    """Step 4: BTC's Student-t degrees of freedom matching its excess kurtosis (median)."""
    target = _real_table(real)
    best: tuple[float, DemoParameters] | None = None
    for dof in BTC_DOF_GRID:
        trial = parameters.replace(market=dict(parameters.market, t_dof=dof))
        loss = _loss(_sim_table(trial, real, seeds), target, ("btc_excess_kurtosis",))
        if best is None or loss < best[0]:
            best = (loss, trial)
    assert best is not None
    return best[1]


def refit_table(
    parameters: DemoParameters, real: RealMarket, seeds: Sequence[int]
) -> DemoParameters:
    """Steps 1-4 of the module docstring, each followed by the vol/beta rescale."""
    from tools.demo_calibrate import rescale_vol_beta

    parameters = rescale_vol_beta(fit_stress(parameters, real, seeds[:8]), real, seeds)
    parameters = rescale_vol_beta(fit_alt_shares(parameters, real, seeds), real, seeds)
    parameters = fit_sector_split(parameters, real, seeds)
    parameters = fit_btc_tails(parameters, real, seeds)
    return rescale_vol_beta(parameters, real, seeds)


BANDS_PATH_NAME = "table_bands.py"
BANDS_COMMAND = (
    "python -m tools.demo_calibrate ../shared/data/coinmetrics --bands"
)


def render_bands_module(real: RealMarket, bands: pd.DataFrame, *, block_days: int) -> str:
    """Text of ``table_bands.py``: the real values and block-bootstrap bands, with provenance."""
    import json

    window = f"{real.window.index[0].date()} .. {real.window.index[-1].date()}"
    rows = "".join(
        f"    {json.dumps(str(k))}: ({float(r['real']):.6g}, {float(r['low']):.6g}, "
        f"{float(r['high']):.6g}),\n"
        for k, r in bands.iterrows()
    )
    sectors = "".join(
        f"    {json.dumps(k)}: ({''.join(json.dumps(b) + ', ' for b in v).rstrip()}),\n"
        for k, v in real.sectors.items() if v
    )
    return (
        '"""Real values and sampling bands of the demo table (generated; do not edit).\n\n'
        f"Generated with::\n\n    {BANDS_COMMAND}\n\nfrom the real daily closes of {window}\n"
        f"(Coin Metrics Community Data, CC BY-NC 4.0): each band is the central 95 % of the\n"
        f"statistic over {int(bands['resamples'].iloc[0])} moving-block bootstrap resamples "
        f"({block_days}-day blocks) of those days\n(``stats.block_bootstrap_bands``). Only "
        "these numbers are stored, not the data.\n"
        '"""\n\n'
        "from __future__ import annotations\n\n"
        f"COMMAND = {json.dumps(BANDS_COMMAND)}\n"
        f"WINDOW = {json.dumps(window)}\n"
        f"BENCHMARK = {json.dumps(real.universe.benchmark)}\n"
        "BASES: tuple[str, ...] = (\n"
        + "".join(f"    {json.dumps(b)},\n" for b in real.close.columns) + ")\n"
        "SECTORS: dict[str, tuple[str, ...]] = {\n" + sectors + "}\n"
        "BANDS: dict[str, tuple[float, float, float]] = {\n" + rows + "}\n"
        '"""statistic -> (real value, band low, band high)."""\n'
    )
