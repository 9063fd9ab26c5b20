"""Journal use cases after the entry: close, look at the candles, move levels, note, view,
review, import and export (see :mod:`rotation_addin.desk.journal`; corrections:
:mod:`rotation_addin.desk.journal_corrections`)."""

from __future__ import annotations

import dataclasses
import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from rotation_addin.core.entry_check import (
    LEVEL_STOP,
    LEVEL_TAKE_PROFIT,
    ProposedEntry,
    check_level_side,
    check_stop_inside_liquidation,
    crossed_levels_warning,
)
from rotation_addin.core.errors import InputError
from rotation_addin.core.ledger import (
    ACCOUNT_PAPER,
    ACCOUNT_REAL,
    KIND_CLOSE,
    KIND_NOTE,
    KIND_OPEN,
    KIND_REDUCE,
    KIND_STOP_MOVED,
    KIND_TAKE_PROFIT_MOVED,
    JournalEvent,
    OpenTrade,
    TradeRecord,
)
from rotation_addin.core.ledger_fold import fold_ledger
from rotation_addin.core.paper import (
    EXIT_LIQUIDATION,
    CandleExit,
    first_exit,
    funding_cost_usd,
    liquidation_loss_usd,
    paper_fill,
)
from rotation_addin.core.review import Review, unrealised_usd, weekly_review
from rotation_addin.core.types import Side
from rotation_addin.data.positions import read_journal, read_positions
from rotation_addin.desk.journal import (
    REAL_NEEDS_PRICE,
    JournalInputs,
    _account,
    _finite,
    account_equity,
    find_open,
    read_ledger,
)
from rotation_addin.desk.journal_market import (
    candles_since,
    current_funding_rate,
    current_quote,
    daily_marks,
)
from rotation_addin.journal.store import JournalStore

WEEK = timedelta(days=7)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class MarkedTrade:
    """An open trade marked to the current price: P&L includes fees and accrued funding."""

    trade: OpenTrade
    mark_usd: float
    funding_usd: float
    unrealised_usd: float
    label: str


@dataclass(frozen=True)
class JournalView:
    """Open trades marked to market, closed trades, the exits just found, the equity."""

    account: str
    open_trades: tuple[MarkedTrade, ...]
    closed_trades: tuple[TradeRecord, ...]
    exits: tuple[str, ...]
    equity_usd: float
    source: str
    warnings: tuple[str, ...] = ()
    """Open trades whose price is at or beyond their stop or liquidation price
    (``core.entry_check.crossed_levels_warning``)."""


def _funding(inputs: JournalInputs, trade: OpenTrade, until: datetime) -> float:
    return funding_cost_usd(
        trade.side, trade.quantity_base, trade.opened_at, until,
        mark_prices=daily_marks(inputs.dataset, trade.base),
        rates=list(inputs.funding.get(trade.base, ())),
        current_rate=current_funding_rate(inputs.dataset, trade.base),
        entry_price_usd=trade.entry_price_usd)


def _close_event(inputs: JournalInputs, trade: OpenTrade, *, reference: float, when: datetime,
                 reason: str, source: str, quantity: float | None = None,
                 slippage: float | None = None) -> JournalEvent:
    p = inputs.params
    q = trade.quantity_base if quantity is None else quantity
    fill = paper_fill(reference, q, buys=trade.side is Side.SHORT,
                      taker_fee_rate=p.taker_fee_rate,
                      slippage_rate=p.stop_slippage_rate if slippage is None else slippage)
    share = q / trade.quantity_base
    return JournalEvent(
        kind=KIND_CLOSE if quantity is None else KIND_REDUCE, account=trade.account,
        trade_id=trade.trade_id, event_time=when, base=trade.base, sector=trade.sector,
        side=trade.side, quantity_base=q, price_usd=fill.price_usd,
        reference_price_usd=reference, fee_usd=fill.fee_usd, slippage_usd=fill.slippage_usd,
        funding_usd=_funding(inputs, trade, when) * share, price_source=source, reason=reason)


