"""The same ccxt client against a second dialect: ccxt's real ``bybit`` class on the Bybit v5
emulator, the market the Binance emulator serves. Expected numbers come from the source market
read directly; Bybit's public risk-limit tiers are the maintenance brackets there."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from rotation_addin.data.exchange import ExchangeClient
from rotation_addin.data.venues import cheapest, compare_venues
from tests.data.test_market_shapes import START, _market
from tests.emulator.binance import BinanceEmulator
from tests.emulator.bybit import RISK_TIERS, BybitEmulator
from tests.emulator.listings import market_shapes
from tests.emulator.okx import OkxEmulator

NOW = datetime(2026, 10, 29, 12, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def venues() -> Iterator[tuple[BinanceEmulator, BybitEmulator]]:
    shapes = market_shapes(START, NOW)
    with BinanceEmulator(_market(), now=NOW, listings=shapes) as binance, \
            BybitEmulator(_market(), now=NOW, listings=shapes) as bybit:
        yield binance, bybit


def test_bybit_through_ccxt_maps_shapes_and_serves_the_same_market(
    venues: tuple[BinanceEmulator, BybitEmulator]
) -> None:
    _, bybit = venues
    market = _market()

    async def run() -> tuple:
        async with ExchangeClient("bybit", api_base_url=bybit.base_url, max_retries=0) as c:
            specs = await c.load_markets()
            quarterlies = c.market_map.quarterlies("BTC") if c.market_map else ()
            candles = await c.fetch_ohlcv("PEPE", "1h", NOW - timedelta(hours=30))
            book = await c.fetch_order_book("RENDER", 50)
            funding = await c.fetch_funding_history("BTC", NOW - timedelta(days=30))
            tiers = await c.fetch_leverage_tiers(["BTC"])
            return specs, quarterlies, candles, book, funding, tiers

    specs, quarterlies, candles, book, funding, tiers = asyncio.run(run())
    assert set(specs) == {"BTC", "ETH", "PEPE", "RENDER"}
    assert specs["PEPE"].symbol == "1000PEPE/USDT:USDT"
    assert specs["RENDER"].symbol == "RENDER/USDT:USDT"  # not the settling RNDR
    assert [q.symbol for q in quarterlies] == ["BTC/USDT:USDT-261118", "BTC/USDT:USDT-270217"]
    hourly = market.hourly_candles("PEPE").loc[candles.candles.index]
    assert len(hourly) == 29  # closed hours only (12:00 is still open at 12:30)
    np.testing.assert_allclose(candles.candles[["open", "close", "volume"]],
                               hourly[["open", "close", "volume"]], rtol=1e-12)
    want = market.order_book("RENDER", 50)
    np.testing.assert_allclose(book.bids, want.bids, rtol=1e-12)
    history = market.funding_history("BTC")["funding_rate"]
    history = history[(history.index >= NOW - timedelta(days=30)) & (history.index <= NOW)]
    np.testing.assert_allclose(funding.rates.to_numpy(), history.to_numpy(), rtol=1e-12)
    assert tiers.available
    caps = [t["maxNotional"] for t in tiers.tiers["BTC"]]
    assert caps == [float(cap) for cap, _, _ in RISK_TIERS]


@pytest.mark.parametrize(("notional", "tier"), [(25_000.0, 0), (500_000.0, 1)])
def test_three_venues_side_by_side(venues: tuple[BinanceEmulator, BybitEmulator],
                                   notional: float, tier: int) -> None:
    binance, bybit = venues
    with OkxEmulator(_market(), now=NOW, listings=market_shapes(START, NOW)) as okx:
        rows = compare_venues("BTC", notional, venues=["binanceusdm", "bybit", "okx"],
                              api_urls={"binanceusdm": binance.base_url,
                                        "bybit": bybit.base_url, "okx": okx.base_url},
                              client_options={"max_retries": 0, "timeout_s": 2.0}, now=NOW)
    by_venue = {r.venue: r for r in rows}
    b, y, o = by_venue["binanceusdm"], by_venue["bybit"], by_venue["okx"]
    assert o.status == "ok" and o.symbol == "BTC/USDT:USDT"
    assert o.slippage == pytest.approx(b.slippage, rel=1e-12)
    assert o.bracket_source == "okx (published)"
    assert b.symbol == y.symbol == "BTC/USDT:USDT"
    # the same book on both: the same walk; the fee differs (ccxt's fee tables)
    assert y.slippage == pytest.approx(b.slippage, rel=1e-12)
    assert (y.bracket_max_leverage, y.bracket_mmr) == (RISK_TIERS[tier][2], RISK_TIERS[tier][1])
    assert y.bracket_source == "bybit (published)"
    diff = (y.taker_fee - b.taker_fee) * 2  # all else equal, the round trip differs by fees
    assert y.round_trip_cost - b.round_trip_cost == pytest.approx(diff, abs=1e-12)
    assert cheapest(rows) is min((b, y, o), key=lambda r: r.round_trip_cost)


def test_price_and_refresh_through_the_bybit_dialect(
    venues: tuple[BinanceEmulator, BybitEmulator], tmp_path: object
) -> None:
    from pathlib import Path

    from rotation_addin.core.universe import Universe
    from rotation_addin.data.cache import MarketCache
    from rotation_addin.data.quotes import QuoteService
    from rotation_addin.data.refresh import refresh_exchange
    from tests.emulator.harness import raw_get

    _, bybit = venues
    tickers = {t["symbol"]: t for t in raw_get(bybit.base_url, "/v5/market/tickers",
                                               category="linear").json()["result"]["list"]}
    service = QuoteService.for_exchange("bybit", api_base_url=bybit.base_url)
    assert service.quote("BTC").last_price_usd == float(tickers["BTCUSDT"]["lastPrice"])
    assert "BTCPERP" in tickers and "BTCUSDT-18NOV26" in tickers  # USDC perp, quarterly
    assert service.quote("PEPE").last_price_usd == pytest.approx(
        float(tickers["1000PEPEUSDT"]["lastPrice"]) / 1000)
    universe = Universe({"memes": ("PEPE", "LUNA"), "benchmark": ("BTC",)})
    with MarketCache(Path(str(tmp_path)) / "cache.sqlite3") as cache:
        summary = refresh_exchange(universe, exchange_id="bybit", cache=cache,
                                   api_base_url=bybit.base_url,
                                   history_days={"1d": 10, "1h": 2})
        assert summary.unlisted == ("LUNA",) and set(summary.symbols_ok) == {"PEPE", "BTC"}
        daily = cache.read_candles("bybit", "PEPE", "1d")
    source = _market().daily_candles("PEPE").loc[daily.index]
    np.testing.assert_allclose(daily["close"], source["close"], rtol=1e-12)
