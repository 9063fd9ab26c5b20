"""Journal use cases: check, open, close, move, note, correct, look, review (paper by default).

Every surface (CLI, app, workbook refresh, ``=TRADE_CHECK``) calls these functions, never the
store or the core rules directly. Each takes its inputs explicitly (:class:`JournalInputs`:
parameters, dataset, clock, journal file) and returns a frozen result. The rules are
:func:`rotation_addin.core.entry_check.check_entry`; the arithmetic
:mod:`rotation_addin.core.paper`. Paper trades are labelled ``paper`` in every result.
"""

from __future__ import annotations

import dataclasses
import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from rotation_addin.core.constants import QUANTITY_RANGE_BASE
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.entry_check import (
    LEVEL_STOP,
    LEVEL_TAKE_PROFIT,
    EntryContext,
    ProposedEntry,
    check_entry,
    check_level_side,
    refusal_line,
)
from rotation_addin.core.errors import InputError, TradeRefused
from rotation_addin.core.fills import fill_price
from rotation_addin.core.ledger import (
    ACCOUNT_PAPER,
    ACCOUNT_REAL,
    ACCOUNTS,
    KIND_ADD,
    KIND_OPEN,
    KIND_OVERRIDE,
    KIND_REFUSAL,
    JournalEvent,
    Ledger,
    OpenTrade,
    ledger_book,
)
from rotation_addin.core.liquidation import liquidation_price
from rotation_addin.core.orders import Refusal, _leverage_for
from rotation_addin.core.paper import Fill, paper_fill
from rotation_addin.core.realised import account_equity_usd
from rotation_addin.core.report import market_regime, market_snapshot
from rotation_addin.core.rotation import PlanParameters, PositionBook
from rotation_addin.core.rules import held_exposure_items
from rotation_addin.core.sizing import position_size
from rotation_addin.core.types import Side
from rotation_addin.desk.journal_market import (
    FundingHistory,
    current_quote,
    known_base,
)
from rotation_addin.journal.store import JournalStore, book_from_journal

PAPER_LABEL = "paper"
"""Shown beside every paper figure on every surface."""


@dataclass(frozen=True)
class JournalInputs:
    """What every journal use case reads.

    ``params`` (from the settings: equity, caps, fees, slippage, cool-down), ``dataset``
    (the session's market: prices and candles), ``now`` (the clock, UTC), ``path`` (journal
    file; default ``<data dir>/journal.sqlite3``), ``funding`` (cached funding history).
    """

    params: PlanParameters
    dataset: MarketDataset
    now: datetime
    path: Path | None = None
    funding: FundingHistory = field(default_factory=dict)


REAL_NEEDS_PRICE = ("a real trade is recorded at the price it filled at: give that price "
                    "(paper trades fill at the current price)")
"""Why a real trade without its price is refused (it would be filled at the session's
price, on the demo market a simulated one, moved by a paper slippage that never happened)."""


@dataclass(frozen=True)
class OrderRequest:
    """A trade the trader types or takes from a plan row.

    ``quantity`` or ``risk_fraction`` (sized by the risk engine); ``entry`` is the price to
    check against (paper fills ignore it and fill at the current price; a ``real`` trade
    is recorded at it); ``at`` is a real trade's time (default now; never in the future).
    """

    symbol: str
    side: str
    stop: float | None
    quantity: float | None = None
    risk_fraction: float | None = None
    entry: float | None = None
    take_profit: float | None = None
    leverage: float | None = None
    account: str = ACCOUNT_PAPER
    reason: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class TradeCheck:
    """The verdict on a request: ``refusals`` empty means OK; ``line`` says it in one line."""

    base: str
    sector: str
    side: Side
    entry_price_usd: float
    price_source: str
    quantity_base: float
    stop_price_usd: float | None
    leverage: float
    liquidation_price_usd: float
    refusals: tuple[Refusal, ...]
    account: str
    take_profit_price_usd: float | None = None

    @property
    def ok(self) -> bool:
        """True when no rule refuses."""
        return not self.refusals

    @property
    def line(self) -> str:
        """``OK`` or ``rule: numbers; ...``."""
        return refusal_line(self.refusals)


