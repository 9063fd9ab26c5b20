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
