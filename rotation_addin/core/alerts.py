"""Alert rules (STRATEGY.md, "Alerts"): what a trader asks to be told, validated, pure.

A rule is a :class:`AlertRule`: a ``kind``, the ``subject`` it watches (a symbol, a sector,
``"*"`` for every open position / sector, or ``""`` for market-wide kinds), a ``threshold``
in the kind's unit and a ``hysteresis`` in the same unit. Every kind reduces the market to
one number per subject (:mod:`rotation_addin.core.alert_eval`) and fires when that number
crosses the threshold, once; it re-arms only when the number has moved back past the
threshold by the hysteresis. ``regime_change`` is discrete: it fires when the regime label
differs from the last one seen (the regime's own dead bands are its hysteresis).

==========================  ==========  ===============================================
kind                        subject     fires when
==========================  ==========  ===============================================
``price_above``             symbol      price >= threshold (USD); re-arms below
                                        threshold x (1 - hysteresis / 100)
``price_below``             symbol      price <= threshold (USD); re-arms above
                                        threshold x (1 + hysteresis / 100)
``stop_near``               symbol, *   side x (price - stop) / price <= threshold
                                        (``unit`` "pct": percent of price; "sigma":
                                        daily sigmas)
``take_profit_near``        symbol, *   side x (take-profit - price) / price <= threshold
``liquidation_near``        symbol, *   side x (price - liquidation) / price / sigma <= k
``regime_change``           -           the regime label changed
``divergence_fomo``         sector, *   sector divergence D >= threshold (z units)
``divergence_accumulation`` sector, *   D <= -threshold
``correlation_rise``        -           average pairwise correlation >= threshold
``funding_beyond``          symbol, *   abs(funding rate) >= threshold (percent per 8 h)
``stale_data``              -           age of the data >= threshold (hours); the only
                                        kind evaluated on stale data
``risk_cap_near``           -           open risk >= threshold percent of the portfolio
                                        risk cap (stressed loss, every stop hit)
==========================  ==========  ===============================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from rotation_addin.core.errors import InputError
from rotation_addin.core.parameters import Parameter

SubjectKind = Literal["symbol", "sector", "none"]
ANY_SUBJECT = "*"
"""Subject of a rule that watches every open position (or every sector)."""
NOTE_MAX_CHARS = 200
UNIT_TEXT: dict[str, str] = {"usd": " USD", "pct": " %", "sigma": " sigma", "z": "",
                             "corr": "", "hours": " h", "": ""}
"""How a unit reads after a number in a firing's sentence."""


@dataclass(frozen=True)
class KindSpec:
    """What one alert kind watches and which thresholds it accepts.

    Attributes
    ----------
    kind : str
        Its name (``"price_above"``).
    subject : {"symbol", "sector", "none"}
        What ``AlertRule.subject`` names.
    any_subject : bool
        ``"*"`` is allowed (every open position / every sector).
    thresholds : dict[str, Parameter]
        Valid threshold per unit (first key: the default unit).
    hystereses : dict[str, Parameter]
        Valid hysteresis per unit (same keys).
    description : str
        One line for ``rotation alerts add --help`` and the Alerts sheet.
    """

    kind: str
    subject: SubjectKind
    any_subject: bool
    thresholds: dict[str, Parameter]
    hystereses: dict[str, Parameter]
    description: str

    @property
    def default_unit(self) -> str:
        """The first unit listed."""
        return next(iter(self.thresholds))


def _threshold(unit: str, default: float, low: float, high: float, *,
               low_inclusive: bool = False) -> Parameter:
    return Parameter("threshold", default, low, high, unit, "Threshold",
                     low_inclusive=low_inclusive)


def _hysteresis(unit: str, default: float, high: float) -> Parameter:
    return Parameter("hysteresis", default, 0.0, high, unit, "Hysteresis")


