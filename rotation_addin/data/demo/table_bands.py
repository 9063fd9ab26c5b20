"""Real values and sampling bands of the demo table (generated; do not edit).

Generated with::

    python -m tools.demo_calibrate ../shared/data/coinmetrics --bands

from the real daily closes of 2022-01-01 .. 2023-12-15
(Coin Metrics Community Data, CC BY-NC 4.0): each band is the central 95 % of the
statistic over 1000 moving-block bootstrap resamples (20-day blocks) of those days
(``stats.block_bootstrap_bands``). Only these numbers are stored, not the data.
"""

from __future__ import annotations

COMMAND = "python -m tools.demo_calibrate ../shared/data/coinmetrics --bands"
WINDOW = "2022-01-01 .. 2023-12-15"
BENCHMARK = "BTC"
BASES: tuple[str, ...] = (
    "RENDER",
    "THETA",
    "AKT",
    "GLM",
    "RLC",
    "FET",
    "WLD",
    "ARKM",
    "FIL",
    "AR",
    "GRT",
    "BCH",
    "LTC",
    "BTC",
)
SECTORS: dict[str, tuple[str, ...]] = {
    "render": ("RENDER", "THETA",),
    "gpu_compute": ("AKT", "GLM", "RLC",),
    "ai_inference": ("FET", "WLD", "ARKM",),
    "ai_infra": ("FIL", "AR", "GRT",),
    "mining": ("BCH", "LTC",),
    "benchmark": ("BTC",),
}
BANDS: dict[str, tuple[float, float, float]] = {
    "rel_within_minus_cross": (0.0463519, 0.019299, 0.0835894),
    "rel_within_gpu_compute": (0.174652, 0.0921869, 0.28283),
    "btc_acf_sq_1": (0.16536, 0.0134589, 0.36943),
    "btc_corr_all_days": (0.604822, 0.565512, 0.651475),
    "btc_corr_worst_decile": (0.455617, 0.335119, 0.687493),
    "btc_corr_worst_minus_all": (-0.149206, -0.272144, 0.0729271),
    "btc_excess_kurtosis": (6.03869, 3.18036, 8.41745),
    "alt_median_excess_kurtosis": (4.46161, 2.79427, 6.41539),
}
"""statistic -> (real value, band low, band high)."""
