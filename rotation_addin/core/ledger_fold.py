"""Replaying journal events into a :class:`~rotation_addin.core.ledger.Ledger` (pure).

:func:`fold_ledger` applies the corrections, keeps one account and replays the rows in time
order (ties in id order) through a :class:`FoldState`. The state can be kept (the journal
saves it as a snapshot at a row id) and extended by later rows with :meth:`FoldState.extend`
when they cannot change what is already folded: no correction among them and none earlier
than the last row folded; otherwise the caller replays everything.

Money: see :mod:`rotation_addin.core.ledger` (realised P&L, R0, R).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter

from rotation_addin.core.errors import InputError
from rotation_addin.core.ledger import (
    ACCOUNT_PAPER,
    KIND_ADD,
    KIND_CLOSE,
    KIND_CORRECTION,
    KIND_NOTE,
    KIND_OPEN,
    KIND_OVERRIDE,
    KIND_REDUCE,
    KIND_REFUSAL,
    KIND_STOP_MOVED,
    KIND_TAKE_PROFIT_MOVED,
    QUANTITY_EPSILON,
    JournalEvent,
    Ledger,
    OpenTrade,
    TradeRecord,
    build_frozen,
    corrected_events,
)

FOLD_VERSION = 2
"""Changes whenever the fold's arithmetic or :class:`FoldState`'s fields change: a snapshot
saved by another version is not used."""


def _opened(event: JournalEvent) -> OpenTrade:
    if event.side is None:
        raise InputError("side", f"open event {event.id} has no side")
    stop = event.stop_price_usd
    risk = event.quantity_base * abs(event.price_usd - stop) if stop is not None else math.nan
    return build_frozen(OpenTrade, {
        "trade_id": event.trade_id, "account": event.account, "base": event.base,
        "sector": event.sector, "side": event.side, "quantity_base": event.quantity_base,
        "entry_price_usd": event.price_usd, "stop_price_usd": stop,
        "take_profit_price_usd": event.take_profit_price_usd,
        "liquidation_price_usd": event.liquidation_price_usd, "leverage": event.leverage,
        "opened_at": event.event_time, "fees_usd": event.fee_usd,
        "funding_usd": event.funding_usd, "realised_usd": -event.fee_usd - event.funding_usd,
        "initial_risk_usd": risk + event.fee_usd, "max_quantity_base": event.quantity_base,
        "overridden": False, "reason": event.reason,
        "levels": ((event.event_time, stop, event.take_profit_price_usd),), "partials": (),
    })


def _added(trade: OpenTrade, event: JournalEvent) -> OpenTrade:
    quantity = trade.quantity_base + event.quantity_base
    entry = (trade.quantity_base * trade.entry_price_usd
             + event.quantity_base * event.price_usd) / quantity
    stop = trade.stop_price_usd
    extra = event.quantity_base * abs(event.price_usd - stop) if stop is not None else 0.0
    return dataclasses.replace(
        trade, quantity_base=quantity, entry_price_usd=entry,
        fees_usd=trade.fees_usd + event.fee_usd,
        realised_usd=trade.realised_usd - event.fee_usd - event.funding_usd,
        funding_usd=trade.funding_usd + event.funding_usd,
        initial_risk_usd=trade.initial_risk_usd + extra + event.fee_usd,
        max_quantity_base=max(trade.max_quantity_base, quantity),
    )


def _reduced(trade: OpenTrade, event: JournalEvent, quantity: float) -> OpenTrade:
    gross = trade.side.sign * quantity * (event.price_usd - trade.entry_price_usd)
    booked = gross - event.fee_usd - event.funding_usd
    return dataclasses.replace(
        trade, quantity_base=trade.quantity_base - quantity,
        fees_usd=trade.fees_usd + event.fee_usd,
        funding_usd=trade.funding_usd + event.funding_usd,
        realised_usd=trade.realised_usd + booked,
        partials=(*trade.partials, (event.event_time, booked)),
    )


def _moved(trade: OpenTrade, event: JournalEvent) -> OpenTrade:
    stop, take = trade.stop_price_usd, trade.take_profit_price_usd
    if event.kind == KIND_STOP_MOVED:
        stop = event.stop_price_usd
    else:
        take = event.take_profit_price_usd
    return dataclasses.replace(trade, stop_price_usd=stop, take_profit_price_usd=take,
                               levels=(*trade.levels, (event.event_time, stop, take)))


def _closed(trade: OpenTrade, event: JournalEvent, exit_price: float) -> TradeRecord:
    """The trade closed by ``event`` (the last exit: its whole remaining quantity)."""
    gross = trade.side.sign * trade.quantity_base * (event.price_usd - trade.entry_price_usd)
    fees = trade.fees_usd + event.fee_usd
    funding = trade.funding_usd + event.funding_usd
    realised = trade.realised_usd + gross - event.fee_usd - event.funding_usd
    return build_frozen(TradeRecord, {
        "trade_id": trade.trade_id, "account": trade.account, "base": trade.base,
        "sector": trade.sector, "side": trade.side, "quantity_base": trade.max_quantity_base,
        "entry_price_usd": trade.entry_price_usd, "exit_price_usd": exit_price,
        "opened_at": trade.opened_at, "closed_at": event.event_time, "fees_usd": fees,
        "funding_usd": funding, "realised_pnl_usd": realised,
        "initial_risk_usd": trade.initial_risk_usd, "overridden": trade.overridden,
        "reason": trade.reason, "exit_reason": event.reason, "partials": trade.partials,
    })


_event_time = attrgetter("event_time")


def _average_exit(done: list[tuple[float, float]], otherwise: float) -> float:
    """Quantity-weighted exit price of ``done`` (``otherwise`` when nothing was exited)."""
    if len(done) == 1:  # most trades: sum() of one value is 0 + it, same value and type
        quantity, price = done[0]
        total, weighted = 0 + quantity, 0 + quantity * price
    else:
        total = sum(q for q, _ in done)
        weighted = sum(q * p for q, p in done)
    return weighted / total if total > 0 else otherwise


@dataclass
class FoldState:
    """The fold in progress: open trades (with the exits of a partly closed one), closed
    trades, and the entry, override, refusal and note rows, plus the account it keeps
    (None: all) and the latest event time folded."""

    account: str | None
    open_by_id: dict[str, OpenTrade] = field(default_factory=dict)
    exits: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    closed: list[TradeRecord] = field(default_factory=list)
    entries: list[JournalEvent] = field(default_factory=list)
    overrides: list[JournalEvent] = field(default_factory=list)
    refusals: list[JournalEvent] = field(default_factory=list)
    notes: list[JournalEvent] = field(default_factory=list)
    last_time: datetime | None = None

    def apply(self, event: JournalEvent) -> None:
        """Fold one (corrected) row; rows must come in time order, ties in id order."""
        self.last_time = event.event_time
        kind, trade_id = event.kind, event.trade_id
        trade = self.open_by_id.get(trade_id)
        if kind == KIND_OPEN and trade is None:
            self.open_by_id[trade_id] = _opened(event)
            self.exits[trade_id] = []
            self.entries.append(event)
        elif kind == KIND_REFUSAL:
            self.refusals.append(event)
        elif kind == KIND_NOTE:
            self.notes.append(event)
        elif trade is None:
            if kind == KIND_OVERRIDE:
                self.overrides.append(event)
        elif kind == KIND_OVERRIDE:
            self.overrides.append(event)
            self.open_by_id[trade_id] = dataclasses.replace(trade, overridden=True)
        elif kind == KIND_ADD:
            self.open_by_id[trade_id] = _added(trade, event)
            self.entries.append(event)
        elif kind in (KIND_STOP_MOVED, KIND_TAKE_PROFIT_MOVED):
            self.open_by_id[trade_id] = _moved(trade, event)
        elif kind in (KIND_REDUCE, KIND_CLOSE):
            self._exit(trade, event)

    def _exit(self, trade: OpenTrade, event: JournalEvent) -> None:
        quantity = trade.quantity_base if event.kind == KIND_CLOSE else \
            min(event.quantity_base, trade.quantity_base)
        done = self.exits[event.trade_id]
        done.append((quantity, event.price_usd))
        left = trade.quantity_base - quantity
        if left <= QUANTITY_EPSILON * max(1.0, trade.max_quantity_base):
            self.closed.append(_closed(trade, event, _average_exit(done, event.price_usd)))
            del self.open_by_id[event.trade_id], self.exits[event.trade_id]
        else:
            self.open_by_id[event.trade_id] = _reduced(trade, event, quantity)

    def extend(self, later: Sequence[JournalEvent]) -> bool:
        """Fold ``later`` (rows after the ones folded, in id order) if they cannot change
        the fold so far: False (nothing folded) when one is a correction or, in this
        account, happened before :attr:`last_time`; the caller then replays everything."""
        kept = [e for e in later if self.account is None or e.account == self.account]
        if any(e.kind == KIND_CORRECTION for e in later) or (
                self.last_time is not None and any(e.event_time < self.last_time for e in kept)):
            return False
        for event in sorted(kept, key=_event_time):
            self.apply(event)
        return True

    def ledger(self) -> Ledger:
        """The ledger folded so far."""
        return Ledger(open_trades=tuple(self.open_by_id.values()),
                      closed_trades=tuple(self.closed), entries=tuple(self.entries),
                      overrides=tuple(self.overrides), refusals=tuple(self.refusals),
                      notes=tuple(self.notes))


def fold_state(events: Iterable[JournalEvent], account: str | None = ACCOUNT_PAPER) -> FoldState:
    """Replay ``events`` (corrections applied, ``account`` kept) into a :class:`FoldState`."""
    rows = [e for e in corrected_events(list(events)) if account is None or e.account == account]
    state = FoldState(account)
    # rows come in id order and sorted() is stable: sorting by time keeps id order for ties
    for event in sorted(rows, key=_event_time):
        state.apply(event)
    return state


def fold_ledger(events: Iterable[JournalEvent], account: str | None = ACCOUNT_PAPER) -> Ledger:
    """Replay ``events`` (corrections applied) into a :class:`Ledger`.

    ``account`` None keeps every account (for exports); figures should use one account.
    A ``close`` closes the whole remaining quantity at its fill price; a ``reduce`` that
    leaves nothing also closes the trade. Events of unknown or closed trades are ignored.
    """
    return fold_state(events, account).ledger()
