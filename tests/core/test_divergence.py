"""Sentiment divergence: z-scores on 5-point series by hand, signals, and the hit rate."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rotation_addin.core.divergence import (
    divergence,
    divergence_signals,
    rolling_zscore,
    signal_hit_rate,
)
from rotation_addin.core.errors import InputError

DAYS = pd.date_range("2024-03-01", periods=10, freq="D", tz="UTC", name="date")


def _counts(logs: list[float]) -> pd.Series:
    """Counts whose ln(1 + count) are exactly ``logs``."""
    return pd.Series(np.expm1(logs), index=DAYS[: len(logs)])


def test_divergence_five_points_by_hand() -> None:
    social = _counts([1, 2, 3, 4, 10])
    chain = _counts([5, 5, 5, 5, 1])
    out = divergence(social, chain, window=3)
    assert list(out.columns) == ["z_social", "z_chain", "divergence"]
    assert out.iloc[:2].isna().all().all()  # fewer than 3 days: undefined
    # day 2: social logs [1, 2, 3] -> mean 2, sd 1 -> z = 1 ; chain constant -> z = 0
    assert out["z_social"].iloc[2] == pytest.approx(1.0)
    assert out["z_chain"].iloc[2] == 0.0
    # day 4: social [3, 4, 10]: mean 17/3, var = (64/9 + 25/9 + 169/9) / 2 = 129/9
    z_social = (10 - 17 / 3) / math.sqrt(129 / 9)  # = 1.14446
    # chain [5, 5, 1]: mean 11/3, var = (16/9 + 16/9 + 64/9) / 2 = 48/9
    z_chain = (1 - 11 / 3) / math.sqrt(48 / 9)  # = -1.15470
    assert out["z_social"].iloc[4] == pytest.approx(z_social, abs=1e-12)
    assert out["z_chain"].iloc[4] == pytest.approx(z_chain, abs=1e-12)
    assert out["divergence"].iloc[4] == pytest.approx(z_social - z_chain, abs=1e-12)
    # FOMO: D = 2.299 >= 2 -> exit signal on day 4
    assert divergence_signals(out["divergence"], 2.0).iloc[4] == -1


def test_rolling_zscore_matches_pandas() -> None:
    rng = np.random.default_rng(3)
    x = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    x.iloc[20, 0] = np.nan
    ours = rolling_zscore(x, 30)
    expected = (x - x.rolling(30).mean()) / x.rolling(30).std()
    np.testing.assert_allclose(ours.to_numpy(), expected.to_numpy(), atol=1e-12, equal_nan=True)


def test_divergence_wide_frames() -> None:
    social = pd.DataFrame({"FET": np.expm1([1, 2, 3, 4, 10]), "TAO": [5.0] * 5}, index=DAYS[:5])
    chain = pd.DataFrame({"FET": np.expm1([5, 5, 5, 5, 1]), "AKT": [1.0] * 5}, index=DAYS[:5])
    out = divergence(social, chain, window=3)
    assert list(out["divergence"].columns) == ["FET"]  # only bases in both
    single = divergence(social["FET"], chain["FET"], window=3)
    np.testing.assert_allclose(out["divergence"]["FET"], single["divergence"], equal_nan=True)


def test_divergence_rejects_nonsense() -> None:
    s = _counts([1, 2, 3])
    with pytest.raises(InputError, match="social_volume"):
        divergence(-s, s, 3)
    with pytest.raises(InputError, match="window"):
        divergence(s, s, 2)
    with pytest.raises(InputError, match="onchain_activity"):
        divergence(s, s.to_frame(), 3)


def test_signals_by_hand() -> None:
    d = pd.Series([-2.5, -2.0, 0.0, 2.0, 3.0, np.nan], index=DAYS[:6])
    assert divergence_signals(d, 2.0).tolist() == [1, 1, 0, -1, -1, 0]
    assert divergence_signals(d, 2.0, first_day_only=True).tolist() == [1, 0, 0, -1, 0, 0]
    assert divergence_signals(d, 2.6).tolist() == [0, 0, 0, 0, -1, 0]
    with pytest.raises(InputError, match="theta"):
        divergence_signals(d, 0.0)


def test_hit_rate_by_hand() -> None:
    r = pd.Series([0.01, 0.02, -0.03, 0.01, 0.00, -0.02, 0.05, 0.01, -0.01, 0.02], index=DAYS)
    # forward 2-day sums (t+1..t+2): t0 -0.01, t1 -0.02, t2 +0.01, t3 -0.02, t4 +0.03,
    # t5 +0.06, t6 0.00, t7 +0.01, t8/t9 beyond the data (not scored)
    signals = pd.Series([1, 0, 1, -1, 0, 0, -1, 0, 1, 0], index=DAYS)
    result = signal_hit_rate(signals, r, horizon_days=2)
    # entries t0 (miss), t2 (hit); exits t3 (hit), t6 (0.00 is not a fall: miss); t8 unscored
    assert (result.entry_hits, result.entry_signals) == (1, 2)
    assert (result.exit_hits, result.exit_signals) == (1, 2)
    assert (result.hits, result.signals, result.hit_rate) == (2, 4, 0.5)
    # random days: P(up) = 4/8, P(down) = 3/8 -> baseline (2*0.5 + 2*0.375) / 4 = 0.4375
    assert result.baseline_rate == pytest.approx(0.4375)
    p = 0.4375  # P(X >= 2), X ~ Binomial(4, p)
    assert result.p_value == pytest.approx(1 - (1 - p) ** 4 - 4 * p * (1 - p) ** 3)
    assert result.warnings  # 4 signals are far too few


def test_hit_rate_frames_and_validation() -> None:
    r = pd.DataFrame({"render": [0.01] * 10, "gpu": [-0.01] * 10}, index=DAYS)
    s = pd.DataFrame({"render": [1] + [0] * 9, "gpu": [-1] + [0] * 9}, index=DAYS)
    result = signal_hit_rate(s, r, horizon_days=3)
    assert (result.hits, result.signals) == (2, 2)
    with pytest.raises(InputError, match="signals"):
        signal_hit_rate(s * 2, r, 3)
    with pytest.raises(InputError, match="horizon_days"):
        signal_hit_rate(s, r, 0)
    with pytest.raises(InputError, match="sector_relative_returns"):
        signal_hit_rate(s["render"], r, 3)


def _wide_counts(seed: int, periods: int, columns: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Social and on-chain counts with gaps, a late listing, a flat stretch, a stale end."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2023-01-01", periods=periods, freq="D", tz="UTC", name="date")
    names = [f"B{i}" for i in range(columns)]
    social = pd.DataFrame(rng.poisson(800.0, (periods, columns)).astype(float), days, names)
    chain = pd.DataFrame(rng.poisson(5e6, (periods, columns)).astype(float), days, names)
    social.iloc[rng.random((periods, columns)) < 0.03] = np.nan
    social.iloc[: periods // 2, 1] = np.nan  # listed late
    chain.iloc[40:90, 2] = 1234.0  # flat: z = 0
    chain.iloc[-10:, 3] = np.nan  # no D in the last days
    return social, chain.iloc[3:]  # the two calendars differ (union of dates)


@pytest.mark.parametrize("window", [3, 7, 30, 45])
@pytest.mark.parametrize("last_days", [1, 16, 30, 61, 400])
def test_divergence_last_days_are_the_full_calls_rows(window: int, last_days: int) -> None:
    social, chain = _wide_counts(window + last_days, 300, 6)
    full = divergence(social, chain, window=window)
    recent = divergence(social, chain, window=window, last_days=last_days)
    expected = full.iloc[-last_days:]
    assert recent.index.equals(expected.index) and recent.columns.equals(expected.columns)
    assert np.array_equal(recent.to_numpy(), expected.to_numpy(), equal_nan=True)  # bit for bit
    with pytest.raises(InputError, match="last_days"):
        divergence(social, chain, last_days=0)


def test_report_latest_divergence_is_the_full_histories_last_value() -> None:
    """The report computes recent days only; every base's last finite D must be the same as
    from the whole history, including a base whose D stops 10 days before the end."""
    from rotation_addin.core.report import DIVERGENCE_RECENT_DAYS, _latest_divergence

    social, chain = _wide_counts(5, 400, 6)
    chain.iloc[-(DIVERGENCE_RECENT_DAYS + 5):, 4] = np.nan  # last D before the recent days
    latest = _latest_divergence(social, chain).ffill().iloc[-1]
    expected = pd.DataFrame(divergence(social, chain)["divergence"]).ffill().iloc[-1]
    assert np.isfinite(expected.to_numpy()).all()
    assert np.array_equal(latest[expected.index].to_numpy(), expected.to_numpy())
