"""Parameter sweep of the whole-strategy backtest, walk-forward optimisation and the DSR.

Each setting of the grid is one full :func:`~rotation_addin.core.strategy_backtest.run_strategy`
(the live plan code, with every cost): nothing is simplified for speed. What is shared: the
features (``core.bt_features``) are built once per momentum-window pair, before the worker
processes fork, and reused by every setting that has it; what a day's plan looks up that
does not depend on the setting (market snapshots per ATR window, rankings per weights and
theta, member figures) is memoised on those tables, so the settings after the first in a
process pay only for the plan's own decisions; settings run in parallel processes
(``workers``: this one and forked ones, from the features on).

Walk-forward optimisation (anchored): the days of the run are split into ``folds`` equal
consecutive segments; for each fold ``k >= 1`` the setting with the best Sharpe on
segments ``0..k-1`` (in sample) is chosen and its returns on segment ``k`` (out of sample)
are kept. The out-of-sample figure is the Sharpe of those kept returns, one continuous
run per setting (positions carry across segment borders). The data-snooping guard is the
deflated Sharpe ratio (``core.deflated_sharpe``) of the best full-period setting among all
settings tried.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import math
import multiprocessing
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from rotation_addin.core import validation as v
from rotation_addin.core.bt_features import FeatureTable, MomentumWindows, build_features
from rotation_addin.core.constants import DEFAULT_WARMUP_DAYS
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.deflated_sharpe import DeflatedSharpe, deflated_sharpe
from rotation_addin.core.errors import InputError
from rotation_addin.core.performance import daily_returns, sharpe_ratio
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.core.strategy_backtest import run_strategy, trading_days
from rotation_addin.core.sweep_grid import (
    DEFAULT_GRID,
    GRID_PARAMETERS,
    MAX_SETTINGS,
    PLAN_NAMES,
    SWEEP_NAMES,
    WEIGHT_NAMES,
    WHOLE_NAMES,
    check_names,
    grid_from_text,
)

__all__ = ["DEFAULT_GRID", "MIN_FOLD_DAYS", "SWEEP_NAMES", "Setting", "SweepResult", "expand_grid",
           "grid_from_text", "run_sweep", "shared_features", "walk_forward_choice"]

MIN_FOLD_DAYS = 30
"""Fewest days a walk-forward fold should hold for its Sharpe to be read (a sweep over
fewer than ``folds x MIN_FOLD_DAYS`` days is warned about)."""


@dataclass(frozen=True)
class Setting:
    """One point of the grid: the momentum windows and the plan parameters."""

    values: tuple[tuple[str, float], ...]
    windows: MomentumWindows
    params: PlanParameters

    @property
    def label(self) -> str:
        """``name=value`` pairs, comma separated."""
        return ", ".join(f"{k}={x:g}" for k, x in self.values)


def _setting(values: Mapping[str, float], base: PlanParameters) -> Setting:
    whole = {k: GRID_PARAMETERS[k].check_int(values[k]) for k in WHOLE_NAMES if k in values}
    windows = MomentumWindows(
        short_days=whole.get("short_days", MomentumWindows().short_days),
        long_days=whole.get("long_days", MomentumWindows().long_days))
    try:
        weights = replace(base.weights, **{WEIGHT_NAMES[k]: float(x) for k, x in values.items()
                                           if k in WEIGHT_NAMES})
    except InputError as error:  # named as the grid names it (w_momentum_7d), not weights.*
        typed = {f"weights.{w}": k for k, w in WEIGHT_NAMES.items()}
        raise InputError(typed.get(error.field, error.field), error.reason) from None
    plan: dict[str, object] = {k: whole.get(k, values[k]) for k in PLAN_NAMES if k in values}
    params = replace(base, weights=weights, **plan)  # type: ignore[arg-type]
    return Setting(tuple((k, float(x)) for k, x in values.items()), windows, params)


def expand_grid(grid: Mapping[str, Sequence[float]],
                base: PlanParameters | None = None) -> tuple[Setting, ...]:
    """Every combination of the grid's values, each validated as plan parameters.

    Raises
    ------
    InputError
        Empty grid, unknown parameter, an empty value list, too many settings, or a value
        outside its range (the error names the parameter).
    """
    p = base if base is not None else PlanParameters()
    if not isinstance(grid, Mapping) or not grid:
        raise InputError("grid", "is empty: give at least one parameter with one or more "
                                 f"values (parameters: {', '.join(SWEEP_NAMES)})")
    check_names(grid)
    names = list(grid)
    lists = []
    for name in names:
        values = list(grid[name])
        if not values:
            raise InputError(name, "has no value in the grid")
        lists.append([v.finite_number(name, x) for x in values])
    total = math.prod(len(x) for x in lists)
    if total > MAX_SETTINGS:
        raise InputError("grid", f"has {total} settings, more than {MAX_SETTINGS}")
    return tuple(_setting(dict(zip(names, combo, strict=True)), p)
                 for combo in itertools.product(*lists))


# ----------------------------------------------------------------------------- execution
_STATE: dict[str, object] = {}


def _init(dataset: MarketDataset, funding: pd.DataFrame | None, warmup: int,
          features: dict[tuple[MomentumWindows, bool], FeatureTable],
          period: tuple[object, object] = (None, None)) -> None:
    _STATE.clear()
    _STATE.update(dataset=dataset, funding=funding, warmup=warmup, features=features,
                  period=period)


def shared_features(dataset: MarketDataset,
                    settings: Sequence[Setting]) -> dict[tuple[MomentumWindows, bool],
                                                         FeatureTable]:
    """One feature table per distinct (momentum windows, risk-off rotation) of ``settings``,
    built once (before the worker processes fork, so they inherit them), all sharing one
    memo of market snapshots (those do not depend on the windows)."""
    tables: dict[tuple[MomentumWindows, bool], FeatureTable] = {}
    snapshots: dict[object, object] = {}
    for setting in settings:
        key = (setting.windows, setting.params.rotation_in_risk_off)
        if key not in tables:
            table = build_features(dataset, windows=key[0], rotation_in_risk_off=key[1])
            tables[key] = replace(table, snapshot_memo=snapshots)
    return tables


def _features(windows: MomentumWindows, risk_off: bool) -> FeatureTable:
    cache = _STATE["features"]
    assert isinstance(cache, dict)
    table = cache[(windows, risk_off)]
    assert isinstance(table, FeatureTable)
    return table


def _run_one(setting: Setting) -> np.ndarray:
    dataset = _STATE["dataset"]
    assert isinstance(dataset, MarketDataset)
    funding = _STATE["funding"]
    period = _STATE["period"]
    assert isinstance(period, tuple)
    start, end = period
    result = run_strategy(dataset, setting.params,
                          funding=funding if isinstance(funding, pd.DataFrame) else None,
                          warmup_days=int(str(_STATE["warmup"])), start=start, end=end,
                          features=_features(setting.windows,
                                             setting.params.rotation_in_risk_off))
    values: np.ndarray = result.equity.to_numpy(dtype=float)
    return values


@dataclass(frozen=True)
class SweepResult:
    """Every setting's equity curve and the selection figures.

    Attributes
    ----------
    settings : tuple[Setting, ...]
    equity : np.ndarray
        Shape (settings, days): equity at each close (a ruined run stays at its last value).
    days : pd.DatetimeIndex
    sharpe : np.ndarray
        Annualised Sharpe of each setting over the whole period.
    best : int
        Index of the best full-period Sharpe (in sample: it saw all the data).
    deflated : DeflatedSharpe
        DSR of ``best`` among all settings.
    oos_sharpe : float
        Annualised Sharpe of the walk-forward out-of-sample returns.
    oos_choices : tuple[int, ...]
        Setting chosen for each out-of-sample fold.
    folds : int
    """

    settings: tuple[Setting, ...]
    equity: np.ndarray
    days: pd.DatetimeIndex
    sharpe: np.ndarray
    best: int
    deflated: DeflatedSharpe
    oos_sharpe: float
    oos_choices: tuple[int, ...]
    folds: int


def _stack(curves: Sequence[np.ndarray]) -> np.ndarray:
    length = max(len(c) for c in curves)
    out = np.empty((len(curves), length))
    for k, curve in enumerate(curves):
        out[k, : len(curve)] = curve
        out[k, len(curve):] = curve[-1]
    return out


def walk_forward_choice(returns: np.ndarray, folds: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """Anchored walk-forward (module docstring) on ``returns`` (settings x days).

    Returns the out-of-sample returns (concatenated folds 1..folds-1) and the choices.
    """
    n_days = returns.shape[1]
    edges = np.linspace(0, n_days, folds + 1).astype(int)
    kept: list[np.ndarray] = []
    choices: list[int] = []
    for k in range(1, folds):
        in_sample = returns[:, : edges[k]]
        scores = np.array([sharpe_ratio(row) for row in in_sample])
        scores = np.where(np.isfinite(scores), scores, -np.inf)
        choice = int(np.argmax(scores))
        choices.append(choice)
        kept.append(returns[choice, edges[k]: edges[k + 1]])
    return np.concatenate(kept) if kept else np.empty(0), tuple(choices)


def check_top_n(dataset: MarketDataset, grid: Mapping[str, Sequence[float]],
                settings: Sequence[Setting]) -> None:
    """Refuse a grid whose ``top_n_long`` exceeds the dataset's trading sectors (it would
    run as "every sector" under another name): :func:`run_sweep` asks it before any setting
    runs, and every surface with the data loaded asks it as the grid is typed.

    Parameters
    ----------
    dataset : MarketDataset
        The data the sweep would run on (its universe's trading sectors).
    grid : Mapping[str, Sequence[float]]
        The grid; without ``top_n_long`` nothing is checked.
    settings : Sequence[Setting]
        ``expand_grid(grid, base)``.

    Raises
    ------
    InputError
        Field ``top_n_long``: the number of trading sectors and the largest value.
    """
    if "top_n_long" not in grid or not settings:
        return
    sectors = len(dataset.universe.trading_sectors())
    most = max(setting.params.top_n_long for setting in settings)
    if most > sectors:
        raise InputError("top_n_long", f"must be at most {sectors}, the number of trading "
                                       f"sectors in the universe (got {most})")


@contextlib.contextmanager
def _frozen_heap() -> Iterator[None]:
    """The objects that exist now (the dataset, the feature tables, pandas' own) are left
    out of the cycle collector's passes while the settings run (``gc.freeze``; forked
    processes inherit that): a full pass would otherwise walk them all again, ~40 ms each.
    Nothing is frozen when the caller had frozen objects already (unfreezing would free
    theirs too)."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run_forked(settings: Sequence[Setting], n_workers: int,
                report: Callable[[int, int, str], None]) -> list[np.ndarray]:
    """Every setting's curve on this process and ``n_workers - 1`` forked ones.

    The forked processes inherit what ``_init`` set (the dataset and the feature tables)
    and take the settings from the back; this process takes them from the
    front, each one no forked process has started yet (its future is cancelled and the
    setting run here), so no process waits while a setting is left. Each process fills
    its own memos. ``report`` is called in the order of the settings, as each prefix is
    done.
    """
    total = len(settings)
    curves: list[np.ndarray | None] = [None] * total
    reported = 0

    def harvest(futures: Mapping[int, Future[np.ndarray]]) -> None:
        nonlocal reported
        for k, future in futures.items():
            if curves[k] is None and future.done() and not future.cancelled():
                curves[k] = future.result()
        while reported < total and curves[reported] is not None:
            reported += 1
            report(reported, total, settings[reported - 1].label)

    context = multiprocessing.get_context("fork")
    with _frozen_heap(), ProcessPoolExecutor(n_workers - 1, mp_context=context) as pool:
        try:
            futures = {k: pool.submit(_run_one, settings[k]) for k in reversed(range(total))}
            for k in range(total):
                if not futures[k].cancel():
                    break  # a forked process has it and every later one
                curves[k] = _run_one(settings[k])
                harvest(futures)
            for k in range(reported, total):
                if curves[k] is None:
                    curves[k] = futures[k].result()
                harvest(futures)
        except BaseException:  # Ctrl-C or progress stopping it: drop the queued settings
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return [c for c in curves if c is not None]


