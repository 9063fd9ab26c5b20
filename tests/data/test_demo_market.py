"""Demo market: determinism, artifact consistency, labels."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.core.errors import InputError
from rotation_addin.data.demo import DEFAULT_SEED, DemoMarket, demo_dataset
from rotation_addin.data.universe_io import default_universe

END = dt.date(2025, 6, 30)


@pytest.fixture(scope="module")
def market() -> DemoMarket:
    return DemoMarket(seed=DEFAULT_SEED, days=1100, end=END)


def test_same_seed_identical_different_seed_differs(market: DemoMarket) -> None:
    again = DemoMarket(seed=DEFAULT_SEED, days=1100, end=END)
    pd.testing.assert_frame_equal(market.daily_candles("RENDER"), again.daily_candles("RENDER"))
    pd.testing.assert_frame_equal(market.macro(), again.macro())
    pd.testing.assert_frame_equal(market.social_volume(), again.social_volume())
    other = DemoMarket(seed=DEFAULT_SEED + 1, days=1100, end=END)
    assert not np.allclose(
        market.daily_candles("RENDER")["close"], other.daily_candles("RENDER")["close"]
    )


def test_values_do_not_depend_on_end_date(market: DemoMarket) -> None:
    shifted = DemoMarket(seed=DEFAULT_SEED, days=1100, end=END + dt.timedelta(days=40))
    a = market.daily_candles("FET").to_numpy()
    b = shifted.daily_candles("FET").to_numpy()
    np.testing.assert_array_equal(a, b)
    assert shifted.dates[-1] == pd.Timestamp(END + dt.timedelta(days=40), tz="UTC")


def test_order_of_calls_does_not_change_values() -> None:
    first = DemoMarket(seed=7, days=200, end=END)
    fet_first = first.hourly_candles("FET")
    second = DemoMarket(seed=7, days=200, end=END)
    second.hourly_candles("BTC")
    pd.testing.assert_frame_equal(fet_first, second.hourly_candles("FET"))


def test_daily_index_and_columns(market: DemoMarket) -> None:
    daily = market.daily_candles("BTC")
    assert list(daily.columns) == ["open", "high", "low", "close", "volume", "volume_usd"]
    assert daily.index.name == "date"
    assert str(daily.index.tz) == "UTC"
    assert len(daily) == 1100
    assert daily.index.is_monotonic_increasing and daily.index.is_unique
    assert daily.index[-1] == pd.Timestamp(END, tz="UTC")
    assert (daily.index == daily.index.normalize()).all()


@pytest.mark.parametrize("base", ["BTC", "RENDER", "ATH", "TAO"])
def test_hourly_aggregates_to_daily(market: DemoMarket, base: str) -> None:
    hourly = market.hourly_candles(base)
    assert len(hourly) == 1100 * 24  # >= 3 years of hours
    assert hourly.index[1] - hourly.index[0] == pd.Timedelta(hours=1)
    agg = hourly.resample("1D").agg(
        {
            "open": "first",
            "high": "max",
            "low": "min",
            "close": "last",
            "volume": "sum",
            "volume_usd": "sum",
        }
    )
    daily = market.daily_candles(base)
    pd.testing.assert_index_equal(agg.index, daily.index, check_names=False)
    np.testing.assert_allclose(agg.to_numpy(), daily.to_numpy(), rtol=1e-12)
    # continuity: each hour opens at the previous hour's close
    np.testing.assert_allclose(hourly["open"].to_numpy()[1:], hourly["close"].to_numpy()[:-1])


@pytest.mark.parametrize("base", ["BTC", "GLM", "KAS"])
def test_candle_invariants(market: DemoMarket, base: str) -> None:
    for frame in (market.daily_candles(base), market.hourly_candles(base)):
        values = frame.to_numpy()
        assert np.isfinite(values).all()
        assert (values > 0).all()
        assert (frame["high"] >= frame[["open", "close"]].max(axis=1)).all()
        assert (frame["low"] <= frame[["open", "close"]].min(axis=1)).all()
        typical_low, typical_high = frame["volume"] * frame["low"], frame["volume"] * frame["high"]
        assert (
            (frame["volume_usd"] >= typical_low * (1 - 1e-9))
            & (frame["volume_usd"] <= typical_high * (1 + 1e-9))
        ).all()


def test_contracts_tickers_books_funding(market: DemoMarket) -> None:
    specs = market.contract_specs()
    tickers = market.tickers()
    assert set(specs) == set(market.universe.bases) == set(tickers)
    for base, spec in specs.items():
        last = market.daily_candles(base)["close"].iloc[-1]
        assert spec.symbol == f"{base}/USDT:USDT"
        assert spec.min_notional_usd >= 5.0
        assert spec.taker_fee_rate == 0.0005 and spec.maker_fee_rate == 0.0002
        assert spec.price_tick / last < 1e-3  # tick is a small fraction of the price
        assert spec.amount_step * last < 150  # one step is a small order (BTC: 0.001 BTC)
        assert tickers[base].last_price_usd == pytest.approx(last)
        assert abs(tickers[base].mark_price_usd / last - 1) < 0.01
    book = market.order_book("RENDER", depth=100)
    assert len(book.asks) == 100 and len(book.bids) == 100
    assert book.bids[0][0] < book.asks[0][0]
    assert all(a[0] < b[0] for a, b in zip(book.asks, book.asks[1:], strict=False))
    assert all(a[0] > b[0] for a, b in zip(book.bids, book.bids[1:], strict=False))
    assert all(size > 0 for _, size in book.bids + book.asks)
    funding = market.funding_history("RENDER")
    assert list(funding.columns) == ["funding_rate", "mark_price"]
    assert len(funding) == 1100 * 3
    assert (funding.index[1] - funding.index[0]) == pd.Timedelta(hours=8)
    assert funding["funding_rate"].abs().max() <= 0.0075
    hourly = market.hourly_candles("RENDER")
    np.testing.assert_allclose(
        funding["mark_price"].to_numpy(), hourly.loc[funding.index, "open"].to_numpy()
    )


def test_macro_and_sentiment_shapes(market: DemoMarket) -> None:
    macro = market.macro()
    assert list(macro.columns) == ["btc_dominance", "stablecoin_supply_usd", "equity_index"]
    assert macro["btc_dominance"].between(0, 1).all()
    assert (macro["stablecoin_supply_usd"] > 0).all()
    for frame in (market.social_volume(), market.onchain_activity()):
        assert list(frame.columns) == list(market.universe.bases)
        assert (frame >= 0).all().all()
        assert frame.index.equals(market.dates)


def test_demo_dataset_contract() -> None:
    dataset = demo_dataset(end=END)
    assert dataset.source == DEMO_SOURCE_LABEL
    assert dataset.is_demo
    assert dataset.universe == default_universe()
    assert dataset.bases == default_universe().bases
    assert dataset.missing_symbols == ()
    assert dataset.as_of == dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
    for frame in (dataset.open, dataset.high, dataset.low, dataset.close, dataset.volume_usd):
        assert list(frame.columns) == list(dataset.universe.bases)
        assert frame.index.name == "date" and str(frame.index.tz) == "UTC"
    assert demo_dataset(end=END) is dataset  # memoised
    market = DemoMarket(end=END)
    np.testing.assert_array_equal(
        dataset.close["AKT"].to_numpy(), market.daily_candles("AKT")["close"].to_numpy()
    )


def test_bad_arguments_are_input_errors() -> None:
    with pytest.raises(InputError, match="days"):
        DemoMarket(days=10)
    with pytest.raises(InputError, match="seed"):
        DemoMarket(seed=-1)
    with pytest.raises(InputError, match="base"):
        DemoMarket(days=200).daily_candles("DOGE")
