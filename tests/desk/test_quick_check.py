"""The desk's quick check against hand calculations (the one composition every surface calls)."""

from __future__ import annotations

import math

import pytest

from rotation_addin.core.brackets import default_bracket_table
from rotation_addin.core.errors import TradeRefused
from rotation_addin.core.types import Side
from rotation_addin.data.settings import Settings
from rotation_addin.desk.quick_check import (
    QuickCheckRequest,
    brackets_for,
    quick_check,
    request_from_settings,
    safe_leverage_cap,
)


def _request(**changes: object) -> QuickCheckRequest:
    values: dict[str, object] = dict(
        equity_usd=10_000.0, entry_price_usd=100.0, stop_price_usd=95.0, side=Side.LONG,
        brackets=default_bracket_table("default"), risk_fraction=0.01, leverage=5.0,
        daily_vol=0.05)
    values.update(changes)
    return QuickCheckRequest(**values)  # type: ignore[arg-type]


def test_size_liquidation_and_safe_leverage_by_hand() -> None:
    checked = quick_check(_request())
    # per unit at the stop: |100 - 95| + 100 x 0.0005 + 95 x (0.0005 + 0.0005) = 5.145 USD;
    # 1 % of 10,000 = 100 USD -> 100 / 5.145 units (no contract: no rounding)
    quantity = 100 / 5.145
    assert checked.size.quantity_base == pytest.approx(quantity, rel=1e-12)
    assert checked.size.margin_usd == pytest.approx(quantity * 100 / 5, rel=1e-12)
    # isolated long, first bracket of the mid-cap table (MMR 0.65 %, cum 0):
    # LP = E (1 - 1/L) / (1 - MMR) = 100 x 0.8 / 0.9935
    mmr = checked.brackets.brackets[0].maintenance_margin_rate
    first = checked.brackets.brackets[0]
    assert mmr == 0.0065 and checked.size.notional_usd < first.cap_notional_usd
    assert checked.liquidation.liquidation_price_usd == pytest.approx(80 / 0.9935, rel=1e-9)
    # L = floor(1 / (k sigma sqrt(h) + gap + MMR)) = floor(1 / (0.15 + 0.02 + 0.0065)) = 5
    assert checked.safe_leverage is not None
    assert checked.safe_leverage.leverage == math.floor(1 / (3 * 0.05 + 0.02 + 0.0065)) == 5
    assert checked.capital is None  # only when min_equity_usd is given
    assert checked.stop_check_text.startswith("yes")


def test_a_stop_beyond_liquidation_is_refused_and_leverage_above_safe_warns() -> None:
    # at 20x a long from 100 is liquidated at 100 x 0.95 / 0.9935 = 95.62, above a 95 stop
    with pytest.raises(TradeRefused, match="stop"):
        quick_check(_request(leverage=20.0))
    # 6x is safe for the stop (LP 84.6 < 95) but above the safe 5x: one warning says so
    checked = quick_check(_request(leverage=6.0))
    assert any("above the safe leverage 5.00×" in w for w in checked.warnings)


def test_settings_supply_every_default_and_the_contract_caps_the_safe_leverage() -> None:
    settings = Settings(risk_fraction=0.015, taker_fee_rate=0.0004, vol_k_sigma=2.0)
    request = request_from_settings(settings, equity_usd=1.0e4, entry_price_usd=100.0,
                                    stop_price_usd=95.0, side="long",
                                    brackets=brackets_for(None, "RENDER"))
    assert (request.risk_fraction, request.taker_fee_rate, request.k_sigma) == (0.015, 0.0004, 2.0)
    assert request.brackets.source.startswith("bundled defaults")
    from rotation_addin.core.types import ContractSpec

    contract = ContractSpec(symbol="X/USDT:USDT", base="X", max_leverage=20.0)
    assert safe_leverage_cap(contract, request.brackets) == min(20.0,
                                                                request.brackets.max_leverage)
    assert safe_leverage_cap(None, request.brackets) is None
