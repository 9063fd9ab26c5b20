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
:func:`bracket_table_from_ccxt` from ccxt ``fetch_leverage_tiers`` entries.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from rotation_addin.core.errors import InputError
from rotation_addin.core.validation import finite_number, non_negative

DEFAULT_BRACKETS_SOURCE = "bundled defaults (rotation_addin/resources/brackets.toml)"
DEFAULT_MAX_LEVERAGE_RULE = (
    "max leverages are defaults by the rule of thumb 1/(2·MMR), rounded down to a usual "
    "exchange step, not the exchange's published tiers"
)
"""Said wherever a bundled schedule is shown: its maximum leverages are a rule of thumb."""

_CUM_ABS_TOLERANCE_USD = 0.01
_CUM_REL_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Bracket:
    """One maintenance-margin bracket.

    Attributes
    ----------
    floor_notional_usd : float
        Lowest position notional (USD) in this bracket (inclusive).
    cap_notional_usd : float
        Notional (USD) where the next bracket starts (exclusive); ``inf`` for the last one.
    maintenance_margin_rate : float
        MMR as a fraction of notional (0.004 = 0.4 %).
    max_leverage : float
        Highest leverage the exchange allows for positions in this bracket.
    maintenance_amount_usd : float
        ``cum``: subtracted from ``notional · MMR`` to give the maintenance margin.
    """

    floor_notional_usd: float
    cap_notional_usd: float
    maintenance_margin_rate: float
    max_leverage: float
    maintenance_amount_usd: float

    def maintenance_margin_usd(self, notional_usd: float) -> float:
        """Maintenance margin (USD) of a position of ``notional_usd`` priced in this bracket."""
        return notional_usd * self.maintenance_margin_rate - self.maintenance_amount_usd

    def contains(self, notional_usd: float) -> bool:
        """True if ``floor <= notional_usd < cap``."""
        return self.floor_notional_usd <= notional_usd < self.cap_notional_usd


@dataclass(frozen=True)
class BracketTable:
    """The brackets of one contract, ordered by notional.

    Attributes
    ----------
    symbol : str
        Contract or base the table belongs to (``"BTC/USDT:USDT"`` or ``"BTC"``).
    brackets : tuple[Bracket, ...]
        Contiguous brackets starting at notional 0.
    source : str
        Where the numbers come from (bundled defaults, exchange, file...).
    warnings : tuple[str, ...]
        Oddities found while building the table (e.g. an exchange ``cum`` that differs from
        the one the floors and rates imply).
    """

    symbol: str
    brackets: tuple[Bracket, ...]
    source: str = "user"
    warnings: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        _validate_brackets(self.brackets)

    @property
    def max_leverage(self) -> float:
        """Highest leverage of the table (the first bracket's)."""
        return self.brackets[0].max_leverage

    def for_notional(self, notional_usd: float) -> Bracket:
        """Bracket that prices a position of ``notional_usd`` (``floor <= n < cap``).

        Notionals at or above the last cap are priced with the last bracket.
        """
        notional = non_negative("notional_usd", notional_usd)
        for bracket in self.brackets:
            if notional < bracket.cap_notional_usd:
                return bracket
        return self.brackets[-1]

    def index_of(self, bracket: Bracket) -> int:
        """Position of ``bracket`` in the table (0-based)."""
        return self.brackets.index(bracket)


def _validate_brackets(brackets: Sequence[Bracket]) -> None:
    if not brackets:
        raise InputError("brackets", "must hold at least one bracket (got none)")
    if brackets[0].floor_notional_usd != 0.0:
        raise InputError(
            "brackets[0].floor_notional_usd",
            f"must be 0 (got {brackets[0].floor_notional_usd:g})",
        )
    previous: Bracket | None = None
    for i, bracket in enumerate(brackets):
        name = f"brackets[{i}]"
        finite_number(f"{name}.floor_notional_usd", bracket.floor_notional_usd)
        cap = bracket.cap_notional_usd
        if isinstance(cap, bool) or not isinstance(cap, int | float) or math.isnan(cap):
            raise InputError(f"{name}.cap_notional_usd", f"must be a number (got {cap!r})")
        if not cap > bracket.floor_notional_usd:
            raise InputError(
                f"{name}.cap_notional_usd",
                f"must be > floor {bracket.floor_notional_usd:g} (got {cap:g})",
            )
        mmr = finite_number(f"{name}.maintenance_margin_rate", bracket.maintenance_margin_rate)
        if not 0.0 < mmr < 1.0:
            raise InputError(f"{name}.maintenance_margin_rate", f"must be in (0, 1) (got {mmr:g})")
        lev = finite_number(f"{name}.max_leverage", bracket.max_leverage)
        if lev < 1.0:
            raise InputError(f"{name}.max_leverage", f"must be >= 1 (got {lev:g})")
        if lev * mmr >= 1.0:
            raise InputError(
                f"{name}.max_leverage",
                f"must be < 1/MMR = {1.0 / mmr:g} or a position opens liquidated (got {lev:g})",
            )
        if previous is not None:
            if bracket.floor_notional_usd != previous.cap_notional_usd:
                raise InputError(
                    f"{name}.floor_notional_usd",
                    f"must equal the previous cap {previous.cap_notional_usd:g} "
                    f"(got {bracket.floor_notional_usd:g})",
                )
            if mmr < previous.maintenance_margin_rate:
                raise InputError(
                    f"{name}.maintenance_margin_rate",
                    f"must not fall as notional rises (got {mmr:g} after "
                    f"{previous.maintenance_margin_rate:g})",
                )
        non_negative(f"{name}.maintenance_amount_usd", bracket.maintenance_amount_usd)
        previous = bracket
    if not math.isinf(brackets[-1].cap_notional_usd):
        finite_number(f"brackets[{len(brackets) - 1}].cap_notional_usd",
                      brackets[-1].cap_notional_usd)


