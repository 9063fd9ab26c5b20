"""Rebalance orders: ATR stops, risk-engine sizing, leverage, stop inside the liquidation."""

from __future__ import annotations

import math

import pytest

from rotation_addin.core.brackets import default_bracket_table
from rotation_addin.core.errors import TradeRefused
from rotation_addin.core.orders import (
    ACTION_CLOSE,
    ACTION_INCREASE,
    ACTION_OPEN,
    ACTION_REDUCE,
    MarketSnapshot,
    close_order,
    increase_order,
    open_order,
    protective_levels,
    refusal_from_error,
)
from rotation_addin.core.rotation import PlanParameters, Position, Target
from rotation_addin.core.types import ContractSpec, Side
from tests.core.plan_fixtures import utc


def _snapshot(price: float = 100.0, atr: float = 5.0, vol: float = 0.04, *,
              step: float = 0.001, min_notional: float = 5.0, base: str = "FET") -> MarketSnapshot:
    contract = ContractSpec(symbol=f"{base}/USDT:USDT", base=base, amount_step=step,
                            min_amount=step, min_notional_usd=min_notional, price_tick=0.01)
    return MarketSnapshot(base, f"{base}/USDT:USDT", "ai_inference", price, atr, vol, contract,
                          default_bracket_table(base))


def _target(side: Side = Side.LONG, risk: float = 0.02) -> Target:
    return Target("FET", "ai_inference", side, "leader", 1.0, risk, "test")


def test_protective_levels_are_m_and_k_atrs_away() -> None:
    params = PlanParameters(atr_stop_multiple=2.0, take_profit_atr_multiple=3.0)
    assert protective_levels(Side.LONG, 100.0, 5.0, params) == (90.0, 115.0)
    assert protective_levels(Side.SHORT, 100.0, 5.0, params) == (110.0, 85.0)
    with pytest.raises(TradeRefused, match="at or below 0"):
        protective_levels(Side.LONG, 100.0, 60.0, params)


def test_open_order_size_matches_the_risk_formula_by_hand() -> None:
    params = PlanParameters(equity_usd=10_000.0, risk_fraction=0.02, max_leverage=5.0)
    order = open_order(_target(), _snapshot(), params)
    # stop = 100 - 2 x 5 = 90; per-unit loss = |100 - 90| + 100 x 0.0005 + 90 x (0.0005 + 0.0005)
    #   = 10 + 0.05 + 0.09 = 10.14; budget 200 -> 19.7238... -> floor to 0.001 = 19.723
    assert order.action == ACTION_OPEN and order.order_side == "buy"
    assert order.stop_price_usd == 90.0 and order.take_profit_price_usd == 115.0
    assert order.quantity_base == pytest.approx(19.723)
    assert order.notional_usd == pytest.approx(1972.3)
    assert order.risk_usd == pytest.approx(19.723 * 10.14)
    assert order.risk_usd <= 200.0
    # safe leverage: floor(1 / (3 x 0.04 x 1 + 0.02 + MMR 0.0065)) = floor(6.83) = 6 -> capped 5
    assert order.leverage == 5.0
    assert order.margin_usd == pytest.approx(1972.3 / 5)
    assert order.liquidation_price_usd is not None
    assert order.liquidation_price_usd < order.stop_price_usd < order.entry_price_usd


def test_short_order_has_stop_between_entry_and_liquidation() -> None:
    params = PlanParameters(max_leverage=5.0)
    order = open_order(_target(Side.SHORT, 0.01), _snapshot(), params)
    assert order.order_side == "sell"
    assert order.entry_price_usd < order.stop_price_usd < order.liquidation_price_usd  # type: ignore[operator]
    assert order.risk_usd <= 0.01 * params.equity_usd


def test_leverage_is_lowered_until_the_stop_sits_inside_liquidation() -> None:
    # Quiet coin (sigma 0.5 %/day) -> safe leverage ~ floor(1/(0.015+0.02+0.0065)) = 24, capped
    # at 20; but a 2 x 5 = 10 % stop is beyond a 20x liquidation (~4.4 % away).
    params = PlanParameters(max_leverage=20.0)
    order = open_order(_target(), _snapshot(vol=0.005), params)
    assert order.leverage is not None and order.leverage < 20
    # liquidation distance ~ 1/L - MMR must exceed the 10 % stop distance
    assert 1.0 / order.leverage - 0.0065 > 0.10
    assert order.liquidation_price_usd < order.stop_price_usd  # type: ignore[operator]
    assert any("lowered" in w for w in order.warnings)