def _liquidation_event(inputs: JournalInputs, trade: OpenTrade, found: CandleExit) -> JournalEvent:
    """Close at the liquidation price losing the whole isolated margin: the fee booked is
    what is left of the margin after the price loss (the exchange keeps it)."""
    when = found.candle.close_time
    margin = liquidation_loss_usd(trade.quantity_base, trade.entry_price_usd,
                                  trade.leverage or 1.0)
    gross = trade.side.sign * trade.quantity_base * (found.price_usd - trade.entry_price_usd)
    return JournalEvent(
        kind=KIND_CLOSE, account=trade.account, trade_id=trade.trade_id, event_time=when,
        base=trade.base, sector=trade.sector, side=trade.side,
        quantity_base=trade.quantity_base, price_usd=found.price_usd,
        reference_price_usd=found.level_usd, fee_usd=max(0.0, margin + gross),
        funding_usd=_funding(inputs, trade, when),
        price_source=f"{inputs.dataset.source}, candle", reason=found.note,
        details={"exit": EXIT_LIQUIDATION, "margin_lost_usd": margin})


def look(inputs: JournalInputs, account: str = ACCOUNT_PAPER) -> tuple[str, ...]:
    """Check every open trade of ``account`` against the candles since it opened; record
    the stop, take-profit or liquidation each one hit (once: a trade closed by another
    process meanwhile is left alone). Returns one sentence per exit."""
    ledger = read_ledger(inputs, account)
    sentences: list[str] = []
    with JournalStore(inputs.path) as store:
        for trade in ledger.open_trades:
            candles = candles_since(inputs.dataset, trade.base, trade.opened_at, inputs.now)
            levels = {c.open_time: trade.levels_at(c.open_time) for c in candles}
            found = first_exit(trade.side, candles, levels, stop=trade.stop_price_usd,
                               take_profit=trade.take_profit_price_usd,
                               liquidation=trade.liquidation_price_usd)
            if found is None:
                continue
            if found.kind == EXIT_LIQUIDATION:
                event = _liquidation_event(inputs, trade, found)
            else:
                event = _close_event(inputs, trade, reference=found.price_usd,
                                     when=found.candle.close_time, reason=found.note,
                                     source=f"{inputs.dataset.source}, candle")
                event = dataclasses.replace(event, details={"exit": found.kind})
            if store.append([event], only_if_open=trade.trade_id):
                sentences.append(f"{trade.account} {trade.base}: {found.note}")
    return tuple(sentences)


def close_trade(inputs: JournalInputs, symbol: str, *, account: str = ACCOUNT_PAPER,
                reason: str = "", quantity: float | None = None,
                price: float | None = None, at: datetime | None = None) -> JournalEvent:
    """Close (or reduce by ``quantity``) the open trade in ``symbol`` at the current price
    with fee and slippage, or at a typed ``price`` (a real trade, a row typed in the
    workbook) with the fee, at ``at`` (default now; never in the future)."""
    account = _account(account)
    trade = find_open(read_ledger(inputs, account), symbol, account)
    if quantity is not None and not (isinstance(quantity, int | float) and math.isfinite(quantity)
                                     and 0 < quantity <= trade.quantity_base):
        raise InputError("quantity", f"must be > 0 and at most the held {trade.quantity_base:g}"
                         f" (got {quantity!r})")
    typed = _finite("price", price)
    if account == ACCOUNT_REAL and typed is None:
        raise InputError("price", REAL_NEEDS_PRICE)
    if quantity is not None and quantity >= trade.quantity_base:
        quantity = None
    when = at or inputs.now
    if when > inputs.now or when < trade.opened_at:
        raise InputError("date", f"must be between the open {trade.opened_at:%Y-%m-%d %H:%M} "
                         f"and now {inputs.now:%Y-%m-%d %H:%M} UTC (got {when:%Y-%m-%d %H:%M})")
    quote = current_quote(inputs.dataset, trade.base)
    event = _close_event(inputs, trade, reference=typed or quote.price_usd, when=when,
                         reason=reason.strip() or "closed by hand",
                         source="typed" if typed else quote.source, quantity=quantity,
                         slippage=0.0 if typed else None)
    with JournalStore(inputs.path) as store:
        ids = store.append([event], only_if_open=trade.trade_id)
        if not ids:
            raise InputError("symbol", f"{trade.base} was closed meanwhile (see trade list)")
        written = store.event(ids[0])
    return written or event