def maintenance_amounts(floors: Sequence[float], rates: Sequence[float]) -> tuple[float, ...]:
    """Maintenance amounts ``cum`` implied by bracket floors and MMRs.

    ``cum_0 = 0``, ``cum_n = cum_{n−1} + floor_n · (MMR_n − MMR_{n−1})`` (Binance FAQ),
    rounded to 1e-8 USD so float noise does not show (35.00000000000001 -> 35).
    """
    cums = [0.0]
    for n in range(1, len(floors)):
        cums.append(round(cums[-1] + floors[n] * (rates[n] - rates[n - 1]), 8))
    return tuple(cums)


def _is_number_list(values: object) -> bool:
    """A list/tuple/array of values (each one is validated on its own later)."""
    return (hasattr(values, "__len__") and hasattr(values, "__getitem__")
            and not isinstance(values, str | bytes | Mapping))


def _cap(value: object) -> float:
    """The last bracket's cap: a number or ``inf`` (open-ended)."""
    if isinstance(value, float) and value == math.inf:
        return value
    return finite_number("caps[-1]", value)


def build_bracket_table(
    symbol: str,
    floors: Sequence[float],
    rates: Sequence[float],
    max_leverages: Sequence[float],
    source: str = "user",
    caps: Sequence[float] | None = None,
) -> BracketTable:
    """Build a table from bracket floors (USD), MMRs and max leverages; compute ``cum``.

    Parameters
    ----------
    symbol : str
        Contract or base name.
    floors : sequence of float
        Lower notional bound of each bracket, starting at 0, strictly increasing.
    rates : sequence of float
        Maintenance margin rate of each bracket (fractions, non-decreasing).
    max_leverages : sequence of float
        Highest leverage of each bracket.
    source : str
        Label saying where the numbers come from.
    caps : sequence of float, optional
        Upper bounds; default: the next floor, ``inf`` for the last bracket.

    Returns
    -------
    BracketTable
        With ``cum_n = cum_{n−1} + floor_n · (MMR_n − MMR_{n−1})``.
    """
    for name, values in (("floors", floors), ("rates", rates), ("max_leverages", max_leverages),
                         ("caps", caps)):
        if (values is not None or name != "caps") and not _is_number_list(values):
            raise InputError(name, f"must be a list of numbers (got {type(values).__name__})")
    if not isinstance(source, str):
        raise InputError("source", f"must be a text label (got {type(source).__name__})")
    n = len(floors)
    if n == 0:
        raise InputError("floors", "must hold at least one bracket floor (got none)")
    if len(rates) != n:
        raise InputError("rates", f"must have one rate per floor ({n}) (got {len(rates)})")
    if len(max_leverages) != n:
        raise InputError(
            "max_leverages", f"must have one leverage per floor ({n}) (got {len(max_leverages)})"
        )
    floor_values = [non_negative(f"floors[{i}]", f) for i, f in enumerate(floors)]
    rate_values = [finite_number(f"rates[{i}]", r) for i, r in enumerate(rates)]
    lev_values = [finite_number(f"max_leverages[{i}]", v) for i, v in enumerate(max_leverages)]
    if caps is None:
        cap_values = [*floor_values[1:], math.inf]
    else:
        if len(caps) != n:
            raise InputError("caps", f"must have one cap per floor ({n}) (got {len(caps)})")
        cap_values = [finite_number(f"caps[{i}]", c) if i < n - 1 else _cap(c)
                      for i, c in enumerate(caps)]
    cums = maintenance_amounts(floor_values, rate_values)
    brackets = tuple(
        Bracket(
            floor_notional_usd=floor_values[i],
            cap_notional_usd=cap_values[i],
            maintenance_margin_rate=rate_values[i],
            max_leverage=lev_values[i],
            maintenance_amount_usd=cums[i],
        )
        for i in range(n)
    )
    return BracketTable(symbol=str(symbol), brackets=brackets, source=source)


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
        _is_number_list(schedules) and all(isinstance(s, BracketSchedule) for s in schedules)
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
            _CUM_ABS_TOLERANCE_USD, _CUM_REL_TOLERANCE * implied[i]
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
