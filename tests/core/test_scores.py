"""Sector scores: hand-computed z-score combinations and independent pandas references."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rotation_addin.core.errors import InputError
from rotation_addin.core.scores import (
    FLAG_ACCUMULATION,
    FLAG_FOMO,
    FLAG_MARKET_DRIVEN,
    FLAG_NO_SENTIMENT,
    FLAG_OVER_EXTENDED,
    FLAG_REGIME_GATED,
    FLAG_RISING_VOLUME,
    ScoreWeights,
    SectorInputs,
    rank_sectors,
    sector_inputs,
)
from tests.core.plan_fixtures import MarketSpec, build_market


def _inputs(name: str, m7: float, m30: float = 0.0, vt: float = 1.0, d: float = 0.0,
            share: float = math.nan) -> SectorInputs:
    return SectorInputs(name, m7, m30, vt, d, beta_to_btc=1.0, btc_explained_share=share)


def test_score_is_the_weighted_z_score_combination_computed_by_hand() -> None:
    # m7 = [0.10, 0.00, -0.10]: mean 0, population sd sqrt(0.02/3) = 0.081650
    #   -> z7 = [+1.224745, 0, -1.224745]
    # m30 = [0.0, 0.3, 0.0]: mean 0.1, sd sqrt((0.01+0.04+0.01)/3) = 0.141421
    #   -> z30 = [-0.707107, +1.414214, -0.707107]
    # vt = [e, 1, 1/e] -> ln = [1, 0, -1] -> zv = z7 pattern [+1.224745, 0, -1.224745]
    # D = [0, 0, 0] -> constant -> zd = 0
    # weights 0.35/0.25/0.2/0.2: score_a = 0.35*1.224745 - 0.25*0.707107 + 0.2*1.224745
    #   = 0.428661 - 0.176777 + 0.244949 = 0.496833
    # score_b = 0.25*1.414214 = 0.353553; score_c = -0.428661 - 0.176777 - 0.244949 = -0.850387
    rows = rank_sectors([
        _inputs("a", 0.10, 0.0, math.e), _inputs("b", 0.0, 0.3, 1.0),
        _inputs("c", -0.10, 0.0, 1 / math.e),
    ])
    by_name = {r.sector: r for r in rows}
    assert by_name["a"].score == pytest.approx(0.496833, abs=1e-6)
    assert by_name["b"].score == pytest.approx(0.353553, abs=1e-6)
    assert by_name["c"].score == pytest.approx(-0.850387, abs=1e-6)
    assert [r.sector for r in rows] == ["a", "b", "c"]
    assert [r.rank for r in rows] == [1, 2, 3]


def test_divergence_enters_with_a_minus_sign() -> None:
    rows = rank_sectors([_inputs("calm", 0.05, d=0.0), _inputs("fomo", 0.05, d=1.5)],
                        weights=ScoreWeights(0.0, 0.0, 0.0, 1.0))
    # D = [0, 1.5]: z = [-1, +1]; score = -z -> calm +1, fomo -1
    assert rows[0].sector == "calm" and rows[0].score == pytest.approx(1.0)
    assert rows[1].score == pytest.approx(-1.0)


def test_weights_choose_the_ranking() -> None:
    data = [_inputs("short_term", 0.2, -0.2), _inputs("long_term", -0.1, 0.4)]
    only7 = rank_sectors(data, weights=ScoreWeights(1.0, 0.0, 0.0, 0.0))
    only30 = rank_sectors(data, weights=ScoreWeights(0.0, 1.0, 0.0, 0.0))
    assert only7[0].sector == "short_term"
    assert only30[0].sector == "long_term"


def test_flags_follow_their_definitions() -> None:
    rows = {r.sector: r for r in rank_sectors([
        _inputs("hot", 0.10, vt=1.5, d=2.5, share=0.8),
        _inputs("crowded_but_falling", -0.05, d=2.0),
        _inputs("quiet", -0.02, vt=0.8, d=-2.1),
        _inputs("blank", 0.01, d=math.nan),
    ], theta=2.0, rotation_enabled=False)}
    assert rows["hot"].over_extended
    assert {FLAG_OVER_EXTENDED, FLAG_RISING_VOLUME, FLAG_MARKET_DRIVEN} <= set(rows["hot"].flags)
    assert FLAG_FOMO in rows["crowded_but_falling"].flags
    assert not rows["crowded_but_falling"].over_extended
    assert FLAG_ACCUMULATION in rows["quiet"].flags
    assert FLAG_RISING_VOLUME not in rows["quiet"].flags
    assert FLAG_NO_SENTIMENT in rows["blank"].flags
    assert all(FLAG_REGIME_GATED in r.flags for r in rows.values())


def test_missing_momentum_ranks_last_with_nan_score() -> None:
    rows = rank_sectors([_inputs("nodata", math.nan), _inputs("x", 0.1), _inputs("y", -0.1)])
    assert rows[-1].sector == "nodata" and math.isnan(rows[-1].score)
    assert rows[0].sector == "x"


@pytest.mark.parametrize("kwargs, field", [
    ({"theta": 0.0}, "theta"),
    ({"theta": float("nan")}, "theta"),
])
def test_bad_parameters_are_rejected(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(InputError) as info:
        rank_sectors([_inputs("a", 0.1)], **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


def test_bad_weights_and_empty_input_are_rejected() -> None:
    with pytest.raises(InputError, match=r"weights\.momentum_7d"):
        ScoreWeights(momentum_7d=-1.0)
    with pytest.raises(InputError, match="at least one score weight"):
        ScoreWeights(0.0, 0.0, 0.0, 0.0)
    with pytest.raises(InputError, match="at least one sector"):
        rank_sectors([])
    with pytest.raises(InputError, match="weights"):
        rank_sectors([_inputs("a", 0.1)], weights={"momentum_7d": 1.0})  # type: ignore[arg-type]
    with pytest.raises(InputError, match="dataset"):
        sector_inputs("market")  # type: ignore[arg-type]


def test_sector_inputs_match_independent_pandas_formulas() -> None:
    market = build_market(MarketSpec(drift={"render": 0.01}, volume_boost={"render": 2.0}))
    close, volume = market.close, market.volume_usd
    d_frame = pd.DataFrame(np.arange(len(close) * 2, dtype=float).reshape(-1, 2) / 100,
                           index=close.index, columns=["RENDER", "LPT"])
    rows = {r.sector: r for r in sector_inputs(
        market, divergence=d_frame, betas={"render": (1.1, 0.6)})}
    members = ["RENDER", "LPT"]
    for days, got in ((7, rows["render"].momentum_7d), (30, rows["render"].momentum_30d)):
        # equal-weight mean of members' log returns minus BTC's, summed over `days`
        member_moves = np.log(close[members].iloc[-1] / close[members].iloc[-1 - days]).mean()
        btc_move = math.log(close["BTC"].iloc[-1] / close["BTC"].iloc[-1 - days])
        assert got == pytest.approx(member_moves - btc_move, abs=1e-12)
    sector_volume = volume[members].sum(axis=1)
    expected_trend = sector_volume.tail(7).mean() / sector_volume.tail(30).mean()
    assert rows["render"].volume_trend == pytest.approx(expected_trend, rel=1e-12)
    assert rows["render"].divergence == pytest.approx(d_frame.iloc[-1].mean())
    assert (rows["render"].beta_to_btc, rows["render"].btc_explained_share) == (1.1, 0.6)
    assert math.isnan(rows["mining"].divergence)  # no mining columns in d_frame
    assert "benchmark" not in rows
    assert rows["render"].volume_trend > 1.5  # the boost is visible


def test_sector_inputs_need_btc_and_history() -> None:
    market = build_market(MarketSpec(days=20))
    with pytest.raises(InputError, match="at least 31 days"):
        sector_inputs(market)