@dataclass(frozen=True)
class OpenResult:
    """A recorded entry: its ``trade_id``, the fill, the rules overridden (with ``reason``)."""

    trade_id: str
    event_ids: tuple[int, ...]
    check: TradeCheck
    fill: Fill
    overridden: tuple[Refusal, ...]
    override_reason: str
    account: str
    label: str


def _finite(field_name: str, value: float | None, *, optional: bool = True) -> float | None:
    if value is None and optional:
        return None
    if value is None or isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or value <= 0:
        raise InputError(field_name, f"must be a finite price > 0 (got {value!r})")
    return float(value)


def _account(account: str) -> str:
    text = (account or ACCOUNT_PAPER).strip().lower()
    if text not in ACCOUNTS:
        raise InputError("account", f"must be one of {ACCOUNTS} (got {account!r})")
    return text


_LEDGERS: dict[tuple[object, ...], Ledger] = {}
"""The last few folds, keyed by the journal's rows (file, count, last id and its write time):
an append-only journal with the same rows folds to the same ledger."""


def read_ledger(inputs: JournalInputs, account: str | None = ACCOUNT_PAPER) -> Ledger:
    """The journal's ledger for ``account`` (corrections applied; read from the saved fold
    and the rows after it when it can be, see :meth:`JournalStore.ledger`)."""
    with JournalStore(inputs.path) as store:
        key = (*store.state_key(), account)
        ledger = _LEDGERS.get(key)
        if ledger is None:
            ledger = store.ledger(account)
            if len(_LEDGERS) >= 8:
                _LEDGERS.pop(next(iter(_LEDGERS)))
            _LEDGERS[key] = ledger
    return ledger


def account_equity(inputs: JournalInputs, ledger: Ledger) -> float:
    """Settings equity plus everything the account realised: closed trades and what the
    open ones realised so far (entry fees, partial closes, funding booked); see
    :func:`rotation_addin.core.realised.account_equity_usd`."""
    return account_equity_usd(inputs.params.equity_usd, ledger)


def _quantity(request: OrderRequest, inputs: JournalInputs, side: Side, entry: float,
              stop: float | None, equity: float, base: str) -> float:
    if request.quantity is not None:
        low, high = QUANTITY_RANGE_BASE
        q = request.quantity
        if isinstance(q, bool) or not isinstance(q, int | float) or not math.isfinite(q) \
                or not low <= q <= high:
            raise InputError("quantity", f"must be > 0 and at most {high:g} (got {q!r})")
        contract = inputs.dataset.contracts.get(base)
        if contract is not None and q < contract.min_amount * (1.0 - 1e-9):
            raise InputError("quantity", f"must be at least the exchange's minimum amount "
                             f"{contract.min_amount:g} {base} (got {q:g})")
        return float(q)
    if request.risk_fraction is None or stop is None:
        raise InputError("quantity", "give a quantity (> 0), or a risk fraction with a stop")
    p = inputs.params
    return position_size(equity_usd=equity, entry_price_usd=entry, stop_price_usd=stop,
                         side=side, risk_fraction=request.risk_fraction,
                         max_risk_fraction=p.max_risk_fraction, taker_fee_rate=p.taker_fee_rate,
                         stop_slippage_rate=p.stop_slippage_rate,
                         contract=inputs.dataset.contracts.get(base)).quantity_base


def _context(inputs: JournalInputs, ledger: Ledger, equity: float) -> EntryContext:
    dataset = inputs.dataset
    params = dataclasses.replace(inputs.params, equity_usd=max(equity, 0.01))
    # only the trades the cool-down can still see are converted (the journal may hold 10,000)
    book = ledger_book(ledger, closed_since=inputs.now - timedelta(days=params.cooldown_days),
                       losses_only=True)
    positions = book.positions
    snapshots = {p.base: s for p in positions
                 if (s := market_snapshot(dataset, p.base, params)) is not None}
    items = held_exposure_items(positions, (), params, snapshots)
    regime = market_regime(dataset, params)
    sectors = {b: dataset.universe.sector_of(b) for b in dataset.universe.bases}
    return EntryContext(
        params=params, as_of=inputs.now, closed_trades=book.closed_trades,
        sector_by_base=sectors,
        held_losses_usd={i.label.removeprefix("held:"): i.loss_usd for i in items},
        rotation_enabled=bool(regime.rotation_enabled), regime_label=str(regime.label))


