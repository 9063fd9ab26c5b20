"""Performance of an equity curve and of its trades, and the benchmarks it is compared with.

Daily simple returns ``r_t = E_t / E_{t-1} - 1``; crypto trades every day, so annualising
uses 365 days:

* CAGR ``(E_end / E_0) ^ (365 / days) - 1`` with ``days`` the calendar days elapsed;
* volatility ``std(r, ddof=1) x sqrt(365)``;
* Sharpe ``mean(r) / std(r, ddof=1) x sqrt(365)`` (risk-free rate 0);
* Sortino ``mean(r) / sqrt(mean(min(r, 0)^2)) x sqrt(365)``;
* max drawdown ``min(E_t / max_{s<=t} E_s - 1)``; its duration: the longest run of days
  spent below a previous peak; Calmar ``CAGR / |max drawdown|``;
* exposure: mean gross notional / equity; turnover: traded notional / mean equity, per year;
* win rate: share of trades with a net profit; average R: mean of ``pnl / initial risk``.

Over fewer than :data:`MIN_ANNUALISED_DAYS` calendar days the annualised figures (CAGR,
volatility, Sharpe, Sortino, Calmar) are NaN (shown as n/a): a few days raised to the
power ``365 / days`` say nothing about a year.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rotation_addin.core.errors import InputError

DAYS_PER_YEAR = 365
MIN_ANNUALISED_DAYS = 30
"""Fewest calendar days a curve must span for its annualised figures to be given."""


@dataclass(frozen=True)
class Metrics:
    """Summary figures of one equity curve (fractions: 0.12 = 12 %)."""

    start: pd.Timestamp
    end: pd.Timestamp
    days: int
    total_return: float
    cagr: float
    volatility: float
    sharpe: float
    sortino: float
    calmar: float
    max_drawdown: float
    max_drawdown_days: int


def daily_returns(equity: pd.Series) -> np.ndarray:
    """Simple returns between consecutive equity points."""
    values = np.asarray(equity, dtype=float)
    if len(values) < 2:
        return np.empty(0)
    out: np.ndarray = values[1:] / values[:-1] - 1.0
    return out


def drawdown(equity: pd.Series) -> pd.Series:
    """``E_t / running max - 1`` (<= 0)."""
    values = np.asarray(equity, dtype=float)
    peak = np.maximum.accumulate(values)
    return pd.Series(values / peak - 1.0, index=equity.index, name="drawdown")


def _longest_underwater(dd: np.ndarray) -> int:
    longest = current = 0
    for value in dd:
        current = current + 1 if value < -1e-12 else 0
        longest = max(longest, current)
    return longest


def sharpe_ratio(returns: np.ndarray, periods: int = DAYS_PER_YEAR) -> float:
    """Annualised Sharpe of per-period returns (NaN below 2 values or without spread)."""
    r = np.asarray(returns, dtype=float)
    if len(r) < 2:
        return math.nan
    sd = float(r.std(ddof=1))
    return float(r.mean() / sd * math.sqrt(periods)) if sd > 1e-15 else math.nan


def metrics(equity: pd.Series) -> Metrics:
    """Every figure of the module docstring for one equity curve (>= 2 points, > 0).

    Raises
    ------
    InputError
        Fewer than two points or a value <= 0 before the end.
    """
    values = np.asarray(equity, dtype=float)
    if len(values) < 2 or not np.isfinite(values).all():
        bad = int((~np.isfinite(values)).sum())
        raise InputError("equity", f"needs at least 2 points, all finite (got {len(values)}, "
                                   f"{bad} not finite)")
    if (values[:-1] <= 0).any() or values[0] <= 0:
        raise InputError("equity", "must stay > 0 to compute returns")
    index = pd.DatetimeIndex(equity.index)
    days = max(1, int((index[-1] - index[0]).days))
    r = daily_returns(equity)
    total = values[-1] / values[0] - 1.0
    cagr = (values[-1] / values[0]) ** (DAYS_PER_YEAR / days) - 1.0 if values[-1] > 0 else -1.0
    sd = float(r.std(ddof=1)) if len(r) > 1 else math.nan
    downside = math.sqrt(float(np.mean(np.minimum(r, 0.0) ** 2))) if len(r) else math.nan
    dd = drawdown(equity).to_numpy()
    max_dd = float(dd.min())
    annualised = days >= MIN_ANNUALISED_DAYS  # else nothing annualised (module docstring)
    if not annualised:
        cagr = sd = downside = math.nan
    return Metrics(
        start=pd.Timestamp(index[0]), end=pd.Timestamp(index[-1]), days=days,
        total_return=float(total), cagr=float(cagr),
        volatility=sd * math.sqrt(DAYS_PER_YEAR) if math.isfinite(sd) else math.nan,
        sharpe=sharpe_ratio(r) if annualised else math.nan,
        sortino=(float(r.mean()) / downside * math.sqrt(DAYS_PER_YEAR)
                 if math.isfinite(downside) and downside > 1e-15 else math.nan),
        calmar=float(cagr / abs(max_dd)) if annualised and max_dd < -1e-12 else math.nan,
        max_drawdown=max_dd, max_drawdown_days=_longest_underwater(dd),
    )


@dataclass(frozen=True)
class TradeStats:
    """Trade-level figures: counts, win rate, average R, costs."""

    trades: int
    wins: int
    win_rate: float
    average_r: float
    liquidations: int
    exit_reasons: dict[str, int]


def trade_stats(pnls: Sequence[float], r_multiples: Sequence[float],
                exit_reasons: Sequence[str]) -> TradeStats:
    """Win rate (net P&L > 0), mean R over trades with a finite R, counts by exit reason."""
    n = len(pnls)
    wins = sum(1 for p in pnls if p > 0)
    finite_r = [r for r in r_multiples if math.isfinite(r)]
    reasons: dict[str, int] = {}
    for reason in exit_reasons:
        reasons[reason] = reasons.get(reason, 0) + 1
    return TradeStats(n, wins, wins / n if n else math.nan,
                      float(np.mean(finite_r)) if finite_r else math.nan,
                      reasons.get("liquidation", 0), dict(sorted(reasons.items())))


# ----------------------------------------------------------------------------- benchmarks
BENCHMARK_BASIS = ("every benchmark starts at the initial equity at the strategy's first close "
                   "and enters at the next open, as the strategy's first orders do")
"""How the benchmarks are put on the strategy's basis (printed with the ``model:`` lines)."""


