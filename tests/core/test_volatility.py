"""Volatility estimators against their pandas/NumPy equivalents, on real and synthetic data."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from rotation_addin.core.errors import InputError
from rotation_addin.core.volatility import (
    annualise,
    average_true_range,
    close_to_close_vol,
    ewma_vol,
    garman_klass_vol,
    log_returns,
    parkinson_vol,
    true_range,
    volatility_estimate,
)


@pytest.fixture(scope="module")
def btc_close(coinmetrics_dir: Path) -> pd.Series:
    frame = pd.read_csv(coinmetrics_dir / "btc.csv", parse_dates=["date"])
    return frame.set_index("date")["price_usd"].astype(float)


def synthetic_ohlc(n: int = 400, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.04, n)))
    open_ = np.concatenate([[100.0], close[:-1]]) * np.exp(rng.normal(0, 0.005, n))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.02, n)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.02, n)))
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close})


def test_close_to_close_matches_pandas_on_real_btc(btc_close: pd.Series) -> None:
    expected_all = np.log(btc_close).diff().dropna().std()
    expected_30 = np.log(btc_close).diff().dropna().tail(30).std()
    assert close_to_close_vol(btc_close) == pytest.approx(expected_all, rel=1e-12)
    assert close_to_close_vol(btc_close.to_numpy(), window=30) == pytest.approx(expected_30,
                                                                                rel=1e-12)
    # sanity on the real series: BTC daily sigma 2022-2025 is a few percent
    assert 0.015 < close_to_close_vol(btc_close) < 0.05


def test_ewma_matches_pandas_ewm_on_real_btc(btc_close: pd.Series) -> None:
    r2 = np.log(btc_close).diff().dropna() ** 2
    expected = math.sqrt(r2.ewm(alpha=1 - 0.94, adjust=False).mean().iloc[-1])
    assert ewma_vol(btc_close) == pytest.approx(expected, rel=1e-10)
    expected_97 = math.sqrt(r2.ewm(alpha=0.03, adjust=False).mean().iloc[-1])
    assert ewma_vol(list(btc_close), lam=0.97) == pytest.approx(expected_97, rel=1e-10)


def test_ewma_recursion_by_hand() -> None:
    # closes 100, 110, 99: r1 = ln 1.1 = 0.0953102, r2 = ln 0.9 = -0.1053605
    # sigma^2 = 0.94 * r1^2 + 0.06 * r2^2 = 0.94*0.00908403 + 0.06*0.01110084 = 0.00920504
    assert ewma_vol([100, 110, 99]) == pytest.approx(math.sqrt(0.00920504), rel=1e-6)


def test_range_estimators_match_numpy() -> None:
    ohlc = synthetic_ohlc()
    o, h, lo, c = (ohlc[k] for k in ("open", "high", "low", "close"))
    parkinson = np.sqrt((np.log(h / lo) ** 2).mean() / (4 * np.log(2)))
    gk = np.sqrt((0.5 * np.log(h / lo) ** 2 - (2 * np.log(2) - 1) * np.log(c / o) ** 2).mean())
    assert parkinson_vol(h, lo) == pytest.approx(parkinson, rel=1e-12)
    assert garman_klass_vol(o, h, lo, c) == pytest.approx(gk, rel=1e-12)


def test_parkinson_by_hand() -> None:
    # one bar, H/L = e^0.1: sigma^2 = 0.01 / (4 ln 2) = 0.0036067 -> sigma = 0.060056
    assert parkinson_vol([math.exp(0.1)], [1.0]) == pytest.approx(0.0600561, rel=1e-6)


def test_atr_matches_pandas_wilder() -> None:
    ohlc = synthetic_ohlc(60)
    h, lo, c = ohlc["high"], ohlc["low"], ohlc["close"]
    tr = pd.concat([h - lo, (h - c.shift()).abs(), (lo - c.shift()).abs()], axis=1).max(axis=1)
    tr = tr.iloc[1:]
    np.testing.assert_allclose(true_range(h, lo, c), tr.to_numpy(), rtol=1e-12)
    n = 14
    seeded = pd.concat([pd.Series([tr.iloc[:n].mean()]), tr.iloc[n:]], ignore_index=True)
    expected = seeded.ewm(alpha=1 / n, adjust=False).mean().iloc[-1]
    assert average_true_range(h, lo, c, n) == pytest.approx(expected, rel=1e-12)


def test_atr_by_hand() -> None:
    # bars (H, L, C): (11, 9, 10), (12, 10, 11), (11.5, 8, 9), (10, 9, 9.5); window 2
    # TR1 = max(2, |12-10|, |10-10|) = 2; TR2 = max(3.5, |11.5-11|, |8-11|) = 3.5;
    # TR3 = max(1, |10-9|, |9-9|) = 1. Seed = (2 + 3.5)/2 = 2.75; ATR = (2.75*1 + 1)/2 = 1.875
    assert average_true_range([11, 12, 11.5, 10], [9, 10, 8, 9], [10, 11, 9, 9.5], 2) == 1.875


def test_annualise_uses_365_days() -> None:
    assert annualise(0.02) == pytest.approx(0.02 * math.sqrt(365))
    with pytest.raises(InputError, match="daily_sigma"):
        annualise(-0.1)


def test_volatility_estimate_bundles_everything() -> None:
    ohlc = synthetic_ohlc()
    est = volatility_estimate(ohlc["open"], ohlc["high"], ohlc["low"], ohlc["close"])
    assert est.observations == 400
    assert est.close_to_close_daily_sigma == pytest.approx(close_to_close_vol(ohlc["close"]))
    assert est.ewma_annual_sigma == pytest.approx(ewma_vol(ohlc["close"]) * math.sqrt(365))
    assert est.atr_usd is not None and est.atr_fraction_of_close is not None
    assert est.daily_sigma("parkinson") == est.parkinson_daily_sigma
    with pytest.raises(InputError, match="estimator"):
        est.daily_sigma("yang-zhang")
    short = volatility_estimate([1, 2, 3], [1.5, 2.5, 3.5], [0.9, 1.9, 2.9], [1.2, 2.2, 3.2])
    assert short.atr_usd is None
    assert any("noisy" in w for w in short.warnings)


BAD_SERIES: list[tuple[Any, str]] = [
    ([100.0, float("nan"), 101.0], "close"),
    ([100.0, float("inf"), 101.0], "close"),
    ([100.0, -1.0, 101.0], "close"),
    ([100.0, 0.0, 101.0], "close"),
    ([True, False, True], "close"),
    ("100,101,102", "close"),
    (["a", "b", "c"], "close"),
    ([100.0], "close"),  # too short
    (np.ones((3, 2)), "close"),
    (None, "close"),
]


@pytest.mark.parametrize(("series", "field"), BAD_SERIES)
def test_invalid_series_name_the_field(series: Any, field: str) -> None:
    with pytest.raises(InputError) as info:
        close_to_close_vol(series)
    assert info.value.field == field
    with pytest.raises(InputError):
        ewma_vol(series)


def test_invalid_parameters() -> None:
    closes = [100, 101, 102, 103, 104]
    with pytest.raises(InputError, match="window"):
        close_to_close_vol(closes, window=10)
    with pytest.raises(InputError, match="window"):
        close_to_close_vol(closes, window=True)
    with pytest.raises(InputError, match="lam"):
        ewma_vol(closes, lam=1.0)
    with pytest.raises(InputError, match="lam"):
        ewma_vol(closes, lam=float("nan"))
    with pytest.raises(InputError, match="low"):
        parkinson_vol([10, 11], [11, 10])  # low above high on bar 0
    with pytest.raises(InputError, match="low"):
        parkinson_vol([10, 11], [9])
    with pytest.raises(InputError, match="open"):
        garman_klass_vol([12], [11], [9], [10])  # open above high
    with pytest.raises(InputError, match="close"):
        average_true_range([11, 12], [9, 10], [10, 11], 14)


def test_log_returns_match_pandas() -> None:
    closes = pd.Series([100.0, 105.0, 102.0, 110.0])
    expected = pd.Series(np.log(closes.to_numpy())).diff().dropna().to_numpy()
    np.testing.assert_allclose(log_returns(closes), expected)
