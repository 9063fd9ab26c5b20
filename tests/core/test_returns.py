"""Returns: checked against pandas/NumPy formulas and small hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rotation_addin.core.errors import InputError
from rotation_addin.core.returns import (
    log_returns,
    momentum,
    relative_returns,
    sector_index_returns,
)
from rotation_addin.core.universe import Universe

DATES = pd.date_range("2024-01-01", periods=6, freq="D", tz="UTC", name="date")


@pytest.fixture
def close() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "BTC": [100.0, 110.0, 99.0, 99.0, 120.0, 121.0],
            "RENDER": [2.0, 2.2, np.nan, 2.5, 2.4, 3.0],
            "AKT": [5.0, 4.0, 4.4, 4.0, 4.2, 4.0],
        },
        index=DATES,
    )


def test_log_returns_match_pandas_formula(close: pd.DataFrame) -> None:
    expected = np.log(close).diff().iloc[1:]
    pd.testing.assert_frame_equal(log_returns(close), expected, rtol=0, atol=1e-15)


def test_log_returns_hand_case(close: pd.DataFrame) -> None:
    r = log_returns(close)
    assert r.loc[DATES[1], "BTC"] == pytest.approx(math.log(1.1), abs=1e-15)
    # RENDER has no price on day 2: that day's and the next day's return are missing.
    assert np.isnan(r.loc[DATES[2], "RENDER"]) and np.isnan(r.loc[DATES[3], "RENDER"])
    assert len(r) == 5 and r.index[0] == DATES[1]


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        (pd.DataFrame({"A": [1.0, 0.0]}), "> 0"),
        (pd.DataFrame({"A": [1.0, -2.0]}), "> 0"),
        (pd.DataFrame({"A": [1.0, np.inf]}), "inf"),
        (pd.DataFrame({"A": ["x", "y"]}), "numbers"),
        (pd.DataFrame({"A": [1.0]}), "at least 2 row"),
        (pd.DataFrame({"A": [1.0, 2.0]}, index=[1, 0]), "ascending"),
        ([1.0, 2.0], "DataFrame"),
    ],
)
def test_log_returns_rejects_nonsense(bad: object, needle: str) -> None:
    with pytest.raises(InputError) as info:
        log_returns(bad)  # type: ignore[arg-type]
    assert info.value.field == "close"
    assert needle in str(info.value)


def test_relative_returns_subtract_benchmark(close: pd.DataFrame) -> None:
    r = log_returns(close)
    rel = relative_returns(r, "BTC")
    expected = r.sub(r["BTC"], axis=0).drop(columns="BTC")
    pd.testing.assert_frame_equal(rel, expected)
    # hand: AKT day 1 = ln(4/5) - ln(110/100)
    assert rel.loc[DATES[1], "AKT"] == pytest.approx(math.log(0.8) - math.log(1.1), abs=1e-15)


def test_relative_returns_needs_benchmark(close: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="benchmark"):
        relative_returns(log_returns(close), "ETH")


def test_sector_index_equal_weight_skips_missing_members(close: pd.DataFrame) -> None:
    universe = Universe({"benchmark": ("BTC",), "render": ("RENDER", "THETA"), "gpu": ("AKT",)})
    r = log_returns(close)
    index = sector_index_returns(r, universe)
    assert list(index.columns) == ["benchmark", "render", "gpu"]  # THETA absent: ignored
    # day 2: RENDER missing -> the render index is NaN (no member has data)
    assert np.isnan(index.loc[DATES[2], "render"])
    two = pd.DataFrame({"A": [0.1, np.nan, 0.3], "B": [0.3, 0.2, np.nan]})
    u2 = Universe({"benchmark": ("A",), "s": ("B",)}, benchmark="A")
    u3 = Universe({"s": ("A", "B"), "benchmark": ("C",)}, benchmark="C")
    assert sector_index_returns(two, u2)["s"].tolist()[:2] == [0.3, 0.2]
    # hand: (0.1 + 0.3) / 2 = 0.2 ; day 2 only B = 0.2 ; day 3 only A = 0.3
    np.testing.assert_allclose(sector_index_returns(two, u3)["s"], [0.2, 0.2, 0.3], atol=1e-15)
    pd.testing.assert_series_equal(
        sector_index_returns(two, u3)["s"], two.mean(axis=1), check_names=False
    )


def test_sector_index_weights() -> None:
    two = pd.DataFrame({"A": [0.1, np.nan], "B": [0.4, 0.2]})
    u = Universe({"s": ("A", "B"), "benchmark": ("C",)}, benchmark="C")
    out = sector_index_returns(two, u, weights={"A": 3.0, "B": 1.0})
    # hand: (3*0.1 + 1*0.4) / 4 = 0.175 ; day 2: only B -> 0.2
    np.testing.assert_allclose(out["s"], [0.175, 0.2], atol=1e-15)
    with pytest.raises(InputError, match="weights"):
        sector_index_returns(two, u, weights={"A": 1.0})
    with pytest.raises(InputError, match=r"weights\.B"):
        sector_index_returns(two, u, weights={"A": 1.0, "B": -1.0})


def test_momentum_matches_pandas(close: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(momentum(close, 2), np.log(close).diff(2), atol=1e-15)
    # hand: BTC 100 -> 99 over 2 days
    assert momentum(close, 2).loc[DATES[2], "BTC"] == pytest.approx(math.log(0.99), abs=1e-15)
    assert momentum(close, 10).isna().all().all()
    with pytest.raises(InputError, match="days"):
        momentum(close, 0)


def test_drop_columns_and_require_frame_give_one_block() -> None:
    """pandas' drop of a middle column leaves one block per column; ours keeps one block and
    the same values, and require_frame consolidates any all-float input."""
    from rotation_addin.core.frames import drop_columns, require_frame

    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(size=(5, 40)), columns=[f"C{i}" for i in range(40)],
                         index=pd.date_range("2026-01-01", periods=5, name="date"))
    dropped = frame.drop(columns=["C7"])
    assert dropped._mgr.nblocks > 1  # the pandas behaviour the helper avoids
    ours = drop_columns(frame, ["C7"])
    assert ours._mgr.nblocks == 1
    pd.testing.assert_frame_equal(ours, dropped, check_exact=True)
    clean = require_frame("returns", dropped)
    assert clean._mgr.nblocks == 1
    pd.testing.assert_frame_equal(clean, dropped, check_exact=True)
    assert require_frame("returns", frame) is not frame  # a copy, as before