def buy_and_hold(open_usd: pd.Series, close_usd: pd.Series, initial_usd: float,
                 fee_rate: float, slippage_rate: float) -> pd.Series:
    """Equity of holding one asset on the strategy's basis (:data:`BENCHMARK_BASIS`).

    ``initial_usd`` (cash) at the first close; bought at the second day's open
    ``open x (1 + slippage)`` paying ``fee_rate`` on the notional, marked at each close
    after it, and sold at the last close paying the fee again (as the strategy's positions
    left at the end): ``q = initial / (open_1 (1 + slippage) (1 + fee))``,
    ``E_t = q close_t`` for ``1 <= t < n - 1``, ``E_{n-1} = q close_{n-1} (1 - fee)``.
    """
    closes = close_usd.to_numpy(dtype=float)
    values = np.full(len(closes), float(initial_usd))
    if len(closes) > 1:
        entry = float(open_usd.iloc[1]) * (1.0 + slippage_rate)
        quantity = initial_usd / (entry * (1.0 + fee_rate))
        values[1:] = quantity * closes[1:]
        values[-1] *= 1.0 - fee_rate
    return pd.Series(values, index=close_usd.index, name="buy_and_hold")


def _entry_day_returns(close: pd.DataFrame, open_: pd.DataFrame | None) -> np.ndarray:
    """Simple returns of each day ``t >= 1`` (rows) by column: close-to-close, except the
    first (``t = 1``), open-to-close when ``open_`` is given (entered at that open)."""
    prices = close.to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = prices[1:] / prices[:-1] - 1.0
        if open_ is not None and len(prices) > 1:
            opens = open_.reindex(index=close.index, columns=close.columns).to_numpy(
                dtype=float)
            r[0] = prices[1] / opens[1] - 1.0
    out: np.ndarray = r
    return out


