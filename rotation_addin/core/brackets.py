"""Maintenance-margin brackets (leverage tiers) of USDⓈ-M linear perpetuals.

A bracket covers position notionals ``floor <= notional < cap`` and fixes the maintenance
margin rate (MMR), the highest leverage allowed, and the maintenance amount ``cum`` that keeps
the maintenance margin continuous across brackets:

    maintenance margin = notional · MMR_n − cum_n
    cum_0 = 0,   cum_n = cum_{n−1} + floor_n · (MMR_n − MMR_{n−1})

(Binance FAQ "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts", section
"Maintenance Amount formula": level 3 = 250,000 · (1 % − 0.5 %) + 50 = 1,300 USDT.)

Three ways to get a table: :func:`build_bracket_table` from floors/rates/leverages,
:func:`default_bracket_table` from the bundled, user-editable ``resources/brackets.toml``, and
:func:`bracket_table_from_ccxt` from ccxt ``fetch_leverage_tiers`` entries. The table itself
(:class:`Bracket`, :class:`BracketTable`, :func:`build_bracket_table`) is in
:mod:`~rotation_addin.core.bracket_table`.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from rotation_addin.core.bracket_table import (
    CUM_ABS_TOLERANCE_USD,
    CUM_REL_TOLERANCE,
    Bracket,
    BracketTable,
    build_bracket_table,
    is_number_list,
    maintenance_amounts,
)
from rotation_addin.core.errors import InputError
from rotation_addin.core.validation import finite_number, non_negative

DEFAULT_BRACKETS_SOURCE = "bundled defaults (rotation_addin/resources/brackets.toml)"
DEFAULT_MAX_LEVERAGE_RULE = (
    "max leverages are defaults by the rule of thumb 1/(2·MMR), rounded down to a usual "
    "exchange step, not the exchange's published tiers"
)
"""Said wherever a bundled schedule is shown: its maximum leverages are a rule of thumb."""

# --------------------------------------------------------------------------------------------
# Bundled defaults


@dataclass(frozen=True)
class BracketSchedule:
    """One named schedule of ``resources/brackets.toml``."""

    name: str
    bases: tuple[str, ...]
    floors_usd: tuple[float, ...]
    maintenance_margin_rates: tuple[float, ...]
    max_leverages: tuple[float, ...]
    source: str
    is_default: bool


def parse_bracket_schedules(text: str) -> tuple[BracketSchedule, ...]:
    """Parse and validate the text of a ``brackets.toml`` file.

    Every schedule must build a valid :class:`BracketTable`; exactly one has ``default = true``.
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError("brackets.toml", f"is not valid TOML ({exc})") from exc
    raw = document.get("schedules")
    if not isinstance(raw, dict) or not raw:
        raise InputError("brackets.toml", "must define at least one [schedules.NAME] table")
    schedules = tuple(_parse_schedule(name, body) for name, body in raw.items())
    defaults = [s.name for s in schedules if s.is_default]
    if len(defaults) != 1:
        raise InputError(
            "brackets.toml", f"exactly one schedule must have default = true (got {defaults})"
        )
    return schedules


def _parse_schedule(name: str, body: object) -> BracketSchedule:
    where = f"schedules.{name}"
    if not isinstance(body, dict):
        raise InputError(where, "must be a table")

    def numbers(key: str) -> tuple[float, ...]:
        values = body.get(key)
        if not isinstance(values, list) or not values:
            raise InputError(f"{where}.{key}", "must be a non-empty list of numbers")
        return tuple(finite_number(f"{where}.{key}[{i}]", v) for i, v in enumerate(values))

    bases = body.get("bases", [])
    if not isinstance(bases, list) or not all(isinstance(b, str) for b in bases):
        raise InputError(f"{where}.bases", "must be a list of base names")
    schedule = BracketSchedule(
        name=name,
        bases=tuple(b.strip().upper() for b in bases),
        floors_usd=numbers("floors_usd"),
        maintenance_margin_rates=numbers("maintenance_margin_rates"),
        max_leverages=numbers("max_leverages"),
        source=str(body.get("source", DEFAULT_BRACKETS_SOURCE)),
        is_default=bool(body.get("default", False)),
    )
    build_bracket_table(
        name, schedule.floors_usd, schedule.maintenance_margin_rates, schedule.max_leverages
    )
    return schedule


@lru_cache(maxsize=1)
def bundled_bracket_schedules() -> tuple[BracketSchedule, ...]:
    """Schedules of the bundled ``rotation_addin/resources/brackets.toml`` (package data)."""
    text = (
        resources.files("rotation_addin").joinpath("resources", "brackets.toml")
        .read_text(encoding="utf-8")
    )
    return parse_bracket_schedules(text)


DEFAULT_SCHEDULE_KEY = "DEFAULT"
"""Base name that asks for the default schedule on purpose (no "not listed" note)."""


