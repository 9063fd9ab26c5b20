"""Correlation analytics against pandas, NumPy, scikit-learn and hand arithmetic.

The real-data tests read the Coin Metrics daily prices in place (``coinmetrics_dir``).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.covariance import LedoitWolf

from rotation_addin.core.correlation import (
    average_pairwise_correlation,
    correlation_decay_alert,
    correlation_matrix,
    ledoit_wolf_covariance,
    natural_hedges,
    pair_correlation_profile,
    residual_correlation,
    rolling_correlation,
    rolling_pair_correlation,
    sector_betas,
    sector_structure,
    stress_correlation,
)
from rotation_addin.core.errors import InputError
from rotation_addin.core.returns import log_returns, relative_returns, sector_index_returns
from rotation_addin.core.stress import forbes_rigobon_adjust
from rotation_addin.core.universe import Universe

REAL_BASES = ("btc", "rndr", "theta", "akt", "glm", "rlc", "fet", "fil", "ar", "grt", "ltc", "bch")
REAL_UNIVERSE = Universe(
    {
        "render": ("RNDR", "THETA"),
        "gpu_compute": ("AKT", "GLM", "RLC"),
        "ai_inference": ("FET",),
        "ai_infra": ("FIL", "AR", "GRT"),
        "mining": ("LTC", "BCH"),
        "benchmark": ("BTC",),
    }
)


@pytest.fixture(scope="module")
def real_returns(coinmetrics_dir: Path) -> pd.DataFrame:
    """USD log returns of the real daily reference rates, 2022-01-01 .. 2023-12-15."""
    closes = {}
    for base in REAL_BASES:
        frame = pd.read_csv(coinmetrics_dir / f"{base}.csv", parse_dates=["date"])
        closes[base.upper()] = frame.set_index("date")["price_usd"]
    close = pd.DataFrame(closes).loc["2022-01-01":"2023-12-15"]
    return log_returns(close)


@pytest.fixture
def synthetic() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    market = rng.standard_t(4, 400) * 0.03
    data = {
        "BTC": market,
        "A": 1.2 * market + rng.normal(0, 0.02, 400),
        "B": 0.8 * market + rng.normal(0, 0.03, 400),
        "C": -0.5 * market + rng.normal(0, 0.02, 400),
    }
    frame = pd.DataFrame(data, index=pd.date_range("2023-01-01", periods=400, tz="UTC"))
    frame.iloc[50:53, 1] = np.nan  # a gap in A
    frame.iloc[:20, 3] = np.nan  # C lists late
    return frame


@pytest.mark.parametrize("window", [30, 90])
def test_rolling_correlation_equals_pandas(synthetic: pd.DataFrame, window: int) -> None:
    ours = rolling_correlation(synthetic, window)
    expected = synthetic.rolling(window).corr()
    np.testing.assert_allclose(ours.to_numpy(), expected.to_numpy(), atol=1e-10, equal_nan=True)
    assert list(ours.index) == list(expected.index)


def test_rolling_correlation_real_data(real_returns: pd.DataFrame) -> None:
    for frame in (real_returns, relative_returns(real_returns)):
        ours = rolling_correlation(frame, 30)
        expected = frame.rolling(30).corr()
        np.testing.assert_allclose(ours.to_numpy(), expected.to_numpy(), atol=1e-10,
                                   equal_nan=True)


def test_rolling_pair_correlation(synthetic: pd.DataFrame) -> None:
    ours = rolling_pair_correlation(synthetic, "A", "C", 30)
    expected = synthetic["A"].rolling(30).corr(synthetic["C"])
    np.testing.assert_allclose(ours.to_numpy(), expected.to_numpy(), atol=1e-10, equal_nan=True)
    with pytest.raises(InputError, match="window"):
        rolling_pair_correlation(synthetic, "A", "C", 1)
    with pytest.raises(InputError, match="second"):
        rolling_pair_correlation(synthetic, "A", "ZZZ", 30)


@pytest.mark.parametrize("window", [None, 60])
def test_correlation_matrix_equals_pandas(synthetic: pd.DataFrame, window: int | None) -> None:
    frame = synthetic if window is None else synthetic.iloc[-window:]
    expected = frame.corr(min_periods=10)
    ours = correlation_matrix(synthetic, window, min_observations=10)
    pd.testing.assert_frame_equal(ours, expected, atol=1e-12)


def test_correlation_matrix_real_data_btc_relative(real_returns: pd.DataFrame) -> None:
    rel = relative_returns(real_returns)
    pd.testing.assert_frame_equal(
        correlation_matrix(rel, 90), rel.iloc[-90:].corr(min_periods=10), atol=1e-12
    )


@pytest.mark.parametrize("assume_centered", [False, True])
def test_ledoit_wolf_matches_sklearn(synthetic: pd.DataFrame, assume_centered: bool) -> None:
    complete = synthetic.dropna()
    reference = LedoitWolf(assume_centered=assume_centered).fit(complete.to_numpy())
    ours = ledoit_wolf_covariance(synthetic, assume_centered=assume_centered)
    assert ours.shrinkage == pytest.approx(reference.shrinkage_, abs=1e-10)
    np.testing.assert_allclose(ours.covariance_daily.to_numpy(), reference.covariance_,
                               rtol=0, atol=1e-10)
    assert ours.observations == len(complete)
    assert ours.warnings and "dropped 23" in ours.warnings[0]
    diag = np.sqrt(np.diag(reference.covariance_))
    np.testing.assert_allclose(ours.correlation.to_numpy(),
                               reference.covariance_ / np.outer(diag, diag), atol=1e-10)


def test_ledoit_wolf_real_data_short_window(real_returns: pd.DataFrame) -> None:
    # many symbols, a 30-day window: the case shrinkage is for
    window = real_returns.iloc[-30:]
    reference = LedoitWolf().fit(window.to_numpy())
    ours = ledoit_wolf_covariance(window)
    assert 0.0 < ours.shrinkage < 1.0
    assert ours.shrinkage == pytest.approx(reference.shrinkage_, abs=1e-10)
    np.testing.assert_allclose(ours.covariance_daily.to_numpy(), reference.covariance_,
                               rtol=0, atol=1e-10)


def test_ledoit_wolf_rejects_too_little_data() -> None:
    with pytest.raises(InputError, match="returns"):
        ledoit_wolf_covariance(pd.DataFrame({"A": [0.1, np.nan], "B": [np.nan, 0.2]}))


def test_forbes_rigobon_by_hand() -> None:
    # rho = 0.5, delta = 1 -> 0.5 / sqrt(1 + 1 * 0.75) = 0.5 / 1.3228757 = 0.3779645
    assert forbes_rigobon_adjust(0.5, 1.0) == pytest.approx(0.3779645, abs=1e-7)
    # delta = 0 (same variance) leaves rho unchanged
    assert forbes_rigobon_adjust(0.42, 0.0) == pytest.approx(0.42)


def test_stress_correlation_against_numpy(synthetic: pd.DataFrame) -> None:
    result = stress_correlation(synthetic, "BTC", 0.10, k_sigma=2.0)
    btc = synthetic["BTC"].to_numpy()
    threshold = np.quantile(btc, 0.10)
    stress = btc <= threshold
    assert result.threshold_return == pytest.approx(threshold)
    assert result.stress_days == int(stress.sum()) == 40
    delta = btc[stress].var(ddof=1) / btc[~stress].var(ddof=1) - 1.0
    assert result.benchmark_variance_ratio == pytest.approx(delta + 1.0)
    row = result.table.loc[("B", "BTC")]
    rho_stress = np.corrcoef(synthetic["B"].to_numpy()[stress], btc[stress])[0, 1]
    rho_normal = np.corrcoef(synthetic["B"].to_numpy()[~stress], btc[~stress])[0, 1]
    assert row["stress_corr"] == pytest.approx(rho_stress, abs=1e-12)
    assert row["normal_corr"] == pytest.approx(rho_normal, abs=1e-12)
    assert row["stress_corr_adjusted"] == pytest.approx(
        rho_stress / math.sqrt(1 + delta * (1 - rho_stress**2)), abs=1e-12
    )
    # co-crash by hand: both below -2 sigma (own full-sample sigma, ddof=1)
    b = synthetic["B"].to_numpy()
    crash_b = b < -2 * b.std(ddof=1)
    crash_m = btc < -2 * btc.std(ddof=1)
    assert row["co_crash_rate"] == pytest.approx((crash_b & crash_m).mean())
    assert row["co_crash_expected"] == pytest.approx(crash_b.mean() * crash_m.mean())
    assert len(result.table) == 3 + 3  # 3 assets with BTC + 3 pairs among them


def test_stress_correlation_validation(synthetic: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="quantile"):
        stress_correlation(synthetic, quantile=0.9)
    with pytest.raises(InputError, match="benchmark"):
        stress_correlation(synthetic, benchmark="ETH")
    with pytest.raises(InputError, match="k_sigma"):
        stress_correlation(synthetic, k_sigma=0)


def test_co_crash_small_case() -> None:
    # 20 days; both crash together on days 0 and 1. sigma(x, ddof=1) ~ 0.09, so -2 sigma
    # ~ -0.18: only the two big days are crashes, for x and for 2x alike.
    small = [0.01, -0.01, 0.02, -0.02, 0.01, 0.0, 0.01, -0.01, 0.02] * 2
    x = np.array([-0.30, -0.25, *small])
    frame = pd.DataFrame({"BTC": x, "A": x * 2})
    result = stress_correlation(frame, quantile=0.1, k_sigma=2.0, pairs=[("A", "BTC")])
    # rate = 2/20 = 0.1 ; independence predicts (2/20) * (2/20) = 0.01 ; ratio 10
    row = result.table.loc[("A", "BTC")]
    assert row["co_crash_rate"] == pytest.approx(0.1)
    assert row["co_crash_expected"] == pytest.approx(0.01)
    assert row["co_crash_ratio"] == pytest.approx(10.0)
    assert result.stress_days == 2 and result.warnings  # too few stress days is flagged


def test_average_pairwise_correlation_matches_pandas(synthetic: pd.DataFrame) -> None:
    ours = average_pairwise_correlation(synthetic, 30)
    rolled = synthetic.rolling(30).corr()
    upper = np.triu(np.ones((4, 4), dtype=bool), k=1)
    for day in synthetic.index[[10, 40, 60, 120, 399]]:
        values = rolled.loc[day].to_numpy()[upper]
        expected = np.nanmean(values) if np.isfinite(values).any() else np.nan
        assert ours.loc[day] == pytest.approx(expected, abs=1e-10, nan_ok=True)


def test_correlation_decay_alert_by_hand() -> None:
    series = pd.Series([0.6] * 9 + [0.3])
    # baseline over 10 values = (9*0.6 + 0.3)/10 = 0.57 ; change = 0.3 - 0.57 = -0.27
    alert = correlation_decay_alert(series, baseline_days=10, threshold=0.15)
    assert alert.baseline == pytest.approx(0.57)
    assert alert.change == pytest.approx(-0.27)
    assert alert.state == "decay"
    assert correlation_decay_alert(series, baseline_days=10, threshold=0.3).state == "stable"
    up = pd.Series([0.2] * 9 + [0.9])
    assert correlation_decay_alert(up, baseline_days=10).state == "surge"
    with pytest.raises(InputError, match="at least 10"):
        correlation_decay_alert(series.iloc[:5], baseline_days=10)
    with pytest.raises(InputError, match="threshold"):
        correlation_decay_alert(series, baseline_days=5, threshold=0.0)


def test_natural_hedges() -> None:
    labels = ["A", "B", "C"]
    corr = pd.DataFrame(
        [[1.0, -0.5, 0.1], [-0.5, 1.0, -0.25], [0.1, -0.25, 1.0]], index=labels, columns=labels
    )
    hedges = natural_hedges(corr, -0.2)
    assert [(h.first, h.second, h.correlation) for h in hedges] == [
        ("A", "B", -0.5),
        ("B", "C", -0.25),
    ]
    assert natural_hedges(corr, -0.5) == []  # strictly below
    with pytest.raises(InputError, match="threshold"):
        natural_hedges(corr, -2.0)


def test_sector_betas_against_numpy_regression(real_returns: pd.DataFrame) -> None:
    betas = sector_betas(real_returns, REAL_UNIVERSE)
    index = sector_index_returns(real_returns.drop(columns="BTC"), REAL_UNIVERSE)
    for name, series in [("render", index["render"]), ("AKT", real_returns["AKT"])]:
        both = pd.concat([series, real_returns["BTC"]], axis=1).dropna().to_numpy()
        y, x = both[:, 0], both[:, 1]
        design = np.column_stack([np.ones_like(x), x])
        coef, ssr, *_ = np.linalg.lstsq(design, y, rcond=None)
        row = betas.loc[name]
        assert row["beta"] == pytest.approx(coef[1], abs=1e-10)
        assert row["r_squared"] == pytest.approx(np.corrcoef(x, y)[0, 1] ** 2, abs=1e-10)
        assert row["residual_vol_daily"] == pytest.approx(math.sqrt(ssr[0] / (len(y) - 2)))
        assert row["residual_vol_annual"] == pytest.approx(row["residual_vol_daily"] * 365**0.5)
    assert betas.loc["render", "kind"] == "sector" and betas.loc["AKT", "sector"] == "gpu_compute"
    assert "BTC" not in betas.index
    # the market factor dominates: every sector index has R^2 well above zero
    sectors = betas[betas["kind"] == "sector"]
    assert (sectors["r_squared"] > 0.3).all()


def test_residual_correlation_against_pandas(real_returns: pd.DataFrame) -> None:
    ours = residual_correlation(real_returns, "BTC")
    residuals = {}
    for name in real_returns.columns.drop("BTC"):
        both = real_returns[[name, "BTC"]].dropna()
        slope, intercept = np.polyfit(both["BTC"], both[name], 1)
        residuals[name] = real_returns[name] - intercept - slope * real_returns["BTC"]
    expected = pd.DataFrame(residuals).corr(min_periods=30)
    pd.testing.assert_frame_equal(ours, expected, atol=1e-9)
    # residual correlation with BTC itself is zero by construction of OLS
    assert abs(np.corrcoef(pd.DataFrame(residuals)["AKT"].dropna(),
                           real_returns.loc[real_returns["AKT"].notna(), "BTC"])[0, 1]) < 1e-9


def test_sector_structure_by_hand() -> None:
    u = Universe({"s1": ("A", "B"), "s2": ("C",), "benchmark": ("BTC",)})
    labels = ["A", "B", "C", "BTC"]
    corr = pd.DataFrame(
        [[1, 0.6, 0.2, 0.9], [0.6, 1, 0.0, 0.9], [0.2, 0.0, 1, 0.9], [0.9, 0.9, 0.9, 1]],
        index=labels, columns=labels, dtype=float,
    )
    result = sector_structure(corr, u)
    # intra: A-B = 0.6 ; inter: A-C = 0.2, B-C = 0.0 -> 0.1 ; BTC ignored
    assert result.intra_sector_mean == pytest.approx(0.6)
    assert result.inter_sector_mean == pytest.approx(0.1)
    assert result.gap == pytest.approx(0.5)
    assert (result.intra_pairs, result.inter_pairs) == (1, 2)


def test_pair_correlation_profile(synthetic: pd.DataFrame) -> None:
    profile = pair_correlation_profile(synthetic["A"], synthetic["C"], 30)
    rolled = synthetic["A"].rolling(30).corr(synthetic["C"]).dropna()
    assert profile.windows == len(rolled)
    assert profile.share_negative == pytest.approx((rolled < 0).mean())
    assert profile.minimum == pytest.approx(rolled.min(), abs=1e-10)
    assert profile.minimum_date == rolled.idxmin()
    assert profile.median == pytest.approx(rolled.median(), abs=1e-10)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(min_value=3, max_value=60),
    p=st.integers(min_value=1, max_value=12),
    seed=st.integers(min_value=0, max_value=2**31 - 1),
    assume_centered=st.booleans(),
)
def test_ledoit_wolf_matches_sklearn_on_any_shape(
    n: int, p: int, seed: int, assume_centered: bool
) -> None:
    # includes p > n (more symbols than days), the case shrinkage exists for
    x = np.random.default_rng(seed).standard_t(3, size=(n, p)) * 0.05
    reference = LedoitWolf(assume_centered=assume_centered).fit(x)
    ours = ledoit_wolf_covariance(pd.DataFrame(x), assume_centered=assume_centered)
    assert 0.0 <= ours.shrinkage <= 1.0
    assert ours.shrinkage == pytest.approx(reference.shrinkage_, abs=1e-10)
    np.testing.assert_allclose(ours.covariance_daily.to_numpy(), reference.covariance_,
                               rtol=1e-9, atol=1e-12)
    assert np.linalg.eigvalsh(ours.covariance_daily.to_numpy()).min() >= -1e-15


@settings(max_examples=25, deadline=None)
@given(rho=st.floats(-1.0, 1.0), delta=st.floats(-0.99, 50.0))
def test_forbes_rigobon_stays_a_correlation(rho: float, delta: float) -> None:
    adjusted = forbes_rigobon_adjust(rho, delta)
    assert -1.0 - 1e-12 <= adjusted <= 1.0 + 1e-12
    assert adjusted * rho >= 0.0  # same sign (or underflow to 0)
    # more variance under stress (delta > 0) can only shrink the magnitude
    if delta > 0:
        assert abs(adjusted) <= abs(rho) + 1e-15


def test_sector_betas_sectors_only_are_the_same_sector_rows(real_returns: pd.DataFrame) -> None:
    full = sector_betas(real_returns, REAL_UNIVERSE)
    sectors = sector_betas(real_returns, REAL_UNIVERSE, assets=False)
    assert (sectors["kind"] == "sector").all() and len(sectors) > 0
    pd.testing.assert_frame_equal(sectors, full[full["kind"] == "sector"], check_exact=True)
