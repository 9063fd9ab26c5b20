"""Scenario tests: small markets where the right answer is obvious, through ``daily_report``."""

from __future__ import annotations

from datetime import timedelta

from rotation_addin.core.report import DailyReport, daily_report
from rotation_addin.core.rotation import (
    ROLE_HEDGE,
    ROLE_LEADER,
    ROLE_REALLOCATION,
    ClosedTrade,
    PlanParameters,
    Position,
    PositionBook,
)
from rotation_addin.core.types import Side
from tests.core.plan_fixtures import MarketSpec, build_market


def _opens(report: DailyReport, side: Side | None = None) -> list[str]:
    return [o.sector for o in report.plan.orders
            if o.adds_risk and (side is None or o.side is side)]


def test_sector_leading_with_rising_volume_is_the_long_target() -> None:
    market = build_market(MarketSpec(drift={"ai_inference": 0.01},
                                     volume_boost={"ai_inference": 2.0}))
    report = daily_report(market)
    assert report.regime.label == "risk-on"
    assert report.sectors[0].sector == "ai_inference"
    assert "rising-volume" in report.sectors[0].flags
    leaders = [t for t in report.plan.targets if t.role == ROLE_LEADER]
    assert [t.sector for t in leaders] == ["ai_inference"]
    assert _opens(report, Side.LONG) == ["ai_inference"]
    order = report.plan.orders[0]
    assert order.base in ("FET", "TAO") and "ranked #1" in order.reason
    assert report.source == "test market"


def test_fomo_divergence_is_flagged_avoided_and_hedged() -> None:
    # mining has the best momentum AND retail FOMO (D >= theta): no long, a half-risk short,
    # and an existing mining long is closed. The clean leader gets the long.
    market = build_market(MarketSpec(drift={"mining": 0.015, "render": 0.006},
                                     volume_boost={"render": 1.5}, divergence={"mining": 3.0}))
    ltc = float(market.close["LTC"].iloc[-1])
    held = Position("LTC", Side.LONG, 5.0, ltc * 0.98, ltc * 0.9, ltc * 1.5,
                    market.as_of - timedelta(days=10))
    report = daily_report(market, [held])
    mining = next(s for s in report.sectors if s.sector == "mining")
    assert mining.over_extended and mining.divergence >= 2.0
    assert "mining" not in _opens(report, Side.LONG)
    hedge = [t for t in report.plan.targets if t.role == ROLE_HEDGE]
    assert [(t.sector, t.side) for t in hedge] == [("mining", Side.SHORT)]
    leader = next(t for t in report.plan.targets if t.role == ROLE_LEADER)
    assert hedge[0].risk_fraction == leader.risk_fraction / 2
    assert leader.sector == "render"
    # the held LTC long is closed (FOMO exit); the hedge then opens short, never long
    ltc_orders = [(o.action, o.order_side, o.side) for o in report.plan.orders if o.base == "LTC"]
    assert ltc_orders[0] == ("close", "sell", Side.LONG)
    assert "FOMO" in next(o.reason for o in report.plan.orders if o.base == "LTC")
    mining_opens = [o for o in report.plan.orders if o.adds_risk and o.sector == "mining"]
    assert mining_opens and all(o.side is Side.SHORT for o in mining_opens)
    assert mining_opens[0].risk_usd <= 0.01 * 10_000 + 1e-6  # half of the 2 % budget


def test_risk_off_regime_on_a_stress_day_opens_no_alt_longs() -> None:
    market = build_market(MarketSpec(drift={"ai_inference": 0.01},
                                     volume_boost={"ai_inference": 2.0},
                                     macro="risk-off", crash_last_day=-0.12))
    report = daily_report(market)
    assert report.regime.label == "risk-off" and not report.regime.rotation_enabled
    assert _opens(report, Side.LONG) == []
    assert any("risk-off" in n for n in report.plan.notes)
    assert all("regime-gated" in s.flags for s in report.sectors)
    assert report.plan.stressed_loss_usd <= report.plan.portfolio_risk_cap_usd + 1e-9