def check_trade(inputs: JournalInputs, request: OrderRequest,
                ledger: Ledger | None = None) -> TradeCheck:
    """Every rule the request would break, against the journal (nothing is written).

    Raises :class:`InputError` (one line naming the field and range) for bad input: unknown
    symbol, quantity <= 0 or above the maximum, NaN price, stop or take-profit on the wrong
    side of entry, a date in the future.
    """
    dataset = inputs.dataset
    account = _account(request.account)
    base = known_base(dataset, request.symbol)
    side = Side.parse(request.side)
    stop = _finite("stop", request.stop)
    take_profit = _finite("take_profit", request.take_profit)
    typed_entry = _finite("entry", request.entry)
    if account == ACCOUNT_REAL and typed_entry is None:
        raise InputError("entry", REAL_NEEDS_PRICE)
    if request.at is not None and request.at > inputs.now:
        raise InputError("date", f"must not be after now {inputs.now:%Y-%m-%d %H:%M} UTC "
                         f"(got {request.at:%Y-%m-%d %H:%M})")
    quote = current_quote(dataset, base)
    entry = typed_entry if typed_entry is not None else quote.price_usd
    source = "typed" if typed_entry is not None else quote.source
    check_level_side(side, entry, stop, level=LEVEL_STOP)
    check_level_side(side, entry, take_profit, level=LEVEL_TAKE_PROFIT)
    ledger = ledger if ledger is not None else read_ledger(inputs, account)
    equity = account_equity(inputs, ledger)
    # a paper trade fills at the price moved by the slippage (_fill): sized, and its
    # liquidation found, at that price, so --risk 1 % loses at most 1 % at the stop
    filled = entry if typed_entry is not None else \
        fill_price(entry, side is Side.LONG, inputs.params.stop_slippage_rate)
    quantity = _quantity(request, inputs, side, filled, stop, max(equity, 0.01), base)
    params = dataclasses.replace(inputs.params, equity_usd=max(equity, 0.01))
    snapshot = market_snapshot(dataset, base, params)
    if snapshot is None:
        raise InputError("symbol", f"{base} has no price in {dataset.source}")
    leverage = (float(request.leverage) if request.leverage is not None
                else _leverage_for(snapshot, params, side)[0])
    if not math.isfinite(leverage) or not 1.0 <= leverage <= 125.0:
        raise InputError("leverage", f"must be between 1 and 125 (got {leverage!r})")
    liq = liquidation_price(side=side, entry_price_usd=filled, quantity_base=quantity,
                            leverage=leverage, brackets=snapshot.brackets)
    held = {t.base: t for t in ledger.open_trades}
    adds = base in held
    if adds and held[base].side is not side:
        raise InputError("side", f"{base} is held {held[base].side.value}: close it before "
                         f"opening a {side.value} (got {side.value})")
    context = _context(inputs, ledger, equity)
    proposed = ProposedEntry(
        base=base, sector=snapshot.sector, side=side, entry_price_usd=entry,
        stop_price_usd=stop, quantity_base=quantity,
        liquidation_price_usd=liq.liquidation_price_usd if liq.can_be_liquidated else None,
        is_alt=base != dataset.universe.benchmark, adds_to_held=adds,
        held_risk_usd=context.held_losses_usd.get(base, 0.0) if adds else 0.0)
    return TradeCheck(base=base, sector=snapshot.sector, side=side, entry_price_usd=entry,
                      price_source=source, quantity_base=quantity, stop_price_usd=stop,
                      leverage=leverage, liquidation_price_usd=liq.liquidation_price_usd,
                      refusals=check_entry(proposed, context), account=account,
                      take_profit_price_usd=take_profit)


def _refusal_events(check: TradeCheck, inputs: JournalInputs) -> list[JournalEvent]:
    return [JournalEvent(kind=KIND_REFUSAL, account=check.account, trade_id="",
                         event_time=inputs.now, base=check.base, sector=check.sector,
                         side=check.side, quantity_base=check.quantity_base,
                         price_usd=check.entry_price_usd, stop_price_usd=check.stop_price_usd,
                         reason=r.detail, details={"rule": r.rule, "detail": r.detail})
            for r in check.refusals]


