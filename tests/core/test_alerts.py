"""Alert rules: each kind fires exactly once per crossing on a scripted path, re-arms only
after its hysteresis, stays silent on stale data, and labels demo firings.

Every expected firing index below is worked out by hand from the path and the rule's
threshold / hysteresis (written next to the path), never read from the code's output.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from rotation_addin.core.alert_eval import AlertInputs, AlertState, PositionView, evaluate
from rotation_addin.core.alerts import KINDS, AlertRule, make_rule
from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.core.errors import InputError
from rotation_addin.core.types import Side

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def _inputs(step: int, **fields: Any) -> AlertInputs:
    base: dict[str, Any] = {"as_of": T0 + timedelta(hours=step), "source": "binanceusdm",
                            "demo": False, "stale": False, "age_hours": 1.0}
    base.update(fields)
    return AlertInputs(**base)


def _run(rule: AlertRule, path: list[AlertInputs]) -> list[int]:
    """Indexes of the path's steps at which ``rule`` fired (states carried along)."""
    states: dict[tuple[int, str], AlertState] = {}
    fired: list[int] = []
    for i, inputs in enumerate(path):
        result = evaluate([rule], states, inputs)
        states = result.states
        fired.extend(i for _ in result.firings)
    return fired


def _rule(kind: str, subject: str = "", threshold: float | None = None, **kw: Any) -> AlertRule:
    return replace(make_rule(kind, subject, threshold, **kw), rule_id=1)


def _prices(path: list[float], base: str = "RENDER", **fields: Any) -> list[AlertInputs]:
    return [_inputs(i, prices_usd={base: p}, **fields) for i, p in enumerate(path)]


def test_price_above_fires_once_per_crossing_and_rearms_after_hysteresis() -> None:
    rule = _rule("price_above", "render", 10.0, hysteresis=0.5)  # re-arm below 9.95
    # 10.0 fires; 10.2 / 9.97 (above 9.95) / 10.1 stay quiet; 9.9 re-arms; 10.05 fires.
    path = [9.0, 9.9, 10.0, 10.2, 9.97, 10.1, 9.9, 10.05, 10.3]
    assert _run(rule, _prices(path)) == [2, 7]


def test_price_below_mirror() -> None:
    rule = _rule("price_below", "RENDER", 5.0, hysteresis=2.0)  # re-arm above 5.10
    path = [5.5, 5.0, 4.8, 5.08, 4.9, 5.2, 4.99]
    assert _run(rule, _prices(path)) == [1, 6]


def test_zero_hysteresis_rearms_as_soon_as_condition_is_false() -> None:
    rule = _rule("price_above", "RENDER", 10.0, hysteresis=0.0)
    assert _run(rule, _prices([10.0, 9.999, 10.0, 10.0])) == [0, 2]


def _long(stop: float | None = 90.0, take: float | None = 120.0,
          liq: float | None = 70.0) -> PositionView:
    return PositionView("SOL", Side.LONG, 100.0, stop, take, liq)


def test_stop_near_percent() -> None:
    rule = _rule("stop_near", "*", 2.0, unit="pct", hysteresis=1.0)
    # distance = (price - 90) / price: 95 -> 5.26 %, 91.5 -> 1.64 % fires, 92.5 -> 2.70 %
    # (not above 3 %: still disarmed), 93 -> 3.23 % re-arms, 91 -> 1.10 % fires.
    path = [95.0, 91.5, 92.5, 93.0, 91.0]
    inputs = [_inputs(i, prices_usd={"SOL": p}, positions=(_long(),))
              for i, p in enumerate(path)]
    assert _run(rule, inputs) == [1, 4]


def test_stop_near_sigma_with_hand_computed_sigma() -> None:
    closes = [100.0, 102.0, 99.0, 101.0, 98.0, 100.0]
    returns = [math.log(b / a) for a, b in itertools.pairwise(closes)]
    mean = sum(returns) / len(returns)
    sigma = math.sqrt(sum((r - mean) ** 2 for r in returns) / (len(returns) - 1))
    assert sigma == pytest.approx(float(np.std(np.diff(np.log(closes)), ddof=1)))  # ~2.7 %
    rule = _rule("stop_near", "SOL", 1.5, unit="sigma", hysteresis=0.5)
    # distance in sigmas = (price - 90) / price / sigma; fire at <= 1.5, re-arm above 2.0.
    prices = [100.0, 90.0 / (1 - 1.4 * sigma), 90.0 / (1 - 1.9 * sigma),
              90.0 / (1 - 2.1 * sigma), 90.0 / (1 - 1.0 * sigma)]
    inputs = [_inputs(i, prices_usd={"SOL": p}, daily_vol={"SOL": sigma},
                      positions=(_long(),)) for i, p in enumerate(prices)]
    assert _run(rule, inputs) == [1, 4]
    result = evaluate([rule], {}, inputs[1])
    assert result.firings[0].value == pytest.approx(1.4)


