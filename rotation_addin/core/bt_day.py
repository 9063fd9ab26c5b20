"""One day of the strategy backtest: the plan's inputs for that day, and the plan.

:func:`decide` runs ``core.report.build_plan`` -- the function that makes today's plan -- on
the day's inputs: the current book, the day's ranking and member figures (from
``core.bt_features``), the market snapshots of the bases it asks for, at the current
equity. What does not depend on the setting is memoised on the feature tables and shared
by the settings of a sweep: market snapshots per (day, base, ATR window) computed by
``core.report`` from the trailing window of candles (``candle_snapshot`` on the base's
arrays when the candle frames share the close's calendar, else ``market_snapshot`` on the
day's window view), rankings per (day, weights, theta), targets per (day, the fields
``select_targets`` reads), the calendar and the bracket tables. Every memo holds what the
plan's own functions returned, so a memoised run equals a run alone bit for bit
(``tests/core/test_sweep_metrics.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TypeVar

import numpy as np
import pandas as pd

from rotation_addin.core.brackets import BracketTable, default_bracket_table
from rotation_addin.core.bt_features import FeatureTable
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.market_snapshot import snapshot_of_figures, trailing_atr_and_vol
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
from rotation_addin.core.strategy_book import Book
from rotation_addin.core.walk_forward_inputs import _thin_by_row, _thin_sectors

PLAN_WINDOW_DAYS = VOL_HISTORY_DAYS + 1
"""Rows handed to the plan each day: the 180 candles of ATR and EWMA volatility."""
ONE_DAY = pd.Timedelta(days=1)
_Frozen = TypeVar("_Frozen")


def window_view(dataset: MarketDataset, row: int,
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
class DayRun:
    """State of one backtest run: its inputs, the book, counters, and what the day's plan
    reads made once per run (or per dataset, shared through the feature tables' memos)."""

    dataset: MarketDataset
    features: FeatureTable
    params: PlanParameters
    slippage_rate: float
    book: Book
    refusals: dict[str, int]
    decisions: int = 0
    log: list[tuple[pd.Timestamp, tuple[str, ...]]] = field(default_factory=list)
    thin: list[tuple[pd.Timestamp, tuple[str, ...]]] = field(default_factory=list)
    """Decision days that ranked a sector on too few priced coins, with those sectors
    (``core.walk_forward_inputs.MIN_PRICED_MEMBERS``)."""

    def __post_init__(self) -> None:
        self.days = pd.DatetimeIndex(self.dataset.close.index)
        # the calendar as Python objects, made once per feature table (indexing a
        # DatetimeIndex per day costs more than the day's rules)
        calendar = _calendar(self.features)
        self.stamps, self.datetimes, self.plan_as_of = calendar
        # the tiers market_snapshot falls back to, made once per base and dataset
        self.brackets = _bracket_memo(self.features, self.dataset, "snapshot")
        self.book.brackets = _bracket_memo(self.features, self.dataset, "bundled")
        self.thin_by_row = _thin_memo(self.features, self.dataset)
        # what build_plan gets besides the snapshots: universe, contracts, as_of; no prices
        # (every price it reads comes through ``_snapshots``)
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
        self.recent = 0
        """The first trade of the journal closed within the cool-down (days only advance)."""


def _calendar(features: FeatureTable) -> tuple[list[pd.Timestamp], list[datetime],
                                                list[datetime]]:
    """Per row of the features' calendar: the Timestamp, its datetime and the plan's as_of
    (the close, one day later), memoised on the table."""
    cached = features.memo.get("calendar")
    if cached is None:
        days = pd.DatetimeIndex(features.days)
        cached = (list(days), list(days.to_pydatetime()),
                  list((days + ONE_DAY).to_pydatetime()))
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


def _thin_memo(features: FeatureTable, dataset: MarketDataset) -> list[frozenset[str]]:
    """Per row, the sectors priced on too few coins (``walk_forward_inputs._thin_by_row``),
    made once per dataset (``_bracket_memo`` forgot another dataset's entries)."""
    cached = features.snapshot_memo.get(("thin",))
    if cached is None:
        cached = features.snapshot_memo[("thin",)] = _thin_by_row(dataset)
    assert isinstance(cached, list)
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


def _book(run: DayRun, row: int, cooldown_days: int) -> PositionBook:
    """The book as the plan reads it: open positions and the journal's trades closed within
    the cool-down (the same PositionBook object while neither changes)."""
    book = run.book
    since = run.datetimes[row] - timedelta(days=cooldown_days + 1)
    journal = book.journal  # in the order of closing, and the rows only move forward
    while run.recent < len(journal) and journal[run.recent].closed_at < since:
        run.recent += 1
    closed = tuple(journal[run.recent:])
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


def _scores(run: DayRun, row: int, enabled: bool) -> tuple[SectorScore, ...]:
    """``rank_sectors`` of the day's inputs, once per (row, weights, theta) per table."""
    features, p = run.features, run.params
    key = ("scores", row, run.scores_token, enabled)
    cached = features.memo.get(key)
    if cached is None:
        cached = rank_sectors(features.inputs_at(row), weights=p.weights, theta=p.theta,
                              rotation_enabled=enabled, z_scores=features.z_scores_at(row))
        features.memo[key] = cached
    assert isinstance(cached, tuple)
    return cached


def _selected(run: DayRun, row: int, scores: tuple[SectorScore, ...],
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


def _snapshots(run: DayRun, row: int) -> Callable[[str], MarketSnapshot | None]:
    """``market_snapshot`` on the day's window view, memoised per (row, base, ATR window):
    from the table of every row's ATR and volatility where it is exact (the common case),
    else from the window's candle arrays, else from the day's window view."""
    memo, window = run.features.snapshot_memo, run.params.atr_window_days
    if memo.get("dataset") is not run.dataset:  # snapshots of another dataset: forget them
        memo.clear()
        memo["dataset"] = run.dataset
    views: list[MarketDataset] = []

    def snapshot_of(base: str) -> MarketSnapshot | None:
        key = (row, base, window)
        if key not in memo:
            candles = run.candles.get(base)
            if candles is not None:
                memo[key] = _candle_snapshot(run, base, candles, row, window)
            else:
                if not views:
                    views.append(window_view(run.dataset, row, run.brackets))
                memo[key] = market_snapshot(views[0], base, run.params)
        cached = memo[key]
        assert cached is None or isinstance(cached, MarketSnapshot)
        return cached

    return snapshot_of


def _candle_snapshot(run: DayRun, base: str, candles: tuple[np.ndarray, ...], row: int,
                     window: int) -> MarketSnapshot | None:
    """``candle_snapshot`` of the window's rows of the base's arrays, read from the table of
    every row's ATR and volatility (``trailing_atr_and_vol``) where that table is exact."""
    figures = _figure_memo(run, window, row).get(base)
    if figures is not None and figures[2][row]:
        return snapshot_of_figures(run.carrier, base, float(candles[2][row]),
                                   float(figures[0][row]), float(figures[1][row]))
    low = max(0, row + 1 - PLAN_WINDOW_DAYS)
    return candle_snapshot(run.carrier, base, candles[0][low:row + 1], candles[1][low:row + 1],
                           candles[2][low:row + 1], run.params)


def _figure_memo(run: DayRun, window: int, row: int) -> dict[str, tuple[np.ndarray, ...]]:
    """Per base with candle arrays: (ATR, volatility, exact) for the rows from ``row`` on
    (exact False before), made for all bases together once per dataset, ATR window and
    first row asked (a run asks from its first decision on: O(days traded x window), not
    O(history))."""
    memo = run.features.snapshot_memo
    cached = memo.get(("figures", window))
    if not (isinstance(cached, tuple) and cached[0] <= row):
        bases = list(run.candles)
        low_row = max(0, row - PLAN_WINDOW_DAYS)  # every window from ``row`` on starts here
        high, low, close = (np.column_stack([run.candles[b][k][low_row:] for b in bases])
                            if bases else np.zeros((0, 0)) for k in range(3))
        atr, vol, exact = trailing_atr_and_vol(high, low, close, window)
        exact[: row - low_row] = False  # kept: the rows asked for
        pad = ((low_row, 0), (0, 0))
        atr, vol = (np.pad(a, pad, constant_values=np.nan) for a in (atr, vol))
        exact = np.pad(exact, pad, constant_values=False)
        cached = (row, {b: (atr[:, j], vol[:, j], exact[:, j]) for j, b in enumerate(bases)})
        memo[("figures", window)] = cached
    figures = cached[1]
    assert isinstance(figures, dict)
    return figures


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


def decide(run: DayRun, row: int, equity: float) -> list[RebalanceOrder]:
    """The plan at the close of ``row`` at ``equity`` (``core.report.build_plan`` on the
    day's inputs); counts its refusals, logs its orders and notes a ranking on too few
    priced coins in ``run``."""
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
    thin = _thin_sectors(run.thin_by_row[row],
                         (s.sector for s in scores if math.isfinite(s.score)))
    if thin:
        run.thin.append((run.stamps[row], thin))
    for refusal in plan.refusals:
        run.refusals[refusal.rule] = run.refusals.get(refusal.rule, 0) + 1
    run.log.append((run.stamps[row], tuple(f"{o.action} {o.side.value} {o.base} "
                                           f"{o.quantity_base:.12g}" for o in plan.orders)))
    return list(plan.orders)
