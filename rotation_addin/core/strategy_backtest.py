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
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from rotation_addin.core import validation as v
from rotation_addin.core.bt_day import PLAN_WINDOW_DAYS, DayRun, decide
from rotation_addin.core.bt_features import FeatureTable, build_features
from rotation_addin.core.constants import DEFAULT_WARMUP_DAYS, MIN_WARMUP_DAYS
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import InputError
from rotation_addin.core.fills import EXIT_END, Ledger
from rotation_addin.core.orders import RebalanceOrder
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.core.sizing import EQUITY_RANGE_USD
from rotation_addin.core.strategy_book import Book, Trade, funding_table
from rotation_addin.core.walk_forward_inputs import _thin_ranking_warning

__all__ = ["CONVENTIONS", "PLAN_WINDOW_DAYS", "StrategyBacktest", "Trade", "conventions",
           "run_strategy", "trading_days"]

FILL_CONVENTIONS = (
    "orders decided at a close fill at the next open, with slippage and the taker fee",
    "stops and take-profits are watched intrabar on the daily high/low; when one bar holds "
    "both, the stop is taken first",
    "a liquidation (a gap through the bracket-aware liquidation price) loses the whole "
    "isolated margin",
)
FUNDING_CONVENTION = ("funding every 8 h from the funding history; an intrabar exit pays "
                      "that day's 08:00 and 16:00 funding")
NO_FUNDING_CONVENTION = "no funding charged (no funding history)"


def conventions(funding_charged: bool) -> tuple[str, ...]:
    """How a run's fills were modelled (the ``model:`` lines): the fill rules and what was
    done about funding (charged from the history, or not at all)."""
    return (*FILL_CONVENTIONS,
            FUNDING_CONVENTION if funding_charged else NO_FUNDING_CONVENTION)


CONVENTIONS = conventions(True)
"""The conventions of a run with funding history."""


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
        Data caveats (no funding history, proxy dominance, decisions that ranked a sector
        on a single priced coin...).
    conventions : tuple[str, ...]
        How the fills were modelled (:func:`conventions`: says whether funding was charged).
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
    conventions: tuple[str, ...] = CONVENTIONS

    @property
    def liquidations(self) -> int:
        """Trades that ended in a liquidation."""
        return sum(1 for t in self.trades if t.exit_reason == "liquidation")


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


def trading_days(dataset: MarketDataset, warmup_days: int = DEFAULT_WARMUP_DAYS,
                 start: object = None,
                 end: object = None) -> pd.DatetimeIndex:
    """The days :func:`run_strategy` marks equity on (from the first decision day to the
    last day of data), when the account is not ruined first.

    Raises
    ------
    InputError
        As :func:`run_strategy` for the dataset, the warmup and the period.
    """
    data, _, warmup = _check(dataset, None, warmup_days)
    index = pd.DatetimeIndex(_cut_end(data, end).close.index)
    return index[_trading_row(index, warmup, start, end):]


def _trading_row(index: pd.DatetimeIndex, warmup: int, start: object,
                 end: object = None) -> int:
    """The first decision row, or the one-line refusal of a period with no day to trade."""
    first = _first_row(index, warmup, start)
    if first >= len(index) - 1:  # blame what was typed: the start, the end, else the warmup
        raise InputError("start" if start is not None else "end" if end is not None
                         else "warmup_days",
                         f"the period leaves no day to trade after the {warmup}-day warmup "
                         f"({len(index)} days of prices from {index[0]:%Y-%m-%d})"
                         if len(index) else "the period holds no prices")
    return first


def run_strategy(
    dataset: MarketDataset,
    params: PlanParameters | None = None,
    *,
    funding: pd.DataFrame | None = None,
    slippage_rate: float | None = None,
    warmup_days: int = DEFAULT_WARMUP_DAYS,
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
        Rows before the first decision (>= ``core.constants.MIN_WARMUP_DAYS``, 30).
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
    first = _trading_row(index, warmup, start, end)
    table = features if features is not None else build_features(
        data, rotation_in_risk_off=p.rotation_in_risk_off)
    if len(table.days) < len(index) or not table.days[: len(index)].equals(index):
        raise InputError("features", "were built for another calendar than the dataset")
    warnings = list(table.warnings)
    rates = funding_table(funding, index, warnings)
    run = DayRun(data, table, p, slip, Book(Ledger(p.equity_usd), rates), {})
    return _walk(run, first, warnings)


def _walk(run: DayRun, first: int, warnings: list[str]) -> StrategyBacktest:
    data, book = run.dataset, run.book
    index = pd.DatetimeIndex(data.close.index)
    opens, highs, lows, closes = (getattr(data, n).reindex(columns=data.close.columns)
                                  .to_numpy(dtype=float) for n in ("open", "high", "low",
                                                                   "close"))
    columns = {str(c): j for j, c in enumerate(data.close.columns)}
    book.bind(columns, opens, highs, lows, closes, index, (run.datetimes, run.plan_as_of))
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
        pending = decide(run, row, equity) if row < len(index) - 1 else []
    last_row = first + len(equity_values) - 1
    book.close_all(last_row, run.params.taker_fee_rate, EXIT_END)
    days = index[first:last_row + 1]
    equity_values[-1] = book.ledger.cash_usd
    thin = _thin_ranking_warning(run.thin, run.decisions, data.universe.trading_sectors())
    if thin is not None:
        warnings.append(thin)
    return StrategyBacktest(
        source=data.source, params=run.params,
        equity=pd.Series(np.asarray(equity_values), index=days, name="equity_usd"),
        gross_exposure=pd.Series(np.asarray(exposure_values), index=days, name="gross"),
        trades=tuple(book.closed), refusals_by_rule=dict(sorted(run.refusals.items())),
        decisions=run.decisions, decision_log=tuple(run.log), fees_usd=book.ledger.fees_usd,
        funding_usd=book.ledger.funding_usd,
        traded_notional_usd=book.ledger.traded_notional_usd, ruined_on=ruined,
        warnings=tuple(warnings), conventions=conventions(not book.funding.empty),
    )

