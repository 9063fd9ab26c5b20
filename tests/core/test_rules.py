"""Discipline rules, each on its own, then together and with the portfolio cap."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from rotation_addin.core.brackets import default_bracket_table
from rotation_addin.core.orders import MarketSnapshot, RebalanceOrder, close_order, open_order
from rotation_addin.core.rotation import ClosedTrade, PlanParameters, Position, PositionBook, Target
from rotation_addin.core.rules import (
    RULE_COOLDOWN,
    RULE_MAX_OPEN,
    RULE_MIN_EQUITY,
    RULE_RISK_CAP,
    RULE_STOP_REQUIRED,
    RULE_STRESSED,
    apply_discipline,
    check_cooldown,
    check_minimum_equity,
    check_risk_cap,
    check_stop_required,
    enforce_portfolio_risk_cap,
    recent_losses,
)
from rotation_addin.core.types import ContractSpec, Side
from rotation_addin.core.universe import Universe
from tests.core.plan_fixtures import SECTORS, utc

UNIVERSE = Universe(sectors=SECTORS)
AS_OF = utc(2026, 11, 25)


def _snapshot(base: str, price: float = 100.0, atr: float = 5.0) -> MarketSnapshot:
    contract = ContractSpec(symbol=f"{base}/USDT:USDT", base=base, price_tick=0.01)
    return MarketSnapshot(base, f"{base}/USDT:USDT", UNIVERSE.sector_of(base), price, atr, 0.04,
                          contract, default_bracket_table(base))


def _target(base: str, conviction: float = 1.0, risk: float = 0.02) -> Target:
    return Target(base, UNIVERSE.sector_of(base), Side.LONG, "leader", conviction, risk, "t")


def _open(base: str, conviction: float = 1.0, params: PlanParameters | None = None,
          risk: float = 0.02) -> RebalanceOrder:
    return open_order(_target(base, conviction, risk), _snapshot(base), params or PlanParameters())


def _loss(base: str, days_ago: float, pnl: float = -50.0) -> ClosedTrade:
    closed = AS_OF - timedelta(days=days_ago)
    return ClosedTrade(base, Side.LONG, 1.0, 100.0, 50.0, closed - timedelta(days=1), closed, pnl)


def test_minimum_equity_blocks_new_risk_only() -> None:
    low = PlanParameters(equity_usd=4_000.0, min_equity_usd=5_000.0)
    refusal = check_minimum_equity(_open("FET", params=low), low)
    assert refusal is not None and refusal.rule == RULE_MIN_EQUITY
    assert "4,000.00" in refusal.detail
    close = close_order(Position("FET", Side.LONG, 1.0, 90.0, 80.0, None, AS_OF), _snapshot("FET"),
                        role="exit", reason="x")
    assert check_minimum_equity(close, low) is None
    assert check_minimum_equity(_open("FET"), PlanParameters()) is None


def test_stop_required_and_on_the_losing_side() -> None:
    order = _open("FET")
    assert check_stop_required(order) is None
    missing = dataclasses.replace(order, stop_price_usd=None)
    wrong_side = dataclasses.replace(order, stop_price_usd=order.entry_price_usd * 1.1)
    for bad in (missing, wrong_side):
        refusal = check_stop_required(bad)
        assert refusal is not None and refusal.rule == RULE_STOP_REQUIRED


def test_risk_cap_is_max_risk_fraction_of_equity() -> None:
    params = PlanParameters(equity_usd=10_000.0, max_risk_fraction=0.03)
    order = _open("FET")
    assert check_risk_cap(order, params) is None
    too_big = dataclasses.replace(order, risk_usd=300.01)  # cap = 0.03 x 10,000 = 300
    refusal = check_risk_cap(too_big, params)
    assert refusal is not None and refusal.rule == RULE_RISK_CAP


@pytest.mark.parametrize("days_ago, pnl, blocked", [
    (2.0, -50.0, True),    # loss 2 days ago, cool-down 3 days: blocked
    (2.99, -1.0, True),
    (3.0, -50.0, False),   # exactly 3 days: cool-down over
    (1.0, +80.0, False),   # a win never blocks
])
def test_cooldown_after_a_loss_in_the_same_sector(days_ago: float, pnl: float,
                                                  blocked: bool) -> None:
    params = PlanParameters(cooldown_days=3)
    # TAO is in ai_inference, like FET: the loss blocks the sector, not only the symbol
    losses = recent_losses([_loss("TAO", days_ago, pnl)], UNIVERSE.sector_of, AS_OF, 3)
    refusal = check_cooldown(_open("FET"), losses, params, AS_OF)
    assert (refusal is not None) == blocked
    if refusal is not None:
        assert refusal.rule == RULE_COOLDOWN and "ai_inference" in refusal.detail
    assert check_cooldown(_open("LTC"), losses, params, AS_OF) is None  # other sector


def test_unknown_journal_symbols_are_ignored_by_the_cooldown() -> None:
    assert recent_losses([_loss("DOGE", 1.0)], UNIVERSE.sector_of, AS_OF, 3) == {}


def test_max_open_positions_counts_holdings_after_closes_in_conviction_order() -> None:
    params = PlanParameters(max_open_positions=3)
    held = tuple(Position(b, Side.LONG, 1.0, 100.0, 90.0, None, AS_OF) for b in ("LTC", "BCH"))
    book = PositionBook(positions=held)
    close_ltc = close_order(held[0], _snapshot("LTC"), role="exit", reason="x")
    orders = [close_ltc, _open("FET", 0.5), _open("AKT", 2.0), _open("RENDER", 1.0)]
    allowed, refusals = apply_discipline(orders, book, params, as_of=AS_OF,
                                         sector_of=UNIVERSE.sector_of)
    # after the close 1 position (BCH) remains: room for 2 opens -> AKT (2.0), RENDER (1.0)
    assert {o.base for o in allowed if o.adds_risk} == {"AKT", "RENDER"}
    assert close_ltc in allowed
    assert [(r.symbol, r.rule) for r in refusals] == [("FET/USDT:USDT", RULE_MAX_OPEN)]


def test_held_position_without_stop_is_reported() -> None:
    book = PositionBook(positions=(Position("LTC", Side.LONG, 1.0, 100.0, None, None, AS_OF),))
    _allowed, refusals = apply_discipline([], book, PlanParameters(), as_of=AS_OF,
                                          sector_of=UNIVERSE.sector_of)
    assert [(r.symbol, r.rule) for r in refusals] == [("LTC", RULE_STOP_REQUIRED)]


def test_portfolio_cap_scales_lowest_conviction_and_fits() -> None:
    # cap 2 % of 10,000 = 200; held LTC loses 10 x (100-90) + 10 x 90 x 0.001 = 100.9 at its stop
    params = PlanParameters(portfolio_risk_cap_fraction=0.02)
    book = PositionBook(positions=(Position("LTC", Side.LONG, 10.0, 100.0, 90.0, None, AS_OF),))
    high, low = _open("FET", 2.0, risk=0.005), _open("AKT", 1.0, risk=0.01)
    targets = {"FET": _target("FET", 2.0, 0.005), "AKT": _target("AKT", 1.0, 0.01)}
    snaps = {b: _snapshot(b) for b in ("FET", "AKT", "LTC")}
    kept, refusals, check = enforce_portfolio_risk_cap([high, low], book, params,
                                                       targets=targets, snapshots=snaps)
    by_base = {o.base: o for o in kept}
    assert by_base["FET"] == high  # highest conviction untouched
    assert by_base["AKT"].quantity_base < low.quantity_base  # scaled down
    held_loss = 10 * 10 + 10 * 90 * 0.001
    total = held_loss + sum(o.risk_usd for o in kept)
    assert total <= 200.0 + 1e-6
    assert check.loss_before_usd == pytest.approx(held_loss + high.risk_usd + low.risk_usd)
    assert refusals == ()


def test_portfolio_cap_refuses_when_nothing_fits() -> None:
    params = PlanParameters(portfolio_risk_cap_fraction=0.01)  # 100 USD
    book = PositionBook(positions=(Position("LTC", Side.LONG, 20.0, 100.0, 90.0, None, AS_OF),))
    order = _open("FET")
    kept, refusals, check = enforce_portfolio_risk_cap(
        [order], book, params, targets={"FET": _target("FET")}, snapshots={})
    assert kept == ()
    assert [(r.symbol, r.rule) for r in refusals] == [("FET/USDT:USDT", RULE_STRESSED)]
    assert check.warnings
