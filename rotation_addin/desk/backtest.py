"""The whole-strategy backtest as one use case: the summary every surface shows.

``rotation backtest --strategy`` (table, JSON, ``--report`` HTML, ``--workbook`` sheet), the
app's Backtest tab and the workbook's Backtest sheet all show the
:class:`~rotation_addin.core.strategy_report.StrategySummary` this returns: one home for the
numbers. The parameter sweep (``--sweep`` / ``--grid``: the table, JSON and the report) is
:func:`strategy_sweep` over the same days, and :func:`sweep_lines` says what it found.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from rotation_addin.core.bt_features import CLOSE_ONLY_WARNING, has_volume, with_equal_volume
from rotation_addin.core.constants import DEFAULT_WARMUP_DAYS, SWEEP_WORKERS_DEFAULT_MAX
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.formats import format_count
from rotation_addin.core.performance import DAYS_PER_YEAR, drawdown
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.core.strategy_backtest import run_strategy
from rotation_addin.core.strategy_report import StrategySummary, summarise
from rotation_addin.core.sweep import (
    DEFAULT_GRID,
    MIN_FOLD_DAYS,
    SweepResult,
    check_top_n,
    expand_grid,
    run_sweep,
)
from rotation_addin.core.sweep_grid import grid_from_line, grid_from_text
from rotation_addin.data.funding import cached_funding, demo_funding


def sweep_workers() -> int:
    """Processes a sweep runs its settings on by default: the cores this process may use
    (``os.sched_getaffinity`` where the OS has it, else ``os.cpu_count()``), from 1 to
    :data:`~rotation_addin.core.constants.SWEEP_WORKERS_DEFAULT_MAX`."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        usable = os.cpu_count() or 1
    return max(1, min(usable, SWEEP_WORKERS_DEFAULT_MAX))


def backtest_funding(dataset: MarketDataset, exchange_id: str, *, from_cache: bool,
                     cache_file: Path | str | None = None) -> pd.DataFrame | None:
    """The funding history a backtest of ``dataset`` pays: the demo market's own for the
    demo (also a cached demo refresh), what ``rotation refresh`` stored for ``exchange_id``
    when the data came from the cache, else None (CSV imports carry no funding; the
    backtest then warns that funding is not charged)."""
    if dataset.is_demo:
        return demo_funding(dataset)
    if not from_cache:
        return None
    return cached_funding(dataset, exchange_id, cache_file=cache_file)


@dataclass(frozen=True)
class BacktestRun:
    """A backtest's summary and the caveats about its data.

    Attributes
    ----------
    summary : StrategySummary
        Metrics, benchmarks, curves and trades; ``summary.result.warnings`` is the one list
        of warnings every surface shows (the run's, :attr:`data_warnings`, then the
        loader's).
    dataset : MarketDataset
        The data traded (equal volumes added for close-only data).
    data_warnings : tuple[str, ...]
        Caveats about the data beyond the run's own (close-only prices...), also in the
        summary's warnings.
    """

    summary: StrategySummary
    dataset: MarketDataset
    data_warnings: tuple[str, ...]

    @property
    def warnings(self) -> tuple[str, ...]:
        """Every warning of the run, in the order every surface lists them."""
        return self.summary.result.warnings


def strategy_backtest(dataset: MarketDataset, params: PlanParameters, *,
                      funding: pd.DataFrame | None = None, warmup_days: int = DEFAULT_WARMUP_DAYS,
                      start: object = None, end: object = None,
                      load_warnings: Sequence[str] = ()) -> BacktestRun:
    """Trade the daily plan over ``dataset`` and summarise it beside its benchmarks.

    Close-only data (no volume) gets equal volumes so the plan can pick members, with
    :data:`~rotation_addin.core.bt_features.CLOSE_ONLY_WARNING` among the caveats. The
    summary's result carries every warning (the run's, the data's, then ``load_warnings``,
    what loading the data said), so the table, the JSON, the report, the workbook and the
    app list the same ones.

    Raises
    ------
    InputError
        From :func:`~rotation_addin.core.strategy_backtest.run_strategy` (field
        ``warmup_days``, ``start``, ``end``, ``funding``...).
    """
    dataset, extra = _tradeable(dataset)
    result = run_strategy(dataset, params, funding=funding, warmup_days=warmup_days,
                          start=start, end=end)
    every = tuple(dict.fromkeys((*result.warnings, *extra, *load_warnings)))
    return BacktestRun(summarise(replace(result, warnings=every), dataset), dataset, extra)


