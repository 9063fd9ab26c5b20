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

from rotation_addin.core.ledger import KIND_OPEN, JournalEvent, Ledger

Booking = tuple[datetime, str, float]
"""(fill time, sector, USD realised by that fill)."""

_time = itemgetter(0)


def _lives(entries: Sequence[JournalEvent]) -> dict[str, list[float]]:
    """Per trade id, what the entry rows of each of its trades booked (-fee - funding),
    oldest first: every open row the fold kept starts a trade (an id can be used again
    once its trade is closed), an add belongs to the trade open at the time."""
    lives: dict[str, list[float]] = {}
    for event in entries:
        amount = -event.fee_usd - event.funding_usd
        booked = lives.get(event.trade_id)
        if booked is None or event.kind == KIND_OPEN:
            lives.setdefault(event.trade_id, []).append(amount)
        else:
            booked[-1] += amount
    return lives


def _closes(ledger: Ledger) -> list[Booking]:
    """The close of each closed trade: its P&L minus what its entry rows and partial
    reduces booked."""
    entries = ledger.entries
    costs = {e.trade_id: -e.fee_usd - e.funding_usd for e in entries}
    if len(costs) == len(entries):  # every trade one open and no add: most journals
        return [(t.closed_at, t.sector, t.realised_pnl_usd - costs.get(t.trade_id, 0.0)
                 - sum(amount for _, amount in t.partials) if t.partials
                 else t.realised_pnl_usd - costs.get(t.trade_id, 0.0))
                for t in ledger.closed_trades]
    lives, used = _lives(entries), dict.fromkeys(costs, 0)
    out: list[Booking] = []
    for trade in ledger.closed_trades:  # in close order: an id's trades in their order
        life, k = lives.get(trade.trade_id, []), used.get(trade.trade_id, 0)
        used[trade.trade_id] = k + 1
        booked = (life[k] if k < len(life) else 0.0) + sum(a for _, a in trade.partials)
        out.append((trade.closed_at, trade.sector, trade.realised_pnl_usd - booked))
    return out


def bookings(ledger: Ledger) -> list[Booking]:
    """Every realisation of ``ledger`` (see the module doc), in fill-time order."""
    out: list[Booking] = [(e.event_time, e.sector, -e.fee_usd - e.funding_usd)
                          for e in ledger.entries]
    out += _closes(ledger)
    for trades in (ledger.closed_trades, ledger.open_trades):
        out += [(at, t.sector, amount) for t in trades for at, amount in t.partials]
    out.sort(key=_time)  # entries and closes each come in time order: two runs to merge
    return out


def realised_usd(ledger: Ledger) -> float:
    """Everything ``ledger`` realised: the closed trades' P&L plus the open trades'
    ``realised_usd`` (the same total as :func:`bookings`, summed per trade)."""
    return (sum(t.realised_pnl_usd for t in ledger.closed_trades)
            + sum(t.realised_usd for t in ledger.open_trades))


def account_equity_usd(starting_equity_usd: float, ledger: Ledger) -> float:
    """Account equity now: ``starting_equity_usd`` (settings) plus everything realised."""
    return starting_equity_usd + realised_usd(ledger)
