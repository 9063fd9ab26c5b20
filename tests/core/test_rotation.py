"""Targets, take-profit triggers, budget reallocation and the stressed-exposure check."""

from __future__ import annotations

import itertools
import math
from dataclasses import fields, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rotation_addin.core.errors import InputError
from rotation_addin.core.rotation import (
    ROLE_HEDGE,
    ROLE_LEADER,
    ROLE_REALLOCATION,
    TARGET_FIELDS,
    ExposureItem,
    MemberStats,
    PlanParameters,
    Position,
    PositionBook,
    best_member,
    reallocation_sector,
    reallocation_target,
    select_targets,
    stressed_exposure,
    take_profit_hits,
    take_profit_level,
)
from rotation_addin.core.scores import SectorScore
from rotation_addin.core.types import Side
from tests.core.plan_fixtures import utc


def _score(sector: str, rank: int, score: float, *, m7: float = 0.05, m30: float = 0.1,
           vt: float = 1.0, d: float = 0.0, over: bool = False) -> SectorScore:
    flags = ("over-extended",) if over else ()
    return SectorScore(sector, m7, m30, vt, d, score, rank, 1.0, 0.5, over, flags)


MEMBERS = {
    "render": [MemberStats("RENDER", 0.05, 40e6), MemberStats("LPT", 0.01, 10e6)],
    "ai": [MemberStats("FET", 0.02, 60e6), MemberStats("TAO", 0.08, 50e6)],
    "mining": [MemberStats("LTC", 0.0, 200e6)],
    "hot": [MemberStats("WLD", 0.30, 30e6), MemberStats("ARKM", 0.10, 5e6)],
}


def test_best_member_mixes_momentum_and_liquidity() -> None:
    # render: RENDER leads on both -> RENDER
    assert best_member(MEMBERS["render"]).base == "RENDER"  # type: ignore[union-attr]
    # ai: FET z(mom) = -1, z(ln vol) = +1 -> 0; TAO +1, -1 -> 0: tie -> first listed (FET)
    assert best_member(MEMBERS["ai"]).base == "FET"  # type: ignore[union-attr]
    illiquid = [MemberStats("A", 0.5, 0.0), MemberStats("B", 0.0, 1e6)]
    assert best_member(illiquid).base == "B"  # type: ignore[union-attr]
    assert best_member([MemberStats("A", math.nan, 1e6)]) is None


def test_leaders_long_overextended_hedged_at_half_risk() -> None:
    params = PlanParameters(top_n_long=2, risk_fraction=0.02)
    scores = [_score("hot", 1, 1.5, m7=0.3, d=2.5, over=True), _score("render", 2, 1.0),
              _score("ai", 3, 0.4), _score("mining", 4, -0.2)]
    targets, notes = select_targets(scores, MEMBERS, params, rotation_enabled=True)
    leaders = [t for t in targets if t.role == ROLE_LEADER]
    hedges = [t for t in targets if t.role == ROLE_HEDGE]
    assert [(t.sector, t.base, t.side) for t in leaders] == [
        ("render", "RENDER", Side.LONG), ("ai", "FET", Side.LONG)]
    # risk steps down with rank: 1.0 and 0.75 of 2 %
    assert [t.risk_fraction for t in leaders] == pytest.approx([0.02, 0.015])
    assert [(h.sector, h.base, h.side) for h in hedges] == [("hot", "WLD", Side.SHORT)]
    assert hedges[0].risk_fraction == pytest.approx(0.01)  # half of 2 %
    assert targets[-1].role == ROLE_HEDGE  # lowest conviction: cut first
    assert any("hot: over-extended" in n for n in notes)


def test_risk_off_means_no_alt_longs_but_hedge_stays() -> None:
    params = PlanParameters()
    scores = [_score("render", 1, 1.0), _score("hot", 2, 0.5, m7=0.3, d=3.0, over=True)]
    targets, notes = select_targets(scores, MEMBERS, params, rotation_enabled=False)
    assert all(t.side is Side.SHORT for t in targets)
    assert any("risk-off" in n for n in notes)
    enabled = PlanParameters(rotation_in_risk_off=True)
    targets_on, _ = select_targets(scores, MEMBERS, enabled, rotation_enabled=False)
    assert any(t.side is Side.LONG for t in targets_on)