def check_new_levels(inputs: JournalInputs, trade: OpenTrade, *, stop: float | None,
                     take_profit: float | None) -> None:
    """The entry's rules for levels, applied to a move: the stop on the losing side of the
    current price and inside the trade's liquidation price, the take-profit on the winning
    side of the current price (a level across the price would fire at once).

    Raises
    ------
    InputError
        Naming ``stop`` or ``take_profit``, the price and the level.
    """
    price = current_quote(inputs.dataset, trade.base).price_usd
    check_level_side(trade.side, price, stop, level=LEVEL_STOP, price_name="the current price")
    check_level_side(trade.side, price, take_profit, level=LEVEL_TAKE_PROFIT,
                     price_name="the current price")
    liquidation = trade.liquidation_price_usd
    refusal = check_stop_inside_liquidation(ProposedEntry(
        base=trade.base, sector=trade.sector, side=trade.side,
        entry_price_usd=trade.entry_price_usd, stop_price_usd=stop,
        quantity_base=trade.quantity_base,
        liquidation_price_usd=liquidation if liquidation is not None
        and math.isfinite(liquidation) else None))
    if refusal is not None:
        raise InputError(LEVEL_STOP, f"{refusal.rule}: {refusal.detail}")


def move_levels(inputs: JournalInputs, symbol: str, *, stop: float | None = None,
                take_profit: float | None = None, account: str = ACCOUNT_PAPER,
                reason: str = "") -> tuple[int, ...]:
    """Record a stop and/or take-profit move of the open trade in ``symbol`` (checked by
    :func:`check_new_levels` first: nothing is written when a level is refused)."""
    account = _account(account)
    trade = find_open(read_ledger(inputs, account), symbol, account)
    s, t = _finite("stop", stop), _finite("take_profit", take_profit)
    check_new_levels(inputs, trade, stop=s, take_profit=t)
    rows = []
    if s is not None:
        rows.append(JournalEvent(kind=KIND_STOP_MOVED, account=trade.account,
                                 trade_id=trade.trade_id, event_time=inputs.now, base=trade.base,
                                 sector=trade.sector, side=trade.side, stop_price_usd=s,
                                 reason=reason))
    if t is not None:
        rows.append(JournalEvent(kind=KIND_TAKE_PROFIT_MOVED, account=trade.account,
                                 trade_id=trade.trade_id, event_time=inputs.now, base=trade.base,
                                 sector=trade.sector, side=trade.side, take_profit_price_usd=t,
                                 reason=reason))
    if not rows:
        raise InputError("stop", "give a new stop and/or take-profit (> 0)")
    with JournalStore(inputs.path) as store:
        return store.append(rows)


def add_note(inputs: JournalInputs, text: str, *, symbol: str | None = None,
             account: str = ACCOUNT_PAPER) -> int:
    """Record a note (on the open trade in ``symbol`` when given)."""
    if not text or not text.strip():
        raise InputError("note", "needs a non-empty text (got an empty text)")
    account = _account(account)
    trade = find_open(read_ledger(inputs, account), symbol, account) if symbol else None
    event = JournalEvent(kind=KIND_NOTE, account=account,
                         trade_id=trade.trade_id if trade else "", event_time=inputs.now,
                         base=trade.base if trade else "", reason=text.strip())
    with JournalStore(inputs.path) as store:
        return store.append([event])[0]


def journal_view(inputs: JournalInputs, account: str = ACCOUNT_PAPER) -> JournalView:
    """Look at the candles (paper), then mark every open trade to the current price."""
    account = _account(account)
    exits = look(inputs, account) if account == ACCOUNT_PAPER else ()
    ledger = read_ledger(inputs, account)
    marked = []
    for trade in ledger.open_trades:
        mark = current_quote(inputs.dataset, trade.base).price_usd
        funding = _funding(inputs, trade, inputs.now)
        marked.append(MarkedTrade(trade, mark, funding, unrealised_usd(trade, mark, funding),
                                  account))
    warnings = (crossed_levels_warning(m.trade.base, m.trade.side, m.mark_usd,
                                       m.trade.stop_price_usd, m.trade.liquidation_price_usd)
                for m in marked)
    return JournalView(account=account, open_trades=tuple(marked),
                       closed_trades=ledger.closed_trades, exits=exits,
                       equity_usd=account_equity(inputs, ledger), source=inputs.dataset.source,
                       warnings=tuple(w for w in warnings if w is not None))


def _typed(when: datetime) -> str:
    return f"{when:%Y-%m-%d}" if when.time() == datetime.min.time() else f"{when:%Y-%m-%d %H:%M}"


def _not_after_now(field: str, when: datetime | None, now: datetime) -> None:
    if when is not None and when > now:
        raise InputError(field, f"must not be after now {now:%Y-%m-%d %H:%M} UTC "
                         f"(got {_typed(when)})")