def test_take_profit_hit_moves_budget_to_best_sector_with_rising_volume() -> None:
    # gpu_compute leads on momentum but its volume is falling; ai_inference has rising volume
    # and a mildly positive divergence: the freed budget must go there.
    market = build_market(MarketSpec(
        drift={"gpu_compute": 0.02, "ai_inference": 0.004, "render": 0.002},
        volume_boost={"gpu_compute": 0.6, "ai_inference": 1.8},
        divergence={"ai_inference": 0.5}))
    price = float(market.close["RENDER"].iloc[-1])
    held = Position("RENDER", Side.LONG, 100.0, price * 0.8, price * 0.7, price * 0.95,
                    market.as_of - timedelta(days=20))
    report = daily_report(market, PositionBook(positions=(held,)), PlanParameters(top_n_long=1))
    assert [h.base for h in report.plan.take_profit_hits] == ["RENDER"]
    close = next(o for o in report.plan.orders if o.base == "RENDER")
    assert close.action == "close" and "take-profit" in close.reason
    leader = next(t for t in report.plan.targets if t.role == ROLE_LEADER)
    assert leader.sector == "gpu_compute"
    realloc = [t for t in report.plan.targets if t.role == ROLE_REALLOCATION]
    assert [t.sector for t in realloc] == ["ai_inference"]
    ai = next(s for s in report.sectors if s.sector == "ai_inference")
    assert ai.volume_trend > 1 and ai.divergence >= 0
    assert "ai_inference" in _opens(report, Side.LONG)


def test_loss_in_sector_within_cooldown_is_refused_with_its_rule() -> None:
    market = build_market(MarketSpec(drift={"ai_inference": 0.01},
                                     volume_boost={"ai_inference": 2.0}))
    closed = market.as_of - timedelta(days=1)
    loss = ClosedTrade("TAO", Side.LONG, 1.0, 420.0, 400.0, closed - timedelta(days=3), closed,
                       -20.0, "stopped out")
    report = daily_report(market, PositionBook(closed_trades=(loss,)),
                          PlanParameters(cooldown_days=3))
    assert "ai_inference" not in _opens(report)
    rules = {r.rule for r in report.plan.refusals}
    assert "cool-down" in rules
    refusal = next(r for r in report.plan.refusals if r.rule == "cool-down")
    assert "ai_inference" in refusal.detail and "TAO" in refusal.detail
    # after the cool-down the same plan opens it
    later = daily_report(market, PositionBook(closed_trades=(loss,)),
                         PlanParameters(cooldown_days=1))
    assert "ai_inference" in _opens(later)


def test_below_minimum_equity_nothing_is_opened() -> None:
    market = build_market(MarketSpec(drift={"ai_inference": 0.01}))
    report = daily_report(market, None, PlanParameters(equity_usd=2_000.0))
    assert _opens(report) == []
    assert {r.rule for r in report.plan.refusals} == {"minimum-equity"}


def test_small_position_in_the_leading_sector_is_topped_up() -> None:
    market = build_market(MarketSpec(drift={"ai_inference": 0.01},
                                     volume_boost={"ai_inference": 2.0}))
    first = daily_report(market)
    leader = first.plan.orders[0]
    held = Position(leader.base, Side.LONG, leader.quantity_base / 10, leader.entry_price_usd,
                    leader.stop_price_usd, None, market.as_of - timedelta(days=2))
    report = daily_report(market, [held])
    increases = [o for o in report.plan.orders if o.action == "increase"]
    assert [o.base for o in increases] == [leader.base]
    # held 1/10 of the size: the top-up brings the whole position back to about the budget
    assert increases[0].position_risk_usd <= 0.02 * 10_000 + 1e-6
    assert increases[0].quantity_base > 8 * held.quantity_base
    assert not any(o.action == "open" and o.base == leader.base for o in report.plan.orders)


def test_take_profit_in_risk_off_keeps_the_freed_budget_in_cash() -> None:
    market = build_market(MarketSpec(drift={"ai_inference": 0.004},
                                     volume_boost={"ai_inference": 1.8},
                                     divergence={"ai_inference": 0.5}, macro="risk-off"))
    price = float(market.close["RENDER"].iloc[-1])
    held = Position("RENDER", Side.LONG, 100.0, price * 0.8, price * 0.7, price * 0.95,
                    market.as_of - timedelta(days=20))
    report = daily_report(market, [held])
    assert [o.action for o in report.plan.orders if o.base == "RENDER"] == ["close"]
    assert _opens(report, Side.LONG) == []
    assert not [t for t in report.plan.targets if t.role == ROLE_REALLOCATION]
    assert any("risk-off: kept in cash" in n for n in report.plan.notes)


def test_short_held_in_the_sector_now_led_is_closed() -> None:
    market = build_market(MarketSpec(drift={"ai_inference": 0.01},
                                     volume_boost={"ai_inference": 2.0}))
    tao = float(market.close["TAO"].iloc[-1])
    held = Position("TAO", Side.SHORT, 1.0, tao * 1.01, tao * 1.1, None,
                    market.as_of - timedelta(days=3))
    report = daily_report(market, [held])
    close = [o for o in report.plan.orders if o.base == "TAO"]
    assert [(o.action, o.order_side) for o in close] == [("close", "buy")]
    assert "now a long target" in close[0].reason
    assert _opens(report, Side.LONG) == ["ai_inference"]
