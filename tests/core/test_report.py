"""daily_report: the correlation picture against pandas/NumPy, and the discipline property on
the demo market (several seeds and equities, each rule re-checked independently here)."""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import InputError
from rotation_addin.core.report import (
    DailyReport,
    correlation_picture,
    daily_report,
    member_stats,
)
from rotation_addin.core.returns import relative_returns
from rotation_addin.core.rotation import ClosedTrade, PlanParameters, Position, PositionBook
from rotation_addin.core.types import Side
from rotation_addin.data.demo import demo_dataset
from tests.core.plan_fixtures import MarketSpec, build_market


def test_correlation_picture_matches_pandas() -> None:
    market = build_market(MarketSpec(drift={"render": 0.004}))
    returns = pd.DataFrame(np.log(market.close)).diff().iloc[1:]
    picture = correlation_picture(returns, market.universe, 30)
    trading = ["render", "gpu_compute", "ai_inference", "mining"]
    members = {s: list(market.universe.sectors[s]) for s in trading}
    index = pd.DataFrame({s: returns[m].mean(axis=1) for s, m in members.items()})
    expected = index.iloc[-30:].corr()
    assert list(picture.sector_matrix_usd.columns) == trading
    np.testing.assert_allclose(picture.sector_matrix_usd.to_numpy(), expected.to_numpy(),
                               atol=1e-12)
    rel = index.sub(returns["BTC"], axis=0).iloc[-30:].corr()
    np.testing.assert_allclose(picture.sector_matrix_relative.to_numpy(), rel.to_numpy(),
                               atol=1e-12)
    # beta = cov / var (NumPy polyfit slope) over the last 90 days, R^2 = corr^2
    tail = index.iloc[-90:]
    btc = returns["BTC"].iloc[-90:]
    slope = np.polyfit(btc, tail["render"], 1)[0]
    assert picture.betas.loc["render", "beta"] == pytest.approx(slope, rel=1e-9)
    assert picture.betas.loc["render", "r_squared"] == pytest.approx(
        np.corrcoef(btc, tail["render"])[0, 1] ** 2, rel=1e-9)
    assert set(picture.betas.index) == set(trading)
    # every member of the fixture loads 1.2 on BTC: no natural hedges in USD terms
    assert picture.natural_hedges_usd == ()


def test_member_stats_are_7d_relative_momentum_and_30d_volume() -> None:
    market = build_market()
    returns = pd.DataFrame(np.log(market.close)).diff().iloc[1:]
    stats = member_stats(market, relative_returns(returns, "BTC"))
    fet = next(m for m in stats["ai_inference"] if m.base == "FET")
    expected = math.log(market.close["FET"].iloc[-1] / market.close["FET"].iloc[-8]) - math.log(
        market.close["BTC"].iloc[-1] / market.close["BTC"].iloc[-8])
    assert fet.momentum_7d == pytest.approx(expected, abs=1e-12)
    assert fet.avg_volume_usd == pytest.approx(market.volume_usd["FET"].tail(30).mean())


def test_bad_inputs_name_their_field() -> None:
    market = build_market()
    with pytest.raises(InputError, match="dataset"):
        daily_report("not a dataset")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="params"):
        daily_report(market, None, {"equity_usd": 1})  # type: ignore[arg-type]
    with pytest.raises(InputError, match="positions"):
        daily_report(market, ["LTC"])  # type: ignore[list-item]


def test_report_without_macro_or_sentiment_still_plans() -> None:
    market = build_market(MarketSpec(drift={"ai_inference": 0.01}))
    bare = dataclasses.replace(market, macro=pd.DataFrame(), social_volume=pd.DataFrame(),
                               onchain_activity=pd.DataFrame())
    report = daily_report(bare)
    assert report.regime.label == "neutral" and report.regime.rotation_enabled
    assert all(v.vote == 0 for v in report.regime.votes)
    assert any("no sentiment data" in w for w in report.warnings)
    assert all("no-sentiment-data" in s.flags for s in report.sectors)
    assert [o.sector for o in report.plan.orders if o.adds_risk] == ["ai_inference"]


def _book_for(dataset_close: pd.DataFrame, as_of: datetime) -> PositionBook:
    """Two held positions (one with a stop, one far in profit) and a recent loss."""
    ltc, fet = float(dataset_close["LTC"].iloc[-1]), float(dataset_close["FET"].iloc[-1])
    opened = as_of - timedelta(days=20)
    positions = (
        Position("LTC", Side.LONG, 3.0, ltc * 1.01, ltc * 0.9, None, opened),
        Position("FET", Side.SHORT, 500.0, fet * 1.3, fet * 1.45, fet * 1.25, opened),
    )
    closed = as_of - timedelta(days=1)
    loss = ClosedTrade("RENDER", Side.LONG, 10.0, 8.0, 7.0, opened, closed, -10.0)
    return PositionBook(positions=positions, closed_trades=(loss,))


