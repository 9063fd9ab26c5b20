"""The trade journal as events, and the book they add up to (pure).

A journal is a list of :class:`JournalEvent` appended in ``id`` order and never rewritten
(STRATEGY.md, "Journal, paper trading and review"). :func:`corrected_events` applies the
``correction`` rows to the rows they reference; :func:`rotation_addin.core.ledger_fold.fold_ledger`
replays the result into open trades, closed trades, overrides and refusals.

Money (P&L of a linear perpetual, STRATEGY.md)::

    realised = side x quantity x (exit fill - entry fill) - fees - funding paid
    R0       = quantity x |entry fill - stop| + entry fee          (risk at entry)
    R        = realised / R0

Fills already contain the slippage (a buy fills above the reference price), so slippage is
not subtracted twice; it is kept per event for the record.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any, TypeVar

from rotation_addin.core.errors import InputError
from rotation_addin.core.rotation import ClosedTrade, Position, PositionBook
from rotation_addin.core.types import Side

ACCOUNT_PAPER = "paper"
ACCOUNT_REAL = "real"
ACCOUNTS = (ACCOUNT_PAPER, ACCOUNT_REAL)

KIND_OPEN = "open"
KIND_ADD = "add"
KIND_REDUCE = "reduce"
KIND_CLOSE = "close"
KIND_STOP_MOVED = "stop-moved"
KIND_TAKE_PROFIT_MOVED = "take-profit-moved"
KIND_NOTE = "note"
KIND_OVERRIDE = "override"
KIND_CORRECTION = "correction"
KIND_REFUSAL = "refusal"
EVENT_KINDS = (KIND_OPEN, KIND_ADD, KIND_REDUCE, KIND_CLOSE, KIND_STOP_MOVED,
               KIND_TAKE_PROFIT_MOVED, KIND_NOTE, KIND_OVERRIDE, KIND_CORRECTION, KIND_REFUSAL)

CORRECTABLE_FIELDS = ("quantity_base", "price_usd", "stop_price_usd", "take_profit_price_usd",
                      "fee_usd", "funding_usd", "event_time", "reason")
"""Fields a ``correction`` may replace (``details["changes"]``); ``details["void"]`` voids."""

DERIVED_FIELDS = ("liquidation_price_usd",)
"""Fields a correction carries that nobody types: recomputed from the corrected entry price
and quantity (``desk.journal_corrections``), so the row's liquidation follows them."""

QUANTITY_EPSILON = 1e-12

T = TypeVar("T")


def build_frozen(cls: type[T], values: dict[str, Any]) -> T:
    """An instance of the frozen dataclass ``cls`` whose ``__dict__`` is ``values`` (a new
    dict the caller gives away: every field, already valid) without running ``__init__`` (a
    frozen ``__init__`` costs ~1 us per field; the review folds 20,000 rows). Only for values
    that are valid by construction or checked by the caller."""
    instance = _new(cls)
    _set_attribute(instance, "__dict__", values)  # past the frozen dataclass's __setattr__
    return instance


_new = object.__new__
_set_attribute = object.__setattr__


@dataclass(frozen=True)
class JournalEvent:
    """One journal row.

    Attributes
    ----------
    id : int
        Row id (append order; 0 before the row is written).
    kind : str
        One of :data:`EVENT_KINDS`.
    account : str
        ``paper`` (default) or ``real``; the two are never mixed in figures.
    trade_id : str
        Identity of the trade every event of one position shares ('' for refusals).
    event_time : datetime
        When it happened (fill time, UTC).
    base, sector : str
        Asset and its sector.
    side : Side | None
        Side of the position.
    quantity_base : float
        Quantity filled (open/add/reduce/close), base units.
    price_usd : float
        Fill price (slippage included); NaN when there is no fill.
    reference_price_usd : float
        The price the fill started from (source's current price, stop, take-profit...).
    stop_price_usd, take_profit_price_usd, liquidation_price_usd, leverage : float | None
        Levels after the event (open, moves).
    fee_usd, slippage_usd, funding_usd : float
        Taker fee, slippage cost and funding paid (positive = paid) booked with the event.
    price_source : str
        Where the price came from (``demo (simulated)``, ``cache (binanceusdm)``, ``typed``...).
    reason : str
        The trader's reason, or what triggered an automatic close.
    corrects_id : int | None
        For a ``correction``: the id of the row it corrects.
    details : Mapping[str, Any]
        Extra facts: override ``rules``, refusal ``rule``/``detail``, correction ``changes``.
    recorded_at : datetime | None
        Wall-clock time the row was written.
    """

    kind: str
    account: str
    trade_id: str
    event_time: datetime
    base: str = ""
    sector: str = ""
    side: Side | None = None
    quantity_base: float = 0.0
    price_usd: float = math.nan
    reference_price_usd: float = math.nan
    stop_price_usd: float | None = None
    take_profit_price_usd: float | None = None
    liquidation_price_usd: float | None = None
    leverage: float | None = None
    fee_usd: float = 0.0
    slippage_usd: float = 0.0
    funding_usd: float = 0.0
    price_source: str = ""
    reason: str = ""
    corrects_id: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    recorded_at: datetime | None = None
    id: int = 0

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise InputError("kind", f"must be one of {EVENT_KINDS} (got {self.kind!r})")
        if self.account not in ACCOUNTS:
            raise InputError("account", f"must be one of {ACCOUNTS} (got {self.account!r})")
        if self.event_time.tzinfo is None:
            raise InputError("event_time", "must be timezone-aware (UTC)")


