"""Maintenance-margin bracket tables: one bracket, a validated table, building one (``cum``).

The formulas and where tables come from: :mod:`rotation_addin.core.brackets` (import from
there).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rotation_addin.core.errors import InputError
from rotation_addin.core.validation import finite_number, non_negative

CUM_ABS_TOLERANCE_USD = 0.01
CUM_REL_TOLERANCE = 1e-6


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


def is_number_list(values: object) -> bool:
    """A list/tuple/array of values (each one is validated on its own later)."""
    return (hasattr(values, "__len__") and hasattr(values, "__getitem__")
            and not isinstance(values, str | bytes | Mapping))


def _cap(value: object) -> float:
    """The last bracket's cap: a number or ``inf`` (open-ended)."""
    if isinstance(value, float) and value == math.inf:
        return value
    return finite_number("caps[-1]", value)


def _bracket_count(
    floors: Sequence[float],
    rates: Sequence[float],
    max_leverages: Sequence[float],
    source: str,
    caps: Sequence[float] | None,
) -> int:
    """Number of brackets: every list holds numbers, one per floor (caps optional)."""
    for name, values in (("floors", floors), ("rates", rates), ("max_leverages", max_leverages),
                         ("caps", caps)):
        if (values is not None or name != "caps") and not is_number_list(values):
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
    return n


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
    n = _bracket_count(floors, rates, max_leverages, source, caps)
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