_PRICE_T = {"usd": _threshold("USD", math.nan, 0.0, 1e12)}
_PRICE_H = {"usd": _hysteresis("percent of the level", 0.5, 50.0)}
_NEAR_T = {"pct": _threshold("percent of price", 2.0, 0.0, 100.0),
           "sigma": _threshold("daily sigmas", 1.0, 0.0, 20.0)}
_NEAR_H = {"pct": _hysteresis("percent of price", 0.5, 100.0),
           "sigma": _hysteresis("daily sigmas", 0.25, 20.0)}
_NONE = {"": Parameter("threshold", 0.0, 0.0, 0.0, "", "Threshold")}
_NONE_H = {"": Parameter("hysteresis", 0.0, 0.0, 0.0, "", "Hysteresis")}
_DIV_T = {"z": _threshold("z units of D", 2.0, 0.0, 10.0)}
_DIV_H = {"z": _hysteresis("z units of D", 0.25, 10.0)}

KINDS: dict[str, KindSpec] = {spec.kind: spec for spec in (
    KindSpec("price_above", "symbol", False, _PRICE_T, _PRICE_H,
             "price at or above a level (USD)"),
    KindSpec("price_below", "symbol", False, _PRICE_T, _PRICE_H,
             "price at or below a level (USD)"),
    KindSpec("stop_near", "symbol", True, _NEAR_T, _NEAR_H,
             "an open position's stop within x % or k daily sigmas"),
    KindSpec("take_profit_near", "symbol", True, _NEAR_T, _NEAR_H,
             "an open position's take-profit within x % or k daily sigmas"),
    KindSpec("liquidation_near", "symbol", True,
             {"sigma": _threshold("daily sigmas", 3.0, 0.0, 20.0)},
             {"sigma": _hysteresis("daily sigmas", 0.25, 20.0)},
             "liquidation closer than k daily sigmas (the weekend-gap worry)"),
    KindSpec("regime_change", "none", False, _NONE, _NONE_H, "the macro regime changed"),
    KindSpec("divergence_fomo", "sector", True, _DIV_T, _DIV_H,
             "a sector's social-vs-on-chain divergence D at or above +threshold (FOMO)"),
    KindSpec("divergence_accumulation", "sector", True, _DIV_T, _DIV_H,
             "a sector's divergence D at or below -threshold (accumulation)"),
    KindSpec("correlation_rise", "none", False,
             {"corr": _threshold("correlation", 0.7, -1.0, 1.0)},
             {"corr": _hysteresis("correlation", 0.05, 1.0)},
             "average pairwise sector correlation rising past a level (correlation decay)"),
    KindSpec("funding_beyond", "symbol", True,
             {"pct": _threshold("percent per 8 h", 0.1, 0.0, 5.0)},
             {"pct": _hysteresis("percent per 8 h", 0.02, 5.0)},
             "funding rate beyond +/- a level (percent per 8 h)"),
    KindSpec("stale_data", "none", False,
             {"hours": _threshold("hours", 36.0, 0.0, 8760.0)},
             {"hours": _hysteresis("hours", 0.0, 8760.0)},
             "the data is older than a number of hours"),
    KindSpec("risk_cap_near", "none", False,
             {"pct": _threshold("percent of the portfolio risk cap", 80.0, 0.0, 1000.0)},
             {"pct": _hysteresis("percent of the portfolio risk cap", 5.0, 1000.0)},
             "open risk (every stop hit) near the portfolio risk cap"),
)}
"""Every alert kind, in the order the CLI and the Alerts sheet list them."""


@dataclass(frozen=True)
class AlertRule:
    """One validated alert rule (build it with :func:`make_rule`).

    Attributes
    ----------
    rule_id : int
        Store id (0 before it is stored).
    kind : str
        A key of :data:`KINDS`.
    subject : str
        Base symbol (upper case), sector name, ``"*"`` or ``""`` (market-wide kinds).
    threshold : float
        In ``unit`` (see :data:`KINDS`).
    unit : str
        One of the kind's units.
    hysteresis : float
        Re-arm distance, in ``unit``.
    note : str
        The user's words (at most 200 characters).
    created_at : datetime or None
        When it was stored.
    """

    rule_id: int
    kind: str
    subject: str
    threshold: float
    unit: str
    hysteresis: float
    note: str = ""
    created_at: datetime | None = None


