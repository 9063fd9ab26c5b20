"""Quarterly (dated delivery) futures beside the perpetual: basis, annualised basis, roll.

* basis = ``future / perpetual - 1`` (fraction; > 0 = contango);
* annualised basis = ``basis · 365 / days to expiry`` (simple, crypto's 365-day year);
* days to expiry = ``(expiry - now) / 1 day``;
* roll warning when fewer than :data:`ROLL_WARNING_DAYS` days are left (a dated contract is
  settled at expiry: a position kept past it is closed at the settlement price).

A quarterly pays no funding: its carry is the basis, which converges to 0 at expiry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rotation_addin.core.constants import DAYS_PER_YEAR, PRICE_RANGE_USD
from rotation_addin.core.errors import InputError
from rotation_addin.core.validation import in_range

ROLL_WARNING_DAYS: float = 7.0
"""Fewer days than this to expiry -> roll warning."""


@dataclass(frozen=True)
class QuarterlyView:
    """A dated contract against its perpetual.

    Attributes
    ----------
    symbol : str
        The dated contract (``"BTC/USDT:USDT-261225"``).
    expiry : datetime
        Delivery time, UTC.
    days_to_expiry : float
        Days from ``now`` to expiry.
    basis, annualised_basis : float
        Fractions (see module docstring).
    roll_warning : str or None
        The sentence to show when expiry is near, else None.
    """

    symbol: str
    expiry: datetime
    days_to_expiry: float
    basis: float
    annualised_basis: float
    roll_warning: str | None


def days_to_expiry(expiry: datetime, now: datetime) -> float:
    """Days (fractional) from ``now`` to ``expiry``; both must be timezone-aware."""
    if expiry.tzinfo is None or now.tzinfo is None:
        raise InputError("expiry", "expiry and now must be timezone-aware (UTC)")
    return (expiry - now).total_seconds() / 86_400.0


def quarterly_view(symbol: str, expiry: datetime, future_price: float, perpetual_price: float,
                   now: datetime, *, roll_warning_days: float = ROLL_WARNING_DAYS
                   ) -> QuarterlyView:
    """Basis, annualised basis, days to expiry and a roll warning of one dated contract.

    Raises
    ------
    InputError
        A price outside (0, 1e12] USD, or ``expiry`` not after ``now`` (an expired contract
        has no basis left to annualise).
    """
    future = in_range("future_price", future_price, *PRICE_RANGE_USD)
    perpetual = in_range("perpetual_price", perpetual_price, *PRICE_RANGE_USD)
    days = days_to_expiry(expiry, now)
    if days <= 0:
        raise InputError("expiry", f"{symbol} expired on {expiry.isoformat()} (now "
                                   f"{now.isoformat()})")
    basis = future / perpetual - 1.0
    annualised = basis * DAYS_PER_YEAR / days
    warning = None
    if days < roll_warning_days:
        warning = (f"{symbol} expires in {days:.1f} days ({expiry:%Y-%m-%d %H:%M} UTC): roll to "
                   "the next contract or close before settlement")
    return QuarterlyView(symbol, expiry, days, basis, annualised, warning)


def basis_carry(basis: float, days_left: float, holding_days: float, side_sign: int) -> float:
    """Expected cost (fraction of notional, paid > 0) of holding a dated contract.

    The basis converges to 0 at expiry; assuming it does so linearly, a position held
    ``holding_days`` of the ``days_left`` gives up ``basis · min(holding, left) / left``:
    ``side_sign · basis · min(holding_days, days_left) / days_left`` (``side_sign`` +1 long,
    -1 short: a long in contango pays the premium's decay, a short earns it). This replaces
    the funding of a perpetual in the round trip.
    """
    left = in_range("days_to_expiry", days_left, 0.0, 3650.0, low_inclusive=False)
    held = in_range("holding_days", holding_days, 0.0, 3650.0)
    if side_sign not in (1, -1):
        raise InputError("side", f"must be +1 or -1 (got {side_sign!r})")
    return side_sign * float(basis) * min(held, left) / left


__all__ = ["ROLL_WARNING_DAYS", "QuarterlyView", "basis_carry", "days_to_expiry",
           "quarterly_view"]