@dataclass(frozen=True)
class OpenTrade:
    """A position the journal holds open (P&L so far in ``realised_usd``: partial reduces)."""

    trade_id: str
    account: str
    base: str
    sector: str
    side: Side
    quantity_base: float
    entry_price_usd: float
    stop_price_usd: float | None
    take_profit_price_usd: float | None
    liquidation_price_usd: float | None
    leverage: float | None
    opened_at: datetime
    fees_usd: float
    funding_usd: float
    realised_usd: float
    initial_risk_usd: float
    max_quantity_base: float
    overridden: bool
    reason: str
    levels: tuple[tuple[datetime, float | None, float | None], ...] = ()
    """(time, stop, take-profit) after every change, oldest first."""
    partials: tuple[tuple[datetime, float], ...] = ()
    """(fill time, P&L it realised: gross - fee - funding) of every partial reduce, oldest
    first (what :mod:`rotation_addin.core.realised` books at the reduce's time)."""

    def levels_at(self, when: datetime) -> tuple[float | None, float | None]:
        """Stop and take-profit in force at ``when`` (the latest change at or before it)."""
        stop, take = self.levels[0][1], self.levels[0][2]
        for at, s, t in self.levels:
            if at <= when:
                stop, take = s, t
        return stop, take


@dataclass(frozen=True)
class TradeRecord:
    """A closed trade with its outcome."""

    trade_id: str
    account: str
    base: str
    sector: str
    side: Side
    quantity_base: float
    entry_price_usd: float
    exit_price_usd: float
    opened_at: datetime
    closed_at: datetime
    fees_usd: float
    funding_usd: float
    realised_pnl_usd: float
    initial_risk_usd: float
    overridden: bool
    reason: str
    exit_reason: str
    partials: tuple[tuple[datetime, float], ...] = ()
    """(fill time, P&L realised) of the partial reduces before the close (as on
    :class:`OpenTrade`)."""

    @property
    def r_multiple(self) -> float:
        """Realised P&L / R0 (NaN when R0 is 0)."""
        return self.realised_pnl_usd / self.initial_risk_usd if self.initial_risk_usd > 0 \
            else math.nan


@dataclass(frozen=True)
class Ledger:
    """What the journal adds up to, for one account or all."""

    open_trades: tuple[OpenTrade, ...]
    closed_trades: tuple[TradeRecord, ...]
    entries: tuple[JournalEvent, ...]
    overrides: tuple[JournalEvent, ...]
    refusals: tuple[JournalEvent, ...]
    notes: tuple[JournalEvent, ...]


_event_id = attrgetter("id")
_kind = attrgetter("kind")


def corrected_events(events: Sequence[JournalEvent]) -> tuple[JournalEvent, ...]:
    """Events with every correction applied to the row it references (corrections dropped).

    A correction's ``details`` holds ``changes`` (field -> new value, see
    :data:`CORRECTABLE_FIELDS`) or ``void: true`` (the row no longer counts). Later
    corrections of the same row apply on top of earlier ones.
    """
    if KIND_CORRECTION not in set(map(_kind, events)):
        return tuple(sorted(events, key=_event_id))
    by_id: dict[int, JournalEvent] = {e.id: e for e in events if e.kind != KIND_CORRECTION}
    voided: set[int] = set()
    for event in sorted((e for e in events if e.kind == KIND_CORRECTION), key=lambda e: e.id):
        target = by_id.get(event.corrects_id or -1)
        if target is None:
            continue
        if event.details.get("void"):
            voided.add(target.id)
            continue
        changes = {k: v for k, v in dict(event.details.get("changes", {})).items()
                   if k in CORRECTABLE_FIELDS or k in DERIVED_FIELDS}
        by_id[target.id] = dataclasses.replace(target, **changes)
    return tuple(by_id[i] for i in sorted(by_id) if i not in voided)


def ledger_book(ledger: Ledger, closed_since: datetime | None = None, *,
                losses_only: bool = False) -> PositionBook:
    """The ledger as the plan's :class:`PositionBook` (one position per base: the latest);
    with ``closed_since`` only the trades closed at or after it, with ``losses_only`` only
    the losing ones (what a cool-down needs)."""
    positions: dict[str, Position] = {}
    for trade in sorted(ledger.open_trades, key=lambda t: t.opened_at):
        take = trade.take_profit_price_usd
        if take is not None and trade.side.sign * (take - trade.entry_price_usd) <= 0:
            take = None
        positions[trade.base] = Position(
            base=trade.base, side=trade.side, quantity_base=trade.quantity_base,
            entry_price_usd=trade.entry_price_usd, stop_price_usd=trade.stop_price_usd,
            take_profit_price_usd=take, opened_at=trade.opened_at)
    closed = tuple(
        ClosedTrade(base=t.base, side=t.side, quantity_base=t.quantity_base,
                    entry_price_usd=t.entry_price_usd, exit_price_usd=t.exit_price_usd,
                    opened_at=t.opened_at, closed_at=t.closed_at,
                    realised_pnl_usd=t.realised_pnl_usd, reason=t.exit_reason)
        for t in ledger.closed_trades
        if (closed_since is None or t.closed_at >= closed_since)
        and not (losses_only and t.realised_pnl_usd >= 0))
    return PositionBook(positions=tuple(positions.values()), closed_trades=closed)
