"""The weekly review (pure): did the system have positive expectancy, and was it followed?

Definitions (STRATEGY.md, "Journal, paper trading and review"; docs/journal.md, "Realised P&L
and equity"), over the window ``[start, end)`` of one account:

* realised P&L = what the fills in the window realised, each at its fill time
  (:mod:`rotation_addin.core.realised`: entry fees and funding at the entry, a partial
  close's share at the reduce, the rest at the close); P&L by sector = the same per sector;
* per closed trade, over the trades *closed* in the window (their whole P&L, partial closes
  included): win rate = share with realised P&L > 0; R = realised P&L / R0 (R0 = risk at
  entry); average R = expectancy = mean R; expectancy USD = mean realised P&L;
* equity curve = the account equity at the window's start (starting equity + everything
  realised before it), then after each fill that realised P&L in the window; max drawdown =
  the largest fall from a running peak, in USD and as a fraction of that peak;
* rule adherence = share of the window's entries (opens and adds) that needed no override;
* refusals by rule = count of refused entries in the window per rule;
* time in market = share of the window during which at least one position was open.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate
from operator import itemgetter

from rotation_addin.core.errors import InputError
from rotation_addin.core.ledger import Ledger, OpenTrade
from rotation_addin.core.realised import Booking, bookings


@dataclass(frozen=True)
class Review:
    """The review's figures (see the module docstring for each formula)."""

    account: str
    start: datetime
    end: datetime
    trades: int
    wins: int
    win_rate: float
    average_r: float
    expectancy_r: float
    expectancy_usd: float
    realised_pnl_usd: float
    pnl_by_sector: tuple[tuple[str, float], ...]
    equity_curve: tuple[tuple[datetime, float], ...]
    max_drawdown_usd: float
    max_drawdown_fraction: float
    entries: int
    entries_with_override: int
    adherence: float
    overrides: tuple[tuple[str, str, str], ...]
    """(time, symbol, reason) of each override in the window."""
    refusals_by_rule: tuple[tuple[str, int], ...]
    time_in_market: float


_time, _amount = itemgetter(0), itemgetter(2)


def _in(when: datetime, start: datetime, end: datetime) -> bool:
    return start <= when < end


def _realised(ledger: Ledger, starting_equity: float, start: datetime, end: datetime
              ) -> tuple[float, dict[str, float], tuple[tuple[datetime, float], ...]]:
    """Realised P&L of the window's fills, the same per sector, and the equity curve."""
    booked: list[Booking] = bookings(ledger)  # in time order
    first, stop = bisect_left(booked, start, key=_time), bisect_left(booked, end, key=_time)
    window = booked[first:stop]
    amounts = list(map(_amount, window))
    equities = list(accumulate(amounts, initial=starting_equity
                               + sum(map(_amount, booked[:first]))))
    by_sector: dict[str, float] = {}
    get = by_sector.get
    for _, sector, amount in window:
        by_sector[sector] = get(sector, 0.0) + amount
    points = ((start, equities[0]), *zip(map(_time, window), equities[1:], strict=True))
    return sum(amounts), by_sector, points


def max_drawdown(curve: Sequence[tuple[datetime, float]]) -> tuple[float, float]:
    """Largest peak-to-trough fall of ``curve``: (USD, fraction of the peak)."""
    peak, worst_usd, worst_fraction = -math.inf, 0.0, 0.0
    for _, value in curve:
        peak = max(peak, value)
        fall = peak - value
        if fall > worst_usd:
            worst_usd = fall
            worst_fraction = fall / peak if peak > 0 else math.nan
    return worst_usd, worst_fraction


def _time_in_market(intervals: Sequence[tuple[datetime, datetime]], start: datetime,
                    end: datetime) -> float:
    clipped = sorted((max(a, start), min(b, end)) for a, b in intervals if b > start and a < end)
    covered, cursor = 0.0, start
    for a, b in clipped:
        a = max(a, cursor)
        if b > a:
            covered += (b - a).total_seconds()
            cursor = b
    total = (end - start).total_seconds()
    return covered / total if total > 0 else math.nan


def weekly_review(ledger: Ledger, *, account: str, start: datetime, end: datetime,
                  starting_equity_usd: float, now: datetime) -> Review:
    """The review of ``ledger`` (one account) over ``[start, end)``.

    ``starting_equity_usd`` is the account's equity before any journal row (settings
    equity); the curve starts at it plus everything realised before ``start``. Open trades
    count as in the market until ``now``.
    """
    if end <= start:
        raise InputError("to", f"must be after from {start:%Y-%m-%d} (got {end:%Y-%m-%d})")
    closed = [t for t in ledger.closed_trades if _in(t.closed_at, start, end)]
    wins = sum(1 for t in closed if t.realised_pnl_usd > 0)
    rs = [t.r_multiple for t in closed if math.isfinite(t.r_multiple)]
    mean_r = sum(rs) / len(rs) if rs else math.nan
    closed_pnl = sum(t.realised_pnl_usd for t in closed)
    pnl, by_sector, curve = _realised(ledger, starting_equity_usd, start, end)
    dd_usd, dd_fraction = max_drawdown(curve)
    entries = [e for e in ledger.entries if _in(e.event_time, start, end)]
    overrides = [e for e in ledger.overrides if _in(e.event_time, start, end)]
    with_override = min(len(overrides), len(entries))  # one override row per overridden entry
    refusals = Counter(str(e.details.get("rule", "?")) for e in ledger.refusals
                       if _in(e.event_time, start, end))
    intervals = [(t.opened_at, t.closed_at) for t in ledger.closed_trades]
    intervals += [(t.opened_at, now) for t in ledger.open_trades]
    return Review(
        account=account, start=start, end=end, trades=len(closed), wins=wins,
        win_rate=wins / len(closed) if closed else math.nan, average_r=mean_r,
        expectancy_r=mean_r, expectancy_usd=closed_pnl / len(closed) if closed else math.nan,
        realised_pnl_usd=pnl, pnl_by_sector=tuple(sorted(by_sector.items())),
        equity_curve=curve, max_drawdown_usd=dd_usd, max_drawdown_fraction=dd_fraction,
        entries=len(entries), entries_with_override=with_override,
        adherence=1.0 - with_override / len(entries) if entries else math.nan,
        overrides=tuple((f"{e.event_time:%Y-%m-%d %H:%M}", e.base, e.reason) for e in overrides),
        refusals_by_rule=tuple(sorted(refusals.items())),
        time_in_market=_time_in_market(intervals, start, end),
    )


def unrealised_usd(trade: OpenTrade, mark_usd: float, funding_usd: float) -> float:
    """P&L of an open trade at ``mark_usd``: side x Q x (mark - entry) + realised so far
    (fees, partial closes) - funding accrued since the last booking."""
    return (trade.side.sign * trade.quantity_base * (mark_usd - trade.entry_price_usd)
            + trade.realised_usd - funding_usd)
