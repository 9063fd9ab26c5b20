"""The backtest's book: open trades, their fills, protective exits and funding, the journal.

Rules of execution are those of :mod:`rotation_addin.core.fills` (next open, slippage, taker
fee, intrabar stop first, liquidation loses the isolated margin, funding every 8 h).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from rotation_addin.core.brackets import BracketTable, default_bracket_table
from rotation_addin.core.errors import InputError
from rotation_addin.core.fills import (
    EXIT_LIQUIDATION,
    EXIT_PLAN,
    Bar,
    Ledger,
    fill_price,
    funding_payment,
    intrabar_exit,
)
from rotation_addin.core.liquidation import liquidation_price
from rotation_addin.core.orders import ACTION_CLOSE, ACTION_INCREASE, ACTION_OPEN, RebalanceOrder
from rotation_addin.core.rotation import ClosedTrade, Position
from rotation_addin.core.types import Side

FUNDING_PERIOD = pd.Timedelta(hours=8)


@dataclass(frozen=True)
class Trade:
    """One closed trade.

    Attributes
    ----------
    base, sector, side, role : str
        What was traded (``side`` ``long``/``short``; ``role`` leader/hedge/reallocation).
    entry_day, exit_day : pd.Timestamp
        Day of the entry fill (an open) and of the exit.
    entry_price_usd, exit_price_usd : float
        Average entry fill, last exit fill.
    quantity_base : float
        Largest quantity held.
    pnl_usd : float
        Net result: price P&L - fees + funding received.
    fees_usd, funding_usd : float
        Fees paid (> 0) and funding received (+) or paid (-).
    initial_risk_usd : float
        Risk at the stop the plan sized it for (``RebalanceOrder.risk_usd``, summed over
        top-ups).
    r_multiple : float
        ``pnl_usd / initial_risk_usd`` (NaN without a risk).
    exit_reason : str
        ``stop``, ``take-profit``, ``liquidation``, ``plan`` or ``end of data``.
    """

    base: str
    sector: str
    side: str
    role: str
    entry_day: pd.Timestamp
    exit_day: pd.Timestamp
    entry_price_usd: float
    exit_price_usd: float
    quantity_base: float
    pnl_usd: float
    fees_usd: float
    funding_usd: float
    initial_risk_usd: float
    r_multiple: float
    exit_reason: str


@dataclass
class OpenTrade:
    """A position the backtest holds (mutable while open)."""

    base: str
    sector: str
    side: Side
    role: str
    quantity: float
    entry_price: float
    stop: float | None
    take_profit: float | None
    liquidation: float | None
    margin: float
    opened_at: pd.Timestamp
    risk_usd: float
    opened_datetime: datetime
    """``opened_at`` as a datetime (the journal's and the plan's type), from the calendar."""
    max_quantity: float = 0.0
    realised: float = 0.0
    fees: float = 0.0
    funding: float = 0.0
    _position: tuple[tuple[object, ...], Position] | None = field(default=None, repr=False,
                                                                   compare=False)

    def position(self) -> Position:
        """The position as the plan sees it in the user's positions file (made again only
        when the trade changed since the last call)."""
        state = (self.quantity, self.entry_price, self.stop, self.take_profit)
        if self._position is None or self._position[0] != state:
            self._position = (state, self._make_position())
        return self._position[1]

    def _make_position(self) -> Position:
        take_profit = self.take_profit
        if take_profit is not None and self.side.sign * (take_profit - self.entry_price) <= 0:
            take_profit = None  # a fill beyond the planned level: the plan uses k x ATR
        return Position(base=self.base, side=self.side, quantity_base=self.quantity,
                        entry_price_usd=self.entry_price, stop_price_usd=self.stop,
                        take_profit_price_usd=take_profit,
                        opened_at=self.opened_datetime)


def funding_table(funding: pd.DataFrame | None, days: pd.DatetimeIndex,
                  warnings: list[str]) -> pd.DataFrame:
    """Funding rates (fraction per 8 h) by time x base; empty (with a warning) when absent."""
    if funding is None or funding.empty:
        warnings.append("no funding history: funding is not charged (it would cost longs "
                        "when rates are positive)")
        return pd.DataFrame()
    if not isinstance(funding, pd.DataFrame) or not isinstance(funding.index, pd.DatetimeIndex):
        raise InputError("funding", "must be a frame of rates indexed by time")
    values = funding.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size and np.abs(finite).max() > 0.05:
        raise InputError("funding", f"rates must be fractions per 8 h within +-0.05 (got "
                                    f"{np.abs(finite).max():g})")
    frame = funding.sort_index()
    if pd.DatetimeIndex(frame.index).tz is None and days.tz is not None:
        frame = frame.tz_localize(days.tz)
    return frame


@dataclass
class Book:
    """Open trades, closed trades, journal and ledger of one backtest run."""

    ledger: Ledger
    funding: pd.DataFrame
    trades: dict[str, OpenTrade] = field(default_factory=dict)
    closed: list[Trade] = field(default_factory=list)
    journal: list[ClosedTrade] = field(default_factory=list)
    last_close: dict[str, float] = field(default_factory=dict)
    brackets: dict[str, BracketTable] = field(default_factory=dict)
    version: int = 0
    """Counts the changes of the open trades (fills, exits): a reader may cache what it
    derived from them while it stays the same."""

    def bind(self, columns: dict[str, int], opens: np.ndarray, highs: np.ndarray,
             lows: np.ndarray, closes: np.ndarray, days: pd.DatetimeIndex,
             calendar: tuple[Sequence[datetime], Sequence[datetime]] | None = None) -> None:
        """Attach the price arrays (days x columns) the run reads; ``calendar`` is each
        row's datetime and the next day's (``days`` and ``days + 1 day`` as datetimes, at
        least as long as ``days``) when the caller has them, else made here."""
        self.columns, self.days = columns, days
        self.stamps = list(days)  # Timestamps by row, boxed once
        if calendar is None:
            calendar = (list(days.to_pydatetime()),
                        list((days + pd.Timedelta(days=1)).to_pydatetime()))
        self.datetimes: Sequence[datetime] = calendar[0]
        self.next_datetimes: Sequence[datetime] = calendar[1]
        self.opens, self.highs, self.lows, self.closes = opens, highs, lows, closes
        self.funding_rates: np.ndarray | None = None
        self.funding_column = {str(c): j for j, c in enumerate(self.funding.columns)}
        if not len(self.funding):
            return
        times = pd.DatetimeIndex(self.funding.index)
        # per row, the funding rows of (day, day + 1] and of (day, day + 1) (an intrabar exit)
        self.funding_low = times.searchsorted(days, "right")
        self.funding_high = times.searchsorted(days + pd.Timedelta(days=1), "right")
        self.funding_high_intrabar = times.searchsorted(days + pd.Timedelta(days=1), "left")
        self.funding_rates = self.funding.to_numpy(dtype=float)

    def _price(self, array: np.ndarray, row: int, base: str) -> float:
        j = self.columns.get(base)
        return float(array[row, j]) if j is not None else math.nan

    # ------------------------------------------------------------------ plan orders
    def execute(self, orders: Sequence[RebalanceOrder], row: int, fee_rate: float,
                slippage_rate: float) -> None:
        """Fill the plan's orders at this row's open (closes first, as the plan sorts them)."""
        for order in orders:
            reference = self._price(self.opens, row, order.base)
            if not (math.isfinite(reference) and reference > 0):
                continue  # no open price: the order is not filled
            trade = self.trades.get(order.base)
            if order.action == ACTION_OPEN and trade is None:
                self._open(order, row, reference, fee_rate, slippage_rate)
            elif order.action == ACTION_INCREASE and trade is not None:
                self._increase(trade, order, reference, fee_rate, slippage_rate)
            elif order.action not in (ACTION_OPEN, ACTION_INCREASE) and trade is not None:
                buys = trade.side is Side.SHORT
                quantity = trade.quantity if order.action == ACTION_CLOSE else \
                    min(trade.quantity, order.quantity_base)
                price = fill_price(reference, buys, slippage_rate)
                self._reduce(trade, quantity, price, fee_rate, row, EXIT_PLAN, at_open=True)

    def _liquidation(self, side: Side, base: str, entry: float, quantity: float,
                     leverage: float) -> float | None:
        if base not in self.brackets:  # the bundled tiers of a base never change in a run
            self.brackets[base] = default_bracket_table(base)
        result = liquidation_price(side=side, entry_price_usd=entry, quantity_base=quantity,
                                   leverage=leverage, brackets=self.brackets[base])
        return result.liquidation_price_usd if result.can_be_liquidated else None

    def _open(self, order: RebalanceOrder, row: int, reference: float, fee_rate: float,
              slippage_rate: float) -> None:
        side = order.side
        price = fill_price(reference, side is Side.LONG, slippage_rate)
        leverage = order.leverage or 1.0
        fee = self.ledger.fill(order.base, side.sign * order.quantity_base, price, fee_rate)
        self.version += 1
        self.trades[order.base] = OpenTrade(
            base=order.base, sector=order.sector, side=side, role=order.role,
            quantity=order.quantity_base, entry_price=price, stop=order.stop_price_usd,
            take_profit=order.take_profit_price_usd,
            liquidation=self._liquidation(side, order.base, price, order.quantity_base,
                                          leverage),
            margin=order.quantity_base * price / leverage, opened_at=self.stamps[row],
            risk_usd=order.risk_usd, opened_datetime=self.datetimes[row],
            max_quantity=order.quantity_base, fees=fee)

    def _increase(self, trade: OpenTrade, order: RebalanceOrder, reference: float,
                  fee_rate: float, slippage_rate: float) -> None:
        price = fill_price(reference, trade.side is Side.LONG, slippage_rate)
        leverage = order.leverage or 1.0
        self.version += 1
        trade.fees += self.ledger.fill(trade.base, trade.side.sign * order.quantity_base, price,
                                       fee_rate)
        total = trade.quantity + order.quantity_base
        trade.entry_price = (trade.quantity * trade.entry_price
                             + order.quantity_base * price) / total
        trade.quantity = total
        trade.max_quantity = max(trade.max_quantity, total)
        trade.margin += order.quantity_base * price / leverage
        trade.risk_usd += order.risk_usd
        trade.liquidation = self._liquidation(trade.side, trade.base, trade.entry_price, total,
                                              trade.quantity * trade.entry_price / trade.margin)

    def _reduce(self, trade: OpenTrade, quantity: float, price: float, fee_rate: float,
                row: int, reason: str, *, at_open: bool, clearance: float = 0.0) -> None:
        sign = trade.side.sign
        self.version += 1
        trade.fees += self.ledger.fill(trade.base, -sign * quantity, price, fee_rate,
                                       extra_fee_usd=clearance)
        trade.realised += sign * (price - trade.entry_price) * quantity
        share = quantity / trade.quantity
        trade.margin *= 1.0 - share
        trade.quantity -= quantity
        if trade.quantity > 1e-12 * max(1.0, trade.max_quantity):
            return
        exit_day = self.stamps[row]
        closed_at = self.datetimes[row] if at_open else self.next_datetimes[row]
        pnl = trade.realised - trade.fees + trade.funding
        risk = trade.risk_usd
        self.closed.append(Trade(
            base=trade.base, sector=trade.sector, side=trade.side.value, role=trade.role,
            entry_day=pd.Timestamp(trade.opened_at), exit_day=exit_day,
            entry_price_usd=trade.entry_price, exit_price_usd=price,
            quantity_base=trade.max_quantity, pnl_usd=pnl, fees_usd=trade.fees,
            funding_usd=trade.funding, initial_risk_usd=risk,
            r_multiple=pnl / risk if risk > 0 else math.nan, exit_reason=reason))
        self.journal.append(ClosedTrade(
            base=trade.base, side=trade.side, quantity_base=trade.max_quantity,
            entry_price_usd=trade.entry_price, exit_price_usd=price,
            opened_at=trade.opened_datetime, closed_at=closed_at,
            realised_pnl_usd=pnl, reason=reason))
        del self.trades[trade.base]

    # ------------------------------------------------------------------ intrabar / funding
    def protect(self, row: int, fee_rate: float, slippage_rate: float) -> None:
        """Stops, take-profits and liquidations hit inside this row's bar."""
        for trade in list(self.trades.values()):
            j = self.columns.get(trade.base)
            if j is None:
                continue
            bar = Bar(float(self.opens[row, j]), float(self.highs[row, j]),
                      float(self.lows[row, j]), float(self.closes[row, j]))
            if not (math.isfinite(bar.open) and math.isfinite(bar.high)
                    and math.isfinite(bar.low)):
                continue
            hit = intrabar_exit(trade.side.sign, bar, stop_usd=trade.stop,
                                take_profit_usd=trade.take_profit,
                                liquidation_usd=trade.liquidation, slippage_rate=slippage_rate)
            if hit is None:
                continue
            if not hit.at_open:  # an exit inside the bar pays that day's 08:00 and 16:00
                self._pay(trade, row, include_midnight=False)
            clearance = 0.0
            if hit.kind == EXIT_LIQUIDATION:
                price_loss = trade.side.sign * (trade.entry_price - hit.price_usd) \
                    * trade.quantity
                clearance = max(0.0, trade.margin - price_loss)
            self._reduce(trade, trade.quantity, hit.price_usd, fee_rate, row, hit.kind,
                         at_open=hit.at_open, clearance=clearance)

    def _pay(self, trade: OpenTrade, row: int, *, include_midnight: bool) -> None:
        j = self.funding_column.get(trade.base)
        if self.funding_rates is None or j is None:
            return
        low = int(self.funding_low[row])
        high = int(self.funding_high[row] if include_midnight
                   else self.funding_high_intrabar[row])
        if high <= low:
            return
        mark = self._price(self.closes, row, trade.base)
        if not math.isfinite(mark):
            return
        total = 0.0
        for rate in self.funding_rates[low:high, j].tolist():
            if math.isfinite(rate):
                total += funding_payment(trade.side.sign, trade.quantity, mark, rate)
        trade.funding += total
        self.ledger.fund(total)

    def pay_funding(self, row: int) -> None:
        """Funding of the trades held through this day: times in (day, day + 1]."""
        for trade in self.trades.values():
            self._pay(trade, row, include_midnight=True)

    # ------------------------------------------------------------------ marks
    def _marks(self, row: int) -> dict[str, float]:
        for base in self.trades:
            price = self._price(self.closes, row, base)
            if math.isfinite(price):
                self.last_close[base] = price
        return {b: self.last_close.get(b, self.trades[b].entry_price) for b in self.trades}

    def equity(self, row: int) -> float:
        """Equity at this row's close (last known close for a base without one)."""
        return self.ledger.equity(self._marks(row))

    def equity_and_gross(self, row: int) -> tuple[float, float]:
        """``(equity(row), gross(row))`` from one look-up of the marks."""
        marks = self._marks(row)
        return self.ledger.equity(marks), self.ledger.gross_exposure(marks)

    def gross(self, row: int) -> float:
        """Gross notional at this row's close."""
        return self.ledger.gross_exposure(self._marks(row))

    def close_all(self, row: int, fee_rate: float, reason: str) -> None:
        """Close every open trade at this row's close (end of the data)."""
        marks = self._marks(row)
        for trade in list(self.trades.values()):
            self._reduce(trade, trade.quantity, marks[trade.base], fee_rate, row, reason,
                         at_open=False)
