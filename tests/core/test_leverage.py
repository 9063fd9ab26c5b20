"""Safe leverage: hand-worked cases, the article's 15 %-a-day claim, monotonicity, validation."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rotation_addin.core.brackets import build_bracket_table, default_bracket_table
from rotation_addin.core.errors import InputError
from rotation_addin.core.leverage import safe_leverage
from rotation_addin.core.liquidation import liquidation_price


def test_hand_worked_5pct_daily_vol() -> None:
    # sigma 5 %, k 3, h 1, buffer 2 %: required = 0.15 + 0.02 = 0.17;
    # 1/L - 0.004 >= 0.17 -> L <= 1/0.174 = 5.747 -> 5x
    result = safe_leverage(daily_vol=0.05, maintenance_margin_rate=0.004, max_leverage=125)
    assert result.leverage == 5
    assert result.required_distance_fraction == pytest.approx(0.17)
    assert result.volatility_leverage_limit == pytest.approx(1 / 0.174)
    assert result.liquidation_distance_fraction == pytest.approx(1 / 5 - 0.004)
    assert result.limiting_factor == "volatility"


def test_holding_days_scale_with_sqrt() -> None:
    # sigma 2 %, k 3, h 4 -> 3*0.02*2 = 0.12 + 0.02 = 0.14; + MMR 0.004 -> L <= 6.94 -> 6x
    result = safe_leverage(daily_vol=0.02, holding_days=4, maintenance_margin_rate=0.004,
                           max_leverage=125)
    assert result.leverage == 6


def test_bracket_max_caps_low_volatility() -> None:
    # sigma 0.1 %, no buffer: required 0.003 + MMR 0.0065 -> 105x, but the alt schedule's
    # first bracket allows 75x.
    result = safe_leverage(daily_vol=0.001, gap_buffer_fraction=0.0,
                           brackets=default_bracket_table("RENDER"))
    assert result.leverage == 75
    assert result.limiting_factor == "bracket max"
    assert "75x maximum" in result.explanation


def test_bracket_by_notional() -> None:
    table = build_bracket_table("X", [0, 1e6], [0.004, 0.05], [125, 10])
    # notional 2M -> MMR 5 %, max 10x: sigma 1 %, buffer 2 % -> 1/(0.05+0.05) = 10 -> 10x
    result = safe_leverage(daily_vol=0.01, brackets=table, notional_usd=2e6)
    assert result.maintenance_margin_rate == 0.05
    assert result.leverage == 10


def test_article_claim_is_refuted_in_the_explanation() -> None:
    # 15 %/day, k 3: required 0.45 + 0.02 = 0.47 (+0.004) -> 1/0.474 = 2.1 -> 2x
    result = safe_leverage(daily_vol=0.15, maintenance_margin_rate=0.004, max_leverage=125)
    assert result.leverage == 2
    text = result.explanation
    assert "LOWER leverage" in text
    assert "15 %-a-day" in text and "45%" in text and "about 2x" in text
    # a calm coin gets more leverage than the "leverage makes sense" 15 % one
    calm = safe_leverage(daily_vol=0.02, maintenance_margin_rate=0.004, max_leverage=125)
    assert calm.leverage > result.leverage


def test_unsafe_even_at_1x_is_said() -> None:
    result = safe_leverage(daily_vol=0.5, maintenance_margin_rate=0.004, max_leverage=125)
    assert result.leverage == 1
    assert result.unsafe_even_at_1x
    assert any("even 1x is unsafe" in w for w in result.warnings)


def test_chosen_leverage_really_survives_the_move() -> None:
    # Cross-check with the liquidation engine: at the chosen leverage the exact isolated long
    # distance (1/L - MMR)/(1 - MMR) exceeds k*sigma*sqrt(h) + buffer.
    for sigma in (0.01, 0.03, 0.06, 0.1):
        result = safe_leverage(daily_vol=sigma, maintenance_margin_rate=0.004, max_leverage=125)
        liq = liquidation_price(side="long", entry_price_usd=100, quantity_base=1,
                                leverage=result.leverage, maintenance_margin_rate=0.004)
        assert liq.distance_fraction >= result.required_distance_fraction
        # and one more x would not
        assert 1 / (result.leverage + 1) - 0.004 < result.required_distance_fraction


BAD: list[tuple[dict[str, Any], str]] = [
    ({"daily_vol": float("nan")}, "daily_vol"),
    ({"daily_vol": -0.01}, "daily_vol"),
    ({"daily_vol": float("inf")}, "daily_vol"),
    ({"daily_vol": "0.05"}, "daily_vol"),
    ({"daily_vol": True}, "daily_vol"),
    ({"k_sigma": 0}, "k_sigma"),
    ({"holding_days": -1}, "holding_days"),
    ({"gap_buffer_fraction": 1.0}, "gap_buffer_fraction"),
    ({"maintenance_margin_rate": 0}, "maintenance_margin_rate"),
    ({"max_leverage": 0.5}, "max_leverage"),
    ({"brackets": [1, 2]}, "brackets"),
    ({"notional_usd": -1}, "notional_usd"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_invalid_inputs_name_the_field(change: dict[str, Any], field: str) -> None:
    kwargs: dict[str, Any] = {"daily_vol": 0.05}
    kwargs.update(change)
    with pytest.raises(InputError) as info:
        safe_leverage(**kwargs)
    assert info.value.field == field


@settings(max_examples=300, deadline=None)
@given(
    v1=st.floats(min_value=0, max_value=2), v2=st.floats(min_value=0, max_value=2),
    k=st.floats(min_value=0.5, max_value=6), h=st.floats(min_value=0.1, max_value=30),
    buffer=st.floats(min_value=0, max_value=0.2), mmr=st.floats(min_value=0.001, max_value=0.1),
)
def test_safe_leverage_never_increases_with_volatility(
    v1: float, v2: float, k: float, h: float, buffer: float, mmr: float
) -> None:
    low, high = sorted((v1, v2))
    common: dict[str, Any] = {"k_sigma": k, "holding_days": h, "gap_buffer_fraction": buffer,
                              "maintenance_margin_rate": mmr, "max_leverage": 125}
    calm = safe_leverage(daily_vol=low, **common)
    wild = safe_leverage(daily_vol=high, **common)
    assert wild.leverage <= calm.leverage
    assert 1 <= wild.leverage <= 125
    if not wild.unsafe_even_at_1x:
        # holds up to float rounding: the floor accepts a limit within 1e-12 of an integer
        assert 1 / wild.leverage - mmr >= wild.required_distance_fraction * (1 - 1e-9) - 1e-12
