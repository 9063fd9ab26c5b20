"""A small deterministic market for the exchange emulator (tests and benchmarks).

It implements the same methods as :class:`rotation_addin.data.demo.DemoMarket` that the
emulator reads (``contract_specs``, ``daily_candles``, ``hourly_candles``, ``tickers``,
``funding_history``, ``order_book``), so tests can run on either.

Prices come either from the real Coin Metrics daily reference rates (``from_coinmetrics``;
tests only, the CSVs are read in place) or from a seeded random walk (``synthetic``, used by
the benchmark's 40-symbol universe). Hourly bars are a seeded Brownian bridge in log price
between consecutive daily reference rates, so every daily candle is *exactly* the aggregate
of its 24 hourly candles (open of the first, max high, min low, close of the last, summed
volume) -- the same identity Binance klines satisfy.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from rotation_addin.core.dataset import OrderBook, Ticker
from rotation_addin.core.types import ContractSpec

HOURS_PER_DAY = 24
CANDLE_COLUMNS = ("open", "high", "low", "close", "volume", "volume_usd")


def _tick_for(price: float) -> float:
    """Binance-like tick size: about 5 significant digits of the price."""
    return float(10.0 ** (np.floor(np.log10(price)) - 4))


def _step_for(price: float) -> float:
    """Quantity step so that one step is worth roughly 0.01..0.1 USD or more."""
    return float(
        min(1.0, 10.0 ** np.floor(np.log10(max(0.05 / price, 1e-3)))) if price < 50 else 0.001
    )


@dataclass
class FixtureMarket:
    """Daily reference prices turned into hourly and daily candles, funding and books.

    Parameters
    ----------
    reference_prices : Mapping[str, pd.Series]
        By base, the price at 00:00 UTC of each day (tz-aware UTC daily index, ascending,
        no gaps). Day D's candle opens at ``price[D]`` and closes at ``price[D+1]``.
    seed : int
        Seed of the intraday paths and volumes (same seed -> same candles).
    """

    reference_prices: Mapping[str, pd.Series]
    seed: int = 7
    _hourly: dict[str, pd.DataFrame] = field(default_factory=dict, init=False, repr=False)
    _daily: dict[str, pd.DataFrame] = field(default_factory=dict, init=False, repr=False)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_coinmetrics(
        cls, folder: Path, bases: Sequence[str] | None = None, *, seed: int = 7
    ) -> FixtureMarket:
        """Real daily reference rates from ``shared/data/coinmetrics`` (tests only).

        ``rndr.csv`` is exposed as ``RENDER`` (the token's current ticker on Binance).
        """
        aliases = {"rndr": "RENDER"}
        prices: dict[str, pd.Series] = {}
        for path in sorted(folder.glob("*.csv")):
            stem = path.stem
            if stem in ("usdt", "usdc", "stablecoin_supply"):
                continue
            base = aliases.get(stem, stem.upper())
            if bases is not None and base not in bases:
                continue
            frame = pd.read_csv(path, usecols=["date", "price_usd"])
            index = pd.DatetimeIndex(pd.to_datetime(frame["date"], utc=True), name="date")
            prices[base] = pd.Series(frame["price_usd"].to_numpy(float), index=index)
        return cls(prices, seed=seed)

    @classmethod
    def synthetic(
        cls,
        n_symbols: int,
        *,
        end: datetime,
        days: int,
        seed: int = 11,
        daily_vol: float = 0.04,
    ) -> FixtureMarket:
        """``n_symbols`` seeded random-walk assets (``SYM00``...) over ``days`` days to ``end``.

        ``end`` is the last reference day (00:00 UTC); the last *complete* daily candle is
        the day before it.
        """
        rng = np.random.default_rng(seed)
        index = pd.date_range(
            end=pd.Timestamp(end).normalize(), periods=days + 1, freq="D", name="date"
        )
        prices: dict[str, pd.Series] = {}
        for i in range(n_symbols):
            start = float(10.0 ** rng.uniform(-1, 3))
            steps = rng.standard_t(4, size=days) * daily_vol / np.sqrt(2.0)
            path = start * np.exp(np.concatenate([[0.0], np.cumsum(steps)]))
            prices[f"SYM{i:02d}"] = pd.Series(path, index=index)
        return cls(prices, seed=seed)

    # ------------------------------------------------------------------ market methods
    @property
    def bases(self) -> tuple[str, ...]:
        return tuple(self.reference_prices)

    def hourly_candles(self, base: str) -> pd.DataFrame:
        """Hourly candles indexed by UTC open time (columns ``CANDLE_COLUMNS``)."""
        if base not in self._hourly:
            self._hourly[base] = self._build_hourly(base)
        return self._hourly[base]

    def daily_candles(self, base: str) -> pd.DataFrame:
        """Daily candles, each the exact aggregate of its 24 hourly candles."""
        if base not in self._daily:
            hourly = self.hourly_candles(base)
            daily = hourly.resample("1D").agg(
                {
                    "open": "first",
                    "high": "max",
                    "low": "min",
                    "close": "last",
                    "volume": "sum",
                    "volume_usd": "sum",
                }
            )
            daily.index.name = "date"
            self._daily[base] = daily
        return self._daily[base]

    def contract_specs(self) -> dict[str, ContractSpec]:
        """Contract rules by base, derived from the last price (Binance-like filters)."""
        specs: dict[str, ContractSpec] = {}
        for base, series in self.reference_prices.items():
            price = float(series.iloc[-1])
            step = _step_for(price)
            specs[base] = ContractSpec(
                symbol=f"{base}/USDT:USDT",
                base=base,
                amount_step=step,
                min_amount=step,
                min_notional_usd=5.0 if base != "BTC" else 100.0,
                price_tick=_tick_for(price),
                max_leverage=125.0 if base == "BTC" else 50.0,
            )
        return specs

    def funding_history(self, base: str) -> pd.DataFrame:
        """8-hourly funding (``funding_rate`` fraction, ``mark_price``) at 00/08/16 UTC."""
        hourly = self.hourly_candles(base)
        marks = hourly["open"].iloc[::8]
        rng = np.random.default_rng([self.seed, zlib.crc32(f"{base}/funding".encode())])
        rates = 0.0001 + 0.0002 * np.tanh(np.cumsum(rng.normal(0, 0.3, len(marks))) / 5)
        frame = pd.DataFrame(
            {"funding_rate": rates, "mark_price": marks.to_numpy()}, index=marks.index
        )
        frame.index.name = "time"
        return frame

    def tickers(self) -> dict[str, Ticker]:
        """Latest prices from the last hourly candle of each base."""
        out: dict[str, Ticker] = {}
        for base in self.reference_prices:
            hourly = self.hourly_candles(base)
            last = hourly.iloc[-1]
            out[base] = Ticker(
                base=base,
                last_price_usd=float(last["close"]),
                mark_price_usd=float(last["close"]),
                funding_rate=float(self.funding_history(base)["funding_rate"].iloc[-1]),
                volume_24h_usd=float(hourly["volume_usd"].iloc[-24:].sum()),
                timestamp=(hourly.index[-1] + pd.Timedelta(hours=1)).to_pydatetime(),
            )
        return out

    def order_book(self, base: str, depth: int = 20, at: datetime | None = None) -> OrderBook:
        """A symmetric book around the last close (or the close before ``at``)."""
        hourly = self.hourly_candles(base)
        if at is not None:
            hourly = hourly.loc[: pd.Timestamp(at) - pd.Timedelta(hours=1)]
        mid = (
            float(hourly["close"].iloc[-1])
            if len(hourly)
            else float(self.reference_prices[base].iloc[0])
        )
        tick = _tick_for(mid)
        levels = np.arange(1, depth + 1)
        sizes = np.round(1000.0 / mid * (1 + 0.3 * levels), 6)
        bids = tuple(
            (round(mid - k * tick, 10), float(s)) for k, s in zip(levels, sizes, strict=True)
        )
        asks = tuple(
            (round(mid + k * tick, 10), float(s)) for k, s in zip(levels, sizes, strict=True)
        )
        stamp = (
            (hourly.index[-1] + pd.Timedelta(hours=1)).to_pydatetime()
            if len(hourly)
            else datetime.now(UTC)
        )
        return OrderBook(base=base, bids=bids, asks=asks, timestamp=stamp)

    # ------------------------------------------------------------------ internals
    def _build_hourly(self, base: str) -> pd.DataFrame:
        ref = self.reference_prices[base].astype(float)
        log_ref = np.log(ref.to_numpy())
        n_days = len(log_ref) - 1
        rng = np.random.default_rng([self.seed, zlib.crc32(base.encode())])
        # Brownian bridge with 24 steps per day between consecutive reference prices.
        day_moves = np.diff(log_ref)
        sigma = max(float(np.std(day_moves)) if n_days > 1 else 0.03, 1e-4) / np.sqrt(HOURS_PER_DAY)
        noise = rng.normal(0.0, sigma, size=(n_days, HOURS_PER_DAY))
        walk = np.cumsum(noise, axis=1)
        frac = np.arange(1, HOURS_PER_DAY + 1) / HOURS_PER_DAY
        bridge = walk - frac[None, :] * walk[:, -1:] + frac[None, :] * day_moves[:, None]
        closes_log = log_ref[:-1, None] + bridge
        opens_log = np.concatenate([log_ref[:-1, None], closes_log[:, :-1]], axis=1)
        opens = np.exp(opens_log).ravel()
        closes = np.exp(closes_log).ravel()
        wiggle = np.abs(rng.normal(0.0, sigma * 0.6, size=(2, opens.size)))
        highs = np.maximum(opens, closes) * np.exp(wiggle[0])
        lows = np.minimum(opens, closes) * np.exp(-wiggle[1])
        volume_usd = 2e5 * np.exp(rng.normal(0.0, 0.5, size=opens.size))
        volume = volume_usd / ((opens + closes) / 2.0)
        index = pd.date_range(ref.index[0], periods=n_days * HOURS_PER_DAY, freq="h", name="date")
        return pd.DataFrame(
            {
                "open": opens,
                "high": highs,
                "low": lows,
                "close": closes,
                "volume": volume,
                "volume_usd": volume_usd,
            },
            index=index,
        )


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    """Shorthand for a UTC datetime (tests)."""
    return datetime(year, month, day, hour, tzinfo=UTC)


__all__ = ["CANDLE_COLUMNS", "FixtureMarket", "utc"]