def default_bracket_table(
    base: str, schedules: Sequence[BracketSchedule] | None = None
) -> BracketTable:
    """Default bracket table for ``base`` (``"BTC"`` or ``"BTC/USDT:USDT"``).

    Uses the schedule listing the base, else the schedule marked ``default`` (mid-cap alt).
    These are editable defaults, not the exchange's live schedule: pass the exchange's own
    tiers through :func:`bracket_table_from_ccxt` when you have them.
    """
    if not isinstance(base, str) or not base.strip():
        raise InputError("symbol", f"must be a non-empty base or symbol (got {base!r})")
    key = base.strip().upper().split("/")[0].split(":")[0]
    if key.endswith("USDT") and len(key) > 4:
        key = key[: -len("USDT")]
    if schedules is not None and not (
        is_number_list(schedules) and all(isinstance(s, BracketSchedule) for s in schedules)
    ):
        raise InputError("schedules", "must be a list of BracketSchedule "
                         f"(got {type(schedules).__name__})")
    available = tuple(schedules) if schedules is not None else bundled_bracket_schedules()
    if not any(s.is_default for s in available):
        raise InputError("schedules", "must include one schedule marked default")
    chosen = next((s for s in available if key in s.bases), None)
    note = ""
    if chosen is None:
        chosen = next(s for s in available if s.is_default)
        if key != DEFAULT_SCHEDULE_KEY:
            note = f"; {key} is in no bundled schedule, so the default one applies"
    source = f"{chosen.source} [schedule {chosen.name}]; {DEFAULT_MAX_LEVERAGE_RULE}{note}"
    return build_bracket_table(
        key, chosen.floors_usd, chosen.maintenance_margin_rates, chosen.max_leverages,
        source=source,
    )


# --------------------------------------------------------------------------------------------
# Exchange tiers (ccxt)


def _tier_number(tier: Mapping[str, Any], key: str, where: str) -> float:
    value = tier.get(key)
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise InputError(f"{where}.{key}", f"must be a number (got {value!r})") from None
    return finite_number(f"{where}.{key}", value)


def bracket_table_from_ccxt(
    symbol: str, tiers: Sequence[Mapping[str, Any]], source: str = "exchange (ccxt)"
) -> BracketTable:
    """Build a table from ccxt ``fetch_leverage_tiers()[symbol]`` entries.

    Each entry needs ``minNotional``, ``maxNotional``, ``maintenanceMarginRate`` and
    ``maxLeverage``; ``info.cum`` (Binance's maintenance amount) is used when present.
    Tiers are sorted by ``minNotional`` and must be contiguous from 0. A ``cum`` that differs
    from the one the floors and rates imply is kept (the exchange is authoritative) and noted
    in ``warnings``.
    """
    if isinstance(tiers, str | bytes) or not isinstance(tiers, Sequence) or not tiers:
        raise InputError("tiers", "must be a non-empty list of ccxt leverage tiers")
    parsed: list[tuple[float, float, float, float, float | None]] = []
    for i, tier in enumerate(tiers):
        where = f"tiers[{i}]"
        if not isinstance(tier, Mapping):
            raise InputError(where, f"must be a mapping (got {type(tier).__name__})")
        floor = _tier_number(tier, "minNotional", where)
        cap = _tier_number(tier, "maxNotional", where)
        rate = _tier_number(tier, "maintenanceMarginRate", where)
        lev = _tier_number(tier, "maxLeverage", where)
        info = tier.get("info")
        cum: float | None = None
        if isinstance(info, Mapping) and info.get("cum") is not None:
            cum = non_negative(f"{where}.info.cum", _tier_number(info, "cum", f"{where}.info"))
        parsed.append((floor, cap, rate, lev, cum))
    parsed.sort(key=lambda row: row[0])
    floors = [row[0] for row in parsed]
    rates = [row[2] for row in parsed]
    implied = maintenance_amounts(floors, rates)
    warnings: list[str] = []
    brackets: list[Bracket] = []
    for i, (floor, cap, rate, lev, cum) in enumerate(parsed):
        used = implied[i] if cum is None else cum
        if cum is not None and abs(cum - implied[i]) > max(
            CUM_ABS_TOLERANCE_USD, CUM_REL_TOLERANCE * implied[i]
        ):
            warnings.append(
                f"tier {i + 1}: exchange cum {cum:,.2f} differs from the {implied[i]:,.2f} the "
                "floors and rates imply; using the exchange's value"
            )
        last = i == len(parsed) - 1
        brackets.append(
            Bracket(
                floor_notional_usd=floor,
                cap_notional_usd=math.inf if last else cap,
                maintenance_margin_rate=rate,
                max_leverage=lev,
                maintenance_amount_usd=used,
            )
        )
        if not last and cap != parsed[i + 1][0]:
            raise InputError(
                f"tiers[{i}].maxNotional",
                f"must equal the next tier's minNotional {parsed[i + 1][0]:g} (got {cap:g})",
            )
    return BracketTable(
        symbol=str(symbol), brackets=tuple(brackets), source=source, warnings=tuple(warnings)
    )


__all__ = [
    "DEFAULT_BRACKETS_SOURCE",
    "DEFAULT_MAX_LEVERAGE_RULE",
    "DEFAULT_SCHEDULE_KEY",
    "Bracket",
    "BracketSchedule",
    "BracketTable",
    "bracket_table_from_ccxt",
    "build_bracket_table",
    "bundled_bracket_schedules",
    "default_bracket_table",
    "maintenance_amounts",
    "parse_bracket_schedules",
]