def test_take_profit_near_short_position() -> None:
    short = PositionView("SOL", Side.SHORT, 100.0, 110.0, 80.0)
    rule = _rule("take_profit_near", "SOL", 3.0, unit="pct", hysteresis=1.0)
    # short: distance = (price - 80) / price: 90 -> 11 %, 82 -> 2.4 % fires, 83 -> 3.6 %
    # (below 4 %: disarmed), 84 -> 4.8 % re-arms, 82.4 -> 2.9 % fires.
    path = [90.0, 82.0, 83.0, 84.0, 82.4]
    inputs = [_inputs(i, prices_usd={"SOL": p}, positions=(short,))
              for i, p in enumerate(path)]
    assert _run(rule, inputs) == [1, 4]


def test_liquidation_near_k_sigma() -> None:
    sigma = 0.05
    rule = _rule("liquidation_near", "*", 3.0, hysteresis=0.5)
    # distance = (price - 70) / price / 0.05: 100 -> 6.0, 82 -> 2.93 fires, 84 -> 3.33
    # (not above 3.5), 85 -> 3.53 re-arms, 80 -> 2.5 fires.
    path = [100.0, 82.0, 84.0, 85.0, 80.0]
    inputs = [_inputs(i, prices_usd={"SOL": p}, daily_vol={"SOL": sigma},
                      positions=(_long(),)) for i, p in enumerate(path)]
    assert _run(rule, inputs) == [1, 4]


def test_position_without_the_level_is_not_watched() -> None:
    rule = _rule("liquidation_near", "*", 3.0)
    inputs = [_inputs(0, prices_usd={"SOL": 71.0}, daily_vol={"SOL": 0.05},
                      positions=(_long(liq=None),))]
    assert _run(rule, inputs) == []


def test_regime_change_fires_on_each_change_not_on_the_first_label() -> None:
    rule = _rule("regime_change")
    labels = ["neutral", "neutral", "risk-on", "risk-on", "neutral", None, "neutral"]
    inputs = [_inputs(i, regime_label=label) for i, label in enumerate(labels)]
    assert _run(rule, inputs) == [2, 4]
    fired = evaluate([rule], {(1, ""): AlertState(True, "risk-on")}, inputs[0]).firings
    assert fired[0].message == "regime changed: risk-on -> neutral"


def test_divergence_fomo_and_accumulation_per_sector() -> None:
    fomo = _rule("divergence_fomo", "*", 2.0, hysteresis=0.5)
    accumulation = _rule("divergence_accumulation", "AI", 2.0, hysteresis=0.5)
    d_ai = [0.0, 2.1, 1.6, 1.4, 2.0, -2.0, -1.6, -1.4, -2.5]
    inputs = [_inputs(i, sector_divergence={"AI": d, "DeFi": 0.0}) for i, d in enumerate(d_ai)]
    # FOMO at D >= 2: 2.1 fires, 1.6 stays disarmed (re-arm below 1.5), 1.4 re-arms, 2.0 fires.
    assert _run(fomo, inputs) == [1, 4]
    # accumulation at D <= -2: -2.0 fires, -1.6 disarmed, -1.4 re-arms, -2.5 fires.
    assert _run(accumulation, inputs) == [5, 8]


def test_correlation_rise() -> None:
    rule = _rule("correlation_rise", threshold=0.7, hysteresis=0.05)
    path = [0.5, 0.69, 0.71, 0.66, 0.64, 0.7]
    inputs = [_inputs(i, average_correlation=c) for i, c in enumerate(path)]
    assert _run(rule, inputs) == [2, 5]


def test_funding_beyond_either_sign() -> None:
    rule = _rule("funding_beyond", "BTC", 0.1, hysteresis=0.02)  # percent per 8 h
    rates = [0.0001, 0.0012, 0.0009, 0.0007, -0.0011]  # 0.12 % fires; 0.07 % re-arms
    inputs = [_inputs(i, funding_rates={"BTC": r}) for i, r in enumerate(rates)]
    assert _run(rule, inputs) == [1, 4]