def test_no_short_when_disabled_and_no_long_without_positive_score() -> None:
    params = PlanParameters(short_over_extended=False)
    scores = [_score("render", 1, -0.1), _score("hot", 2, -0.5, d=3.0, over=True)]
    targets, notes = select_targets(scores, MEMBERS, params, rotation_enabled=True)
    assert targets == ()
    assert any("no sector has a positive, confirmed score" in n for n in notes)


def test_weekly_must_confirm_daily_for_a_long() -> None:
    # render leads on score but its 30-day momentum vs BTC is negative: not confirmed
    scores = [_score("render", 1, 1.0, m7=0.08, m30=-0.05), _score("ai", 2, 0.5)]
    targets, notes = select_targets(scores, MEMBERS, PlanParameters(), rotation_enabled=True)
    assert [t.sector for t in targets] == ["ai"]
    assert any("render: 7d momentum +8.0% not confirmed by 30d -5.0%" in n for n in notes)
    relaxed = PlanParameters(require_weekly_confirmation=False)
    targets, _ = select_targets(scores, MEMBERS, relaxed, rotation_enabled=True)
    assert [t.sector for t in targets] == ["render"]


def _position(base: str, side: Side, entry: float, *, stop: float | None = None,
              tp: float | None = None, qty: float = 10.0) -> Position:
    return Position(base, side, qty, entry, stop, tp, utc(2026, 11, 1))


def test_take_profit_by_price_and_by_k_atr() -> None:
    positions = [
        _position("RENDER", Side.LONG, 7.0, stop=6.5, tp=8.0),   # price 8.1 >= 8.0: hit
        _position("FET", Side.LONG, 1.0, stop=0.9),              # 1 + 3*0.05 = 1.15; 1.2: hit
        _position("LTC", Side.SHORT, 100.0, stop=110.0),         # 100 - 3*4 = 88; 89: no
        _position("TAO", Side.SHORT, 400.0, stop=440.0, tp=380.0),  # 379 <= 380: hit
    ]
    prices = {"RENDER": 8.1, "FET": 1.2, "LTC": 89.0, "TAO": 379.0}
    atr = {"RENDER": 0.3, "FET": 0.05, "LTC": 4.0, "TAO": 10.0}
    hits = {h.base: h for h in take_profit_hits(positions, prices, atr, 3.0)}
    assert set(hits) == {"RENDER", "FET", "TAO"}
    assert hits["RENDER"].trigger == "price" and hits["FET"].trigger == "k-ATR"
    assert hits["FET"].take_profit_price_usd == pytest.approx(1.15)
    assert take_profit_level(positions[2], 4.0, 3.0) == pytest.approx(88.0)
    assert take_profit_level(positions[1], None, 3.0) is None


def test_reallocation_goes_to_best_sector_with_rising_volume_and_non_negative_d() -> None:
    scores = [
        _score("hot", 1, 2.0, vt=1.8, d=2.5, over=True),  # over-extended: never
        _score("render", 2, 1.0, vt=0.9, d=0.5),          # volume falling
        _score("ai", 3, 0.6, vt=1.3, d=-0.4),             # negative divergence
        _score("mining", 4, 0.1, vt=1.1, d=0.0),          # qualifies
    ]
    assert reallocation_sector(scores).sector == "mining"  # type: ignore[union-attr]
    assert reallocation_sector(scores, exclude=["mining"]) is None
    hit = take_profit_hits([_position("RENDER", Side.LONG, 7.0, tp=8.0)], {"RENDER": 8.0}, {},
                           3.0)
    target = reallocation_target(hit, scores, MEMBERS, (), PlanParameters())
    assert target is not None and target.role == ROLE_REALLOCATION
    assert (target.sector, target.base, target.side) == ("mining", "LTC", Side.LONG)
    assert "RENDER" in target.reason
    assert reallocation_target((), scores, MEMBERS, (), PlanParameters()) is None


