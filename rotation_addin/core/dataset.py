"""The one container every surface reads: a snapshot of market, macro and sentiment data.

Conventions (every producer -- demo simulator, SQLite cache, CSV import -- must follow them):

* Daily frames are indexed by a tz-aware UTC ``DatetimeIndex`` of midnights named ``"date"``,
  ascending, unique. The row for day D is the candle that opened at D 00:00 UTC and closed at
  D+1 00:00 UTC (only closed candles).
* Wide price frames have one column per base asset (``"RENDER"``, ``"BTC"``); values in USD.
  A symbol with no data is absent from the columns and listed in ``missing_symbols``.
* ``volume_usd`` is the quote (USD) volume of the day.
* ``macro`` columns: ``btc_dominance`` (fraction 0..1), ``stablecoin_supply_usd``,
  ``equity_index`` (index points). Any may be missing (NaN) on some days.
* ``social_volume`` and ``onchain_activity`` are wide frames by base (counts per day).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from rotation_addin.core.brackets import BracketTable
from rotation_addin.core.types import ContractSpec
from rotation_addin.core.universe import Universe


@dataclass(frozen=True)
class Ticker:
    """Latest prices of one perpetual.

    Attributes
    ----------
    base : str
        Base asset.
    last_price_usd, mark_price_usd : float
        Last trade and mark price.
    funding_rate : float
        Current (predicted) funding rate per 8 h interval, as a fraction (0.0001 = 0.01 %).
    volume_24h_usd : float
        Quote volume over the last 24 h.
    timestamp : datetime
        When the exchange (or simulator) stamped these figures, UTC.
    """

    base: str
    last_price_usd: float
    mark_price_usd: float
    funding_rate: float
    volume_24h_usd: float
    timestamp: datetime


@dataclass(frozen=True)
class OrderBook:
    """Top of the order book: ``bids``/``asks`` are ``(price_usd, amount_base)`` best first."""

    base: str
    bids: tuple[tuple[float, float], ...]
    asks: tuple[tuple[float, float], ...]
    timestamp: datetime


@dataclass(frozen=True)
class MarketDataset:
    """Everything the analytics need, from one source, labelled with that source.

    Attributes
    ----------
    source : str
        Human label shown on every output: ``"demo (simulated)"``, ``"cache (binanceusdm)"``,
        ``"live (binanceusdm)"`` or ``"csv import"``.
    as_of : datetime
        Close time of the last complete daily candle, UTC.
    universe : Universe
        Sectors the data was gathered for.
    open, high, low, close, volume_usd : pd.DataFrame
        Daily candles, wide by base (see module docstring).
    macro : pd.DataFrame
        Daily macro inputs (``btc_dominance``, ``stablecoin_supply_usd``, ``equity_index``).
    social_volume, onchain_activity : pd.DataFrame
        Daily sentiment inputs, wide by base.
    contracts : Mapping[str, ContractSpec]
        Contract rules by base.
    tickers : Mapping[str, Ticker]
        Latest prices and funding by base.
    order_books : Mapping[str, OrderBook]
        Latest order book by base (may be empty).
    brackets : Mapping[str, BracketTable]
        Maintenance brackets (leverage tiers) the exchange gave, by base, as the last refresh
        cached them; a base without an entry uses the bundled defaults.
    missing_symbols : tuple[str, ...]
        Universe members the source does not list (reported, never silently dropped).
    warnings : tuple[str, ...]
        Human-readable data-quality notes from the loader (e.g. symbols whose daily candles
        stop earlier than the others'); surfaces should show them. Empty when none.
    """

    source: str
    as_of: datetime
    universe: Universe
    open: pd.DataFrame
    high: pd.DataFrame
    low: pd.DataFrame
    close: pd.DataFrame
    volume_usd: pd.DataFrame
    macro: pd.DataFrame
    social_volume: pd.DataFrame
    onchain_activity: pd.DataFrame
    contracts: Mapping[str, ContractSpec] = field(default_factory=dict)
    tickers: Mapping[str, Ticker] = field(default_factory=dict)
    order_books: Mapping[str, OrderBook] = field(default_factory=dict)
    brackets: Mapping[str, BracketTable] = field(default_factory=dict)
    missing_symbols: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def is_demo(self) -> bool:
        """True when the data comes from the embedded simulator."""
        return self.source.startswith("demo")

    @property
    def bases(self) -> tuple[str, ...]:
        """Bases with data, in universe order."""
        present = set(self.close.columns)
        return tuple(b for b in self.universe.bases if b in present)
