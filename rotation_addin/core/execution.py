"""Execution cost from an order book: walk-the-book fills, depth bands, round-trip cost.

Pure functions on a book given as ``(price_usd, amount_base)`` levels, best first (bids
descending, asks ascending), as :class:`~rotation_addin.core.dataset.OrderBook` holds them.

* :func:`walk_book`: a market order of ``notional_usd`` takes the levels of one side in order
  (a buy takes asks, a sell takes bids) until the notional is filled. Average fill =
  filled notional / filled amount; slippage is measured against the mid price
  ``(best bid + best ask) / 2`` as a cost: ``avg / mid - 1`` for a buy, ``1 - avg / mid`` for
  a sell (so it includes half the spread). When the order is larger than the whole visible
  side, the result says so (``too_thin``) and describes the part the book can fill.
* :func:`depth_within`: USD notional resting within ``±band`` of the mid on each side.
* :func:`round_trip_cost`: open on one side, close on the other (taker both times):
  ``fees = 2 · taker`` + walked slippage of both legs + the expected funding over the
  holding period, ``side · mean(funding per interval) · holding_hours / interval_hours``
  (a long pays a positive rate, a short receives it; no funding on a dated contract).

All costs are fractions of the notional (0.001 = 0.1 %).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rotation_addin.core.errors import InputError
from rotation_addin.core.types import Side
from rotation_addin.core.validation import in_range, non_negative

Level = tuple[float, float]

NOTIONAL_RANGE_USD: tuple[float, float] = (0.0, 1e12)
"""Valid order notional, USD (exclusive of 0): beyond 1e12 the figure is a typo."""

DEPTH_BANDS: tuple[float, ...] = (0.005, 0.01)
"""Depth bands shown by every surface: ±0.5 % and ±1 % of the mid."""

HOLDING_RANGE_DAYS: tuple[float, float] = (0.0, 3650.0)


@dataclass(frozen=True)
class BookWalk:
    """A market order walked through one side of the book.

    Attributes
    ----------
    side : Side
        ``LONG`` = buy (takes asks), ``SHORT`` = sell (takes bids).
    notional_usd : float
        Requested notional.
    filled_notional_usd, filled_amount : float
        What the visible book fills (USD, base units).
    average_price : float
        ``filled_notional_usd / filled_amount``.
    mid_price : float
        ``(best bid + best ask) / 2``.
    slippage : float
        Cost against the mid as a fraction (buy ``avg/mid - 1``, sell ``1 - avg/mid``).
    levels_used : int
        Levels touched (partly or fully).
    too_thin : bool
        True when the order is larger than the whole visible side: the figures then describe
        the part the book fills, not the whole order.
    """

    side: Side
    notional_usd: float
    filled_notional_usd: float
    filled_amount: float
    average_price: float
    mid_price: float
    slippage: float
    levels_used: int
    too_thin: bool


@dataclass(frozen=True)
class DepthBand:
    """USD notional resting within ``±band`` of the mid: bids in ``[mid(1-band), mid]``,
    asks in ``[mid, mid(1+band)]``."""

    band: float
    bid_usd: float
    ask_usd: float


@dataclass(frozen=True)
class RoundTripCost:
    """All-in cost of opening and closing a position of ``notional_usd`` (fractions).

    ``total`` is None when either leg is too thin for the visible book (the cost of the
    unfilled part is unknown, so no total is claimed).
    """

    notional_usd: float
    side: Side
    fees: float
    slippage_open: float
    slippage_close: float
    funding: float
    holding_days: float
    too_thin: bool
    total: float | None

    @property
    def total_usd(self) -> float | None:
        """``total * notional_usd`` (None when too thin)."""
        return None if self.total is None else self.total * self.notional_usd


def check_book(bids: Sequence[Level], asks: Sequence[Level]) -> float:
    """Validate a book and return its mid price.

    Raises
    ------
    InputError
        ``order_book`` when a side is empty, a level is not two finite positive numbers,
        the levels are not best first, or the book is crossed (best bid >= best ask).
    """
    for name, levels, descending in (("bids", bids, True), ("asks", asks, False)):
        if len(levels) == 0:
            raise InputError("order_book", f"has no {name} (an empty book cannot be walked)")
        previous: float | None = None
        for price, amount in levels:
            if not (math.isfinite(price) and math.isfinite(amount) and price > 0 and amount > 0):
                raise InputError("order_book", f"{name} level ({price}, {amount}) must be two "
                                               "finite numbers > 0")
            if previous is not None and (price > previous if descending else price < previous):
                raise InputError("order_book", f"{name} must be best first "
                                               f"({price} after {previous})")
            previous = price
    best_bid, best_ask = bids[0][0], asks[0][0]
    if best_bid >= best_ask:
        raise InputError("order_book", f"is crossed: best bid {best_bid:g} >= best ask "
                                       f"{best_ask:g}")
    return (best_bid + best_ask) / 2.0


def check_notional(notional_usd: float) -> float:
    """``notional_usd`` as a float in (0, 1e12] USD, else InputError naming ``notional``."""
    low, high = NOTIONAL_RANGE_USD
    return in_range("notional", notional_usd, low, high, low_inclusive=False)


def walk_book(bids: Sequence[Level], asks: Sequence[Level], notional_usd: float,
              side: Side | str = Side.LONG) -> BookWalk:
    """Fill a market order of ``notional_usd`` (USD) level by level.

    Parameters
    ----------
    bids, asks : sequence of (price_usd, amount_base)
        Best first.
    notional_usd : float
        Order size in USD, in (0, 1e12].
    side : Side or str
        ``"buy"``/``"long"`` takes asks; ``"sell"``/``"short"`` takes bids.

    Returns
    -------
    BookWalk
    """
    chosen = Side.parse(side)
    notional = check_notional(notional_usd)
    mid = check_book(bids, asks)
    levels = asks if chosen is Side.LONG else bids
    remaining, filled_usd, amount, used = notional, 0.0, 0.0, 0
    for price, size in levels:
        if remaining <= 0.0:
            break
        take_usd = min(remaining, price * size)
        filled_usd += take_usd
        amount += take_usd / price
        remaining -= take_usd
        used += 1
    too_thin = remaining > notional * 1e-12
    average = filled_usd / amount
    slippage = average / mid - 1.0 if chosen is Side.LONG else 1.0 - average / mid
    return BookWalk(chosen, notional, filled_usd, amount, average, mid, slippage, used, too_thin)


def depth_within(bids: Sequence[Level], asks: Sequence[Level],
                 band: float = DEPTH_BANDS[0]) -> DepthBand:
    """USD notional within ``±band`` (fraction, (0, 1)) of the mid on each side."""
    width = in_range("band", band, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    mid = check_book(bids, asks)
    floor, ceiling = mid * (1.0 - width), mid * (1.0 + width)
    bid_usd = sum(p * q for p, q in bids if p >= floor)
    ask_usd = sum(p * q for p, q in asks if p <= ceiling)
    return DepthBand(width, bid_usd, ask_usd)


def expected_funding(funding_rates: Sequence[float], interval_hours: float,
                     holding_days: float, side: Side | str = Side.LONG) -> float:
    """Expected funding paid over ``holding_days`` as a fraction of notional (paid > 0).

    ``side · mean(rates) · holding_days · 24 / interval_hours``. An empty history raises
    (the expectation would be invented); pass ``interval_hours`` of the contract (8 on most
    perpetuals).
    """
    chosen = Side.parse(side)
    days = in_range("holding_days", holding_days, *HOLDING_RANGE_DAYS)
    hours = in_range("funding_interval_hours", interval_hours, 0.0, 24.0 * 7, low_inclusive=False)
    rates = [float(r) for r in funding_rates if math.isfinite(float(r))]
    if not rates:
        raise InputError("funding_history", "is empty: fetch the funding history first")
    mean_rate = sum(rates) / len(rates)
    return chosen.sign * mean_rate * days * 24.0 / hours


def round_trip_cost(bids: Sequence[Level], asks: Sequence[Level], notional_usd: float,
                    side: Side | str, *, taker_fee_rate: float, holding_days: float,
                    funding_rates: Sequence[float] | None = None,
                    funding_interval_hours: float = 8.0) -> RoundTripCost:
    """Open ``notional_usd`` on ``side`` and close it on the other, all taker.

    Parameters
    ----------
    bids, asks : sequence of (price_usd, amount_base)
        The book both legs walk (the same snapshot: the best estimate we have).
    notional_usd : float
        Position notional, USD.
    side : Side or str
        Side of the opening order (long opens with a buy).
    taker_fee_rate : float
        Fraction per fill (0.0005 = 0.05 %), charged on both legs.
    holding_days : float
        Days between the two legs (funding accrues meanwhile).
    funding_rates : sequence of float or None
        Past funding rates per interval (perpetuals); None = a dated contract (no funding).
    funding_interval_hours : float
        Hours between fundings.

    Returns
    -------
    RoundTripCost
        ``total = 2·taker + slippage_open + slippage_close + funding`` (None if too thin).
    """
    chosen = Side.parse(side)
    fee = in_range("taker_fee_rate", taker_fee_rate, 0.0, 0.05)
    days = non_negative("holding_days", holding_days)
    opening = walk_book(bids, asks, notional_usd, chosen)
    closing = walk_book(bids, asks, notional_usd,
                        Side.SHORT if chosen is Side.LONG else Side.LONG)
    funding = 0.0
    if funding_rates is not None:
        funding = expected_funding(funding_rates, funding_interval_hours, days, chosen)
    too_thin = opening.too_thin or closing.too_thin
    total = None if too_thin else 2 * fee + opening.slippage + closing.slippage + funding
    return RoundTripCost(opening.notional_usd, chosen, 2 * fee, opening.slippage,
                         closing.slippage, funding, days, too_thin, total)


__all__ = [
    "DEPTH_BANDS",
    "BookWalk",
    "DepthBand",
    "RoundTripCost",
    "check_book",
    "check_notional",
    "depth_within",
    "expected_funding",
    "round_trip_cost",
    "walk_book",
]
