"""Liquidation price: hand-worked cases, the exchange's published worked example, validation."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rotation_addin.core.brackets import build_bracket_table
from rotation_addin.core.errors import InputError, TradeRefused
from rotation_addin.core.liquidation import (
    OtherPosition,
    check_stop_before_liquidation,
    liquidation_price,
)

# Binance's BTCUSDT / ETHUSDT USDⓈ-M schedules of 2021 (the ones the FAQ example below used).
# Source: the floors/MMRs reverse-engineered from Binance's web UI in
# gist.github.com/highfestiva/b71e76f51eed84d56c1be8ebbcc286b5 and
# gist.github.com/crackcomm/e29582030d9eeac6c6124a7503cd0ac2 (they list cum 16,300 for the
# BTC 2.5 % tier and 135,365 for the ETH 10 % tier, which the cum formula must reproduce).
BTC_2021 = build_bracket_table(
    "BTC",
    [0, 50e3, 250e3, 1e6, 10e6, 20e6, 50e6, 100e6, 200e6, 300e6],
    [0.004, 0.005, 0.01, 0.025, 0.05, 0.10, 0.125, 0.15, 0.25, 0.50],
    [125, 100, 50, 20, 10, 5, 4, 3, 2, 1],
)
ETH_2021 = build_bracket_table(
    "ETH",
    [0, 10e3, 100e3, 500e3, 1e6, 2e6, 5e6, 10e6, 20e6],
    [0.005, 0.0065, 0.01, 0.02, 0.05, 0.10, 0.125, 0.15, 0.25],
    [100, 75, 50, 25, 10, 5, 4, 3, 2],
)


def test_2021_tables_reproduce_published_cum() -> None:
    # BTC: 50k*0.1% = 50; +250k*0.5% = 1,300; +1M*1.5% = 16,300.
    assert BTC_2021.brackets[3].maintenance_amount_usd == pytest.approx(16_300.0)
    # ETH: 10k*0.15% = 15; +100k*0.35% = 365; +500k*1% = 5,365; +1M*3% = 35,365; +2M*5% = 135,365.
    assert ETH_2021.brackets[5].maintenance_amount_usd == pytest.approx(135_365.0)


def test_20x_isolated_long_at_mmr_04pct_falls_about_4_6pct() -> None:
    # Isolated: WB = Q*EP/20, cum 0: LP = (Q*EP/20 - Q*EP)/(Q*0.004 - Q) = EP*(1-1/20)/(1-0.004)
    # = 100 * 0.95/0.996 = 95.3815...; fall = 1 - 0.953815 = 4.618 % (the article's "5 %").
    result = liquidation_price(
        side="long", entry_price_usd=100.0, quantity_base=1.0, leverage=20,
        maintenance_margin_rate=0.004,
    )
    assert result.liquidation_price_usd == pytest.approx(100 * 0.95 / 0.996, rel=1e-12)
    assert result.distance_fraction == pytest.approx(0.04618, abs=1e-5)
    assert result.margin_usd == pytest.approx(5.0)
    assert result.maintenance_margin_usd == pytest.approx(0.4)
    assert result.can_be_liquidated


def test_20x_short_mirror_by_hand() -> None:
    # Short: LP = (Q*EP/20 + Q*EP)/(Q*0.004 + Q) = EP*1.05/1.004 = 104.5817 (rise 4.58 %).
    result = liquidation_price(
        side="short", entry_price_usd=100.0, quantity_base=1.0, leverage=20,
        maintenance_margin_rate=0.004,
    )
    assert result.liquidation_price_usd == pytest.approx(100 * 1.05 / 1.004, rel=1e-12)


# Published worked example: Binance FAQ "How to Calculate Liquidation Price of USDⓈ-M Futures
# Contracts" (binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93), as transcribed into
# freqtrade's tests/exchange/test_binance.py::test_liquidation_price_binance ("From calc
# example"): wallet 1,535,443.01 USDT; long 109.488 BTCUSDT @ 32,481.98 (mark 31,967.27,
# MMR 2.5 %, cum 16,300); long 3,683.979 ETHUSDT @ 1,456.84 (mark 1,335.18, MMR 10 %,
# cum 135,365). Expected: cross ETH 1,153.26, cross BTC 26,316.89; with the whole 1,535,443.01
# as an isolated wallet: ETH 1,114.78, BTC 18,778.73.
WALLET = 1_535_443.01


def test_published_example_cross_eth() -> None:
    # Others = BTC: TMM = 109.488*31,967.27*2.5% - 16,300 = 71,200.81; UPNL = -56,354.57.
    # LP = (1,535,443.01 - 71,200.81 - 56,354.57 + 135,365 - 3,683.979*1,456.84)
    #      / (3,683.979*0.10 - 3,683.979) = -3,823,715.3 / -3,315.58 = 1,153.26
    others = [OtherPosition(maintenance_margin_usd=71_200.81144, unrealized_pnl_usd=-56_354.57)]
    result = liquidation_price(
        side="long", entry_price_usd=1456.84, quantity_base=3683.979, mode="cross",
        wallet_balance_usd=WALLET, other_positions=others, brackets=ETH_2021,
    )
    assert round(result.liquidation_price_usd, 2) == 1153.26
    # Entry notional 5.37M sits in the 12.5 % bracket; at the LP (4.25M) the 10 % bracket
    # applies: the FAQ's "re-check at the liquidation price" rule.
    assert result.entry_bracket.maintenance_margin_rate == 0.125
    assert result.bracket.maintenance_margin_rate == 0.10
    assert result.bracket.maintenance_amount_usd == pytest.approx(135_365.0)
    assert any("re-checked" in w for w in result.warnings)


def test_published_example_cross_btc() -> None:
    # Others = ETH: TMM = 3,683.979*1,335.18*10% - 135,365 = 356,512.51; UPNL = -448,192.89.
    others = [OtherPosition(maintenance_margin_usd=356_512.508, unrealized_pnl_usd=-448_192.89)]
    result = liquidation_price(
        side="long", entry_price_usd=32481.98, quantity_base=109.488, mode="cross",
        wallet_balance_usd=WALLET, other_positions=others, brackets=BTC_2021,
    )
    assert round(result.liquidation_price_usd, 2) == 26316.89
    assert result.bracket.maintenance_amount_usd == pytest.approx(16_300.0)


@pytest.mark.parametrize(
    ("entry", "qty", "table", "expected"),
    [(1456.84, 3683.979, ETH_2021, 1114.78), (32481.98, 109.488, BTC_2021, 18778.73)],
)
def test_published_example_isolated(entry: float, qty: float, table: Any, expected: float) -> None:
    result = liquidation_price(
        side="long", entry_price_usd=entry, quantity_base=qty, margin_usd=WALLET, brackets=table
    )
    assert round(result.liquidation_price_usd, 2) == expected


def test_academy_example_cross_zero_cum() -> None:
    # Binance Academy / Square "How to Reduce Your Chances of Getting Liquidated": wallet 500 USDT,
    # long BTCUSDT worth 1,000 USDT at 50,000 with 20x -> liquidation 25,100.40.
    # Q = 0.02; LP = (500 - 0.02*50,000)/(0.02*0.004 - 0.02) = -500/-0.01992 = 25,100.40.
    result = liquidation_price(
        side="long", entry_price_usd=50_000, quantity_base=0.02, leverage=20, mode="cross",
        wallet_balance_usd=500, brackets=BTC_2021,
    )
    assert round(result.liquidation_price_usd, 2) == 25100.40


def test_long_that_cannot_be_liquidated() -> None:
    # Isolated with margin 120 on a 100 USD notional: LP = (120 - 100)/(0.004 - 1) < 0.
    result = liquidation_price(
        side="long", entry_price_usd=100.0, quantity_base=1.0, margin_usd=120.0,
        maintenance_margin_rate=0.004,
    )
    assert result.liquidation_price_usd == 0.0
    assert not result.can_be_liquidated
    assert result.distance_fraction == 1.0
    assert any("cannot be liquidated" in w for w in result.warnings)


def test_leverage_above_bracket_max_is_refused() -> None:
    with pytest.raises(TradeRefused, match="leverage"):
        liquidation_price(
            side="long", entry_price_usd=30_000, quantity_base=10, leverage=100,
            brackets=BTC_2021,  # 300k notional -> 1 % bracket, max 50x
        )


def test_position_liquidated_at_once_is_refused() -> None:
    # 300x with a flat MMR 0.5 %: margin 1/300 = 0.33 % < MMR 0.5 % -> under water at entry;
    # refused on the margin (the flat table's ceiling is 1/MMR = 200x).
    with pytest.raises(TradeRefused, match="200x maximum") as info:
        liquidation_price(
            side="long", entry_price_usd=100, quantity_base=1, margin_usd=100 / 300,
            maintenance_margin_rate=0.005,
        )
    assert info.value.field == "margin_usd"
    # Cross: wallet 10 - other MM 5 + other UPNL -20 < 0 -> under water before it starts.
    with pytest.raises(TradeRefused, match="liquidated at once"):
        liquidation_price(
            side="long", entry_price_usd=100, quantity_base=10, mode="cross",
            wallet_balance_usd=10, other_positions=[OtherPosition(5, -20)],
            maintenance_margin_rate=0.005,
        )
    with pytest.raises(TradeRefused, match="wallet_balance_usd"):
        liquidation_price(
            side="short", entry_price_usd=100, quantity_base=10, mode="cross",
            wallet_balance_usd=10, other_positions=[OtherPosition(5, -20)],
            maintenance_margin_rate=0.005,
        )


def test_default_brackets_used_with_warning() -> None:
    result = liquidation_price(side="long", entry_price_usd=10, quantity_base=100, leverage=10)
    assert result.bracket.maintenance_margin_rate == 0.0065
    assert any("no brackets given" in w for w in result.warnings)


BAD_INPUTS: list[tuple[dict[str, Any], str]] = [
    ({"entry_price_usd": float("nan")}, "entry_price_usd"),
    ({"entry_price_usd": float("inf")}, "entry_price_usd"),
    ({"entry_price_usd": -1.0}, "entry_price_usd"),
    ({"entry_price_usd": 0}, "entry_price_usd"),
    ({"entry_price_usd": True}, "entry_price_usd"),
    ({"entry_price_usd": "100"}, "entry_price_usd"),
    ({"quantity_base": 0}, "quantity_base"),
    ({"quantity_base": -3}, "quantity_base"),
    ({"leverage": 0.5}, "leverage"),
    ({"leverage": float("nan")}, "leverage"),
    ({"side": "up"}, "side"),
    ({"mode": "portfolio"}, "mode"),
    ({"leverage": None}, "leverage"),  # isolated needs leverage or margin
    ({"margin_usd": 5.0}, "leverage"),  # not both
    ({"mode": "cross"}, "wallet_balance_usd"),
    ({"mode": "cross", "wallet_balance_usd": -5}, "wallet_balance_usd"),
    ({"mode": "cross", "wallet_balance_usd": 5.6e307, "side": "short"}, "wallet_balance_usd"),
    ({"mode": "cross", "wallet_balance_usd": 50, "other_positions": [OtherPosition(-1, 0)]},
     "maintenance_margin_usd"),
    ({"mode": "cross", "wallet_balance_usd": 50,
      "other_positions": [OtherPosition(1, float("nan"))]}, "unrealized_pnl_usd"),
    ({"maintenance_margin_rate": 1.5}, "maintenance_margin_rate"),
    ({"brackets": "BTC"}, "brackets"),
]


@pytest.mark.parametrize(("change", "field"), BAD_INPUTS)
def test_invalid_inputs_name_the_field(change: dict[str, Any], field: str) -> None:
    kwargs: dict[str, Any] = {
        "side": "long", "entry_price_usd": 100.0, "quantity_base": 1.0, "leverage": 10,
        "maintenance_margin_rate": 0.004,
    }
    kwargs.update(change)
    if "brackets" in change:
        kwargs.pop("maintenance_margin_rate")
    with pytest.raises(InputError) as info:
        liquidation_price(**kwargs)
    assert field in str(info.value)


def test_cross_short_at_the_wallet_bound_has_a_finite_price() -> None:
    # the largest accepted wallet (1e13 USD) behind the smallest short: the liquidation price
    # is huge but finite, by hand (WB + q*ep) / (q * (1 + mmr)) with no other positions
    wallet, quantity, entry, mmr = 1e13, 1e-6, 100.0, 0.004
    result = liquidation_price(side="short", entry_price_usd=entry, quantity_base=quantity,
                               mode="cross", wallet_balance_usd=wallet,
                               maintenance_margin_rate=mmr)
    expected = (wallet + quantity * entry) / (quantity * (1 + mmr))
    assert math.isfinite(result.distance_fraction)
    assert result.liquidation_price_usd == pytest.approx(expected, rel=1e-12)


def test_stop_check() -> None:
    check_stop_before_liquidation("long", 100, 96, 95.38)  # fine: 95.38 < 96 < 100
    check_stop_before_liquidation("short", 100, 104, 104.58)
    check_stop_before_liquidation("long", 100, 1, 0.0)  # long that cannot be liquidated
    with pytest.raises(TradeRefused, match="whole margin") as info:
        check_stop_before_liquidation("long", 100, 95, 95.38)
    assert info.value.field == "stop_price_usd"
    with pytest.raises(TradeRefused, match="whole margin"):
        check_stop_before_liquidation("short", 100, 104.58, 104.58)
    with pytest.raises(InputError, match="stop_price_usd"):
        check_stop_before_liquidation("long", 100, 101, 95)
    with pytest.raises(InputError, match="stop_price_usd"):
        check_stop_before_liquidation("short", 100, 99, 105)
    with pytest.raises(InputError, match="stop_price_usd"):
        check_stop_before_liquidation("short", 100, float("nan"), 105)


# ---------------------------------------------------------------------------------- properties

leverages = st.floats(min_value=1.0, max_value=120.0, allow_nan=False)
prices = st.floats(min_value=1e-3, max_value=1e5, allow_nan=False)
mmrs = st.floats(min_value=0.001, max_value=0.2, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(entry=prices, leverage=leverages, mmr=mmrs)
def test_long_and_short_mirror_each_other(entry: float, leverage: float, mmr: float) -> None:
    # Flat MMR, isolated: long distance = (1/L - MMR)/(1 - MMR), short = (1/L - MMR)/(1 + MMR).
    # Mirror: long_distance*(1 - MMR) == short_distance*(1 + MMR) == 1/L - MMR.
    if leverage * mmr >= 1:
        return
    kw: dict[str, Any] = {
        "entry_price_usd": entry, "quantity_base": 2.0, "leverage": leverage,
        "maintenance_margin_rate": mmr,
    }
    long = liquidation_price(side="long", **kw)
    short = liquidation_price(side="short", **kw)
    expected = 1 / leverage - mmr
    assert long.distance_fraction * (1 - mmr) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert short.distance_fraction * (1 + mmr) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert long.liquidation_price_usd < entry < short.liquidation_price_usd


@settings(max_examples=200, deadline=None)
@given(entry=prices, qty=st.floats(min_value=1e-3, max_value=1e3), l1=leverages, l2=leverages,
       side=st.sampled_from(["long", "short"]))
def test_distance_shrinks_as_leverage_grows(
    entry: float, qty: float, l1: float, l2: float, side: str
) -> None:
    low, high = sorted((l1, l2))
    table = build_bracket_table("X", [0, 1e4, 1e5], [0.004, 0.01, 0.02], [125, 50, 25])
    max_lev = table.for_notional(entry * qty).max_leverage
    if high > max_lev:
        return
    d_low = liquidation_price(side=side, entry_price_usd=entry, quantity_base=qty, leverage=low,
                              brackets=table).distance_fraction
    d_high = liquidation_price(side=side, entry_price_usd=entry, quantity_base=qty,
                               leverage=high, brackets=table).distance_fraction
    assert d_high <= d_low + 1e-12
    assert math.isfinite(d_high) and 0 < d_high <= 1


@settings(max_examples=100, deadline=None)
@given(entry=prices, qty=st.floats(min_value=1e-3, max_value=1e4), lev=leverages,
       side=st.sampled_from(["long", "short"]))
def test_bracket_is_consistent_with_its_liquidation_price(
    entry: float, qty: float, lev: float, side: str
) -> None:
    table = BTC_2021
    if lev > table.for_notional(entry * qty).max_leverage:
        return
    result = liquidation_price(side=side, entry_price_usd=entry, quantity_base=qty, leverage=lev,
                               brackets=table)
    assert table.for_notional(result.liquidation_price_usd * qty) == result.bracket
    # At the liquidation price the margin balance equals the maintenance margin.
    sign = 1 if side == "long" else -1
    balance = result.wallet_balance_usd + sign * qty * (result.liquidation_price_usd - entry)
    maintenance = result.bracket.maintenance_margin_usd(result.liquidation_price_usd * qty)
    assert balance == pytest.approx(maintenance, rel=1e-7, abs=1e-7 * result.notional_usd)


def test_isolated_short_with_nonzero_cum_by_hand() -> None:
    # Constructed by hand from the formula (no published short example found with cum != 0):
    # short 10 BTC @ 30,000 -> notional 300,000 -> 2021 bracket 250k-1M: MMR 1 %, cum 1,300.
    # 10x isolated -> WB = 30,000. LP = (30,000 + 1,300 + 10*30,000) / (10*0.01 + 10)
    # = 331,300 / 10.1 = 32,801.98; notional at LP 328,019.8 is still in 250k-1M (consistent).
    result = liquidation_price(side="short", entry_price_usd=30_000, quantity_base=10,
                               leverage=10, brackets=BTC_2021)
    assert result.liquidation_price_usd == pytest.approx(331_300 / 10.1, rel=1e-12)
    assert result.bracket.maintenance_amount_usd == pytest.approx(1_300.0)
    assert result.distance_fraction == pytest.approx(331_300 / 10.1 / 30_000 - 1, rel=1e-12)
