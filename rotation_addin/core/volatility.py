"""Daily volatility estimators and the average true range (crypto: annualise with √365).

Every function accepts NumPy arrays, pandas Series or plain sequences of prices, validates them
(1-D, long enough, finite, > 0, high >= low...) and returns plain floats. Each docstring names
the pandas / NumPy expression it equals; the tests compare against that expression.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from rotation_addin.core import constants
from rotation_addin.core.constants import SQRT_DAYS_PER_YEAR
from rotation_addin.core.errors import InputError
from rotation_addin.core.validation import in_range, non_negative, positive_int

FloatArray = npt.NDArray[np.float64]
PriceInput = FloatArray | Sequence[float] | Any
"""NumPy array, pandas Series or a sequence of floats."""

PRICE_RANGE: tuple[float, float] = (1e-12, 1e12)
"""Accepted price values: finite, positive, and far from float under/overflow."""

RISKMETRICS_LAMBDA = 0.94
HISTORY_DAYS = constants.HISTORY_DAYS
"""Daily candles every surface feeds the estimators for a symbol's current volatility
(``core.constants.HISTORY_DAYS``): one window, one number. EWMA weight after 180 days:
0.94^180 ~ 1e-5."""
FEW_OBSERVATIONS = 30


def prices_array(field: str, values: PriceInput, *, min_length: int = 1) -> FloatArray:
    """Validate a price series and return it as a 1-D float64 array.

    Rejects strings, booleans, non-numeric data, NaN/inf, values outside :data:`PRICE_RANGE`
    (so also <= 0) and series shorter than ``min_length``, naming ``field`` and the first bad
    position.
    """
    if isinstance(values, str | bytes) or values is None:
        raise InputError(field, f"must be a series of prices (got {values!r})")
    raw = values.to_numpy() if hasattr(values, "to_numpy") else values
    try:
        array = np.asarray(raw)
    except (TypeError, ValueError) as exc:
        raise InputError(field, f"must be a series of prices ({exc})") from None
    if array.dtype == np.bool_ or array.dtype.kind not in "iuf":
        raise InputError(field, f"must hold numbers (got dtype {array.dtype})")
    if array.ndim != 1:
        raise InputError(field, f"must be one-dimensional (got shape {array.shape})")
    array = array.astype(np.float64)
    if array.size < min_length:
        raise InputError(field, f"needs at least {min_length} values (got {array.size})")
    low, high = PRICE_RANGE
    bad = np.flatnonzero(~np.isfinite(array) | (array < low) | (array > high))
    if bad.size:
        i = int(bad[0])
        raise InputError(
            field, f"must be finite prices in [{low:g}, {high:g}] (got {array[i]:g} at "
                   f"position {i})"
        )
    return array


def log_returns(close: PriceInput) -> FloatArray:
    """Daily log returns ``ln(C_t / C_{t−1})``; pandas: ``np.log(close).diff().dropna()``."""
    prices = prices_array("close", close, min_length=2)
    return np.diff(np.log(prices))


def close_to_close_vol(close: PriceInput, window: int | None = None) -> float:
    """Daily σ of log returns (sample standard deviation, ddof = 1).

    pandas equivalent: ``np.log(close).diff().dropna().tail(window).std()``
    (all returns when ``window`` is None).
    """
    returns = log_returns(close)
    if window is not None:
        n = positive_int("window", window, minimum=2)
        if n > returns.size:
            raise InputError(
                "window", f"must be <= the {returns.size} returns available (got {n})"
            )
        returns = returns[-n:]
    if returns.size < 2:
        raise InputError("close", f"needs at least 3 prices (got {returns.size + 1})")
    return float(np.std(returns, ddof=1))


def ewma_vol(close: PriceInput, lam: float = RISKMETRICS_LAMBDA) -> float:
    """RiskMetrics EWMA daily σ: ``σ²_t = λ·σ²_{t−1} + (1 − λ)·r²_t`` seeded with ``r²_1``.

    pandas equivalent:
    ``np.sqrt((np.log(close).diff().dropna() ** 2).ewm(alpha=1 - lam, adjust=False).mean()
    .iloc[-1])`` (zero-mean returns, the RiskMetrics convention).
    """
    decay = in_range("lam", lam, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    squared = log_returns(close) ** 2
    variance = float(squared[0])
    for value in squared[1:]:
        variance = riskmetrics_step(variance, float(value), decay)
    return math.sqrt(variance)


_Level = TypeVar("_Level", float, FloatArray)


def riskmetrics_step(variance: _Level, squared_return: _Level, decay: float) -> _Level:
    """One RiskMetrics step ``λ·σ²_{t−1} + (1 − λ)·r²_t`` on floats or arrays (the same
    operations either way: ``ewma_vol`` and the backtest's every-row table share it)."""
    return decay * variance + (1.0 - decay) * squared_return


def wilder_step(level: _Level, true_range: _Level, window: int) -> _Level:
    """One Wilder step ``(ATR_{t−1}·(n − 1) + TR_t) / n`` on floats or arrays (shared by
    ``average_true_range`` and the backtest's every-row table)."""
    return (level * (window - 1) + true_range) / window


def _high_low(high: PriceInput, low: PriceInput) -> tuple[FloatArray, FloatArray]:
    highs = prices_array("high", high)
    lows = prices_array("low", low)
    if highs.size != lows.size:
        raise InputError("low", f"must have as many values as high ({highs.size}) "
                                f"(got {lows.size})")
    bad = np.flatnonzero(highs < lows)
    if bad.size:
        i = int(bad[0])
        raise InputError("low", f"must be <= high (got low {lows[i]:g} > high {highs[i]:g} "
                                f"at position {i})")
    return highs, lows


def parkinson_vol(high: PriceInput, low: PriceInput) -> float:
    """Parkinson (1980) daily σ from the high-low range: ``σ² = mean(ln(H/L)²) / (4 ln 2)``.

    pandas equivalent: ``np.sqrt((np.log(high / low) ** 2).mean() / (4 * np.log(2)))``.
    """
    highs, lows = _high_low(high, low)
    return float(np.sqrt(np.mean(np.log(highs / lows) ** 2) / (4.0 * math.log(2.0))))


def garman_klass_vol(
    open: PriceInput, high: PriceInput, low: PriceInput, close: PriceInput
) -> float:
    """Garman–Klass (1980) daily σ: ``σ² = mean(½·ln(H/L)² − (2 ln 2 − 1)·ln(C/O)²)``.

    pandas equivalent:
    ``np.sqrt((0.5 * np.log(high / low) ** 2
    - (2 * np.log(2) - 1) * np.log(close / open) ** 2).mean())``.
    A negative mean (possible on tiny samples) is reported as 0.
    """
    highs, lows = _high_low(high, low)
    opens = _same_length("open", open, highs.size)
    closes = _same_length("close", close, highs.size)
    _check_inside_range(opens, closes, highs, lows)
    terms = 0.5 * np.log(highs / lows) ** 2 - (2.0 * math.log(2.0) - 1.0) * np.log(
        closes / opens
    ) ** 2
    return float(np.sqrt(max(float(np.mean(terms)), 0.0)))


def _same_length(field: str, values: PriceInput, size: int) -> FloatArray:
    array = prices_array(field, values)
    if array.size != size:
        raise InputError(field, f"must have as many values as high ({size}) (got {array.size})")
    return array


def _check_inside_range(
    opens: FloatArray, closes: FloatArray, highs: FloatArray, lows: FloatArray
) -> None:
    for name, series in (("open", opens), ("close", closes)):
        bad = np.flatnonzero((series > highs * (1 + 1e-12)) | (series < lows * (1 - 1e-12)))
        if bad.size:
            i = int(bad[0])
            raise InputError(
                name, f"must lie within [low, high] (got {series[i]:g} outside "
                      f"[{lows[i]:g}, {highs[i]:g}] at position {i})"
            )


def true_range(high: PriceInput, low: PriceInput, close: PriceInput) -> FloatArray:
    """True range from the second bar on: ``max(H−L, |H−C_{t−1}|, |L−C_{t−1}|)`` (USD).

    pandas equivalent: ``pd.concat([h - l, (h - c.shift()).abs(), (l - c.shift()).abs()],
    axis=1).max(axis=1).iloc[1:]``.
    """
    highs, lows = _high_low(high, low)
    closes = _same_length("close", close, highs.size)
    return true_range_of(highs[1:], lows[1:], closes[:-1])


def true_range_of(high: FloatArray, low: FloatArray, previous_close: FloatArray) -> FloatArray:
    """``max(H − L, |H − C_prev|, |L − C_prev|)`` elementwise on arrays of any shape, no
    checks (:func:`true_range` checks its series first; the backtest's every-row table
    masks what the checks would refuse)."""
    ranges = np.maximum(high - low, np.maximum(np.abs(high - previous_close),
                                               np.abs(low - previous_close)))
    return np.asarray(ranges, dtype=np.float64)


def average_true_range(
    high: PriceInput, low: PriceInput, close: PriceInput, window: int = 14
) -> float:
    """Wilder's ATR (USD) of the last bar, TA-Lib convention.

    Seed = mean of the first ``window`` true ranges; then
    ``ATR_t = (ATR_{t−1}·(n − 1) + TR_t) / n``. pandas equivalent:
    ``pd.concat([tr.iloc[:n].mean(), tr.iloc[n:]]).ewm(alpha=1/n, adjust=False).mean()
    .iloc[-1]`` with ``tr`` from :func:`true_range`. Needs ``window + 1`` bars.
    """
    n = positive_int("window", window, minimum=1)
    ranges = true_range(high, low, close)
    if ranges.size < n:
        raise InputError("close", f"needs at least window + 1 = {n + 1} bars "
                                  f"(got {ranges.size + 1})")
    atr = float(np.mean(ranges[:n]))
    for value in ranges[n:]:
        atr = wilder_step(atr, float(value), n)
    return atr


def annualise(daily_sigma: float) -> float:
    """Annual σ from a daily σ: ``σ_daily · √365`` (crypto trades every day)."""
    return non_negative("daily_sigma", daily_sigma) * SQRT_DAYS_PER_YEAR


@dataclass(frozen=True)
class VolatilityEstimate:
    """All estimators on one OHLC series (σ as fractions of price, ATR in USD)."""

    observations: int
    close_to_close_daily_sigma: float
    ewma_daily_sigma: float
    parkinson_daily_sigma: float
    garman_klass_daily_sigma: float
    close_to_close_annual_sigma: float
    ewma_annual_sigma: float
    parkinson_annual_sigma: float
    garman_klass_annual_sigma: float
    atr_usd: float | None
    atr_fraction_of_close: float | None
    last_close_usd: float
    ewma_lambda: float
    warnings: tuple[str, ...]

    def daily_sigma(self, estimator: str) -> float:
        """Daily σ of one estimator: ``close``, ``ewma``, ``parkinson`` or ``garman-klass``."""
        table = {
            "close": self.close_to_close_daily_sigma,
            "ewma": self.ewma_daily_sigma,
            "parkinson": self.parkinson_daily_sigma,
            "garman-klass": self.garman_klass_daily_sigma,
        }
        if estimator not in table:
            raise InputError("estimator", f"must be one of {sorted(table)} (got {estimator!r})")
        return table[estimator]


def volatility_estimate(
    open: PriceInput,
    high: PriceInput,
    low: PriceInput,
    close: PriceInput,
    *,
    window: int | None = None,
    lam: float = RISKMETRICS_LAMBDA,
    atr_window: int = 14,
) -> VolatilityEstimate:
    """Every estimator at once: daily and annualised σ, ATR (None if too few bars).

    ``window`` limits close-to-close σ to the last ``window`` returns and the range estimators
    (Parkinson, Garman–Klass) to the last ``window`` bars; EWMA and ATR use every bar.
    """
    closes = prices_array("close", close, min_length=3)
    size = closes.size
    atr_window = positive_int("atr_window", atr_window, minimum=1)
    all_opens = _same_length("open", open, size)
    all_highs = _same_length("high", high, size)
    all_lows = _same_length("low", low, size)
    _high_low(all_highs, all_lows)
    _check_inside_range(all_opens, closes, all_highs, all_lows)
    opens, highs, lows = all_opens, all_highs, all_lows
    if window is not None:
        n = positive_int("window", window, minimum=2)
        if n > size - 1:
            raise InputError("window", f"must be <= the {size - 1} returns available (got {n})")
        opens, highs, lows = opens[-n:], highs[-n:], lows[-n:]
    warnings: list[str] = []
    if size < FEW_OBSERVATIONS:
        warnings.append(f"only {size} bars: volatility estimates are noisy below "
                        f"{FEW_OBSERVATIONS}")
    c2c = close_to_close_vol(closes, window)
    ewma = ewma_vol(closes, lam)
    park = parkinson_vol(highs, lows)
    gk = garman_klass_vol(opens, highs, lows, closes[-opens.size:])
    atr: float | None = None
    if size > atr_window:
        atr = average_true_range(all_highs, all_lows, closes, atr_window)
    else:
        warnings.append(f"ATR needs {atr_window + 1} bars (got {size})")
    last = float(closes[-1])
    return VolatilityEstimate(
        observations=size,
        close_to_close_daily_sigma=c2c,
        ewma_daily_sigma=ewma,
        parkinson_daily_sigma=park,
        garman_klass_daily_sigma=gk,
        close_to_close_annual_sigma=annualise(c2c),
        ewma_annual_sigma=annualise(ewma),
        parkinson_annual_sigma=annualise(park),
        garman_klass_annual_sigma=annualise(gk),
        atr_usd=atr,
        atr_fraction_of_close=None if atr is None else atr / last,
        last_close_usd=last,
        ewma_lambda=float(lam),
        warnings=tuple(warnings),
    )
