"""Funding-rate history for the backtest: from the demo simulator or the refresh cache."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.data.cache import MarketCache


def demo_funding(dataset: MarketDataset) -> pd.DataFrame:
    """8-hourly funding rates (fraction) of the demo market behind ``dataset``, by base."""
    # deferred: demo simulator (~65 ms, -X importtime), demo source only: off the UDF import
    from rotation_addin.data.demo import demo_market

    end = pd.Timestamp(dataset.close.index[-1]).date()
    market = demo_market(end=end, days=len(dataset.close), universe=dataset.universe)
    columns = {base: market.funding_history(base)["funding_rate"] for base in dataset.bases}
    return pd.DataFrame(columns)


def cached_funding(dataset: MarketDataset, exchange_id: str,
                   cache_file: Path | str | None = None) -> pd.DataFrame:
    """Funding rates stored by ``rotation refresh`` for the dataset's bases (may be empty)."""
    with MarketCache(Path(cache_file) if cache_file is not None else None) as cache:
        columns = {base: cache.read_funding(exchange_id, base) for base in dataset.bases}
    columns = {b: s for b, s in columns.items() if len(s)}
    return pd.DataFrame(columns) if columns else pd.DataFrame()