PROFILES = {
    "loose": {"top_n_long": 3, "max_open_positions": 3, "portfolio_risk_cap_fraction": 0.05},
    "tight": {"top_n_long": 3, "max_open_positions": 2, "portfolio_risk_cap_fraction": 0.015},
}


def _demo_report(
    seed: int, equity: float, profile: str
) -> tuple[MarketDataset, PositionBook, PlanParameters, DailyReport]:
    dataset = demo_dataset(seed)
    params = PlanParameters(equity_usd=equity, cooldown_days=3,
                            **PROFILES[profile])  # type: ignore[arg-type]
    book = _book_for(dataset.close, dataset.as_of)
    return dataset, book, params, daily_report(dataset, book, params)


DEMO_SEEDS = (1, 3, 7)
"""Demo seeds of the property cases, chosen so that together they reach every rule below (on the
re-calibrated demo, seeds 2, 4 and 8 propose no opens at all and would test nothing)."""


def test_the_demo_property_cases_exercise_the_rules() -> None:
    rules: set[str] = set()
    opened = scaled = 0
    for seed in DEMO_SEEDS:
        _d, _b, params, report = _demo_report(seed, 12_000.0, "tight")
        plan = report.plan
        rules |= {r.rule for r in plan.refusals}
        opened += sum(o.adds_risk for o in plan.orders)
        if plan.stressed_loss_before_usd > params.portfolio_risk_cap_usd:
            scaled += sum("scaled to" in o.reason for o in plan.orders)
    assert {"cool-down", "max-open-positions"} <= rules
    assert opened > 0 and scaled > 0


@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("seed", DEMO_SEEDS)
@pytest.mark.parametrize("equity", [3_000.0, 12_000.0, 250_000.0])
def test_no_order_breaks_a_discipline_rule_on_the_demo_market(
    seed: int, equity: float, profile: str
) -> None:
    dataset, book, params, report = _demo_report(seed, equity, profile)
    plan = report.plan
    opens = [o for o in plan.orders if o.adds_risk]
    fee, slip = params.taker_fee_rate, params.stop_slippage_rate
    # minimum equity: nothing new below it
    if equity < params.min_equity_usd:
        assert opens == []
    for o in opens:
        # risk per trade <= cap (for an increase: the whole position's)
        assert 0 < o.risk_usd <= params.max_risk_fraction * equity + 1e-6
        assert o.position_risk_usd <= params.max_risk_fraction * equity + 1e-6
        # stop required, on the losing side, strictly inside the liquidation price
        assert o.stop_price_usd is not None
        assert o.side.sign * (o.entry_price_usd - o.stop_price_usd) > 0
        if o.liquidation_price_usd is not None:
            assert o.side.sign * (o.stop_price_usd - o.liquidation_price_usd) > 0
        # leverage within the configured ceiling and the margin consistent with it
        assert o.leverage is not None and 1 <= o.leverage <= params.max_leverage
        assert o.margin_usd == pytest.approx(o.notional_usd / o.leverage)
        # exchange rounding: whole steps, above minimums
        spec = dataset.contracts[o.base]
        steps = o.quantity_base / spec.amount_step
        assert abs(steps - round(steps)) < 1e-6
        assert o.quantity_base >= spec.min_amount and o.notional_usd >= spec.min_notional_usd
        # cool-down: the loss was in RENDER's sector one day ago
        assert o.sector != dataset.universe.sector_of("RENDER")
    # max open positions after today's closes
    closed = {o.base for o in plan.orders if o.action == "close"}
    remaining = [p for p in book.positions if p.base not in closed]
    held_after = {p.base for p in remaining} | {o.base for o in opens}
    assert len(held_after) <= params.max_open_positions
    # stressed loss (correlation 1) recomputed here: held stop-outs + new orders' risk
    held_loss = 0.0
    for p in remaining:
        reduced = sum(o.quantity_base for o in plan.orders
                      if o.base == p.base and o.action == "reduce")
        q = p.quantity_base - reduced
        assert p.stop_price_usd is not None
        held_loss += q * max(0.0, p.side.sign * (p.entry_price_usd - p.stop_price_usd))
        held_loss += q * p.stop_price_usd * (fee + slip)
    stressed = held_loss + sum(o.risk_usd for o in opens)
    assert stressed == pytest.approx(plan.stressed_loss_usd, rel=1e-9, abs=1e-9)
    assert stressed <= params.portfolio_risk_cap_usd + 1e-6
    # every refusal names a known rule
    known = {"risk-cap", "cool-down", "max-open-positions", "stop-required", "minimum-equity",
             "stressed-exposure", "exchange-minimum", "stop-before-liquidation",
             "leverage-above-bracket", "no-market-data"}
    assert {r.rule for r in plan.refusals} <= known
    assert report.source == "demo (simulated)"
