"""load_market: the demo, the cache (hand-written rows and a demo refresh), clear errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rotation_addin.core.dataset import MarketDataset, Ticker
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.types import ContractSpec
from rotation_addin.core.universe import Universe
from rotation_addin.data.cache import MarketCache
from rotation_addin.data.demo import demo_dataset
from rotation_addin.data.loader import dataset_freshness, load_market
from rotation_addin.data.refresh import refresh_demo

SMALL = Universe({"render": ("RENDER", "LPT"), "benchmark": ("BTC",)})


def candles(start: str, closes: list[float]) -> pd.DataFrame:
    close = np.array(closes, dtype=float)
    index = pd.date_range(start, periods=len(close), freq="D", tz="UTC")
    return pd.DataFrame({"open": close, "high": close * 1.02, "low": close * 0.98,
                         "close": close, "volume": np.full(len(close), 10.0),
                         "volume_usd": close * 10.0}, index=index)


def test_demo_source_is_the_demo_dataset() -> None:
    data = load_market("demo")
    assert isinstance(data, MarketDataset)
    assert data.source == "demo (simulated)" and data.is_demo
    assert data is demo_dataset()  # memoised: the same object every surface gets


def test_unknown_source_is_input_error() -> None:
    with pytest.raises(InputError, match="source: must be one of"):
        load_market("live")


def test_empty_cache_says_run_refresh(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="run `rotation refresh --exchange binanceusdm` first"):
        load_market("cache", universe=SMALL)
    with pytest.raises(DataError, match="does not exist: run `rotation refresh` first"):
        load_market("cache", cache_file=tmp_path / "nope.sqlite3")


def test_cache_dataset_from_written_rows(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    with MarketCache(path) as cache:
        btc = candles("2024-03-01", [100.0, 101.0, 102.0, 103.0, 104.0])
        cache.write_candles("binanceusdm", "BTC", "1d", btc, "binanceusdm")
        # RENDER misses 2024-03-03 (an exchange gap) and starts a day later
        render = candles("2024-03-02", [7.0, 7.2, 7.3, 7.4]).drop(pd.Timestamp("2024-03-03",
                                                                              tz="UTC"))
        cache.write_candles("binanceusdm", "RENDER", "1d", render, "binanceusdm")
        cache.write_candles("demo", "LPT", "1d", candles("2024-03-01", [9.0, 9.1]),
                            "demo (simulated)")
        spec = ContractSpec("BTC/USDT:USDT", "BTC", amount_step=0.001, price_tick=0.1)
        cache.write_markets("binanceusdm", {"BTC": spec}, "binanceusdm")
        stamp = datetime(2024, 3, 6, tzinfo=UTC)
        cache.write_tickers("binanceusdm", {"BTC": Ticker("BTC", 104.5, 104.6, 1e-4, 1e9,
                                                          stamp)}, "binanceusdm")
        days = pd.date_range("2024-03-01", periods=2, freq="D", tz="UTC")
        cache.write_series("macro", "btc_dominance", pd.Series([0.5, 0.51], index=days), "cg")
        cache.write_series("social_volume", "BTC", pd.Series([5.0, 6.0], index=days),
                           "demo (simulated)")

    data = load_market("cache", universe=SMALL, cache_file=path)
    assert data.source == "cache (binanceusdm)" and not data.is_demo
    assert list(data.close.columns) == ["RENDER", "BTC"]
    assert data.missing_symbols == ("LPT",)  # LPT only exists as demo data
    assert isinstance(data.close.index, pd.DatetimeIndex)
    assert data.close.index.name == "date" and str(data.close.index.tz) == "UTC"
    assert list(data.close.index) == list(pd.date_range("2024-03-01", "2024-03-05", freq="D",
                                                        tz="UTC"))
    # the gap (03-03) and the day before RENDER starts (03-01) are NaN rows
    assert data.close.loc[["2024-03-01", "2024-03-03"], "RENDER"].isna().all()
    assert data.close.loc["2024-03-05", "BTC"] == 104.0
    assert data.volume_usd.loc["2024-03-05", "BTC"] == 1040.0
    # last daily candle opened 2024-03-05 -> closed 2024-03-06 00:00 UTC
    assert data.as_of == datetime(2024, 3, 6, tzinfo=UTC)
    assert data.contracts == {"BTC": spec}
    assert data.tickers["BTC"].last_price_usd == 104.5
    assert list(data.macro.columns) == ["btc_dominance", "stablecoin_supply_usd", "equity_index"]
    assert list(data.macro["btc_dominance"].iloc[:3].fillna(-1)) == [0.5, 0.51, -1]
    assert data.macro["equity_index"].isna().all()
    # demo sentiment never leaks into a live dataset
    assert list(data.social_volume.columns) == ["RENDER", "BTC"]
    assert data.social_volume.isna().all().all()
    assert dataset_freshness(data, now=datetime(2024, 3, 7, tzinfo=UTC)) == timedelta(days=1)


def test_cached_demo_refresh_matches_the_demo_dataset(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite3"
    summary = refresh_demo(SMALL, cache=path)
    assert summary.ok
    cached = load_market("cache", exchange_id="demo", universe=SMALL, cache_file=path)
    direct = demo_dataset(universe=SMALL)
    assert cached.is_demo and "demo (simulated)" in cached.source
    assert cached.as_of == direct.as_of
    for name in ("open", "high", "low", "close", "volume_usd"):
        a, b = getattr(cached, name), getattr(direct, name)
        assert list(a.columns) == list(b.columns)
        assert list(a.index) == list(b.index)
        np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(cached.macro.to_numpy(),
                               direct.macro[list(cached.macro.columns)].to_numpy(), rtol=1e-12)
    assert cached.contracts == dict(direct.contracts)
    assert cached.tickers == dict(direct.tickers)
    assert cached.order_books == dict(direct.order_books)