def test_exchange_minimum_is_a_refusal_with_its_rule() -> None:
    params = PlanParameters(equity_usd=10_000.0)
    with pytest.raises(TradeRefused) as info:
        open_order(_target(), _snapshot(min_notional=1_000_000.0), params)
    refusal = refusal_from_error("FET/USDT:USDT", info.value)
    assert refusal.rule == "exchange-minimum"
    assert refusal.symbol == "FET/USDT:USDT"


def test_risk_fraction_override_scales_the_size_down() -> None:
    params = PlanParameters()
    full = open_order(_target(), _snapshot(), params)
    half = open_order(_target(), _snapshot(), params, risk_fraction=0.01)
    assert half.quantity_base == pytest.approx(math.floor(full.quantity_base / 2 * 1000) / 1000,
                                               abs=0.0011)
    assert half.risk_usd <= 100.0


def _position(side: Side, qty: float) -> Position:
    return Position("FET", side, qty, 90.0, None, None, utc(2026, 11, 1))


def test_close_and_reduce_orders() -> None:
    snap = _snapshot(step=1.0)
    full = close_order(_position(Side.LONG, 3.0), snap, role="take-profit", reason="tp")
    assert (full.action, full.quantity_base, full.order_side) == (ACTION_CLOSE, 3.0, "sell")
    assert full.notional_usd == pytest.approx(300.0) and full.risk_usd == 0.0
    # half of 3 with step 1 -> floor(1.5) = 1 unit, 2 remain (>= min 1): a reduction
    cut = close_order(_position(Side.SHORT, 3.0), snap, fraction=0.5, role="tp", reason="cut")
    assert (cut.action, cut.quantity_base, cut.order_side) == (ACTION_REDUCE, 1.0, "buy")
    # half of 1 with step 1 -> 0: closes the whole position instead
    tiny = close_order(_position(Side.LONG, 1.0), snap, fraction=0.5, role="tp", reason="cut")
    assert (tiny.action, tiny.quantity_base) == (ACTION_CLOSE, 1.0)


def _held(qty: float, entry: float = 95.0, stop: float | None = 90.0,
          side: Side = Side.LONG) -> Position:
    return Position("FET", side, qty, entry, stop, None, utc(2026, 11, 1))


def test_increase_tops_up_to_the_target_budget_with_the_same_stop() -> None:
    params = PlanParameters(equity_usd=10_000.0, risk_fraction=0.02, max_leverage=5.0)
    order = increase_order(_held(5.0), _target(), _snapshot(), params)
    # held loss = 5 x (95 - 90) + 5 x 90 x (0.0005 + 0.0005) = 25.45; room = 200 - 25.45
    # new units lose 10 + 100 x 0.0005 + 90 x 0.001 = 10.14 each -> 174.55 / 10.14 = 17.214
    assert order is not None and order.action == ACTION_INCREASE
    assert order.order_side == "buy" and order.stop_price_usd == 90.0
    assert order.quantity_base == pytest.approx(17.214)
    assert order.risk_usd == pytest.approx(17.214 * 10.14)
    assert order.position_risk_usd == pytest.approx(25.45 + 17.214 * 10.14)
    assert order.position_risk_usd <= 200.0
    # the combined position's liquidation stays beyond the stop
    assert order.liquidation_price_usd is not None and order.liquidation_price_usd < 90.0


@pytest.mark.parametrize("held, price", [
    (_held(30.0), 100.0),                      # already uses 150.9 of 200: < 25 % left
    (_held(5.0), 89.0),                        # stop already crossed
    (_held(5.0, stop=None), 100.0),            # no stop: reported by the stop rule instead
    (_held(5.0, 105.0, 110.0, Side.SHORT), 100.0),  # opposite side to the target
])
def test_increase_is_skipped_when_nothing_sensible_to_add(held: Position, price: float) -> None:
    assert increase_order(held, _target(), _snapshot(price=price), PlanParameters()) is None
