"""Minimum-capital check: hand-worked cases and validation."""

from __future__ import annotations

from typing import Any

import pytest

from rotation_addin.core.capital import minimum_capital_check
from rotation_addin.core.errors import InputError
from rotation_addin.core.sizing import position_size
from rotation_addin.core.types import ContractSpec

BTC = ContractSpec(symbol="BTC/USDT:USDT", base="BTC", amount_step=0.001, min_amount=0.001,
                   min_notional_usd=100.0)


def test_small_account_fails_both_rules() -> None:
    # BTC 60,000, stop 57,000: per unit = 3,000 + 30 + 57 = 3,087.
    # smallest order: max(ceil(100/60,000 to 0.001) = 0.002, 0.001) = 0.002 BTC (120 USD)
    # risk = 0.002 * 3,087 = 6.174 USD; equity needed at 2 % = 308.70 USD.
    check = minimum_capital_check(equity_usd=200, entry_price_usd=60_000,
                                  stop_price_usd=57_000, contract=BTC)
    assert check.smallest_quantity_base == pytest.approx(0.002)
    assert check.smallest_notional_usd == pytest.approx(120.0)
    assert check.smallest_trade_risk_usd == pytest.approx(6.174)
    assert check.equity_needed_usd == pytest.approx(308.70)
    assert not check.meets_risk_rule and not check.meets_min_equity and not check.ok
    assert any("5,000" in w for w in check.warnings)
    assert any("308.70" in w for w in check.warnings)


def test_adequate_account_passes_and_agrees_with_sizing() -> None:
    check = minimum_capital_check(equity_usd=10_000, entry_price_usd=60_000,
                                  stop_price_usd=57_000, contract=BTC)
    assert check.ok and check.warnings == ()
    # the sizing engine accepts a trade exactly at the needed equity (same arithmetic)
    at_limit = position_size(equity_usd=check.equity_needed_usd * 1.000001,
                             entry_price_usd=60_000, stop_price_usd=57_000, side="long",
                             contract=BTC)
    assert at_limit.quantity_base == pytest.approx(0.002)


def test_short_side_inferred_from_stop() -> None:
    # short at 2.0, stop 2.2 on a generic contract (step 0.001, 5 USD min notional):
    # smallest = 2.5 units; per unit 0.2 + 0.001 + 2.2*0.001 = 0.2032 -> risk 0.508 USD
    check = minimum_capital_check(equity_usd=6_000, entry_price_usd=2.0, stop_price_usd=2.2)
    assert check.smallest_quantity_base == pytest.approx(2.5)
    assert check.smallest_trade_risk_usd == pytest.approx(0.508)
    assert check.ok
    assert any("generic" in w for w in check.warnings)


BAD: list[tuple[dict[str, Any], str]] = [
    ({"equity_usd": float("nan")}, "equity_usd"),
    ({"equity_usd": 0}, "equity_usd"),
    ({"entry_price_usd": -1}, "entry_price_usd"),
    ({"stop_price_usd": 100}, "stop_price_usd"),
    ({"stop_price_usd": 110, "side": "long"}, "stop_price_usd"),
    ({"risk_fraction": 0}, "risk_fraction"),
    ({"min_equity_usd": -5}, "min_equity_usd"),
    ({"taker_fee_rate": float("inf")}, "taker_fee_rate"),
    ({"side": "flat"}, "side"),
    ({"contract": 3}, "contract"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_invalid_inputs_name_the_field(change: dict[str, Any], field: str) -> None:
    kwargs: dict[str, Any] = {"equity_usd": 10_000, "entry_price_usd": 100, "stop_price_usd": 95}
    kwargs.update(change)
    with pytest.raises(InputError) as info:
        minimum_capital_check(**kwargs)
    assert info.value.field == field
