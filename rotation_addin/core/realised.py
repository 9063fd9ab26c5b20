"""Realised P&L and account equity from a ledger (pure): the one home of both.

Every fill realises its share of P&L at its fill time (docs/journal.md, "Realised P&L and
equity")::

    open / add      -fee - funding booked with the row
    reduce          side x quantity reduced x (fill - entry) - fee - funding
    close           the trade's realised P&L minus what its earlier fills booked

so a closed trade's bookings add up to its ``realised_pnl_usd`` and an open trade's to its
``realised_usd``, and::

    account equity = starting equity + realised P&L of the closed trades
                     + P&L already realised on the open ones (entry fees, partial closes,
                       funding booked)

which is what the risk sizing of the next trade, ``trade list`` and the review's equity
curve use.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter

from rotation_addin.core.ledger import JournalEvent, Ledger, OpenTrade, TradeRecord

Booking = tuple[datetime, str, float]
"""(fill time, sector, USD realised by that fill)."""

_time = itemgetter(0)


def _entries_by_trade(ledger: Ledger) -> dict[str, list[JournalEvent]]:
    by_trade: dict[str, list[JournalEvent]] = {}
    for event in ledger.entries:
        by_trade.setdefault(event.trade_id, []).append(event)
    return by_trade


def _trade_bookings(trade: OpenTrade | TradeRecord, entries: Sequence[JournalEvent],
                    out: list[Booking]) -> None:
    """Append ``trade``'s bookings to ``out``: its entry rows (those of this trade's life,
    a trade id used again later keeps its own), its partial reduces, and its close."""
    closed_at = trade.closed_at if isinstance(trade, TradeRecord) else None
    sector, booked = trade.sector, 0.0
    for event in entries:
        if event.event_time < trade.opened_at or (closed_at is not None
                                                  and event.event_time > closed_at):
            continue
        amount = -event.fee_usd - event.funding_usd
        out.append((event.event_time, sector, amount))
        booked += amount
    for at, amount in trade.partials:
        out.append((at, sector, amount))
        booked += amount
    if isinstance(trade, TradeRecord):
        out.append((trade.closed_at, sector, trade.realised_pnl_usd - booked))


def bookings(ledger: Ledger) -> list[Booking]:
    """Every realisation of ``ledger`` (see the module doc), in fill-time order."""
    entries = _entries_by_trade(ledger)
    out: list[Booking] = []
    for closed in ledger.closed_trades:
        _trade_bookings(closed, entries.get(closed.trade_id, ()), out)
    for held in ledger.open_trades:
        _trade_bookings(held, entries.get(held.trade_id, ()), out)
    out.sort(key=_time)
    return out


def realised_usd(ledger: Ledger, before: datetime | None = None) -> float:
    """P&L realised in ``ledger``: all of it (closed trades' realised P&L plus the open
    trades' ``realised_usd``), or with ``before`` only the fills strictly before it."""
    if before is None:
        return (sum(t.realised_pnl_usd for t in ledger.closed_trades)
                + sum(t.realised_usd for t in ledger.open_trades))
    return sum(amount for at, _, amount in bookings(ledger) if at < before)


def account_equity_usd(starting_equity_usd: float, ledger: Ledger) -> float:
    """Account equity now: ``starting_equity_usd`` (settings) plus everything realised."""
    return starting_equity_usd + realised_usd(ledger)