def _fill(inputs: JournalInputs, check: TradeCheck, request: OrderRequest) -> Fill:
    """Paper: the source's current price moved by the slippage, taker fee. A typed entry
    (a real trade, or a row typed in the workbook) is recorded at that price with the fee."""
    p = inputs.params
    buys = check.side is Side.LONG
    if request.entry is None:
        quote = current_quote(inputs.dataset, check.base)
        return paper_fill(quote.price_usd, check.quantity_base, buys=buys,
                          taker_fee_rate=p.taker_fee_rate, slippage_rate=p.stop_slippage_rate)
    return paper_fill(check.entry_price_usd, check.quantity_base, buys=buys,
                      taker_fee_rate=p.taker_fee_rate, slippage_rate=0.0)


def open_trade(inputs: JournalInputs, request: OrderRequest,
               override_reason: str | None = None, *, import_key: str | None = None,
               ) -> OpenResult:
    """Check the request and record it: refused (rows of kind ``refusal`` are written and
    :class:`TradeRefused` raised naming the rules and numbers) unless ``override_reason``
    (non-empty) overrides every refusal -- then the entry and an ``override`` row are
    written together. A paper entry fills at the source's current price with the taker fee
    and the slippage of the settings; the source is recorded with the fill.
    ``import_key`` (rows typed in the workbook) makes a repeated call write nothing new.
    """
    if override_reason is not None and not override_reason.strip():
        raise InputError("override", "needs a non-empty reason (got an empty text)")
    ledger = read_ledger(inputs, _account(request.account))
    check = check_trade(inputs, request, ledger)
    with JournalStore(inputs.path) as store:
        if check.refusals and override_reason is None:
            refusals = _refusal_events(check, inputs)
            store.append(refusals, import_keys=[
                f"{import_key}:refusal:{r.rule}" if import_key else None
                for r in check.refusals])
            raise TradeRefused(check.base, check.line)
        fill = _fill(inputs, check, request)
        held = next((t for t in ledger.open_trades if t.base == check.base), None)
        trade_id = held.trade_id if held is not None else uuid.uuid4().hex
        when = request.at or inputs.now
        source = (current_quote(inputs.dataset, check.base).source
                  if request.entry is None else check.price_source)
        entry = JournalEvent(
            kind=KIND_ADD if held is not None else KIND_OPEN, account=check.account,
            trade_id=trade_id, event_time=when, base=check.base, sector=check.sector,
            side=check.side, quantity_base=check.quantity_base, price_usd=fill.price_usd,
            reference_price_usd=fill.reference_price_usd, stop_price_usd=check.stop_price_usd,
            take_profit_price_usd=check.take_profit_price_usd,
            liquidation_price_usd=check.liquidation_price_usd, leverage=check.leverage,
            fee_usd=fill.fee_usd, slippage_usd=fill.slippage_usd, price_source=source,
            reason=request.reason.strip())
        rows = [entry]
        if check.refusals:
            rows.append(dataclasses.replace(
                entry, kind=KIND_OVERRIDE, quantity_base=0.0, fee_usd=0.0, slippage_usd=0.0,
                reason=(override_reason or "").strip(),
                details={"rules": [r.rule for r in check.refusals], "detail": check.line}))
        ids = store.append(rows, import_keys=[
            f"{import_key}:{row.kind}" if import_key else None for row in rows])
    return OpenResult(trade_id=trade_id, event_ids=ids, check=check, fill=fill,
                      overridden=check.refusals if override_reason else (),
                      override_reason=(override_reason or "").strip(),
                      account=check.account, label=check.account)


def journal_book(path: Path | None = None, account: str = ACCOUNT_PAPER) -> PositionBook:
    """The journal as the plan's position book (open positions + closed trades)."""
    return book_from_journal(path, account)


def find_open(ledger: Ledger, symbol: str, account: str) -> OpenTrade:
    """The open trade in ``symbol`` of ``ledger``, the ledger of ``account`` (the account the
    user chose: an empty ledger says nothing about which it is); one line naming that account
    and what it holds when there is none."""
    base = str(symbol or "").strip().split("/")[0].upper()
    trade = next((t for t in ledger.open_trades if t.base == base), None)
    if trade is None:
        held = ", ".join(t.base for t in ledger.open_trades) or "none"
        raise InputError("symbol", f"no open {account} position in {base or '?'} "
                         f"(held: {held})")
    return trade

