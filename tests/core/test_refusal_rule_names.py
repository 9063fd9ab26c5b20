"""A plan order refused because its size's bracket allows less leverage than it asks is
filed under ``leverage-above-bracket``: it was ``stop-before-liquidation``, a rule about the
stop, beside a detail about the leverage (``rotation plan --equity 1e12``)."""

from __future__ import annotations

import pytest

from rotation_addin.core.errors import InputError, TradeRefused
from rotation_addin.core.orders import RULE_LEVERAGE_BRACKET, refusal_from_error
from tests.cli_helpers import run_json


def test_a_huge_plan_names_the_bracket_rule(capsys: pytest.CaptureFixture[str]) -> None:
    plan = run_json(capsys, "plan", "--source", "demo", "--equity", "1e12", "--json")
    by_leverage = [r for r in plan["refusals"] if r["detail"].startswith("leverage:")]
    assert by_leverage, plan["refusals"]
    assert {r["rule"] for r in by_leverage} == {RULE_LEVERAGE_BRACKET}
    assert all("exceeds the" in r["detail"] and "maximum" in r["detail"] for r in by_leverage)


@pytest.mark.parametrize(("field", "rule"), [
    ("leverage", RULE_LEVERAGE_BRACKET), ("stop_price_usd", "stop-before-liquidation"),
    ("atr_usd", "no-market-data"), ("min_notional_usd", "exchange-minimum")])
def test_each_engine_field_maps_to_its_rule(field: str, rule: str) -> None:
    for error in (TradeRefused(field, "x"), InputError(field, "x")):
        assert refusal_from_error("RENDER", error).rule == rule
