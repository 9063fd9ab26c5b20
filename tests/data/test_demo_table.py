"""The demo market's table statistics lie inside the real data's sampling bands.

Bands: ``rotation_addin/data/demo/table_bands.py``, generated from the real 2022-23 closes by
moving-block bootstrap (the command is in the module). The demo side needs no real data: the
same bases and sectors are simulated and measured with the same code
(``stats.table_statistics``). When ``../shared`` is present, the stored real values are also
re-computed from the data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rotation_addin.core.divergence import divergence, divergence_signals, signal_hit_rate
from rotation_addin.data.demo import DEFAULT_SEED, DemoMarket, stats, table_bands
from rotation_addin.data.demo.models import DemoParameters
from tools.demo_calibrate import COMPARE_SEEDS, simulated_close

SECTORS = {k: list(v) for k, v in table_bands.SECTORS.items()}


def _table(seed: int) -> dict[str, float]:
    close = simulated_close(DemoParameters.from_module(), seed, list(table_bands.BASES))
    return stats.table_statistics(stats.log_returns(close), table_bands.BENCHMARK, SECTORS)


def _outside(values: dict[str, float]) -> list[str]:
    return [f"{k} {values[k]:.3f} not in [{low:.3f}, {high:.3f}]"
            for k, (_real, low, high) in table_bands.BANDS.items()
            if not low <= values[k] <= high]


def test_bands_cover_every_table_statistic() -> None:
    assert tuple(table_bands.BANDS) == stats.TABLE_STATISTICS
    for real, low, high in table_bands.BANDS.values():
        assert low <= real <= high and low < high


def test_shipped_seed_inside_every_band() -> None:
    assert _outside(_table(DEFAULT_SEED)) == []


def test_median_over_16_seeds_inside_every_band() -> None:
    assert len(COMPARE_SEEDS) >= 16
    median = pd.DataFrame([_table(seed) for seed in COMPARE_SEEDS]).median()
    assert _outside({k: float(v) for k, v in median.items()}) == []


def test_stored_real_values_are_the_real_data(coinmetrics_dir: Path) -> None:
    from tools.demo_calibrate import load_real_market

    real = load_real_market(coinmetrics_dir)
    assert tuple(real.close.columns) == table_bands.BASES
    values = stats.table_statistics(stats.log_returns(real.window), real.universe.benchmark,
                                    real.sectors)
    for key, (stored, _low, _high) in table_bands.BANDS.items():
        assert values[key] == pytest.approx(stored, rel=1e-5, abs=1e-9), key


def test_divergence_is_not_a_function_of_momentum() -> None:
    """Away from the injected (documented) episodes, D = z_social - z_chain is uncorrelated
    with 7-day momentum and its signals hit at the rate random days give."""
    market = DemoMarket(seed=DEFAULT_SEED, end=dt.date(2025, 6, 30))
    social, chain = market.sentiment()
    close = market.daily_frame("close")
    returns = np.log(close).diff()
    relative = returns.sub(returns["BTC"], axis=0)
    d = divergence(social, chain, window=30)["divergence"]
    near_episode = pd.DataFrame(False, index=d.index, columns=d.columns)
    for e in market.episodes:
        columns = [d.columns.get_loc(m) for m in market.universe.sectors[e.sector]]
        near_episode.iloc[max(e.day - 45, 0): e.day + 45, columns] = True
    quiet = d.where(~near_episode)
    momentum = relative.rolling(7).sum()
    both = pd.concat({"d": quiet.stack(), "m": momentum.stack()}, axis=1).dropna()
    assert len(both) > 5000
    assert abs(both["d"].corr(both["m"])) < 0.05
    signals = divergence_signals(quiet, first_day_only=True)
    result = signal_hit_rate(signals, relative, horizon_days=10)
    assert result.signals >= 30
    assert abs(result.hit_rate - result.baseline_rate) < 0.1
    assert result.p_value > 0.01