def run_sweep(dataset: MarketDataset, grid: Mapping[str, Sequence[float]], *,
              base: PlanParameters | None = None, funding: pd.DataFrame | None = None,
              warmup_days: int = DEFAULT_WARMUP_DAYS, folds: int = 4, workers: int = 1,
              start: object = None, end: object = None,
              progress: Callable[[int, int, str], None] | None = None) -> SweepResult:
    """Run every setting of ``grid`` (``expand_grid``) and select as the module says.

    ``start`` / ``end`` bound every setting's run as they bound ``run_strategy``'s (first
    decision day, last day of data); a period with no day to trade, or a ``top_n_long``
    above the universe's trading sectors (field ``top_n_long``), is refused before any
    setting runs. ``progress(done, total, label)`` is called as each setting finishes.

    ``workers`` > 1 runs the settings on that many processes, this one and ``workers - 1``
    forked as soon as the feature tables exist (:func:`_run_forked`); where fork does not
    exist, e.g. Windows, the settings run one after the other.
    """
    settings = expand_grid(grid, base)
    check_top_n(dataset, grid, settings)
    k = v.positive_int("folds", folds, minimum=2)
    n_workers = v.positive_int("workers", workers, minimum=1)
    calendar = trading_days(dataset, warmup_days, start, end)
    tables = shared_features(dataset, settings)
    _init(dataset, funding, warmup_days, tables, (start, end))
    report = progress or (lambda done, total, label: None)
    fork = "fork" in multiprocessing.get_all_start_methods()
    if n_workers == 1 or len(settings) < 3 or not fork:
        curves = []
        with _frozen_heap():
            for setting in settings:
                curves.append(_run_one(setting))
                report(len(curves), len(settings), setting.label)
    else:
        curves = _run_forked(settings, min(n_workers, len(settings)), report)
    equity = _stack(curves)
    returns = np.array([daily_returns(pd.Series(row)) for row in equity])
    sharpe = np.array([sharpe_ratio(r) for r in returns])
    ranked = np.where(np.isfinite(sharpe), sharpe, -np.inf)
    best = int(np.argmax(ranked))
    per_period = sharpe / math.sqrt(365)
    oos, choices = walk_forward_choice(returns, k)
    days = calendar[: equity.shape[1]]
    return SweepResult(settings, equity, days, sharpe, best,
                       deflated_sharpe(returns[best], per_period.tolist()),
                       sharpe_ratio(oos), choices, k)
