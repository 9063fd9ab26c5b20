"""Summary of a whole-strategy backtest beside its benchmarks (what every surface shows).

Benchmarks, on the same days as the strategy's equity curve and on its basis
(``core.performance.BENCHMARK_BASIS``): each starts at the initial equity at the strategy's
first close (when the strategy holds only cash) and enters at the next open, as the
strategy's first orders fill:

* BTC buy-and-hold: bought at the second day's open with the strategy's slippage and
  taker fee, held, sold at the last close with the fee (as the strategy's positions left
  at the end);
* equal-weight universe: every trading-sector member with a price, entered at the second
  day's open, rebalanced daily at the close, no costs (``core.performance.equal_weight``);
* random-sector rotation: ``RANDOM_SEEDS`` seeds, each holding a random sector's
  equal-weight index long at 1x, redrawn every ``RANDOM_EVERY_DAYS`` days at a close and
  switched at the next open, taker fee on each switch; shown as the distribution of total
  returns and the share of seeds the strategy beat.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import InputError
from rotation_addin.core.performance import (
    BENCHMARK_BASIS,
    Metrics,
    TradeStats,
    buy_and_hold,
    drawdown,
    equal_weight,
    metrics,
    random_sector_rotation,
    trade_stats,
)
from rotation_addin.core.returns import log_returns, sector_index_returns
from rotation_addin.core.strategy_backtest import StrategyBacktest

RANDOM_SEEDS = 200
RANDOM_EVERY_DAYS = 7


@dataclass(frozen=True)
class RandomRotation:
    """Distribution of the random-sector rotation's total return over seeds.

    ``total_returns`` holds every seed's total return (fraction, seed order): the
    distribution the percentiles summarise and the report draws.
    """

    seeds: int
    every_days: int
    percentiles: dict[int, float]
    share_beaten: float
    total_returns: tuple[float, ...] = ()


@dataclass(frozen=True)
class StrategySummary:
    """Everything the CLI, the HTML report, the workbook and the app show.

    ``exposure`` is the mean gross notional / equity; ``turnover_per_year`` the traded
    notional / mean equity x 365 / days.
    """

    result: StrategyBacktest
    strategy: Metrics
    btc: Metrics
    equal_weight: Metrics
    random: RandomRotation
    trades: TradeStats
    exposure: float
    turnover_per_year: float
    drawdown: pd.Series
    btc_equity: pd.Series
    equal_weight_equity: pd.Series
    monthly_returns: pd.DataFrame
    conventions: tuple[str, ...]


def monthly_returns(equity: pd.Series) -> pd.DataFrame:
    """Return of each calendar month (rows years, columns 1..12), from month-end equity."""
    days = pd.DatetimeIndex(equity.index)
    series = pd.Series(np.asarray(equity, dtype=float), index=days)
    ends = series.groupby([days.year, days.month]).last()
    starts = ends.shift(1)
    starts.iloc[0] = series.iloc[0]
    change = ends / starts - 1.0
    table = change.unstack()
    table.index.name, table.columns.name = "year", "month"
    return table.reindex(columns=range(1, 13))


def _random(dataset: MarketDataset, days: pd.DatetimeIndex, fee: float,
            strategy_total: float) -> RandomRotation:
    close = dataset.close
    opens = dataset.open.reindex(index=close.index, columns=close.columns)
    with np.errstate(invalid="ignore", divide="ignore"):
        inside_log = pd.DataFrame(np.log(close.to_numpy(dtype=float)
                                         / opens.to_numpy(dtype=float)),
                                  index=close.index, columns=close.columns)
    frames = []
    for logs in (log_returns(close), inside_log):
        index = sector_index_returns(logs, dataset.universe)
        trading = [s for s in dataset.universe.trading_sectors() if s in index.columns]
        frames.append(pd.DataFrame(np.expm1(index[trading].to_numpy(dtype=float)),
                                   index=index.index, columns=trading).reindex(days).iloc[1:])
    finals = random_sector_rotation(frames[0], 1.0, every_days=RANDOM_EVERY_DAYS, fee_rate=fee,
                                    seeds=RANDOM_SEEDS, intraday=frames[1]) - 1.0
    return RandomRotation(RANDOM_SEEDS, RANDOM_EVERY_DAYS,
                          {q: float(np.percentile(finals, q)) for q in (5, 25, 50, 75, 95)},
                          float(np.mean(finals < strategy_total)),
                          tuple(float(x) for x in finals))


def _spans(days: pd.DatetimeIndex, missing: np.ndarray, shown: int = 3) -> str:
    """The runs of consecutive missing rows of ``days`` as ``first to last`` (or one day)."""
    runs: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for row in (int(r) for r in np.flatnonzero(missing)):
        if row > 0 and missing[row - 1]:
            runs[-1] = (runs[-1][0], days[row])
        else:
            runs.append((days[row], days[row]))
    texts = [f"{a:%Y-%m-%d}" if a == b else f"{a:%Y-%m-%d} to {b:%Y-%m-%d}" for a, b in runs]
    more = f" and {len(texts) - shown} more spans" if len(texts) > shown else ""
    return ", ".join(texts[:shown]) + more


def check_benchmark_prices(dataset: MarketDataset, days: pd.DatetimeIndex) -> None:
    """Refuse a period on which the benchmark's buy-and-hold cannot be marked.

    :func:`~rotation_addin.core.performance.buy_and_hold` buys at the second day's open and
    marks every close after the first, so each of those prices must exist (data whose files
    cover different spans can leave the benchmark without prices on the days traded).

    Raises
    ------
    InputError
        Field ``benchmark``: the base, how many of the days traded have no price, which
        dates, and where its prices start and end.
    """
    bench = dataset.universe.benchmark
    close = (dataset.close[bench] if bench in dataset.close.columns
             else pd.Series(np.nan, index=dataset.close.index))
    opens = dataset.open[bench] if bench in dataset.open.columns else close * np.nan
    missing = ~np.isfinite(close.reindex(days).to_numpy(dtype=float))
    if len(days) > 1 and not math.isfinite(float(opens.reindex(days).iloc[1])):
        missing[1] = True
    if not missing[1:].any():  # the first close is cash: the benchmark starts there
        return
    priced = close.index[np.isfinite(close.to_numpy(dtype=float))]
    covers = (f"its prices start {priced[0]:%Y-%m-%d} and end {priced[-1]:%Y-%m-%d}"
              if len(priced) else "it has no price at all")
    raise InputError("benchmark", f"{bench} has no price on {int(missing.sum())} of the "
                                  f"{len(days)} days traded ({_spans(days, missing)}); "
                                  f"{covers}")


def summarise(result: StrategyBacktest, dataset: MarketDataset,
              slippage_rate: float | None = None) -> StrategySummary:
    """Metrics of ``result`` and of the benchmarks on the same days (module docstring).

    Raises
    ------
    InputError
        The benchmark lacks prices on days traded (:func:`check_benchmark_prices`).
    """
    equity = result.equity
    days = pd.DatetimeIndex(equity.index)
    initial = result.params.equity_usd
    fee = result.params.taker_fee_rate
    slip = result.params.stop_slippage_rate if slippage_rate is None else slippage_rate
    bench = dataset.universe.benchmark
    check_benchmark_prices(dataset, days)
    btc = buy_and_hold(dataset.open[bench].reindex(days), dataset.close[bench].reindex(days),
                       initial, fee, slip)
    members = [b for s in dataset.universe.trading_sectors()
               for b in dataset.universe.sectors[s] if b in dataset.close.columns]
    ew = equal_weight(dataset.close[members].reindex(days), initial,
                      dataset.open.reindex(columns=members).reindex(days))
    strat = metrics(equity)
    span = max(1, strat.days)
    mean_equity = float(equity.mean())
    return StrategySummary(
        result=result, strategy=strat, btc=metrics(btc), equal_weight=metrics(ew),
        random=_random(dataset, days, fee, strat.total_return),
        trades=trade_stats([t.pnl_usd for t in result.trades],
                           [t.r_multiple for t in result.trades],
                           [t.exit_reason for t in result.trades]),
        exposure=float(np.nanmean(result.gross_exposure.to_numpy(dtype=float))),
        turnover_per_year=(result.traded_notional_usd / mean_equity * 365 / span
                           if mean_equity > 0 else math.nan),
        drawdown=drawdown(equity), btc_equity=btc, equal_weight_equity=ew,
        monthly_returns=monthly_returns(equity),
        conventions=(*result.conventions, BENCHMARK_BASIS),
    )
