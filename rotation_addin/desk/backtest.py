"""The whole-strategy backtest as one use case: the summary every surface shows.

``rotation backtest --strategy`` (table, JSON, ``--report`` HTML, ``--workbook`` sheet), the
app's Backtest tab and the workbook's Backtest sheet all show the
:class:`~rotation_addin.core.strategy_report.StrategySummary` this returns: one home for the
numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from rotation_addin.core.bt_features import CLOSE_ONLY_WARNING, has_volume, with_equal_volume
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.core.strategy_backtest import run_strategy
from rotation_addin.core.strategy_report import StrategySummary, summarise


@dataclass(frozen=True)
class BacktestRun:
    """A backtest's summary and the caveats about its data.

    Attributes
    ----------
    summary : StrategySummary
        Metrics, benchmarks, curves and trades.
    dataset : MarketDataset
        The data traded (equal volumes added for close-only data).
    data_warnings : tuple[str, ...]
        Caveats about the data beyond the result's own (close-only prices...).
    """

    summary: StrategySummary
    dataset: MarketDataset
    data_warnings: tuple[str, ...]


def strategy_backtest(dataset: MarketDataset, params: PlanParameters, *,
                      funding: pd.DataFrame | None = None, warmup_days: int = 60,
                      start: object = None, end: object = None) -> BacktestRun:
    """Trade the daily plan over ``dataset`` and summarise it beside its benchmarks.

    Close-only data (no volume) gets equal volumes so the plan can pick members, with
    :data:`~rotation_addin.core.bt_features.CLOSE_ONLY_WARNING` among the caveats.

    Raises
    ------
    InputError
        From :func:`~rotation_addin.core.strategy_backtest.run_strategy` (field
        ``warmup_days``, ``start``, ``end``, ``funding``...).
    """
    extra: list[str] = []
    if not has_volume(dataset):
        dataset = with_equal_volume(dataset)
        extra.append(CLOSE_ONLY_WARNING)
    result = run_strategy(dataset, params, funding=funding, warmup_days=warmup_days,
                          start=start, end=end)
    return BacktestRun(summarise(result, dataset), dataset, tuple(extra))