def kind_spec(kind: object) -> KindSpec:
    """The :class:`KindSpec` of ``kind``, or :class:`InputError` naming ``kind``."""
    if not isinstance(kind, str) or kind.strip().lower() not in KINDS:
        raise InputError("kind", f"must be one of {', '.join(KINDS)} (got {kind!r})")
    return KINDS[kind.strip().lower()]


def _subject(spec: KindSpec, subject: object) -> str:
    text = "" if subject is None else subject
    if not isinstance(text, str):
        raise InputError("subject", f"must be text (got {subject!r})")
    text = text.strip()
    if spec.subject == "none":
        if text:
            raise InputError("subject", f"must be empty for {spec.kind} (got {text!r})")
        return ""
    what = "a symbol such as RENDER" if spec.subject == "symbol" else "a sector name"
    allowed = f"{what} or '*' (every one)" if spec.any_subject else what
    if not text or (text == ANY_SUBJECT and not spec.any_subject):
        raise InputError("subject", f"must be {allowed} for {spec.kind} (got {text!r})")
    if len(text) > 40 or any(c.isspace() for c in text):
        raise InputError("subject", f"must be {allowed}, one word of at most 40 characters "
                                    f"(got {text!r})")
    return text.upper() if spec.subject == "symbol" else text


def _unit(spec: KindSpec, unit: object) -> str:
    if unit is None or unit == "":
        return spec.default_unit
    if not isinstance(unit, str) or unit.strip().lower() not in spec.thresholds:
        units = ", ".join(repr(u) for u in spec.thresholds)
        raise InputError("unit", f"must be one of {units} for {spec.kind} (got {unit!r})")
    return unit.strip().lower()


def rule_bounds(kind: object, unit: object = None) -> tuple[Parameter, Parameter]:
    """The valid threshold and hysteresis of ``kind`` in ``unit`` (None: the kind's first),
    as :func:`make_rule` checks them; :class:`InputError` naming ``kind`` or ``unit``."""
    spec = kind_spec(kind)
    chosen = _unit(spec, unit)
    return spec.thresholds[chosen], spec.hystereses[chosen]


def make_rule(kind: object, subject: object = "", threshold: object = None, *,
              unit: object = None, hysteresis: object = None, note: object = "",
              rule_id: int = 0, created_at: datetime | None = None) -> AlertRule:
    """Validate every field and return the :class:`AlertRule`.

    ``threshold`` / ``hysteresis`` None take the kind's default (a price level has none).
    Each error is one :class:`InputError` naming the field (``kind``, ``subject``,
    ``threshold``, ``unit``, ``hysteresis``, ``note``) and its valid range.
    """
    spec = kind_spec(kind)
    name = spec.kind
    chosen_unit = _unit(spec, unit)
    subject_text = _subject(spec, subject)
    bound = spec.thresholds[chosen_unit]
    if name == "regime_change":
        for field, value in (("threshold", threshold), ("hysteresis", hysteresis)):
            if value not in (None, "", 0, 0.0):
                raise InputError(field, f"is not used by {name} (leave it empty; got {value!r})")
        level, band = 0.0, 0.0
    else:
        if threshold is None and math.isnan(bound.default):  # no default: a price level
            raise InputError("threshold", f"is required for {name} ({bound.unit}, in "
                                          f"({bound.low:g}, {bound.high:g}])")
        level = bound.check(bound.default if threshold is None else threshold)  # NaN typed: named
        hyst = spec.hystereses[chosen_unit]
        band = hyst.check(hyst.default if hysteresis is None else hysteresis)
    if not isinstance(note, str) or len(note) > NOTE_MAX_CHARS or "\n" in note:
        raise InputError("note", f"must be one line of at most {NOTE_MAX_CHARS} characters")
    return AlertRule(rule_id, name, subject_text, level, chosen_unit, band, note.strip(),
                     created_at)
