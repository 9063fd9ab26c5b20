"""QA: public core functions reject nonsense with InputError naming the field (never a
ValueError, TypeError or IndexError from deep inside)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rotation_addin.core.errors import InputError
from rotation_addin.core.stress import forbes_rigobon_adjust, stress_correlation


@pytest.mark.parametrize(("rho", "delta", "field"), [
    (2.5, 0.5, "rho"),          # was ValueError: math domain error
    (1e300, 0.5, "rho"),        # was ValueError: math domain error
    ("x", 0.5, "rho"),          # was TypeError
    (None, 0.5, "rho"),         # was TypeError
    (0.5, -1.0, "delta"),       # 1 + delta (1 - rho^2) <= 0 for rho = 0: division by zero
    (0.5, float("inf"), "delta"),
    (0.5, "x", "delta"),
])
def test_forbes_rigobon_rejects_nonsense(rho: object, delta: object, field: str) -> None:
    with pytest.raises(InputError) as info:
        forbes_rigobon_adjust(rho, delta)  # type: ignore[arg-type]
    assert info.value.field == field


def test_forbes_rigobon_reference_values() -> None:
    # rho* = rho / sqrt(1 + delta (1 - rho^2)): 0.6 / sqrt(1 + 1 x 0.64) = 0.6 / 1.28062...
    assert forbes_rigobon_adjust(0.6, 1.0) == pytest.approx(0.6 / math.sqrt(1.64))
    assert forbes_rigobon_adjust(1.0, 3.0) == pytest.approx(1.0)
    assert math.isnan(forbes_rigobon_adjust(float("nan"), 1.0))  # no measure, no adjustment


def test_stress_correlation_without_benchmark_data_is_an_input_error() -> None:
    days = pd.date_range("2026-01-01", periods=40, freq="D", tz="UTC")
    returns = pd.DataFrame({"BTC": np.nan, "RENDER": np.linspace(-0.02, 0.02, 40)}, index=days)
    with pytest.raises(InputError) as info:  # was IndexError from numpy.quantile
        stress_correlation(returns, "BTC")
    assert info.value.field == "returns" and "BTC" in info.value.reason


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"floors": 0}, "floors"),                 # TypeError: object of type 'int' has no len()
    ({"rates": None}, "rates"),
    ({"max_leverages": float("nan")}, "max_leverages"),
    ({"caps": [10_000, float("nan")]}, "caps[-1]"),
    ({"caps": [float("inf"), float("inf")]}, "caps[0]"),
    ({"source": float("nan")}, "source"),
])
def test_build_bracket_table_rejects_nonsense(kwargs: dict[str, object], field: str) -> None:
    from rotation_addin.core.brackets import build_bracket_table

    args: dict[str, object] = {"symbol": "X", "floors": [0, 10_000], "rates": [0.01, 0.02],
                               "max_leverages": [50, 20]}
    args.update(kwargs)
    with pytest.raises(InputError) as info:
        build_bracket_table(**args)  # type: ignore[arg-type]
    assert info.value.field == field


@pytest.mark.parametrize("schedules", ["x", 0, [1], {"a": 1}])
def test_default_bracket_table_rejects_bad_schedules(schedules: object) -> None:
    from rotation_addin.core.brackets import default_bracket_table

    with pytest.raises(InputError) as info:  # was AttributeError / TypeError
        default_bracket_table("BTC", schedules)  # type: ignore[arg-type]
    assert info.value.field == "schedules"


@pytest.mark.parametrize("atr_window", [None, "x", 0, 2.5])
def test_volatility_estimate_rejects_a_bad_atr_window(atr_window: object) -> None:
    from rotation_addin.core.volatility import volatility_estimate

    prices = np.linspace(100.0, 110.0, 40)
    with pytest.raises(InputError) as info:  # was TypeError from a comparison
        volatility_estimate(prices, prices * 1.01, prices * 0.99, prices,
                            atr_window=atr_window)  # type: ignore[arg-type]
    assert info.value.field == "atr_window"


def test_signal_hit_rate_handles_thousands_of_signals() -> None:
    # comb(n, k) * p**k overflowed a float from n ~ 1,030 scored signals: OverflowError
    # ("int too large to convert to float") on a few years of daily signals.
    from scipy.stats import binom

    from rotation_addin.core.divergence import signal_hit_rate

    days = pd.date_range("2020-01-01", periods=3_000, freq="D", tz="UTC")
    rng = np.random.default_rng(7)
    returns = pd.Series(rng.normal(0.001, 0.02, len(days)), index=days, name="render")
    signals = pd.Series(1, index=days, name="render")  # an entry signal every day
    result = signal_hit_rate(signals, returns, horizon_days=1)
    assert result.signals == 2_999  # the last day has no following return
    # independent reference: one-sided binomial tail P(X >= hits) from SciPy
    expected = binom.sf(result.hits - 1, result.signals, result.baseline_rate)
    assert result.p_value == pytest.approx(expected, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize("as_of", ["x", True, float("nan"), float("inf"), 1e300, [1]])
def test_regime_verdict_rejects_a_bad_as_of(as_of: object) -> None:
    # was DateParseError / AttributeError / OutOfBoundsDatetime from pandas
    from rotation_addin.core.regime import regime_verdict
    from rotation_addin.data.demo import demo_dataset

    with pytest.raises(InputError) as info:
        regime_verdict(demo_dataset().macro, as_of=as_of)  # type: ignore[arg-type]
    assert info.value.field == "as_of"


@pytest.mark.parametrize("inputs", ["x", 1.5, [1]])
def test_rank_sectors_rejects_non_sector_inputs(inputs: object) -> None:
    from rotation_addin.core.scores import rank_sectors

    with pytest.raises(InputError) as info:  # was AttributeError / TypeError
        rank_sectors(inputs)  # type: ignore[arg-type]
    assert info.value.field == "inputs"


@pytest.mark.parametrize("positions", [None, "x", [1]])
def test_take_profit_hits_rejects_non_positions(positions: object) -> None:
    from rotation_addin.core.rotation import take_profit_hits

    with pytest.raises(InputError) as info:  # was TypeError / AttributeError
        take_profit_hits(positions, {}, {}, 2.0)  # type: ignore[arg-type]
    assert info.value.field == "positions"


def test_a_column_name_that_is_not_text_is_an_input_error() -> None:
    from rotation_addin.core.correlation import rolling_pair_correlation

    days = pd.date_range("2026-01-01", periods=40, freq="D", tz="UTC")
    returns = pd.DataFrame({"A": np.linspace(0, 1, 40), "B": np.linspace(1, 0, 40)}, index=days)
    with pytest.raises(InputError):  # was TypeError: unhashable type: 'list'
        rolling_pair_correlation(returns, ["A"], "B")  # type: ignore[arg-type]
