"""Paper trading arithmetic (pure): fills, funding, and exits found in candles.

* Fill: a buy fills at ``price x (1 + slippage)``, a sell at ``price x (1 - slippage)``;
  fee = taker fee rate x fill notional (STRATEGY.md: "Paper fills take the taker fee and
  the configured slippage").
* Funding: settled every 8 h at 00:00, 08:00 and 16:00 UTC; each settlement costs
  ``side x quantity x mark x rate`` (longs pay when the rate is positive). The rate is the
  one in the funding history at that time (the latest at or before it), else the current rate.
* Exits: each daily candle since the position opened is checked against the stop, the
  take-profit and the liquidation price (high/low). When one candle crosses both the stop
  and the take-profit the order inside the candle is unknown: the stop is taken (the
  conservative reading) and the exit says so. A candle that opens beyond a level fills at
  its open (a gap); a candle that reaches the liquidation price before any stop would
  (stop beyond liquidation, or a gap through both) liquidates: the isolated margin is lost.
  A stop or take-profit moved while a candle is under way applies from the next candle
  (that candle's high and low may come from before the move).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rotation_addin.core import validation as v
from rotation_addin.core.fills import fill_price
from rotation_addin.core.types import Side

FUNDING_INTERVAL = timedelta(hours=8)
EXIT_STOP = "stop"
EXIT_TAKE_PROFIT = "take-profit"
EXIT_LIQUIDATION = "liquidation"


@dataclass(frozen=True)
class Fill:
    """One paper fill: ``price_usd`` includes slippage; costs in USD."""

    reference_price_usd: float
    price_usd: float
    quantity_base: float
    fee_usd: float
    slippage_usd: float


def paper_fill(reference_price_usd: float, quantity_base: float, *, buys: bool,
               taker_fee_rate: float, slippage_rate: float) -> Fill:
    """Fill ``quantity_base`` at ``reference_price_usd`` moved against the trader by slippage.

    price = ref x (1 + s) for a buy, ref x (1 - s) for a sell; fee = taker x price x Q;
    slippage cost = |price - ref| x Q.
    """
    ref = v.positive("price", reference_price_usd)
    quantity = v.positive("quantity", quantity_base)
    fee_rate = v.in_range("taker_fee_rate", taker_fee_rate, 0.0, 0.01)
    slip = v.in_range("slippage_rate", slippage_rate, 0.0, 0.05)
    price = fill_price(ref, buys, slip)
    return Fill(reference_price_usd=ref, price_usd=price, quantity_base=quantity,
                fee_usd=fee_rate * price * quantity, slippage_usd=abs(price - ref) * quantity)


def funding_times(start: datetime, end: datetime) -> list[datetime]:
    """Funding settlements strictly after ``start`` and at or before ``end`` (every 8 h)."""
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    times: list[datetime] = []
    moment = day
    while moment <= end:
        if moment > start:
            times.append(moment)
        moment += FUNDING_INTERVAL
    return times


def _latest_at(history: Sequence[tuple[datetime, float]], when: datetime) -> float | None:
    value: float | None = None
    for at, item in history:
        if at <= when:
            value = item
        else:
            break
    return value


def funding_cost_usd(side: Side, quantity_base: float, start: datetime, end: datetime, *,
                     mark_prices: Sequence[tuple[datetime, float]],
                     rates: Sequence[tuple[datetime, float]], current_rate: float,
                     entry_price_usd: float) -> float:
    """Funding paid (positive) or received (negative) between ``start`` and ``end``.

    Sum over settlements t of side x Q x mark(t) x rate(t); mark(t) is the latest price in
    ``mark_prices`` at or before t (``entry_price_usd`` before the first), rate(t) the latest
    in ``rates`` at or before t (``current_rate`` when the history has none). Both series
    ascending by time.
    """
    total = 0.0
    for moment in funding_times(start, end):
        mark = _latest_at(mark_prices, moment)
        rate = _latest_at(rates, moment)
        total += side.sign * quantity_base * (mark if mark is not None else entry_price_usd) * (
            rate if rate is not None else current_rate)
    return total


@dataclass(frozen=True)
class Candle:
    """One candle: ``open_time`` and ``close_time`` UTC; prices USD."""

    open_time: datetime
    close_time: datetime
    open: float
    high: float
    low: float


@dataclass(frozen=True)
class CandleExit:
    """Where a candle took the position out.

    ``kind`` is ``stop``, ``take-profit`` or ``liquidation``; ``level_usd`` the level crossed,
    ``price_usd`` the price before exit slippage (the level, or the candle's open on a gap);
    ``note`` the sentence the tool prints.
    """

    kind: str
    candle: Candle
    level_usd: float
    price_usd: float
    note: str


def _crossed(side: Side, level: float | None, candle: Candle, adverse: bool) -> bool:
    if level is None:
        return False
    # adverse levels (stop, liquidation) are below a long; the take-profit above it
    below = (side is Side.LONG) == adverse
    return candle.low <= level if below else candle.high >= level


def _gapped(side: Side, level: float, candle: Candle, adverse: bool) -> bool:
    below = (side is Side.LONG) == adverse
    return candle.open <= level if below else candle.open >= level


def candle_exit(side: Side, candle: Candle, *, stop: float | None, take_profit: float | None,
                liquidation: float | None) -> CandleExit | None:
    """The exit one candle triggers, or None (see the module docstring for the order)."""
    hits_stop = _crossed(side, stop, candle, adverse=True)
    hits_take = _crossed(side, take_profit, candle, adverse=False)
    hits_liq = _crossed(side, liquidation, candle, adverse=True)
    day = f"{candle.open_time:%Y-%m-%d}"
    if hits_liq and liquidation is not None:
        stop_first = (stop is not None and side.sign * (stop - liquidation) > 0
                      and not _gapped(side, liquidation, candle, adverse=True))
        if not stop_first:
            return CandleExit(EXIT_LIQUIDATION, candle, liquidation, liquidation,
                              f"liquidated: the {day} candle reached the liquidation price "
                              f"{liquidation:g} (low {candle.low:g}, high {candle.high:g})")
    if hits_stop and stop is not None:
        price = candle.open if _gapped(side, stop, candle, adverse=True) else stop
        note = f"stop {stop:g} hit by the {day} candle (low {candle.low:g}, high {candle.high:g})"
        if price != stop:
            note += f"; it opened beyond the stop at {price:g} (gap)"
        if hits_take:
            note += (f"; the same candle also crossed the take-profit {take_profit:g}: "
                     "the stop is taken (the order inside one candle is unknown)")
        return CandleExit(EXIT_STOP, candle, stop, price, note)
    if hits_take and take_profit is not None:
        price = candle.open if _gapped(side, take_profit, candle, adverse=False) else take_profit
        return CandleExit(EXIT_TAKE_PROFIT, candle, take_profit, price,
                          f"take-profit {take_profit:g} hit by the {day} candle "
                          f"(low {candle.low:g}, high {candle.high:g})")
    return None


def first_exit(side: Side, candles: Sequence[Candle],
               levels_at: Mapping[datetime, tuple[float | None, float | None]] | None = None, *,
               stop: float | None, take_profit: float | None,
               liquidation: float | None) -> CandleExit | None:
    """The first candle exit in ``candles`` (ascending); ``levels_at`` overrides the
    stop and take-profit per candle open time (a stop moved during the trade)."""
    for candle in candles:
        s, t = (levels_at or {}).get(candle.open_time, (stop, take_profit))
        found = candle_exit(side, candle, stop=s, take_profit=t, liquidation=liquidation)
        if found is not None:
            return found
    return None


def liquidation_loss_usd(quantity_base: float, entry_price_usd: float, leverage: float) -> float:
    """Isolated margin lost at liquidation: Q x entry / leverage (USD, positive)."""
    return v.positive("quantity", quantity_base) * entry_price_usd / v.positive("leverage",
                                                                                  leverage)


def is_finite_price(value: float | None) -> bool:
    """True for a finite price > 0."""
    return value is not None and math.isfinite(value) and value > 0