def test_stale_data_fires_on_stale_data_and_others_are_silent() -> None:
    stale_rule = _rule("stale_data", threshold=36.0, hysteresis=0.0)
    price_rule = replace(_rule("price_above", "RENDER", 10.0), rule_id=2)
    ages = [1.0, 40.0, 50.0, 2.0, 37.0]
    inputs = [_inputs(i, age_hours=a, stale=a >= 36.0, prices_usd={"RENDER": 11.0})
              for i, a in enumerate(ages)]
    assert _run(stale_rule, inputs) == [1, 4]
    # the price rule sees 11 >= 10 only on fresh steps 0 and 3; step 0 fires, 3 stays quiet
    assert _run(price_rule, inputs) == [0]
    all_stale = [replace(x, stale=True) for x in inputs]
    assert _run(price_rule, all_stale) == []


def test_stale_data_keeps_state_unchanged() -> None:
    rule = _rule("price_above", "RENDER", 10.0)
    fired_state = {(1, "RENDER"): AlertState(False, "")}
    low = _inputs(0, prices_usd={"RENDER": 5.0}, stale=True)
    assert evaluate([rule], fired_state, low).states == fired_state  # no re-arm on old data


def test_risk_cap_near() -> None:
    rule = _rule("risk_cap_near", threshold=80.0, hysteresis=5.0)
    risks = [100.0, 450.0, 480.0, 460.0, 440.0, 500.0]  # cap 600: 80 % = 480, re-arm < 450
    inputs = [_inputs(i, open_risk_usd=r, risk_cap_usd=600.0) for i, r in enumerate(risks)]
    assert _run(rule, inputs) == [2, 5]


def test_demo_firings_are_labelled_demo() -> None:
    rule = _rule("price_above", "RENDER", 10.0)
    demo = evaluate([rule], {}, _inputs(0, prices_usd={"RENDER": 12.0}, demo=True,
                                        source=DEMO_SOURCE_LABEL)).firings[0]
    live = evaluate([rule], {}, _inputs(0, prices_usd={"RENDER": 12.0})).firings[0]
    assert demo.demo and demo.label == DEMO_SOURCE_LABEL
    assert not live.demo and live.label == "binanceusdm"


def test_every_kind_has_a_test_path() -> None:
    tested = {"price_above", "price_below", "stop_near", "take_profit_near",
              "liquidation_near", "regime_change", "divergence_fomo",
              "divergence_accumulation", "correlation_rise", "funding_beyond", "stale_data",
              "risk_cap_near"}
    assert set(KINDS) == tested


@pytest.mark.parametrize(("args", "kw", "field", "words"), [
    (("price_cross", "BTC", 1.0), {}, "kind", "must be one of price_above"),
    (("price_above", "", 1.0), {}, "subject", "a symbol such as RENDER"),
    (("price_above", "*", 1.0), {}, "subject", "a symbol such as RENDER"),
    (("price_above", "BTC", None), {}, "threshold", "is required"),
    (("price_above", "BTC", -1.0), {}, "threshold", "must be in (0, 1e+12]"),
    (("price_above", "BTC", 1.0), {"hysteresis": 60}, "hysteresis", "must be in [0, 50]"),
    (("stop_near", "*", 2.0), {"unit": "bps"}, "unit", "'pct', 'sigma'"),
    (("stop_near", "*", 25.0), {"unit": "sigma"}, "threshold", "must be in (0, 20]"),
    (("regime_change", "BTC"), {}, "subject", "must be empty"),
    (("regime_change", "", 3.0), {}, "threshold", "is not used"),
    (("correlation_rise", "", 1.5), {}, "threshold", "must be in (-1, 1]"),
    # NaN typed is a bad number, not "left empty" (funding_beyond has a default: not required)
    (("funding_beyond", "BTC", float("nan")), {}, "threshold", "must be a finite number"),
    (("price_above", "BTC", float("nan")), {}, "threshold", "must be a finite number"),
    (("funding_beyond", "BTC", "x"), {}, "threshold", "must be a number"),
    (("stale_data", "", 1.0), {"note": "a\nb"}, "note", "one line"),
])
def test_every_field_is_validated_with_one_line(args: tuple[Any, ...], kw: dict[str, Any],
                                                field: str, words: str) -> None:
    with pytest.raises(InputError) as caught:
        make_rule(*args, **kw)
    assert caught.value.field == field
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_defaults_come_from_the_kind() -> None:
    rule = make_rule("stop_near", "*")
    assert (rule.threshold, rule.unit, rule.hysteresis) == (2.0, "pct", 0.5)
    assert make_rule("stale_data").threshold == 36.0
