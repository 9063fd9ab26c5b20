"""Small hand-built markets for the plan / scenario tests (no simulator, no network).

``build_market`` makes a daily MarketDataset where each sector's drift versus BTC, its volume
path and its sentiment divergence are set explicitly, so the "right answer" is obvious.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.types import ContractSpec
from rotation_addin.core.universe import Universe

SECTORS: dict[str, tuple[str, ...]] = {
    "render": ("RENDER", "LPT"),
    "gpu_compute": ("AKT", "GLM"),
    "ai_inference": ("FET", "TAO"),
    "mining": ("LTC", "BCH"),
    "benchmark": ("BTC", "ETH"),
}
START_PRICE = {"RENDER": 7.0, "LPT": 12.0, "AKT": 3.0, "GLM": 0.4, "FET": 1.5, "TAO": 400.0,
               "LTC": 90.0, "BCH": 450.0, "BTC": 60_000.0, "ETH": 3_000.0}
BASE_VOLUME = {"RENDER": 40e6, "LPT": 10e6, "AKT": 8e6, "GLM": 5e6, "FET": 60e6, "TAO": 50e6,
               "LTC": 200e6, "BCH": 150e6, "BTC": 5e9, "ETH": 2e9}


@dataclass
class MarketSpec:
    """What makes a scenario: per-sector daily drift vs BTC over the last ``trend_days``,
    volume multiplier over the last 7 days, and the final divergence D per sector."""

    days: int = 120
    trend_days: int = 30
    drift: Mapping[str, float] = field(default_factory=dict)
    volume_boost: Mapping[str, float] = field(default_factory=dict)
    divergence: Mapping[str, float] = field(default_factory=dict)
    btc_daily_drift: float = 0.0
    macro: str = "risk-on"  # or "risk-off"
    crash_last_day: float = 0.0  # BTC log return on the last day (stress day)
    seed: int = 7
    noise: float = 0.01


def _dates(days: int) -> pd.DatetimeIndex:
    end = pd.Timestamp("2026-11-24", tz="UTC")
    return pd.date_range(end=end, periods=days, freq="D", tz="UTC", name="date")


def _macro(index: pd.DatetimeIndex, mood: str) -> pd.DataFrame:
    n = len(index)
    t = np.arange(n, dtype=float)
    if mood == "risk-on":
        dominance = 0.58 - 0.0008 * t  # falling dominance: alts favoured
        stables = 150e9 * np.exp(0.002 * t)  # rising supply: fresh liquidity
        equity = 5000 * np.exp(0.002 * t)  # above its 50-day average
    else:
        dominance = 0.50 + 0.0010 * t
        stables = 150e9 * np.exp(-0.002 * t)
        equity = 5000 * np.exp(-0.003 * t)
    return pd.DataFrame({"btc_dominance": dominance, "stablecoin_supply_usd": stables,
                         "equity_index": equity}, index=index)


def build_market(spec: MarketSpec | None = None) -> MarketDataset:
    """A MarketDataset following ``spec`` (deterministic for a given seed)."""
    spec = spec or MarketSpec()
    universe = Universe(sectors=SECTORS)
    index = _dates(spec.days)
    rng = np.random.default_rng(spec.seed)
    n = spec.days
    btc = rng.normal(spec.btc_daily_drift, 0.02, n)
    btc[-1] += spec.crash_last_day
    closes: dict[str, np.ndarray] = {}
    volumes: dict[str, np.ndarray] = {}
    social: dict[str, np.ndarray] = {}
    chain: dict[str, np.ndarray] = {}
    for sector, members in SECTORS.items():
        drift = np.zeros(n)
        drift[-spec.trend_days:] = spec.drift.get(sector, 0.0)
        for base in members:
            beta = 1.0 if base == "BTC" else 1.2
            r = beta * btc + drift + rng.normal(0.0, spec.noise, n) * (base != "BTC")
            r[0] = 0.0
            closes[base] = START_PRICE[base] * np.exp(np.cumsum(r))
            vol = BASE_VOLUME[base] * np.exp(rng.normal(0.0, 0.05, n))
            vol[-7:] *= spec.volume_boost.get(sector, 1.0)
            volumes[base] = vol
            # the same attention noise on both series -> D ~ 0 unless a bump is asked for
            attention = rng.normal(0.0, 0.05, n)
            social[base] = 1000 * np.exp(attention)
            chain[base] = 1000 * np.exp(attention)
            d = spec.divergence.get(sector, 0.0)
            if d > 0:
                social[base][-1] *= np.exp(0.05 * d * 1.5)
            elif d < 0:
                chain[base][-1] *= np.exp(0.05 * -d * 1.5)
    close = pd.DataFrame(closes, index=index)
    rng_hl = np.abs(rng.normal(0.0, 0.02, close.shape)) + 0.01
    high = close * (1 + rng_hl)
    low = close * (1 - rng_hl)
    open_ = close.shift(1).fillna(close.iloc[0])
    contracts = {b: ContractSpec(symbol=universe.symbol_for(b), base=b, amount_step=0.001,
                                 min_amount=0.001, min_notional_usd=5.0, price_tick=0.0001)
                 for b in close.columns}
    return MarketDataset(
        source="test market", as_of=(index[-1] + timedelta(days=1)).to_pydatetime(),
        universe=universe, open=open_, high=high, low=low, close=close,
        volume_usd=pd.DataFrame(volumes, index=index), macro=_macro(index, spec.macro),
        social_volume=pd.DataFrame(social, index=index),
        onchain_activity=pd.DataFrame(chain, index=index), contracts=contracts,
    )


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    """Shorthand for a UTC datetime."""
    return datetime(year, month, day, hour, tzinfo=UTC)
