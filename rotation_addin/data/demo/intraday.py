"""The demo market inside the day: hourly candles bridged into each daily candle, and funding."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from rotation_addin.data.demo.daily_model import DailyModel, labelled
from rotation_addin.data.demo.processes import ar1_backward, seeded_rng

HOURS = 24
FUNDING_HOURS = (0, 8, 16)
FUNDING_PHI = 0.9
"""AR(1) coefficient of the funding noise per 8-hour step."""
FUNDING_NOISE_SD = 0.00006
"""Marginal s.d. of the funding noise (fraction per 8 h)."""


@dataclass(frozen=True)
class HourlyArrays:
    """Hourly candles of one base, shape (days, 24) each."""

    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    volume_usd: np.ndarray




def funding_rate(momentum: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Funding per 8 h: ``0.01 % + 0.002 * momentum + noise``, clipped to +-0.75 %."""
    rate: np.ndarray = np.clip(0.0001 + 0.002 * momentum + noise, -0.0075, 0.0075)
    return rate


class IntradayModel(DailyModel):
    """Hourly candles (memoised per base) and 8-hourly funding of the demo market."""

    _hourly_cache: dict[str, HourlyArrays]

    # ------------------------------------------------------------------ hourly
    def _hourly(self, base: str) -> HourlyArrays:
        """Hourly bridge inside the day's candle: every day aggregates to the daily candle.

        The path runs from the open to the close, clipped to the daily low..high; the hour
        whose body reaches highest gets the daily high as its high, the lowest body the low.
        Quote volume is the daily quote volume split by an intraday profile.
        """
        cached = self._hourly_cache.get(base)
        if cached is not None:
            return cached
        j = self._column(base)
        rng = seeded_rng(self.seed, "hourly", base)
        day = {k: v[:, j] for k, v in self._daily_ohlc.items()}
        r = self._daily["returns"][:, j]
        sigma = self._daily["cond_vol"][:, j]
        log_open = np.log(day["open"])
        log_high, log_low = np.log(day["high"])[:, None], np.log(day["low"])[:, None]
        z = rng.standard_normal((self.days, HOURS))
        z -= z.mean(axis=1, keepdims=True)
        step = (sigma / math.sqrt(HOURS))[:, None]
        path = log_open[:, None] + np.cumsum(r[:, None] / HOURS + step * z, axis=1)
        path = np.clip(path, log_low, log_high)
        c = np.exp(path)
        c[:, -1] = day["close"]  # exact by construction; removes float drift
        o = np.empty_like(c)
        o[:, 0] = day["open"]
        o[:, 1:] = c[:, :-1]
        wick = np.abs(rng.standard_normal((2, self.days, HOURS))) * 0.35 * step
        h = np.minimum(np.maximum(o, c) * np.exp(wick[0]), day["high"][:, None])
        lo = np.maximum(np.minimum(o, c) * np.exp(-wick[1]), day["low"][:, None])
        rows = np.arange(self.days)
        h[rows, np.argmax(np.maximum(o, c), axis=1)] = day["high"]
        lo[rows, np.argmin(np.minimum(o, c), axis=1)] = day["low"]
        profile = 1.0 + 0.35 * np.sin((np.arange(HOURS) - 9) / HOURS * 2 * np.pi)
        weights = profile[None, :] * np.exp(
            0.3 * rng.standard_normal((self.days, HOURS)) + 0.4 * np.abs(z)
        )
        weights /= weights.sum(axis=1, keepdims=True)
        vol_usd = day["volume_usd"][:, None] * weights
        typical = (h + lo + c) / 3.0
        arrays = HourlyArrays(o, h, lo, c, vol_usd / typical, vol_usd)
        self._hourly_cache[base] = arrays
        return arrays

    def hourly_candles(self, base: str) -> pd.DataFrame:
        """Hourly candles of ``base``: open, high, low, close (USD), volume (base), volume_usd.

        Index: tz-aware UTC open times named ``date`` (``days * 24`` rows).
        """
        a = self._hourly(base)
        index = pd.date_range(self.dates[0], periods=self.days * HOURS, freq="h", name="date")
        return labelled(
            pd.DataFrame(
                {
                    "open": a.open.ravel(),
                    "high": a.high.ravel(),
                    "low": a.low.ravel(),
                    "close": a.close.ravel(),
                    "volume": a.volume.ravel(),
                    "volume_usd": a.volume_usd.ravel(),
                },
                index=index,
            )
        )

    def daily_candles(self, base: str) -> pd.DataFrame:
        """Daily candles of ``base`` (the aggregate of :meth:`hourly_candles`), same columns.

        Open, high, low, close and quote volume come from the daily model; the base volume is
        the sum of the hourly base volumes (the only column that needs the hourly bridge).
        """
        j = self._column(base)
        a = self._hourly(base)
        day = self._daily_ohlc
        return labelled(
            pd.DataFrame(
                {
                    "open": day["open"][:, j],
                    "high": day["high"][:, j],
                    "low": day["low"][:, j],
                    "close": day["close"][:, j],
                    "volume": a.volume.sum(axis=1),
                    "volume_usd": day["volume_usd"][:, j],
                },
                index=self.dates,
            )
        )

    # ------------------------------------------------------------------ derivatives data
    def funding_history(self, base: str) -> pd.DataFrame:
        """8-hourly funding (00, 08, 16 UTC): ``funding_rate`` (fraction per 8 h), ``mark_price``.

        Funding follows the 3-day momentum of the closed daily candles (crowded longs pay)
        plus stationary AR(1) noise, clipped to +-0.75 %; the mark price is the hourly open.
        """
        j = self._column(base)
        a = self._hourly(base)
        mark = a.open[:, list(FUNDING_HOURS)].ravel()
        stamps = np.arange(self.days)[:, None] * HOURS + np.array(FUNDING_HOURS)[None, :]
        noise = ar1_backward(
            seeded_rng(self.seed, "funding", base), stamps.size, FUNDING_PHI, FUNDING_NOISE_SD
        )
        rate = funding_rate(np.repeat(self._funding_momentum[:, j], len(FUNDING_HOURS)), noise)
        index = self.dates[0] + pd.to_timedelta(stamps.ravel(), unit="h")
        return labelled(
            pd.DataFrame(
                {"funding_rate": rate, "mark_price": mark},
                index=pd.DatetimeIndex(index, name="date"),
            )
        )

    @cached_property
    def _funding_momentum(self) -> np.ndarray:
        """Log return over the 3 closed daily candles before each day, shape (days, bases)."""
        log_close = self._log_close
        days = np.arange(self.days)
        momentum: np.ndarray = (
            log_close[np.clip(days - 1, 0, None)] - log_close[np.clip(days - 4, 0, None)]
        )
        return momentum

    def current_funding(self, base: str) -> float:
        """The last funding rate of :meth:`funding_history` without building the history.

        The AR(1) noise is generated backwards from its last value (a stationary Gaussian
        AR(1) is time-reversible), so the current value is the stream's first draw.
        """
        j = self._column(base)
        noise = ar1_backward(seeded_rng(self.seed, "funding", base), 1, FUNDING_PHI,
                             FUNDING_NOISE_SD)
        return float(funding_rate(self._funding_momentum[-1:, j], noise)[0])
