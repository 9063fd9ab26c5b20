"""Evaluate alert rules on one observation: fire once per crossing, re-arm with hysteresis.

Pure: :func:`evaluate` takes the rules, their states (keyed by ``(rule_id, subject)``; a
``"*"`` rule has one state per position or sector it watches) and :class:`AlertInputs`, and
returns the firings and the new states; the desk stores both in one transaction.

State machine of a threshold kind (``direction`` +1 fires at ``value >= threshold``, -1 at
``value <= threshold``): an armed rule fires when the condition holds and is disarmed; a
disarmed rule re-arms when ``direction x (value - rearm) < 0``, where ``rearm = threshold -
direction x hysteresis`` (a price level's hysteresis is a percentage of the level). A new
rule starts armed, so a condition already true fires at the first evaluation.

On stale data (``AlertInputs.stale``) every kind but ``stale_data`` is skipped and keeps its
state: old prices must not fire or re-arm anything. Firings on the demo market carry
``demo=True`` and the demo label.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rotation_addin.core.alerts import ANY_SUBJECT, UNIT_TEXT, AlertRule
from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.core.formats import format_correlation
from rotation_addin.core.types import Side


@dataclass(frozen=True)
class PositionView:
    """An open position as the alerts see it (prices in USD; None: not set / not known)."""

    base: str
    side: Side
    entry_price_usd: float
    stop_price_usd: float | None
    take_profit_price_usd: float | None
    liquidation_price_usd: float | None = None


@dataclass(frozen=True)
class AlertInputs:
    """Everything the rules read, for one moment.

    Attributes
    ----------
    as_of : datetime
        Time of the prices (UTC); the firing's time.
    source : str
        Data source label.
    demo : bool
        Built from the demo (simulated) market.
    stale : bool
        The data is stale: only ``stale_data`` is evaluated.
    age_hours : float
        Age of the data in hours (``stale_data``).
    prices_usd, daily_vol : Mapping[str, float]
        Latest price and daily sigma (fraction) by base.
    positions : tuple[PositionView, ...]
        Open positions.
    regime_label : str or None
        Current regime label.
    sector_divergence : Mapping[str, float]
        Latest divergence D per sector.
    average_correlation : float or None
        Latest average pairwise sector correlation.
    funding_rates : Mapping[str, float]
        Current funding rate by base, fraction per 8 h.
    open_risk_usd, risk_cap_usd : float or None
        Stressed loss of the open positions (every stop hit) and the portfolio risk cap.
    """

    as_of: datetime
    source: str
    demo: bool
    stale: bool
    age_hours: float
    prices_usd: Mapping[str, float] = field(default_factory=dict)
    daily_vol: Mapping[str, float] = field(default_factory=dict)
    positions: tuple[PositionView, ...] = ()
    regime_label: str | None = None
    sector_divergence: Mapping[str, float] = field(default_factory=dict)
    average_correlation: float | None = None
    funding_rates: Mapping[str, float] = field(default_factory=dict)
    open_risk_usd: float | None = None
    risk_cap_usd: float | None = None


@dataclass(frozen=True)
class AlertState:
    """Whether a rule (for one subject) may fire, and the regime label it last saw."""

    armed: bool = True
    label: str = ""


@dataclass(frozen=True)
class AlertFiring:
    """One firing: which rule, on what, when, the number that crossed and the sentence.

    ``firing_id`` is the history row (0 before it is stored).
    """

    rule_id: int
    kind: str
    subject: str
    fired_at: datetime
    value: float
    threshold: float
    unit: str
    message: str
    demo: bool
    source: str
    firing_id: int = 0

    @property
    def label(self) -> str:
        """``"demo (simulated)"`` on demo data, else the source."""
        return DEMO_SOURCE_LABEL if self.demo else self.source


@dataclass(frozen=True)
class Reading:
    """One number a rule compares with its threshold (``direction``: +1 fires at >=)."""

    subject: str
    value: float
    direction: int
    text: str


@dataclass(frozen=True)
class Evaluation:
    """Firings of one evaluation and every state after it."""

    firings: tuple[AlertFiring, ...]
    states: dict[tuple[int, str], AlertState]


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _price_readings(rule: AlertRule, inputs: AlertInputs) -> list[Reading]:
    price = inputs.prices_usd.get(rule.subject)
    if price is None or not _finite(price):
        return []
    direction = 1 if rule.kind == "price_above" else -1
    return [Reading(rule.subject, price, direction, f"{rule.subject} {price:,.6g} USD")]


def _watched(rule: AlertRule, inputs: AlertInputs) -> list[PositionView]:
    return [p for p in inputs.positions if rule.subject in (ANY_SUBJECT, p.base)]


def _distance(rule: AlertRule, inputs: AlertInputs, position: PositionView, level: float,
              what: str) -> Reading | None:
    price = inputs.prices_usd.get(position.base)
    if price is None or not _finite(price) or price <= 0:
        return None
    sign = position.side.sign * (-1 if what == "take-profit" else 1)
    fraction = sign * (price - level) / price
    if rule.unit == "pct":
        return Reading(position.base, 100.0 * fraction, -1,
                       f"{position.base} {position.side.value} at {price:,.6g} USD: {what} "
                       f"{level:,.6g} is {100.0 * fraction:.2f} % away")
    sigma = inputs.daily_vol.get(position.base)
    if sigma is None or not _finite(sigma) or sigma <= 0:
        return None
    return Reading(position.base, fraction / sigma, -1,
                   f"{position.base} {position.side.value} at {price:,.6g} USD: {what} "
                   f"{level:,.6g} is {fraction / sigma:.2f} daily sigmas away "
                   f"(sigma {100.0 * sigma:.2f} %)")


def _level_readings(rule: AlertRule, inputs: AlertInputs) -> list[Reading]:
    what = {"stop_near": "stop", "take_profit_near": "take-profit",
            "liquidation_near": "liquidation"}[rule.kind]
    out: list[Reading] = []
    for position in _watched(rule, inputs):
        level = {"stop": position.stop_price_usd, "take-profit": position.take_profit_price_usd,
                 "liquidation": position.liquidation_price_usd}[what]
        if level is not None and _finite(level):
            reading = _distance(rule, inputs, position, level, what)
            if reading is not None:
                out.append(reading)
    return out


def _divergence_readings(rule: AlertRule, inputs: AlertInputs) -> list[Reading]:
    direction = 1 if rule.kind == "divergence_fomo" else -1
    signal = "FOMO" if direction > 0 else "accumulation"
    return [Reading(sector, d, direction, f"{sector}: divergence D {d:+.2f} ({signal} signal)")
            for sector, d in inputs.sector_divergence.items()
            if rule.subject in (ANY_SUBJECT, sector) and _finite(d)]


def _funding_readings(rule: AlertRule, inputs: AlertInputs) -> list[Reading]:
    bases = ([p.base for p in inputs.positions] if rule.subject == ANY_SUBJECT
             else [rule.subject])
    out = []
    for base in bases:
        rate = inputs.funding_rates.get(base)
        if rate is not None and _finite(rate):
            out.append(Reading(base, abs(100.0 * rate), 1,
                               f"{base} funding {100.0 * rate:+.4f} % per 8 h"))
    return out


def _market_readings(rule: AlertRule, inputs: AlertInputs) -> list[Reading]:
    if rule.kind == "correlation_rise":
        value = inputs.average_correlation
        return [Reading("", value, 1, "average pairwise sector correlation "
                        f"{format_correlation(value)}")] \
            if value is not None and _finite(value) else []
    if rule.kind == "stale_data":
        return [Reading("", inputs.age_hours, 1,
                        f"data from {inputs.as_of:%Y-%m-%d %H:%M} UTC is "
                        f"{inputs.age_hours:.1f} h old")] if _finite(inputs.age_hours) else []
    risk, cap = inputs.open_risk_usd, inputs.risk_cap_usd
    if risk is None or cap is None or not (_finite(risk) and _finite(cap)) or cap <= 0:
        return []
    share = 100.0 * risk / cap
    return [Reading("", share, 1, f"open risk {risk:,.2f} USD (every stop hit) is "
                                  f"{share:.1f} % of the portfolio cap {cap:,.2f} USD")]


_READERS: dict[str, Callable[[AlertRule, AlertInputs], list[Reading]]] = {
    "price_above": _price_readings, "price_below": _price_readings,
    "stop_near": _level_readings, "take_profit_near": _level_readings,
    "liquidation_near": _level_readings,
    "divergence_fomo": _divergence_readings, "divergence_accumulation": _divergence_readings,
    "funding_beyond": _funding_readings,
    "correlation_rise": _market_readings, "stale_data": _market_readings,
    "risk_cap_near": _market_readings,
}


def readings(rule: AlertRule, inputs: AlertInputs) -> list[Reading]:
    """The numbers ``rule`` compares with its threshold now (empty: nothing to compare)."""
    reader = _READERS.get(rule.kind)
    return [] if reader is None else reader(rule, inputs)


def _threshold(rule: AlertRule, direction: int) -> float:
    return -rule.threshold if rule.kind == "divergence_accumulation" else rule.threshold


def rearm_level(rule: AlertRule, direction: int) -> float:
    """Where a fired rule re-arms: threshold moved back by the hysteresis (against the
    crossing direction; a price level's hysteresis is a percentage of the level)."""
    level = _threshold(rule, direction)
    if rule.kind in ("price_above", "price_below"):
        return level * (1.0 - direction * rule.hysteresis / 100.0)
    return level - direction * rule.hysteresis


def step(rule: AlertRule, state: AlertState, reading: Reading) -> tuple[bool, AlertState]:
    """One observation of a threshold rule: (fired, state after)."""
    level = _threshold(rule, reading.direction)
    crossed = reading.direction * (reading.value - level) >= 0
    if state.armed:
        return (True, AlertState(False, state.label)) if crossed else (False, state)
    back = reading.direction * (reading.value - rearm_level(rule, reading.direction)) < 0
    return (False, AlertState(True, state.label)) if back else (False, state)


def _firing(rule: AlertRule, inputs: AlertInputs, subject: str, value: float,
            message: str) -> AlertFiring:
    return AlertFiring(rule.rule_id, rule.kind, subject, inputs.as_of, value, rule.threshold,
                       rule.unit, message, inputs.demo, inputs.source)


def _regime(rule: AlertRule, state: AlertState,
            inputs: AlertInputs) -> tuple[AlertFiring | None, AlertState]:
    label = inputs.regime_label
    if not label or label == state.label:
        return None, state
    if not state.label:  # the first label seen is the baseline, not a change
        return None, AlertState(True, label)
    return (_firing(rule, inputs, "", math.nan, f"regime changed: {state.label} -> {label}"),
            AlertState(True, label))


def evaluate(rules: Sequence[AlertRule], states: Mapping[tuple[int, str], AlertState],
             inputs: AlertInputs) -> Evaluation:
    """Evaluate every rule once on ``inputs``.

    Returns
    -------
    Evaluation
        The firings (rule order) and all states (the given ones, updated).
    """
    new_states = dict(states)
    firings: list[AlertFiring] = []
    for rule in rules:
        if inputs.stale and rule.kind != "stale_data":
            continue
        if rule.kind == "regime_change":
            key = (rule.rule_id, "")
            fired, new_states[key] = _regime(rule, new_states.get(key, AlertState()), inputs)
            if fired is not None:
                firings.append(fired)
            continue
        for reading in readings(rule, inputs):
            key = (rule.rule_id, reading.subject)
            did_fire, new_states[key] = step(rule, new_states.get(key, AlertState()), reading)
            if did_fire:
                limit = _threshold(rule, reading.direction)
                relation = ">=" if reading.direction > 0 else "<="
                rule_text = f"{relation} {limit:g}{UNIT_TEXT.get(rule.unit, '')}"
                firings.append(_firing(rule, inputs, reading.subject, reading.value,
                                       f"{reading.text} ({rule_text})"))
    return Evaluation(tuple(firings), new_states)
