"""Market shapes of a real USDⓈ-M list, through real ccxt against the loopback emulator.

The emulator lists, beside each base's USDT perpetual: USDC perpetuals (0.03 % below),
quarterly delivery contracts (0.5 % and 2 % above), ``1000PEPE`` instead of PEPE, the old
``RNDR`` settling beside ``RENDER`` and a delisted ``LUNA``. Every expected number below is the
emulator's source series read directly (an independent path from the client's mapping).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import ccxt
import numpy as np
import pandas as pd
import pytest

from rotation_addin import udfs
from rotation_addin.core.universe import Universe
from rotation_addin.data.cache import MarketCache
from rotation_addin.data.exchange import ExchangeClient
from rotation_addin.data.markets import MarketMap, canonical_base, normalise_base
from rotation_addin.data.quotes import QuoteService, point_exchange_at
from rotation_addin.data.refresh import refresh_exchange
from rotation_addin.data.settings import Settings, save_settings
from rotation_addin.excel import context
from tests.emulator.binance import BinanceEmulator
from tests.emulator.fixture_market import FixtureMarket
from tests.emulator.harness import raw_get
from tests.emulator.listings import market_shapes

DAYS = pd.date_range("2026-09-01", periods=60, freq="D", tz="UTC", name="date")
START = {"BTC": 60_000.0, "ETH": 3_000.0, "PEPE": 1.2e-5, "RENDER": 7.0, "LUNA": 0.4}


def _market() -> FixtureMarket:
    rng = np.random.default_rng(5)
    return FixtureMarket({b: pd.Series(p * np.exp(np.cumsum(rng.normal(0, 0.03, len(DAYS)))),
                                       index=DAYS) for b, p in START.items()})


@pytest.fixture(scope="module")
def shaped() -> Iterator[BinanceEmulator]:
    market = _market()
    now = datetime(2026, 10, 29, 12, 30, tzinfo=UTC)
    with BinanceEmulator(market, now=now, listings=market_shapes(START, now)) as emu:
        yield emu


def _ccxt(emu: BinanceEmulator) -> ccxt.binanceusdm:
    exchange = ccxt.binanceusdm({"enableRateLimit": False})
    point_exchange_at(exchange, emu.base_url)
    exchange.load_markets()
    return exchange


def test_canonical_base_strips_multiples_and_applies_aliases() -> None:
    assert canonical_base("1000PEPE") == ("PEPE", 1000.0)
    assert canonical_base("1000000MOG") == ("MOG", 1e6)
    assert canonical_base("1MBABYDOGE") == ("BABYDOGE", 1e6)
    assert canonical_base("RNDR") == ("RENDER", 1.0)
    assert canonical_base("1INCH") == ("1INCH", 1.0)
    assert normalise_base("rndr") == "RENDER"


def test_ccxt_sees_every_shape(shaped: BinanceEmulator) -> None:
    markets = _ccxt(shaped).markets
    expiries = sorted(s for s in markets if s.startswith("BTC/USDT:USDT-"))
    assert {"BTC/USDT:USDT", "BTC/USDC:USDC", "1000PEPE/USDT:USDT", "RNDR/USDT:USDT",
            "RENDER/USDT:USDT", "LUNA/USDT:USDT"} <= set(markets)
    assert expiries == ["BTC/USDT:USDT-261118", "BTC/USDT:USDT-270217"]
    assert markets["BTC/USDT:USDT-261118"]["future"] and not markets["BTC/USDT:USDT"]["future"]
    assert markets["RNDR/USDT:USDT"]["active"] is False
    assert markets["LUNA/USDT:USDT"]["active"] is False
    assert "PEPE/USDT:USDT" not in markets


def test_the_mapping_chooses_by_quote_type_alias_and_multiple(shaped: BinanceEmulator) -> None:
    markets = _ccxt(shaped).markets.values()
    usdt = MarketMap.from_ccxt(markets, "USDT")
    assert usdt.perpetual("BTC").symbol == "BTC/USDT:USDT"
    assert MarketMap.from_ccxt(markets, "USDC").perpetual("BTC").symbol == "BTC/USDC:USDC"
    quarters = usdt.quarterlies("BTC")
    assert [q.symbol for q in quarters] == ["BTC/USDT:USDT-261118", "BTC/USDT:USDT-270217"]
    assert quarters[0].expiry == datetime(2026, 11, 18, 8, tzinfo=UTC)
    # renamed token: the settling old symbol is never chosen; the alias finds the new one
    assert usdt.perpetual("RENDER").symbol == "RENDER/USDT:USDT"
    assert usdt.perpetual("RNDR").symbol == "RENDER/USDT:USDT"
    pepe = usdt.perpetual("PEPE")
    assert pepe is not None and pepe.symbol == "1000PEPE/USDT:USDT" and pepe.multiplier == 1000
    assert pepe.contract_amount(5_000_000.0) == pytest.approx(5_000.0)
    # delisted: no contract, and said so
    assert usdt.perpetual("LUNA") is None
    assert usdt.status("LUNA") == "not trading (LUNA/USDT:USDT)"
    assert usdt.status("DOGE") == "not listed"
    assert set(usdt.perpetuals()) == {"BTC", "ETH", "PEPE", "RENDER"}


def test_price_is_the_usdt_perpetuals_on_a_list_holding_every_shape(
    shaped: BinanceEmulator, isolated_home: Path
) -> None:
    def last(symbol: str) -> float:
        return float(raw_get(shaped.base_url, "/fapi/v1/ticker/24hr", symbol=symbol)
                     .json()["lastPrice"])

    others = [last("BTCUSDC"), last(next(c.id for c in shaped.listings
                                          if c.id.startswith("BTCUSDT_")))]
    assert all(abs(o / last("BTCUSDT") - 1) > 1e-4 for o in others)  # distinguishable
    service = QuoteService.for_exchange(api_base_url=shaped.base_url)
    assert service.quote("BTC").last_price_usd == last("BTCUSDT")
    assert service.quote("RENDER").last_price_usd == last("RENDERUSDT")
    assert service.quote("RNDR").last_price_usd == last("RENDERUSDT")
    pepe_close = float(_market().hourly_candles("PEPE")["close"].loc[:shaped.now].iloc[-2])
    assert service.quote("PEPE").last_price_usd == pytest.approx(pepe_close, rel=1e-12)
    assert service.quote("PEPE").last_price_usd == pytest.approx(last("1000PEPEUSDT") / 1000)
    # the UDF, as Excel calls it
    context.clear()
    save_settings(Settings(data_source="cache", exchange_api_url=shaped.base_url))
    assert udfs.CRYPTO_PRICE("BTC") == last("BTCUSDT")
    assert udfs.FUNDING_RATE("BTC") == pytest.approx(float(raw_get(
        shaped.base_url, "/fapi/v1/premiumIndex", symbol="BTCUSDT").json()["lastFundingRate"]))
    context.clear()


def test_the_client_returns_1000pepe_in_pepe_units(shaped: BinanceEmulator) -> None:
    market = _market()

    async def run() -> tuple:
        async with ExchangeClient(api_base_url=shaped.base_url) as client:
            specs = await client.load_markets()
            book = await client.fetch_order_book("PEPE", 20)
            candles = await client.fetch_ohlcv("PEPE", "1h", datetime(2026, 10, 28, tzinfo=UTC))
            tickers = await client.fetch_tickers(["PEPE"])
            return specs, book, candles, tickers

    specs, book, candles, tickers = asyncio.run(run())
    source = market.contract_specs()["PEPE"]
    assert set(specs) == {"BTC", "ETH", "PEPE", "RENDER"}
    assert specs["PEPE"].symbol == "1000PEPE/USDT:USDT" and specs["PEPE"].base == "PEPE"
    assert specs["PEPE"].amount_step == pytest.approx(source.amount_step)
    assert specs["PEPE"].price_tick == pytest.approx(source.price_tick)
    assert specs["RENDER"].symbol == "RENDER/USDT:USDT"
    expected = market.order_book("PEPE", 20)
    np.testing.assert_allclose(book.bids, expected.bids, rtol=1e-12)
    np.testing.assert_allclose(book.asks, expected.asks, rtol=1e-12)
    hourly = market.hourly_candles("PEPE").loc[candles.candles.index]
    np.testing.assert_allclose(candles.candles[["open", "close", "volume", "volume_usd"]],
                               hourly[["open", "close", "volume", "volume_usd"]], rtol=1e-12)
    assert tickers["PEPE"].last_price_usd == pytest.approx(float(hourly["close"].iloc[-1]))


def test_refresh_maps_every_shape(shaped: BinanceEmulator, tmp_path: Path) -> None:
    universe = Universe({"memes": ("PEPE", "LUNA"), "render": ("RENDER",),
                         "benchmark": ("BTC", "ETH")})
    with MarketCache(tmp_path / "cache.sqlite3") as cache:
        summary = refresh_exchange(universe, cache=cache, api_base_url=shaped.base_url,
                                   history_days={"1d": 20, "1h": 3})
        assert summary.unlisted == ("LUNA",)
        assert "LUNA: not trading (LUNA/USDT:USDT) on binanceusdm" in summary.warnings
        assert set(summary.symbols_ok) == {"PEPE", "RENDER", "BTC", "ETH"}
        daily = cache.read_candles("binanceusdm", "PEPE", "1d")
        stored = cache.read_markets("binanceusdm")
    source = _market().daily_candles("PEPE").loc[daily.index]
    np.testing.assert_allclose(daily["close"], source["close"], rtol=1e-12)
    assert stored["PEPE"].symbol == "1000PEPE/USDT:USDT"


def test_positions_written_in_contract_units_become_base_units() -> None:
    from rotation_addin.data.positions import parse_journal, parse_positions

    text = ("symbol,side,quantity,entry_price,stop_price,take_profit_price,opened_at\n"
            "1000PEPE/USDT:USDT,long,5000,0.012,0.010,,2026-11-20\n"
            "RNDR/USDT:USDT,short,10,7.5,8,,2026-11-20\n")
    pepe, render = parse_positions(text)
    assert (pepe.base, pepe.quantity_base) == ("PEPE", 5_000_000.0)
    assert pepe.entry_price_usd == pytest.approx(0.012 / 1000)
    assert pepe.stop_price_usd == pytest.approx(0.010 / 1000)
    # the same risk either way: quantity x price is unchanged by the conversion
    assert pepe.quantity_base * pepe.entry_price_usd == pytest.approx(5000 * 0.012)
    assert render.base == "RENDER" and render.quantity_base == 10.0
    journal = ("symbol,side,quantity,entry_price,exit_price,opened_at,closed_at,"
               "realised_pnl_usd,reason\n"
               "1000PEPE/USDT:USDT,long,100,0.012,0.013,2026-11-01,2026-11-02,0.1,tp\n")
    (trade,) = parse_journal(journal)
    assert (trade.base, trade.quantity_base) == ("PEPE", 100_000.0)
    assert trade.exit_price_usd == pytest.approx(0.013 / 1000)


def test_books_and_funding_history_are_fetched_on_demand(
    shaped: BinanceEmulator, tmp_path: Path
) -> None:
    from rotation_addin.core.errors import InputError
    from rotation_addin.data.on_demand import fetch_execution_inputs

    market = _market()
    shaped.reset_counters()
    with MarketCache(tmp_path / "cache.sqlite3") as cache:
        inputs = fetch_execution_inputs("binanceusdm", "PEPE", api_base_url=shaped.base_url,
                                        cache=cache, funding_days=30)
        stored_book = cache.read_order_books("binanceusdm")["PEPE"]
        stored_funding = cache.read_funding("binanceusdm", "PEPE")
    assert inputs.symbol == "1000PEPE/USDT:USDT"
    want = market.order_book("PEPE", 100)
    np.testing.assert_allclose(inputs.book.asks, want.asks, rtol=1e-12)
    np.testing.assert_allclose(stored_book.bids, want.bids, rtol=1e-12)
    history = market.funding_history("PEPE")["funding_rate"]
    start = inputs.book.timestamp - pd.Timedelta(days=30)
    history = history[(history.index >= start) & (history.index <= shaped.now)]
    np.testing.assert_allclose(inputs.funding.to_numpy(), history.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(stored_funding.to_numpy(), history.to_numpy(), rtol=1e-12)
    assert {r.path for r in shaped.request_log} >= {"/fapi/v1/depth", "/fapi/v1/fundingRate"}
    with pytest.raises(InputError, match=r"symbol: LUNA is not trading \(LUNA/USDT:USDT\)"):
        fetch_execution_inputs("binanceusdm", "LUNA", api_base_url=shaped.base_url)
    with pytest.raises(InputError, match="symbol: DOGE is not listed"):
        fetch_execution_inputs("binanceusdm", "DOGE", api_base_url=shaped.base_url)


def test_sizing_and_liquidation_accept_a_quarterly(shaped: BinanceEmulator) -> None:
    from rotation_addin.core.brackets import default_bracket_table
    from rotation_addin.core.liquidation import liquidation_price
    from rotation_addin.core.sizing import position_size

    exchange = _ccxt(shaped)
    quarter = MarketMap.from_ccxt(exchange.markets.values()).quarterlies("BTC")[0]
    spec = quarter.spec(ExchangeClient._spec_from_market(exchange.markets[quarter.symbol]))
    assert spec.symbol == "BTC/USDT:USDT-261118" and spec.base == "BTC"
    price = float(exchange.fetch_ticker(quarter.symbol)["last"])
    size = position_size(equity_usd=10_000, entry_price_usd=price, stop_price_usd=price * 0.95,
                         side="long", leverage=5, contract=spec)
    # risk 2 % of 10,000 = 200 USD over a 5 % stop + fees/slippage: quantity on the step
    assert size.quantity_base > 0 and size.risk_usd <= 200.0 + 1e-9
    assert abs(size.quantity_base / spec.amount_step - round(size.quantity_base /
                                                             spec.amount_step)) < 1e-6
    liq = liquidation_price(side="long", entry_price_usd=price, quantity_base=size.quantity_base,
                            leverage=5, brackets=default_bracket_table(spec.symbol))
    assert liq.liquidation_price_usd < price * 0.95  # the stop comes first


def test_okx_contracts_count_in_contract_size() -> None:
    """OKX counts amounts in contracts (BTC-USDT-SWAP: 0.01 BTC each; PEPE-USDT-SWAP:
    10,000,000 PEPE): ccxt's real okx parser on OKX's instrument fields, then the mapping."""
    from rotation_addin.core.dataset import OrderBook
    from rotation_addin.core.execution import walk_book

    okx = ccxt.okx()
    common = {"instType": "SWAP", "settleCcy": "USDT", "ctMult": "1", "optType": "", "stk": "",
              "listTime": "1611916828000", "expTime": "", "lever": "50", "ctType": "linear",
              "alias": "", "state": "live", "baseCcy": "", "quoteCcy": "",
              "maxLmtSz": "100000000", "maxMktSz": "12000"}
    btc = okx.parse_market({**common, "instId": "BTC-USDT-SWAP", "uly": "BTC-USDT",
                            "instFamily": "BTC-USDT", "ctVal": "0.01", "ctValCcy": "BTC",
                            "tickSz": "0.1", "lotSz": "0.01", "minSz": "0.01"})
    pepe = okx.parse_market({**common, "instId": "PEPE-USDT-SWAP", "uly": "PEPE-USDT",
                             "instFamily": "PEPE-USDT", "ctVal": "10000000",
                             "ctValCcy": "PEPE", "tickSz": "0.0000000001", "lotSz": "0.1",
                             "minSz": "0.1"})
    mapping = MarketMap.from_ccxt([btc, pepe])
    btc_contract, pepe_contract = mapping.perpetual("BTC"), mapping.perpetual("PEPE")
    assert btc_contract.contract_size == 0.01 and pepe_contract.contract_size == 1e7
    assert btc_contract.amount(300.0) == pytest.approx(3.0)  # 300 contracts = 3 BTC
    assert pepe_contract.contract_amount(5e7) == pytest.approx(5.0)
    spec = btc_contract.spec(ExchangeClient._spec_from_market(btc))
    assert spec.amount_step == pytest.approx(0.0001) and spec.min_amount == pytest.approx(0.0001)
    # a book in contracts walks as the same book in BTC: 100 contracts at 60,000 = 60,000 USD
    raw = OrderBook("BTC", ((59_990.0, 100.0),), ((60_010.0, 100.0), (60_020.0, 500.0)),
                    datetime(2026, 1, 1, tzinfo=UTC))
    book = btc_contract.book(raw)
    assert book.asks[0] == pytest.approx((60_010.0, 1.0))
    walk = walk_book(book.bids, book.asks, 120_020.0, "buy")
    assert walk.filled_amount == pytest.approx(1.0 + 60_010.0 / 60_020.0)