def test_stressed_exposure_fits_cap_lowest_conviction_first() -> None:
    # held 200 (fixed) + a 300 (conv 3) + b 250 (conv 2) + c 100 (conv 1) = 850; cap 600
    # excess 250: c (100) dropped -> excess 150; b scaled to (250-150)/250 = 0.4; a kept
    items = [ExposureItem("held", 200.0, math.inf, False), ExposureItem("a", 300.0, 3.0, True),
             ExposureItem("b", 250.0, 2.0, True), ExposureItem("c", 100.0, 1.0, True)]
    result = stressed_exposure(items, 600.0)
    assert result.loss_before_usd == pytest.approx(850.0)
    assert result.scale_by_label == pytest.approx({"a": 1.0, "b": 0.4, "c": 0.0})
    assert result.loss_after_usd == pytest.approx(600.0)
    assert set(result.reasons) == {"b", "c"}


def test_stressed_exposure_when_held_positions_alone_break_the_cap() -> None:
    items = [ExposureItem("held", 700.0, math.inf, False), ExposureItem("a", 10.0, 3.0, True)]
    result = stressed_exposure(items, 600.0)
    assert result.scale_by_label == {"a": 0.0}
    assert result.warnings and "above the portfolio cap" in result.warnings[0]
    with pytest.raises(InputError):
        stressed_exposure([ExposureItem("x", -1.0, 0.0, True)], 10.0)


def test_plan_parameters_validate_and_come_from_settings() -> None:
    from rotation_addin.data.settings import Settings

    # the shared fields are read from the settings by name (explicitly, not by attribute
    # matching): the plan-only ones keep their defaults unless a surface overrides them
    settings = Settings(equity_usd=25_000.0, cooldown_days=5, exchange_id="binanceusdm")
    params = PlanParameters.from_settings(settings, top_n_long=2)
    assert (params.equity_usd, params.cooldown_days, params.top_n_long) == (25_000.0, 5, 2)
    assert params.portfolio_risk_cap_usd == pytest.approx(1_500.0)
    with pytest.raises(InputError, match="risk_fraction"):
        PlanParameters(risk_fraction=0.05, max_risk_fraction=0.03)
    with pytest.raises(InputError, match="portfolio_risk_cap_fraction"):
        PlanParameters(portfolio_risk_cap_fraction=0.0)
    with pytest.raises(InputError, match="unknown plan parameter"):
        PlanParameters.from_settings(settings, nonsense=1)  # type: ignore[call-arg]
    with pytest.raises(InputError, match="rotation_in_risk_off"):
        PlanParameters(rotation_in_risk_off="yes")  # type: ignore[arg-type]


def test_position_and_book_validation() -> None:
    with pytest.raises(InputError, match="quantity"):
        _position("RENDER", Side.LONG, 7.0, qty=-1.0)
    with pytest.raises(InputError, match="take_profit_price"):
        _position("RENDER", Side.LONG, 7.0, tp=6.0)
    with pytest.raises(InputError, match="opened_at"):
        Position("X", Side.LONG, 1.0, 1.0, None, None, utc(2026, 1, 1).replace(tzinfo=None))
    with pytest.raises(InputError, match="duplicated"):
        PositionBook(positions=(_position("A", Side.LONG, 1.0), _position("A", Side.LONG, 2.0)))
    # loss at the stop: 10 x (7 - 6.5) + 10 x 6.5 x (0.0005 + 0.0005) = 5 + 0.065
    held = _position("RENDER", Side.LONG, 7.0, stop=6.5)
    loss = held.stop_out_loss_usd(10.0, taker_fee_rate=0.0005, stop_slippage_rate=0.0005)
    assert loss == pytest.approx(5.065)
    trailing = _position("RENDER", Side.LONG, 7.0, stop=7.5)  # locked-in profit: costs only
    loss = trailing.stop_out_loss_usd(10.0, taker_fee_rate=0.0005, stop_slippage_rate=0.0)
    assert loss == pytest.approx(10 * 7.5 * 0.0005)