def equal_weight(close: pd.DataFrame, initial_usd: float,
                 open_: pd.DataFrame | None = None) -> pd.Series:
    """Equal weight of every asset with a price, rebalanced daily at the close, no costs.

    ``E_t = E_{t-1} x (1 + mean_j r_{t,j})`` over the assets with a return on day ``t``;
    with ``open_`` the first day's return is open-to-close (entered at the second day's
    open: :data:`BENCHMARK_BASIS`).
    """
    r = _entry_day_returns(close, open_)
    finite = np.isfinite(r)
    mean = np.where(finite.any(axis=1), np.where(finite, r, 0.0).sum(axis=1)
                    / np.maximum(finite.sum(axis=1), 1), 0.0)
    values = initial_usd * np.concatenate([[1.0], np.cumprod(1.0 + mean)])
    return pd.Series(values, index=close.index, name="equal_weight")


def random_sector_rotation(sector_returns: pd.DataFrame, initial_usd: float, *,
                           every_days: int, fee_rate: float, seeds: int,
                           first_seed: int = 0,
                           intraday: pd.DataFrame | None = None) -> np.ndarray:
    """Final equities of a random-sector rotation, one per seed: shape (seeds,).

    Row ``t`` of ``sector_returns`` is each sector index's simple return from the close
    before to the close of that day. Every ``every_days`` rows a sector with a return that
    day is drawn uniformly, its index held long at 1x; a switch pays the taker fee twice
    (sell, buy) on the whole equity. With ``intraday`` (the same days' open-to-close
    returns) a draw made at the close before row ``t`` fills at row ``t``'s open: the old
    sector earns its overnight move ``(1 + r) / (1 + intraday) - 1``, the new one its
    intraday return; without it the switch happens at the close before. Seeds
    ``first_seed..first_seed+seeds-1``.
    """
    values = sector_returns.to_numpy(dtype=float)
    inside = values if intraday is None else \
        intraday.reindex_like(sector_returns).to_numpy(dtype=float)
    n_days = values.shape[0]
    finals = np.empty(seeds)
    for k in range(seeds):
        rng = np.random.default_rng(first_seed + k)
        equity, held = initial_usd, -1
        for t in range(n_days):
            if t % every_days == 0:
                available = np.flatnonzero(np.isfinite(values[t]) & np.isfinite(inside[t]))
                if len(available):
                    choice = int(rng.choice(available))
                    if choice != held:
                        equity = _switch(equity, values[t], inside[t], held, choice, fee_rate)
                        held = choice
                        continue
            if held >= 0 and math.isfinite(values[t, held]):
                equity *= 1.0 + values[t, held]
        finals[k] = equity
    return finals


def _switch(equity: float, day: np.ndarray, inside: np.ndarray, held: int, choice: int,
            fee_rate: float) -> float:
    """Equity after a day on which ``held`` (-1: none) is sold and ``choice`` bought at
    the open: the old sector's overnight move, the fees, the new one's intraday move."""
    if held >= 0 and math.isfinite(day[held]):
        full, intraday = float(day[held]), float(inside[held])
        equity *= (1.0 + full) / (1.0 + intraday) \
            if math.isfinite(intraday) and intraday > -1.0 else 1.0 + full
    equity *= (1.0 - fee_rate) ** (2 if held >= 0 else 1)
    return equity * (1.0 + float(inside[choice]))
