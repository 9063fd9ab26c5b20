"""The position book: open positions, closed trades from the journal, and the book that holds
both (validated on construction; one position per symbol).

Split out of :mod:`rotation_addin.core.rotation` (which still re-exports these names).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rotation_addin.core import validation as v
from rotation_addin.core.constants import PRICE_RANGE_USD, QUANTITY_RANGE_BASE
from rotation_addin.core.errors import InputError
from rotation_addin.core.sizing import EQUITY_RANGE_USD
from rotation_addin.core.types import Side


def _validate_symbol_side(base: object, side: object) -> None:
    """A non-empty symbol and a :class:`Side` (the fields every book row starts with)."""
    if not isinstance(base, str) or not base.strip():
        raise InputError("symbol", f"must be a non-empty symbol (got {base!r})")
    if not isinstance(side, Side):
        raise InputError("side", f"must be a Side (got {side!r})")


def _validate_time(field_name: str, value: object) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InputError(field_name, f"must be a timezone-aware datetime (got {value!r})")


@dataclass(frozen=True)
class Position:
    """One open position as the user recorded it (positions file).

    Attributes
    ----------
    base : str
        Base asset, e.g. ``"RENDER"``.
    side : Side
        Long or short.
    quantity_base : float
        Size in base units (> 0).
    entry_price_usd : float
        Average entry price.
    stop_price_usd : float | None
        Protective stop; ``None`` breaks the ``stop-required`` rule and is reported.
    take_profit_price_usd : float | None
        Take-profit level; ``None`` means "entry + side x k x ATR".
    opened_at : datetime
        When the position was opened (UTC).
    """

    base: str
    side: Side
    quantity_base: float
    entry_price_usd: float
    stop_price_usd: float | None
    take_profit_price_usd: float | None
    opened_at: datetime

    def __post_init__(self) -> None:
        _validate_symbol_side(self.base, self.side)
        v.positive_in_range("quantity", self.quantity_base, QUANTITY_RANGE_BASE)
        entry = v.positive_in_range("entry_price", self.entry_price_usd, PRICE_RANGE_USD)
        if self.stop_price_usd is not None:
            # A trailing stop may sit beyond entry (locked-in profit), so only > 0 is required.
            v.positive_in_range("stop_price", self.stop_price_usd, PRICE_RANGE_USD)
        if self.take_profit_price_usd is not None:
            target = v.positive_in_range("take_profit_price", self.take_profit_price_usd,
                                        PRICE_RANGE_USD)
            if self.side.sign * (target - entry) <= 0:
                where = "above" if self.side is Side.LONG else "below"
                raise InputError("take_profit_price", f"must be {where} entry {entry:g} for a "
                                 f"{self.side.value} (got {target:g})")
        _validate_time("opened_at", self.opened_at)

    @property
    def notional_usd(self) -> float:
        """Entry notional: quantity x entry price."""
        return self.quantity_base * self.entry_price_usd

    def stop_out_loss_usd(
        self, quantity_base: float, *, taker_fee_rate: float, stop_slippage_rate: float
    ) -> float | None:
        """Loss versus entry if the stop is hit for ``quantity_base`` (None without a stop).

        loss = Q x max(0, side x (entry - stop)) + Q x stop x (fee + slippage)
        (exit costs at the stop; a trailing stop beyond entry loses only the costs).
        """
        if self.stop_price_usd is None:
            return None
        q = v.non_negative("quantity_base", quantity_base)
        stop = self.stop_price_usd
        adverse = max(0.0, self.side.sign * (self.entry_price_usd - stop))
        return q * adverse + q * stop * (taker_fee_rate + stop_slippage_rate)


@dataclass(frozen=True)
class ClosedTrade:
    """One closed trade from the journal (used by the cool-down rule).

    Attributes
    ----------
    base, side, quantity_base, entry_price_usd : as in :class:`Position`.
    exit_price_usd : float
        Average exit price.
    opened_at, closed_at : datetime
        UTC timestamps.
    realised_pnl_usd : float
        Realised profit (negative = loss) after costs.
    reason : str
        Why it was closed (journal text).
    """

    base: str
    side: Side
    quantity_base: float
    entry_price_usd: float
    exit_price_usd: float
    opened_at: datetime
    closed_at: datetime
    realised_pnl_usd: float
    reason: str = ""

    def __post_init__(self) -> None:
        _validate_symbol_side(self.base, self.side)
        v.positive_in_range("quantity", self.quantity_base, QUANTITY_RANGE_BASE)
        v.positive_in_range("entry_price", self.entry_price_usd, PRICE_RANGE_USD)
        v.positive_in_range("exit_price", self.exit_price_usd, PRICE_RANGE_USD)
        v.in_range("realised_pnl_usd", self.realised_pnl_usd, -EQUITY_RANGE_USD[1],
                   EQUITY_RANGE_USD[1])
        _validate_time("opened_at", self.opened_at)
        _validate_time("closed_at", self.closed_at)
        if self.closed_at < self.opened_at:
            raise InputError("closed_at", f"must not be before opened_at {self.opened_at} "
                             f"(got {self.closed_at})")


@dataclass(frozen=True)
class PositionBook:
    """Current positions plus the journal of closed trades."""

    positions: tuple[Position, ...] = ()
    closed_trades: tuple[ClosedTrade, ...] = ()

    def __post_init__(self) -> None:
        bases = [p.base for p in self.positions]
        duplicated = sorted({b for b in bases if bases.count(b) > 1})
        if duplicated:
            raise InputError("positions", f"one position per symbol (duplicated: {duplicated})")
