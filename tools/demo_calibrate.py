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

Steps 1-4 are in :mod:`tools.demo_fit`, step 5 and the comparison tables in
:mod:`tools.demo_simulated`, the written ``params.py`` and report in
:mod:`tools.demo_calibrate_output`; every name is importable from here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from rotation_addin.data.atomic import atomic_write_text
from rotation_addin.data.demo import stats
from rotation_addin.data.demo.models import DemoParameters
from tools.demo_calibrate_output import (
    render_params_module,
    render_report,
    table_rows,
)
from tools.demo_fit import (
    DOF_FLOOR,
    MIN_FIT_DAYS,
    SHORT_SERIES_DAYS,
    RealMarket,
    fit_garch_t,
    fit_parameters,
    garch_t_negative_loglik,
    load_real_market,
)
from tools.demo_simulated import (
    COMPARE_SEEDS,
    REFINE_SEEDS,
    STAT_LABELS,
    STRESS_GRID_BETA,
    STRESS_GRID_IDIO,
    comparison_table,
    default_seed_check,
    per_asset_table,
    refine,
    rescale_vol_beta,
    simulated_close,
)

PARAMS_PATH = Path(__file__).resolve().parents[1] / "rotation_addin" / "data" / "demo" / "params.py"
BAND_BLOCK_DAYS = 20
BAND_RESAMPLES = 1000


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


__all__ = [  # the steps live in tools.demo_fit, demo_simulated and demo_calibrate_output
    "BAND_BLOCK_DAYS",
    "BAND_RESAMPLES",
    "COMPARE_SEEDS",
    "DOF_FLOOR",
    "MIN_FIT_DAYS",
    "PARAMS_PATH",
    "REFINE_SEEDS",
    "SHORT_SERIES_DAYS",
    "STAT_LABELS",
    "STRESS_GRID_BETA",
    "STRESS_GRID_IDIO",
    "RealMarket",
    "comparison_table",
    "default_seed_check",
    "fit_garch_t",
    "fit_parameters",
    "garch_t_negative_loglik",
    "load_real_market",
    "main",
    "per_asset_table",
    "refine",
    "render_params_module",
    "render_report",
    "rescale_vol_beta",
    "simulated_close",
    "table_rows",
]


if __name__ == "__main__":
    sys.exit(main())
