"""Position sizing: hand-worked cases, rounding, minimums, invalid input, properties."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rotation_addin.core.errors import InputError, TradeRefused
from rotation_addin.core.sizing import ceil_to_step, floor_to_step, position_size
from rotation_addin.core.types import ContractSpec, Side


def spec(step: float = 0.001, min_amount: float = 0.001, min_notional: float = 5.0,
         max_leverage: float = 20.0) -> ContractSpec:
    return ContractSpec(symbol="X/USDT:USDT", base="X", amount_step=step, min_amount=min_amount,
                        min_notional_usd=min_notional, max_leverage=max_leverage)


def test_hand_worked_long() -> None:
    # equity 10,000, risk 2 % -> budget 200. Entry 100, stop 95, fee 0.05 %, slippage 0.05 %:
    # per unit = 5 + 100*0.0005 + 95*(0.0005+0.0005) = 5 + 0.05 + 0.095 = 5.145
    # quantity = 200/5.145 = 38.8727 -> step 0.1 -> 38.8; risk = 38.8*5.145 = 199.626
    # notional = 3,880; margin at 5x = 776; fees = 38.8*0.0005*(100+95) = 3.783
    result = position_size(
        equity_usd=10_000, entry_price_usd=100, stop_price_usd=95, side="long",
        leverage=5, contract=spec(step=0.1, min_amount=0.1),
    )
    assert result.side is Side.LONG
    assert result.quantity_base == pytest.approx(38.8)
    assert result.risk_budget_usd == pytest.approx(200.0)
    assert result.per_unit_loss_usd == pytest.approx(5.145)
    assert result.risk_usd == pytest.approx(199.626)
    assert result.notional_usd == pytest.approx(3880.0)
    assert result.margin_usd == pytest.approx(776.0)
    assert result.fees_usd == pytest.approx(3.783)
    assert result.slippage_usd == pytest.approx(38.8 * 95 * 0.0005)
    assert result.stop_distance_fraction == pytest.approx(0.05)
    assert result.risk_fraction_of_equity == pytest.approx(0.0199626)


def test_hand_worked_short_without_contract() -> None:
    # equity 5,000, risk 1 % -> 50. Short entry 2.00, stop 2.10, no fees:
    # per unit = 0.10 -> quantity = 500 (no rounding without a contract).
    result = position_size(
        equity_usd=5_000, entry_price_usd=2.0, stop_price_usd=2.1, side="short",
        risk_fraction=0.01, taker_fee_rate=0, stop_slippage_rate=0,
    )
    assert result.quantity_base == pytest.approx(500.0)
    assert result.risk_usd == pytest.approx(50.0)
    assert result.margin_usd == pytest.approx(1000.0)


def test_rounding_is_decimal_safe() -> None:
    # 0.3/0.1 in floats is 2.9999999999999996: must still give 3 steps.
    assert floor_to_step(0.3, 0.1) == 0.3
    assert floor_to_step(0.7, 0.1) == 0.7
    assert floor_to_step(1.0 - 1e-12, 0.001) == 1.0  # within 1e-9 step of 1000 steps
    assert floor_to_step(0.0019999, 0.001) == 0.001
    assert floor_to_step(123.456789, 1.0) == 123.0
    assert ceil_to_step(0.0011, 0.001) == 0.002
    assert ceil_to_step(0.3, 0.1) == 0.3
    # budget exactly 0.3 units: equity 1000, 3 % risk = 30; per unit 100 (no costs) -> 0.3
    result = position_size(
        equity_usd=1000, entry_price_usd=1000, stop_price_usd=900, side="long",
        risk_fraction=0.03, taker_fee_rate=0, stop_slippage_rate=0,
        contract=spec(step=0.1, min_amount=0.1),
    )
    assert result.quantity_base == pytest.approx(0.3)


def test_below_minimum_amount_is_refused_with_equity_hint() -> None:
    # budget 100*2% = 2; per unit at BTC 60,000 with stop 57,000 = 3,000 + 30 + 57 = 3,087
    # -> 0.000648 BTC -> rounds to 0 at step 0.001.
    with pytest.raises(TradeRefused, match="quantity_base") as info:
        position_size(equity_usd=100, entry_price_usd=60_000, stop_price_usd=57_000,
                      side="long", contract=spec())
    # smallest tradable = 0.001 BTC: needs 0.001*3,087/0.02 = 154.35 USD equity
    assert "154.35" in str(info.value)


def test_below_min_amount_not_zero() -> None:
    # min_amount 1 with step 0.1: budget 200 / per unit 400 = 0.5 -> refused by min_amount
    with pytest.raises(TradeRefused, match="minimum amount"):
        position_size(equity_usd=10_000, entry_price_usd=1000, stop_price_usd=600, side="long",
                      taker_fee_rate=0, stop_slippage_rate=0,
                      contract=spec(step=0.1, min_amount=1.0, min_notional=0.1))


def test_below_min_notional_is_refused() -> None:
    # budget 2; price 1.0, stop 0.5, no costs -> 4 units = 4 USD notional < 5 USD minimum
    with pytest.raises(TradeRefused, match="notional_usd"):
        position_size(equity_usd=100, entry_price_usd=1.0, stop_price_usd=0.5, side="long",
                      taker_fee_rate=0, stop_slippage_rate=0, contract=spec(step=1, min_amount=1))


def test_leverage_above_contract_max_is_refused() -> None:
    with pytest.raises(TradeRefused, match="leverage"):
        position_size(equity_usd=10_000, entry_price_usd=100, stop_price_usd=95, side="long",
                      leverage=50, contract=spec(max_leverage=20))


def test_margin_above_equity_warns() -> None:
    # 1 % stop at 2 % risk -> notional ~ 2x equity at 1x leverage
    result = position_size(equity_usd=1000, entry_price_usd=100, stop_price_usd=99, side="long")
    assert any("exceeds equity" in w for w in result.warnings)


BASE: dict[str, Any] = {
    "equity_usd": 10_000.0, "entry_price_usd": 100.0, "stop_price_usd": 95.0, "side": "long",
}
BAD: list[tuple[dict[str, Any], str]] = [
    ({"equity_usd": float("nan")}, "equity_usd"),
    ({"equity_usd": float("inf")}, "equity_usd"),
    ({"equity_usd": -1}, "equity_usd"),
    ({"equity_usd": 0}, "equity_usd"),
    ({"equity_usd": True}, "equity_usd"),
    ({"equity_usd": "10000"}, "equity_usd"),
    ({"entry_price_usd": 0}, "entry_price_usd"),
    ({"entry_price_usd": float("-inf")}, "entry_price_usd"),
    ({"stop_price_usd": -5}, "stop_price_usd"),
    ({"stop_price_usd": None}, "stop_price_usd"),
    ({"stop_price_usd": 105}, "stop_price_usd"),  # wrong side for a long
    ({"stop_price_usd": 100}, "stop_price_usd"),  # equal to entry
    ({"side": "short"}, "stop_price_usd"),  # stop 95 below entry for a short
    ({"side": "sideways"}, "side"),
    ({"side": True}, "side"),
    ({"risk_fraction": 0.05}, "risk_fraction"),  # above the 3 % hard cap
    ({"risk_fraction": 0}, "risk_fraction"),
    ({"risk_fraction": float("nan")}, "risk_fraction"),
    ({"max_risk_fraction": 2}, "max_risk_fraction"),
    ({"taker_fee_rate": -0.001}, "taker_fee_rate"),
    ({"stop_slippage_rate": float("inf")}, "stop_slippage_rate"),
    ({"leverage": 0.5}, "leverage"),
    ({"leverage": float("nan")}, "leverage"),
    ({"contract": "BTC"}, "contract"),
]


@pytest.mark.parametrize("step", [0.0, float("nan")])
def test_invalid_contract_step_is_refused_where_the_contract_is_built(step: float) -> None:
    # ContractSpec validates itself, so a zero/NaN step never reaches position_size
    with pytest.raises(InputError) as info:
        spec(step=step)
    assert info.value.field == "amount_step"


@pytest.mark.parametrize(("change", "field"), BAD)
def test_invalid_inputs_name_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as info:
        position_size(**{**BASE, **change})
    assert info.value.field == field


def test_risk_cap_is_configurable() -> None:
    result = position_size(**BASE, risk_fraction=0.05, max_risk_fraction=0.05)
    assert result.risk_budget_usd == pytest.approx(500.0)


# ---------------------------------------------------------------------------------- properties

@settings(max_examples=300, deadline=None)
@given(
    equity=st.floats(min_value=100, max_value=1e8),
    entry=st.floats(min_value=1e-4, max_value=1e5),
    stop_frac=st.floats(min_value=0.001, max_value=0.9),
    side=st.sampled_from(["long", "short"]),
    risk=st.floats(min_value=0.001, max_value=0.03),
    fee=st.floats(min_value=0, max_value=0.002),
    slip=st.floats(min_value=0, max_value=0.01),
    step=st.sampled_from([1.0, 0.1, 0.01, 0.001, 1e-5, 5.0, 0.25]),
)
def test_risk_after_rounding_and_costs_never_exceeds_budget(
    equity: float, entry: float, stop_frac: float, side: str, risk: float, fee: float,
    slip: float, step: float,
) -> None:
    stop = entry * (1 - stop_frac) if side == "long" else entry * (1 + stop_frac)
    contract = spec(step=step, min_amount=step, min_notional=0.0001)
    try:
        result = position_size(equity_usd=equity, entry_price_usd=entry, stop_price_usd=stop,
                               side=side, risk_fraction=risk, taker_fee_rate=fee,
                               stop_slippage_rate=slip, contract=contract)
    except TradeRefused:
        # refused only when even one step would break the budget (or the notional minimum)
        one_step_risk = step * (abs(entry - stop) + entry * fee + stop * (fee + slip))
        assert one_step_risk > equity * risk or step * entry < 0.0001
        return
    # Independent recomputation of the loss at the stop from the returned quantity:
    loss = result.quantity_base * (abs(entry - stop) + entry * fee + stop * (fee + slip))
    budget = equity * risk
    assert loss <= budget * (1 + 1e-9)  # 1e-9: decimal-safe flooring tolerance, far below 1 cent
    assert result.risk_usd <= result.risk_budget_usd * (1 + 1e-9)
    assert result.quantity_base > 0 and math.isfinite(result.quantity_base)
    # rounding never costs more than one step
    assert result.unrounded_quantity_base - result.quantity_base < step * (1 + 1e-9)
    steps = result.quantity_base / step
    assert abs(steps - round(steps)) <= 1e-9 * max(1.0, steps)