def _tradeable(dataset: MarketDataset) -> tuple[MarketDataset, tuple[str, ...]]:
    """Close-only data with equal volumes (and the caveat that says so), else as it is."""
    if has_volume(dataset):
        return dataset, ()
    return with_equal_volume(dataset), (CLOSE_ONLY_WARNING,)


@dataclass(frozen=True)
class SweepRow:
    """One setting of a sweep as a table shows it (figures over the whole period).

    Attributes
    ----------
    label : str
        ``name=value`` pairs.
    total_return : float
        Final equity / initial - 1 (fraction).
    sharpe : float
        Annualised Sharpe (365 days), NaN without spread.
    max_drawdown : float
        Deepest fall from a running peak (fraction, <= 0).
    """

    label: str
    total_return: float
    sharpe: float
    max_drawdown: float


@dataclass(frozen=True)
class SharpeBar:
    """One bar of a sweep's Sharpe chart (the app's and the HTML report's).

    Attributes
    ----------
    row : int
        Index of the setting in :attr:`SweepSummary.rows`.
    label : str
        The setting's ``name=value`` pairs.
    height : float
        Its annualised Sharpe; 0 when it has none (NaN: no spread), so the bar is flat.
    best : bool
        The setting is the sweep's best (drawn in the strategy's colour).
    """

    row: int
    label: str
    height: float
    best: bool


@dataclass(frozen=True)
class SweepSummary:
    """A sweep's result and one row per setting, in grid order (``result.best`` indexes
    the rows too), and what makes its figures weak (:func:`sweep_warnings`)."""

    result: SweepResult
    rows: tuple[SweepRow, ...]
    names: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    @property
    def unskilled_best_sharpe(self) -> float:
        """The Sharpe the best of this many unskilled trials reaches by luck, annualised
        (365 days): the deflated Sharpe ratio's benchmark ``SR0`` x sqrt(365)."""
        return self.result.deflated.expected_max_sharpe * math.sqrt(DAYS_PER_YEAR)

    def by_sharpe(self) -> list[int]:
        """Indices of :attr:`rows`, highest Sharpe first; settings without one (NaN: no
        spread) last, in grid order (the order every table and chart of a sweep shows)."""
        return sorted(range(len(self.rows)), key=lambda k: (
            not math.isfinite(self.rows[k].sharpe),
            -self.rows[k].sharpe if math.isfinite(self.rows[k].sharpe) else 0.0))

    def sharpe_bars(self) -> tuple[SharpeBar, ...]:
        """The Sharpe chart's bars, in :meth:`by_sharpe` order: each setting's Sharpe as
        its height (0 for a setting without one), the best marked (one computation for
        the app's Backtest tab and the report's *Parameter sweep*)."""
        return tuple(SharpeBar(k, self.rows[k].label,
                               s if math.isfinite(s := self.rows[k].sharpe) else 0.0,
                               k == self.result.best)
                     for k in self.by_sharpe())


def sweep_grid(items: Sequence[str], params: PlanParameters,
               dataset: MarketDataset | None = None) -> dict[str, tuple[float, ...]]:
    """The grid written as ``NAME=V1,V2,...`` items, every setting of it checked as plan
    parameters around ``params`` and, with ``dataset``, against that data
    (:func:`~rotation_addin.core.sweep.check_top_n`), so a bad value is refused before
    anything runs.

    Raises
    ------
    InputError
        Field ``grid`` (the text, an unknown name, too many settings) or the parameter's
        name (a value outside its range, a ``top_n_long`` above the trading sectors).
    """
    return _checked(grid_from_text(items), params, dataset)


def sweep_grid_line(text: str, params: PlanParameters, dataset: MarketDataset | None = None,
                    ) -> dict[str, tuple[float, ...]] | None:
    """:func:`sweep_grid` of one line of items separated by ``;`` (the app's field); None
    when the line is blank (the default grid)."""
    grid = grid_from_line(text)
    return None if grid is None else _checked(grid, params, dataset)


def _checked(grid: dict[str, tuple[float, ...]], params: PlanParameters,
             dataset: MarketDataset | None) -> dict[str, tuple[float, ...]]:
    settings = expand_grid(grid, params)
    if dataset is not None:
        check_top_n(dataset, grid, settings)
    return grid


