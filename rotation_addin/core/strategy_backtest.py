"""Daily walk-forward of the whole strategy: the live plan code, traded with its costs.

Every day ``t`` after the warmup, at the close:

1. the sector table is ranked by ``core.scores.rank_sectors`` from the inputs of day ``t``
   (``core.bt_features``: computed once, looked up per day);
2. ``core.report.build_plan`` -- the function that makes today's plan -- turns the current
   book (open positions with their stops and take-profits, the journal of closed trades)
   into orders, with the discipline rules and the stressed-exposure cap as in live use, at
   the current equity (compounding) and on a window of the last ``PLAN_WINDOW_DAYS`` rows
   (everything it reads is a trailing window of at most 180 candles);
3. the orders fill at the open of ``t + 1`` (``core.fills``: slippage, taker fee), then the
   bar of ``t + 1`` is checked for stops, take-profits and liquidations (stop first when a
   bar holds both), funding is paid every 8 h, and equity is marked at the close.

Pure: a dataset (and optionally funding history) in, a frozen :class:`StrategyBacktest` out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TypeVar

import numpy as np
import pandas as pd

from rotation_addin.core import validation as v
from rotation_addin.core.brackets import BracketTable, default_bracket_table
from rotation_addin.core.bt_features import FeatureTable, build_features
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import InputError
from rotation_addin.core.fills import EXIT_END, Ledger
from rotation_addin.core.orders import MarketSnapshot, RebalanceOrder
from rotation_addin.core.parameters import EQUITY_USD
from rotation_addin.core.report import (
    VOL_HISTORY_DAYS,
    build_plan,
    candle_snapshot,
    market_snapshot,
)
from rotation_addin.core.rotation import (
    TARGET_FIELDS,
    PlanParameters,
    PositionBook,
    Target,
    select_targets,
)
from rotation_addin.core.scores import SectorScore, rank_sectors
from rotation_addin.core.sizing import EQUITY_RANGE_USD
from rotation_addin.core.strategy_book import Book, Trade, funding_table

__all__ = ["CONVENTIONS", "PLAN_WINDOW_DAYS", "StrategyBacktest", "Trade", "run_strategy"]

PLAN_WINDOW_DAYS = VOL_HISTORY_DAYS + 1
"""Rows handed to the plan each day: the 180 candles of ATR and EWMA volatility."""
MIN_WARMUP_DAYS = 31
ONE_DAY = pd.Timedelta(days=1)
_Frozen = TypeVar("_Frozen")
CONVENTIONS = (
    "orders decided at a close fill at the next open, with slippage and the taker fee",
    "stops and take-profits are watched intrabar on the daily high/low; when one bar holds "
    "both, the stop is taken first",
    "a liquidation (a gap through the bracket-aware liquidation price) loses the whole "
    "isolated margin",
    "funding every 8 h from the funding history; an intrabar exit pays that day's 08:00 and "
    "16:00 funding",
)


@dataclass(frozen=True)
class StrategyBacktest:
    """Result of :func:`run_strategy`.

    Attributes
    ----------
    source : str
        Dataset label.
    params : PlanParameters
        Parameters at the start (``equity_usd`` = initial equity).
    equity : pd.Series
        Equity at each close (USD), from the first decision day.
    gross_exposure : pd.Series
        Sum of |notional| / equity at each close.
    trades : tuple[Trade, ...]
        Closed trades (positions still open at the end are closed at the last close).
    refusals_by_rule : dict[str, int]
        Orders the plan's rules refused, by rule name.
    decisions : int
        Days the plan was run.
    decision_log : tuple[tuple[pd.Timestamp, tuple[str, ...]], ...]
        Per decision day, the plan's orders as ``"open long RENDER 12.5"`` lines.
    fees_usd, funding_usd, traded_notional_usd : float
        Totals (funding + = received).
    ruined_on : pd.Timestamp | None
        Day equity fell below the plan's minimum account size (0.01 USD), if ever.
    warnings : tuple[str, ...]
        Data caveats (no funding history, proxy dominance...).
    """

    source: str
    params: PlanParameters
    equity: pd.Series
    gross_exposure: pd.Series
    trades: tuple[Trade, ...]
    refusals_by_rule: dict[str, int]
    decisions: int
    decision_log: tuple[tuple[pd.Timestamp, tuple[str, ...]], ...]
    fees_usd: float
    funding_usd: float
    traded_notional_usd: float
    ruined_on: pd.Timestamp | None
    warnings: tuple[str, ...]

    @property
    def liquidations(self) -> int:
        """Trades that ended in a liquidation."""
        return sum(1 for t in self.trades if t.exit_reason == "liquidation")


def _window_view(dataset: MarketDataset, row: int,
                 brackets: Mapping[str, BracketTable] | None = None) -> MarketDataset:
    """The dataset as the plan would see it at the close of ``row``: trailing rows only, no
    live tickers or order books (those are today's, not day ``row``'s)."""
    low = max(0, row + 1 - PLAN_WINDOW_DAYS)
    day = pd.Timestamp(dataset.close.index[row])
    frames = {}
    for name in ("open", "high", "low", "close", "volume_usd"):
        frame = getattr(dataset, name)
        frames[name] = frame.iloc[low:row + 1] if len(frame) == len(dataset.close) \
            else frame.reindex(dataset.close.index[low:row + 1])
    return replace(dataset, **frames, tickers={}, order_books={},
                   brackets=dataset.brackets if brackets is None else brackets,
                   as_of=(day + pd.Timedelta(days=1)).to_pydatetime())


@dataclass
class _Run:
    dataset: MarketDataset
    features: FeatureTable
    params: PlanParameters
    slippage_rate: float
    book: Book
    refusals: dict[str, int]
    decisions: int = 0
    log: list[tuple[pd.Timestamp, tuple[str, ...]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.days = pd.DatetimeIndex(self.dataset.close.index)
        # the calendar as Python objects, made once per feature table (indexing a
        # DatetimeIndex per day costs more than the day's rules)
        calendar = _calendar(self.features)
        self.stamps, self.datetimes, self.plan_as_of = calendar
        # what build_plan gets besides the snapshots: universe, contracts, as_of; no prices
        # (every price it reads comes through the window view of ``_snapshots``)
        # the tiers market_snapshot falls back to, made once per base and dataset
        self.brackets = _bracket_memo(self.features, self.dataset, "snapshot")
        self.book.brackets = _bracket_memo(self.features, self.dataset, "bundled")
        empty = self.dataset.close.iloc[0:0]
        self.frameless = replace(self.dataset, open=empty, high=empty, low=empty, close=empty,
                                 volume_usd=empty, tickers={}, order_books={})
        # what market_snapshot reads besides the candles: universe, contracts, brackets
        self.carrier = replace(self.frameless, brackets=self.brackets)
        self.candles = _candle_memo(self.features, self.dataset)
        self.position_book = PositionBook()
        self.scores_token = _token(self.features, "scores", self.params.weights,
                                   self.params.theta)
        self.target_token = _token(self.features, "targets", self.params.weights,
                                   *(getattr(self.params, n) for n in TARGET_FIELDS))
        self.book_key: tuple[int, tuple[object, ...]] = (-1, ())


def _calendar(features: FeatureTable) -> tuple[list[pd.Timestamp], list[datetime],
                                                list[datetime]]:
    """Per row of the features' calendar: the Timestamp, its datetime and the plan's as_of
    (the close, one day later), memoised on the table."""
    cached = features.memo.get("calendar")
    if cached is None:
        stamps = list(features.days)
        cached = (stamps, [d.to_pydatetime() for d in stamps],
                  [(d + ONE_DAY).to_pydatetime() for d in stamps])
        features.memo["calendar"] = cached
    assert isinstance(cached, tuple)
    return cached


def _bracket_memo(features: FeatureTable, dataset: MarketDataset,
                  kind: str) -> dict[str, BracketTable]:
    """Bracket tables per base, made once per dataset and shared by a sweep's runs:
    ``snapshot`` = the dataset's tiers else the bundled ones (as ``market_snapshot``),
    ``bundled`` = the bundled ones (the book's liquidation prices). Read-only tables."""
    memo = features.snapshot_memo
    if memo.get("dataset") is not dataset:  # tables of another dataset: forget them
        memo.clear()
        memo["dataset"] = dataset
    key = ("brackets", kind)
    cached = memo.get(key)
    if cached is None:
        bases = [str(b) for b in dataset.close.columns]
        cached = {b: (dataset.brackets.get(b) if kind == "snapshot" else None)
                  or default_bracket_table(b) for b in bases}
        memo[key] = cached
    assert isinstance(cached, dict)
    return cached


def _candle_memo(features: FeatureTable,
                 dataset: MarketDataset) -> dict[str, tuple[np.ndarray, ...]]:
    """Per base, its high, low and close as contiguous arrays on the close's calendar, when
    the candle frames share that calendar (else empty: the plan reads window views); made
    once per dataset."""
    memo = features.snapshot_memo  # _bracket_memo forgot another dataset's entries
    cached = memo.get(("candles",))
    if cached is None:
        index = dataset.close.index
        high, low, close = dataset.high, dataset.low, dataset.close
        arrays: dict[str, tuple[np.ndarray, ...]] = {}
        if high.index.equals(index) and low.index.equals(index):
            for base in (str(b) for b in close.columns):
                if base in high.columns and base in low.columns:
                    arrays[base] = tuple(np.ascontiguousarray(f[base].to_numpy(dtype=float))
                                         for f in (high, low, close))
        memo[("candles",)] = cached = arrays
    assert isinstance(cached, dict)
    return cached


def _book(run: _Run, row: int, cooldown_days: int) -> PositionBook:
    """The book as the plan reads it: open positions and the journal's trades closed within
    the cool-down (the same PositionBook object while neither changes)."""
    book = run.book
    since = run.datetimes[row] - timedelta(days=cooldown_days + 1)
    closed = tuple(c for c in book.journal if c.closed_at >= since)
    version, last_closed = run.book_key
    if version != book.version or not _same(closed, last_closed):
        positions = tuple(t.position() for t in book.trades.values())
        run.position_book = PositionBook(positions=positions, closed_trades=closed)
        run.book_key = (book.version, closed)
    return run.position_book


def _same(a: tuple[object, ...], b: object) -> bool:
    """The same objects in the same order (identity, not equality)."""
    return isinstance(b, tuple) and len(a) == len(b) and \
        all(x is y for x, y in zip(a, b, strict=True))


def _token(features: FeatureTable, *key: object) -> object:
    """One object per distinct ``key`` on this table: a per-day memo keyed on it hashes an
    identity instead of the parameters' dataclasses every day."""
    return features.memo.setdefault(("token", *key), object())


def _scores(run: _Run, row: int, enabled: bool) -> tuple[SectorScore, ...]:
    """``rank_sectors`` of the day's inputs, once per (row, weights, theta) per table."""
    features, p = run.features, run.params
    key = ("scores", row, run.scores_token, enabled)
    cached = features.memo.get(key)
    if cached is None:
        cached = rank_sectors(features.inputs_at(row), weights=p.weights, theta=p.theta,
                              rotation_enabled=enabled)
        features.memo[key] = cached
    assert isinstance(cached, tuple)
    return cached


def _selected(run: _Run, row: int, scores: tuple[SectorScore, ...],
              enabled: bool) -> tuple[tuple[Target, ...], tuple[str, ...]]:
    """``select_targets`` of the day, once per (row, weights, the fields it reads, regime
    gate) per table (settings that differ only in sizing or exits share it)."""
    features, p = run.features, run.params
    key = ("targets", row, run.target_token, enabled)
    cached = features.memo.get(key)
    if cached is None:
        cached = select_targets(scores, features.members_at(row), p, rotation_enabled=enabled)
        features.memo[key] = cached
    assert isinstance(cached, tuple)
    return cached


def _snapshots(run: _Run, row: int) -> Callable[[str], MarketSnapshot | None]:
    """``market_snapshot`` on the day's window view, memoised per (row, base, ATR window):
    the view is only built when a base of that day was never asked for."""
    memo, window = run.features.snapshot_memo, run.params.atr_window_days
    if memo.get("dataset") is not run.dataset:  # snapshots of another dataset: forget them
        memo.clear()
        memo["dataset"] = run.dataset
    views: list[MarketDataset] = []

    def snapshot_of(base: str) -> MarketSnapshot | None:
        key = (row, base, window)
        if key not in memo:
            candles = run.candles.get(base)
            if candles is not None:  # the window's rows of the base's arrays
                low = max(0, row + 1 - PLAN_WINDOW_DAYS)
                memo[key] = candle_snapshot(run.carrier, base, candles[0][low:row + 1],
                                            candles[1][low:row + 1], candles[2][low:row + 1],
                                            run.params)
            else:
                if not views:
                    views.append(_window_view(run.dataset, row, run.brackets))
                memo[key] = market_snapshot(views[0], base, run.params)
        cached = memo[key]
        assert cached is None or isinstance(cached, MarketSnapshot)
        return cached

    return snapshot_of


def _with_equity(params: PlanParameters, equity: float) -> PlanParameters:
    """``replace(params, equity_usd=equity)`` checking only the field that changed (every
    other field was checked when ``params`` was made; no check involves the equity)."""
    EQUITY_USD.check(equity)
    return _shallow_replace(params, equity_usd=equity)


def _shallow_replace(value: _Frozen, **changes: object) -> _Frozen:
    """A copy of the frozen dataclass ``value`` with ``changes``, without running its
    ``__init__``/``__post_init__`` again (the caller checked what changed)."""
    copied = object.__new__(type(value))
    copied.__dict__.update(value.__dict__)
    copied.__dict__.update(changes)
    return copied


def _decide(run: _Run, row: int, equity: float) -> list[RebalanceOrder]:
    p = run.params
    params_today = _with_equity(p, equity)
    enabled = bool(run.features.rotation_enabled[row])
    scores = _scores(run, row, enabled)
    plan = build_plan(_shallow_replace(run.frameless, as_of=run.plan_as_of[row]),
                      _book(run, row, p.cooldown_days), scores,
                      run.features.members_at(row), params_today, rotation_enabled=enabled,
                      snapshot_of=_snapshots(run, row),
                      selected=_selected(run, row, scores, enabled))
    run.decisions += 1
    for refusal in plan.refusals:
        run.refusals[refusal.rule] = run.refusals.get(refusal.rule, 0) + 1
    run.log.append((run.stamps[row], tuple(f"{o.action} {o.side.value} {o.base} "
                                           f"{o.quantity_base:.12g}" for o in plan.orders)))
    return list(plan.orders)


def _first_row(index: pd.DatetimeIndex, warmup: int, start: object) -> int:
    first = warmup
    if start is not None:
        try:
            stamp = pd.Timestamp(start)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InputError("start", f"must be a date like 2023-01-31 (got {start!r})") \
                from None
        if index.tz is not None and stamp.tzinfo is None:
            stamp = stamp.tz_localize(index.tz)
        first = max(first, int(index.searchsorted(stamp, "left")))
    return first


def _cut_end(dataset: MarketDataset, end: object) -> MarketDataset:
    if end is None:
        return dataset
    index = pd.DatetimeIndex(dataset.close.index)
    try:
        stamp = pd.Timestamp(end)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError("end", f"must be a date like 2023-01-31 (got {end!r})") from None
    if index.tz is not None and stamp.tzinfo is None:
        stamp = stamp.tz_localize(index.tz)
    keep = int(index.searchsorted(stamp, "right"))
    frames = {n: getattr(dataset, n).iloc[:keep] for n in
              ("open", "high", "low", "close", "volume_usd")
              if len(getattr(dataset, n)) == len(index)}
    return replace(dataset, **frames)


def _check(dataset: object, params: object, warmup_days: object) -> tuple[MarketDataset,
                                                                          PlanParameters, int]:
    if not isinstance(dataset, MarketDataset):
        raise InputError("dataset", f"must be a MarketDataset (got {type(dataset).__name__})")
    p = PlanParameters() if params is None else params
    if not isinstance(p, PlanParameters):
        raise InputError("params", f"must be PlanParameters (got {type(p).__name__})")
    warmup = v.positive_int("warmup_days", warmup_days, minimum=MIN_WARMUP_DAYS)
    return dataset, p, warmup


def run_strategy(
    dataset: MarketDataset,
    params: PlanParameters | None = None,
    *,
    funding: pd.DataFrame | None = None,
    slippage_rate: float | None = None,
    warmup_days: int = 60,
    start: object = None,
    end: object = None,
    features: FeatureTable | None = None,
) -> StrategyBacktest:
    """Trade the daily plan over the dataset's history (module docstring).

    Parameters
    ----------
    dataset : MarketDataset
        Daily candles with the benchmark (open/high/low used for fills and exits).
    params : PlanParameters, optional
        The plan's parameters; ``equity_usd`` is the initial equity.
    funding : pd.DataFrame, optional
        Funding rates per 8 h (fraction), tz-aware UTC times x bases. None: no funding is
        charged and a warning says so.
    slippage_rate : float, optional
        Slippage on market fills and stops (fraction); default ``params.stop_slippage_rate``.
    warmup_days : int
        Rows before the first decision (>= 31).
    start, end : date-like, optional
        First decision day; last day of data used.
    features : FeatureTable, optional
        Precomputed :func:`~rotation_addin.core.bt_features.build_features` of ``dataset``
        (the sweep shares one); must cover the same calendar.

    Raises
    ------
    InputError
        Bad parameters, or a period that leaves no day to trade (field ``start``/``end``).
    """
    data, p, warmup = _check(dataset, params, warmup_days)
    data = _cut_end(data, end)
    index = pd.DatetimeIndex(data.close.index)
    slip = p.stop_slippage_rate if slippage_rate is None else \
        v.in_range("slippage_rate", slippage_rate, 0.0, 0.05)
    first = _first_row(index, warmup, start)
    if first >= len(index) - 1:
        raise InputError("start" if start is not None else "end",
                         f"the period leaves no day to trade after the {warmup}-day warmup "
                         f"({len(index)} days of prices from {index[0]:%Y-%m-%d})"
                         if len(index) else "the period holds no prices")
    table = features if features is not None else build_features(
        data, rotation_in_risk_off=p.rotation_in_risk_off)
    if len(table.days) < len(index) or not table.days[: len(index)].equals(index):
        raise InputError("features", "were built for another calendar than the dataset")
    warnings = list(table.warnings)
    rates = funding_table(funding, index, warnings)
    run = _Run(data, table, p, slip, Book(Ledger(p.equity_usd), rates), {})
    return _walk(run, first, warnings)


def _walk(run: _Run, first: int, warnings: list[str]) -> StrategyBacktest:
    data, book = run.dataset, run.book
    index = pd.DatetimeIndex(data.close.index)
    opens, highs, lows, closes = (getattr(data, n).reindex(columns=data.close.columns)
                                  .to_numpy(dtype=float) for n in ("open", "high", "low",
                                                                   "close"))
    columns = {str(c): j for j, c in enumerate(data.close.columns)}
    book.bind(columns, opens, highs, lows, closes, index)
    equity_values: list[float] = []
    exposure_values: list[float] = []
    pending: list[RebalanceOrder] = []
    ruined: pd.Timestamp | None = None
    for row in range(first, len(index)):
        book.execute(pending, row, run.params.taker_fee_rate, run.slippage_rate)
        book.protect(row, run.params.taker_fee_rate, run.slippage_rate)
        book.pay_funding(row)
        equity, gross = book.equity_and_gross(row)
        equity_values.append(equity)
        exposure_values.append(gross / equity if equity > 0 else math.nan)
        if equity <= EQUITY_RANGE_USD[0]:
            ruined = pd.Timestamp(index[row])
            break
        pending = _decide(run, row, equity) if row < len(index) - 1 else []
    last_row = first + len(equity_values) - 1
    book.close_all(last_row, run.params.taker_fee_rate, EXIT_END)
    days = index[first:last_row + 1]
    equity_values[-1] = book.ledger.cash_usd
    return StrategyBacktest(
        source=data.source, params=run.params,
        equity=pd.Series(np.asarray(equity_values), index=days, name="equity_usd"),
        gross_exposure=pd.Series(np.asarray(exposure_values), index=days, name="gross"),
        trades=tuple(book.closed), refusals_by_rule=dict(sorted(run.refusals.items())),
        decisions=run.decisions, decision_log=tuple(run.log), fees_usd=book.ledger.fees_usd,
        funding_usd=book.ledger.funding_usd,
        traded_notional_usd=book.ledger.traded_notional_usd, ruined_on=ruined,
        warnings=tuple(warnings),
    )