def review_window(start: datetime | None, to: datetime | None, now: datetime,
                  ) -> tuple[datetime | None, datetime | None]:
    """``[start, end)`` of a review typed as a start and an end day (``to`` is inclusive:
    its whole day; a start alone runs to now), for :func:`review`; None where the review's
    default (the last 7 days) applies. Every surface (``journal review --from --to``, the
    app's review dates) asks this.

    Raises
    ------
    InputError
        Naming ``to`` when it is before ``from``, ``from`` or ``to`` when after ``now``.
    """
    if start is not None and to is not None and to + DAY <= start:
        raise InputError("to", f"must be on or after from {_typed(start)} (got {_typed(to)})")
    _not_after_now("from", start, now)
    _not_after_now("to", to, now)
    if to is not None:
        return start, to + DAY
    return start, (now + timedelta(milliseconds=1) if start is not None else None)


def review(inputs: JournalInputs, *, start: datetime | None = None, end: datetime | None = None,
           account: str = ACCOUNT_PAPER) -> Review:
    """The review of ``account`` over ``[start, end)`` (default: the 7 days up to and
    including now; :func:`review_window` makes the bounds from typed dates). A start after
    now, an end more than a day after it, are refused (``from``, ``to``)."""
    end = end or inputs.now + timedelta(milliseconds=1)
    start = start or end - WEEK
    _not_after_now("from", start, inputs.now)
    if end > inputs.now + DAY:
        raise InputError("to", f"must not be in the future (now {inputs.now:%Y-%m-%d}) "
                         f"(got {end:%Y-%m-%d})")
    ledger = read_ledger(inputs, _account(account))
    return weekly_review(ledger, account=_account(account), start=start, end=end,
                         starting_equity_usd=inputs.params.equity_usd, now=inputs.now)


def _key(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def import_csv(inputs: JournalInputs, *, positions_file: Path | None = None,
               journal_file: Path | None = None, account: str = ACCOUNT_PAPER) -> int:
    """Import positions.csv and trade_journal.csv rows (idempotent: a row already imported
    is skipped). Returns the number of new rows."""
    account = _account(account)
    universe = inputs.dataset.universe
    rows: list[JournalEvent] = []
    keys: list[str | None] = []

    def sector(base: str) -> str:
        return universe.sector_of(base) if base in universe.bases else "unknown"

    for p in read_positions(positions_file):
        key = _key("position", account, p.base, p.side.value, p.quantity_base,
                   p.entry_price_usd, p.opened_at.isoformat())
        rows.append(JournalEvent(
            kind=KIND_OPEN, account=account, trade_id=key, event_time=p.opened_at, base=p.base,
            sector=sector(p.base), side=p.side, quantity_base=p.quantity_base,
            price_usd=p.entry_price_usd, reference_price_usd=p.entry_price_usd,
            stop_price_usd=p.stop_price_usd, take_profit_price_usd=p.take_profit_price_usd,
            price_source="positions.csv", reason="imported from positions.csv"))
        keys.append(key)
    for t in read_journal(journal_file):
        key = _key("trade", account, t.base, t.side.value, t.quantity_base, t.entry_price_usd,
                   t.opened_at.isoformat(), t.closed_at.isoformat(), t.realised_pnl_usd)
        opened = JournalEvent(
            kind=KIND_OPEN, account=account, trade_id=key, event_time=t.opened_at, base=t.base,
            sector=sector(t.base), side=t.side, quantity_base=t.quantity_base,
            price_usd=t.entry_price_usd, price_source="trade_journal.csv",
            reason="imported from trade_journal.csv")
        gross = t.side.sign * t.quantity_base * (t.exit_price_usd - t.entry_price_usd)
        closed = JournalEvent(
            kind=KIND_CLOSE, account=account, trade_id=key, event_time=t.closed_at, base=t.base,
            sector=sector(t.base), side=t.side, quantity_base=t.quantity_base,
            price_usd=t.exit_price_usd, fee_usd=gross - t.realised_pnl_usd,
            price_source="trade_journal.csv", reason=t.reason or "imported")
        rows += [opened, closed]
        keys += [key, key + ":close"]
    with JournalStore(inputs.path) as store:
        return len(store.append(rows, import_keys=keys))


def export_csv(path: Path | None = None) -> str:
    """Every journal row as CSV text (all accounts; the ``account`` column tells them apart)."""
    with JournalStore(path) as store:
        return store.export_csv()


def closed_trades(path: Path | None, account: str = ACCOUNT_PAPER) -> tuple[TradeRecord, ...]:
    """Closed trades of ``account`` (corrections applied)."""
    with JournalStore(path) as store:
        return fold_ledger(store.events(), account).closed_trades