def strategy_sweep(dataset: MarketDataset, params: PlanParameters, *,
                   grid: Mapping[str, Sequence[float]] | None = None,
                   funding: pd.DataFrame | None = None, warmup_days: int = DEFAULT_WARMUP_DAYS,
                   start: object = None, end: object = None, workers: int | None = None,
                   progress: Callable[[int, int, str], None] | None = None) -> SweepSummary:
    """Sweep ``grid`` (default :data:`~rotation_addin.core.sweep.DEFAULT_GRID`) around
    ``params`` over the same days as :func:`strategy_backtest` with the same arguments
    (close-only data gets the same equal volumes), on ``workers`` processes (default
    :func:`sweep_workers`; forked: the app, whose threads make a fork unsafe, passes 1);
    ``progress(done, total, label)`` as each setting finishes (an exception it raises stops
    the sweep).

    Raises
    ------
    InputError
        From :func:`~rotation_addin.core.sweep.run_sweep`: the grid (field ``grid`` or the
        parameter's name) or the period (``start``, ``end``, ``warmup_days``).
    """
    chosen = DEFAULT_GRID if grid is None else grid
    data, _ = _tradeable(dataset)
    result = run_sweep(data, chosen, base=params, funding=funding, warmup_days=warmup_days,
                       workers=sweep_workers() if workers is None else workers, start=start,
                       end=end, progress=progress)
    rows = tuple(SweepRow(setting.label, float(curve[-1] / curve[0] - 1.0), float(sharpe),
                          float(np.min(drawdown(pd.Series(curve)).to_numpy())))
                 for setting, curve, sharpe in zip(result.settings, result.equity,
                                                   result.sharpe, strict=True))
    return SweepSummary(result, rows, tuple(chosen), sweep_warnings(data, chosen, result))


def sweep_warnings(dataset: MarketDataset, grid: Mapping[str, Sequence[float]],
                   result: SweepResult) -> tuple[str, ...]:
    """What makes a sweep's figures weak: a period too short for its walk-forward folds
    (fewer than ``folds x MIN_FOLD_DAYS`` days), and a momentum window longer than the
    prices before the first decision (those settings have no sector score until then:
    ``core.scores.rank_sectors`` needs both momenta)."""
    out: list[str] = []
    days = len(result.days)
    if days < result.folds * MIN_FOLD_DAYS:
        out.append(f"the sweep's period has {format_count(days, 'daily close')}, fewer than "
                   f"{result.folds * MIN_FOLD_DAYS} ({result.folds} walk-forward folds of "
                   f"{MIN_FOLD_DAYS} days): its walk-forward and deflated Sharpe ratio rest "
                   "on too few days to be read")
    before = int(pd.DatetimeIndex(dataset.close.index).searchsorted(result.days[0]))
    longest = int(max(grid.get("long_days", (0,))))  # short_days < long_days: the longer
    if longest > before:
        missing = min(longest - before, days - 1)  # the last close decides nothing
        out.append(f"long_days={longest} in the grid is longer than the {before} days of "
                   f"prices before the first decision: those settings have no {longest}-day "
                   f"momentum, so no sector score, on their first "
                   f"{format_count(missing, 'decision day')} (a warmup of {longest} days "
                   "gives them the whole window)")
    return tuple(out)


def sweep_lines(sweep: SweepSummary) -> list[str]:
    """What the sweep found: the best setting, its deflated Sharpe ratio, the walk-forward
    (the first fold only chooses; each later one is scored with the setting chosen on the
    folds before it)."""
    result = sweep.result
    best = result.settings[result.best]
    d = result.deflated
    n = len(result.settings)
    chosen = "; ".join(result.settings[k].label for k in result.oos_choices)
    trials = format_count(d.trials, "trial")
    scored = len(result.oos_choices)  # folds - 1
    return [
        f"sweep: {format_count(n, 'setting')} of {', '.join(sweep.names)}; best Sharpe "
        f"{result.sharpe[result.best]:.2f} with {best.label} (in sample: it saw every day)",
        f"deflated Sharpe ratio of that best setting: {d.probability:.2f} (probability that "
        f"its true Sharpe is above 0 after {trials}; expected best of "
        f"{format_count(d.trials, 'unskilled trial')} "
        f"{sweep.unskilled_best_sharpe:.2f} annualised)",
        f"walk-forward ({result.folds} folds: the first only chooses; "
        + ("the other is" if scored == 1 else f"each of the other {scored} is")
        + " scored out of sample with the setting chosen on the folds before it): "
        f"out-of-sample Sharpe {result.oos_sharpe:.2f}; chosen for "
        + ("fold 2" if scored == 1 else f"folds 2 to {result.folds}") + f": {chosen}",
    ]
