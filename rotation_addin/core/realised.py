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


def _entry_costs(trade: OpenTrade | TradeRecord, entries: Sequence[JournalEvent]) -> float:
    """What ``trade``'s entry rows booked (-fee - funding): the rows of its id within its
    life (a trade id used again later keeps its own rows)."""
    closed_at = trade.closed_at if isinstance(trade, TradeRecord) else None
    return sum(-e.fee_usd - e.funding_usd for e in entries
               if e.event_time >= trade.opened_at
               and (closed_at is None or e.event_time <= closed_at))


def _close(trade: TradeRecord, costs: dict[str, float],
           multi: dict[str, list[JournalEvent]]) -> Booking:
    """The close's booking: the trade's P&L minus what its entry rows and partial reduces
    booked."""
    rows = multi.get(trade.trade_id)
    booked = _entry_costs(trade, rows) if rows else costs.get(trade.trade_id, 0.0)
    booked += sum(amount for _, amount in trade.partials)
    return trade.closed_at, trade.sector, trade.realised_pnl_usd - booked


def bookings(ledger: Ledger) -> list[Booking]:
    """Every realisation of ``ledger`` (see the module doc), in fill-time order."""
    entries = ledger.entries
    out: list[Booking] = [(e.event_time, e.sector, -e.fee_usd - e.funding_usd)
                          for e in entries]
    costs = {e.trade_id: -e.fee_usd - e.funding_usd for e in entries}
    multi: dict[str, list[JournalEvent]] = {}
    if len(costs) < len(entries):  # adds, or a trade id used again: their rows by id
        for event in entries:
            multi.setdefault(event.trade_id, []).append(event)
        multi = {trade_id: rows for trade_id, rows in multi.items() if len(rows) > 1}
    # most trades are one open and one exit: the close books the rest of the trade's P&L
    out += [_close(t, costs, multi) if t.partials or t.trade_id in multi
            else (t.closed_at, t.sector, t.realised_pnl_usd - costs.get(t.trade_id, 0.0))
            for t in ledger.closed_trades]
    for trades in (ledger.closed_trades, ledger.open_trades):
        out += [(at, t.sector, amount) for t in trades for at, amount in t.partials]
    out.sort(key=_time)  # entries and closes each come in time order: two runs to merge
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