@settings(max_examples=200, deadline=None)
@given(
    held=st.lists(st.floats(0.0, 500.0), max_size=3),
    new=st.lists(st.tuples(st.floats(0.0, 500.0), st.floats(-5.0, 5.0)), max_size=6),
    cap=st.floats(0.0, 2_000.0),
)
def test_stressed_exposure_properties(held: list[float], new: list[tuple[float, float]],
                                      cap: float) -> None:
    items = [ExposureItem(f"h{i}", loss, math.inf, False) for i, loss in enumerate(held)]
    items += [ExposureItem(f"n{i}", loss, conv, True) for i, (loss, conv) in enumerate(new)]
    result = stressed_exposure(items, cap)
    factors = result.scale_by_label
    assert all(0.0 <= f <= 1.0 for f in factors.values())
    fixed = sum(held)
    if fixed <= cap:
        assert result.loss_after_usd <= cap + 1e-6
    else:
        assert all(f == 0.0 for f in factors.values())
    if result.loss_before_usd <= cap:
        assert all(f == 1.0 for f in factors.values())
    # a higher-conviction item is never cut more than a lower-conviction one
    ranked = sorted((conv, factors[f"n{i}"]) for i, (loss, conv) in enumerate(new) if loss > 0)
    for (c1, f1), (c2, f2) in itertools.pairwise(ranked):
        if c2 > c1:
            assert f2 >= f1


def test_plan_parameters_from_the_real_settings_class() -> None:
    from rotation_addin.data.settings import Settings

    settings = Settings(equity_usd=30_000.0, max_open_positions=4, cooldown_days=2,
                        vol_k_sigma=2.5)
    params = PlanParameters.from_settings(settings)
    assert (params.equity_usd, params.max_open_positions, params.cooldown_days,
            params.vol_k_sigma) == (30_000.0, 4, 2, 2.5)
    assert params.risk_fraction == settings.risk_fraction
    assert params.min_equity_usd == settings.min_equity_usd


class _ReadRecorder:
    """PlanParameters stand-in that records which fields are read."""

    def __init__(self, params: PlanParameters) -> None:
        self._params = params
        self.read: set[str] = set()

    def __getattr__(self, name: str) -> object:
        self.read.add(name)
        return getattr(self._params, name)


@pytest.mark.parametrize("params", [
    PlanParameters(), PlanParameters(top_n_long=3, short_over_extended=False),
    PlanParameters(rotation_in_risk_off=True, require_weekly_confirmation=False)])
def test_select_targets_reads_only_the_target_fields(params: PlanParameters) -> None:
    # the backtest memoises select_targets per day keyed on TARGET_FIELDS: a field read
    # outside that list would make two settings share targets they should not
    scores = [_score("hot", 1, 1.5, m7=0.3, d=2.5, over=True), _score("render", 2, 1.0),
              _score("ai", 3, 0.4, m30=-0.1), _score("mining", 4, -0.2)]
    for enabled in (True, False):
        recorder = _ReadRecorder(params)
        expected = select_targets(scores, MEMBERS, recorder,  # type: ignore[arg-type]
                                  rotation_enabled=enabled)
        assert recorder.read <= set(TARGET_FIELDS), recorder.read - set(TARGET_FIELDS)
        # and changing every other field leaves the targets and notes as they were
        other = replace(params, equity_usd=123.0, atr_stop_multiple=7.0, max_leverage=2.0,
                        take_profit_atr_multiple=9.0, cooldown_days=1, atr_window_days=5)
        assert {f.name for f in fields(PlanParameters)} - set(TARGET_FIELDS) >= {
            "equity_usd", "atr_stop_multiple", "max_leverage", "take_profit_atr_multiple"}
        assert select_targets(scores, MEMBERS, other, rotation_enabled=enabled) == expected
