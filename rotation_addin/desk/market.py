"""A symbol's market facts from a dataset: contract rules, recent closes, volatility.

One look-back for every surface: a symbol's volatility uses its last
:data:`~rotation_addin.core.volatility.HISTORY_DAYS` daily candles whether ``=HIST_VOL()``,
``=SAFE_LEVERAGE()``, ``rotation leverage --symbol``, the app's Quick check or the plan's
stops ask (the plan slices it in ``core.report.market_snapshot`` with the same constant).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from rotation_addin.core import volatility
from rotation_addin.core.constants import STALE_AFTER
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import DataError
from rotation_addin.core.types import ContractSpec
from rotation_addin.core.volatility import HISTORY_DAYS, VolatilityEstimate

MIN_VOL_CLOSES = 30
"""Fewest daily closes from which the app estimates a volatility it was not given."""


def recent_closes(dataset: MarketDataset, base: str) -> pd.Series:
    """``base``'s last ``HISTORY_DAYS`` daily closes (gaps dropped).

    Raises
    ------
    DataError
        The dataset has no price history for ``base``.
    """
    if base not in dataset.close.columns:
        raise DataError(f"{base}: no price history in {dataset.source}")
    return dataset.close[base].dropna().iloc[-HISTORY_DAYS:]


def ewma_daily_vol(dataset: MarketDataset, base: str, *, minimum_closes: int = 3) -> float | None:
    """EWMA (lambda 0.94) daily volatility of ``base``'s recent closes; None when it has fewer
    than ``minimum_closes`` closes or none at all, or the estimate is not a positive number."""
    if base not in dataset.close.columns:
        return None
    closes = recent_closes(dataset, base)
    if len(closes) < minimum_closes:
        return None
    value = float(volatility.ewma_vol(closes.to_numpy(dtype=float)))
    return value if math.isfinite(value) and value > 0 else None


@dataclass(frozen=True)
class SymbolVolatility:
    """Every volatility estimator for one symbol, with where the data came from.

    Attributes
    ----------
    base : str
        The symbol's base.
    source : str
        Dataset label.
    estimate : VolatilityEstimate
        Close-to-close, EWMA, Parkinson, Garman-Klass daily sigmas and ATR.
    contract_max_leverage : float or None
        The contract's own leverage maximum (None: no contract rules).
    notes : tuple[str, ...]
        Staleness: the dataset as a whole, or this symbol's candles ending early.
    """

    base: str
    source: str
    estimate: VolatilityEstimate
    contract_max_leverage: float | None
    notes: tuple[str, ...]


def symbol_volatility(dataset: MarketDataset, base: str,
                      now: datetime | None = None) -> SymbolVolatility:
    """σ of ``base`` from its last ``HISTORY_DAYS`` complete daily candles.

    Raises
    ------
    DataError
        No daily candles for ``base``, or fewer than 3 complete ones.
    """
    key = base.strip().upper()
    if key not in dataset.close.columns:
        raise DataError(f"no daily candles for {key} in {dataset.source}; "
                        f"available: {', '.join(map(str, dataset.close.columns))}")
    frame = (
        dataset.close[[key]].rename(columns={key: "close"})
        .join(dataset.open[key].rename("open"))
        .join(dataset.high[key].rename("high"))
        .join(dataset.low[key].rename("low"))
        .dropna()
        .tail(HISTORY_DAYS)
    )
    if len(frame) < 3:
        raise DataError(f"only {len(frame)} complete daily candles for {key} in "
                        f"{dataset.source}")
    estimate = volatility.volatility_estimate(frame["open"], frame["high"], frame["low"],
                                              frame["close"])
    notes: list[str] = []
    last_day = dataset.close.index[-1]
    if frame.index[-1] < last_day:
        notes.append(f"{key}: no candles since {frame.index[-1]:%Y-%m-%d} (data runs to "
                     f"{last_day:%Y-%m-%d}): this sigma describes that older period")
    as_of = dataset.as_of if dataset.as_of.tzinfo else dataset.as_of.replace(tzinfo=UTC)
    if (now or datetime.now(UTC)) - as_of > STALE_AFTER:
        notes.append(f"stale data: the last daily candle closed {as_of:%Y-%m-%d %H:%M} UTC; "
                     "run `rotation refresh` (or use --source demo)")
    contract: ContractSpec | None = dataset.contracts.get(key)
    return SymbolVolatility(key, dataset.source, estimate,
                            None if contract is None else contract.max_leverage, tuple(notes))
