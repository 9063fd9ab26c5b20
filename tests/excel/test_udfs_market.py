"""CRYPTO_PRICE's fields, exchange prefixes, OHLCV intervals, FUNDING_HISTORY, cross liquidation.

Live figures are checked against what the loopback Binance emulator served (its raw JSON,
read over HTTP independently of ccxt) and counted there: one snapshot of all tickers per TTL
and one order book per distinct symbol per TTL, whatever the number of cells. History is
checked against the demo simulator's own candles and funding, aggregated here by hand.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rotation_addin import udfs
from rotation_addin.data.settings import Settings, save_settings
from rotation_addin.excel import context
from rotation_addin.excel.cell_errors import CellError


@pytest.fixture(autouse=True)
def fresh_context(isolated_home: Path) -> Iterator[None]:
    context.clear()
    yield
    context.clear()


def _raw(base_url: str, path: str) -> object:
    with urllib.request.urlopen(base_url + path, timeout=10) as answer:  # loopback only
        return json.loads(answer.read())


def test_price_fields_match_the_exchange_and_cost_one_request_each_per_ttl() -> None:
    from tests.emulator.binance import BinanceEmulator
    from tests.emulator.fixture_market import FixtureMarket

    days = pd.date_range("2024-01-01", periods=40, freq="D", tz="UTC")
    bases = ["BTC", "ETH", "RENDER"]
    prices = {b: pd.Series(np.linspace(10 + 5 * i, 14 + 5 * i, 40), index=days)
              for i, b in enumerate(bases)}
    with BinanceEmulator(FixtureMarket(prices)) as exchange:
        save_settings(Settings(data_source="demo", exchange_id="binanceusdm",
                               exchange_api_url=exchange.base_url, quote_ttl_s=3600.0))
        context.clear()
        cells = {(b, f): udfs.CRYPTO_PRICE(f"BINANCE:{b}", f)
                 for _ in range(50) for b in bases
                 for f in ("last", "mark", "index", "bid", "ask", "mid", "spread",
                           "change_24h", "volume_24h")}
        requests = [r.path for r in exchange.request_log]
        ticker = {t["symbol"]: t for t in _raw(exchange.base_url, "/fapi/v1/ticker/24hr")}
        premium = {p["symbol"]: p for p in _raw(exchange.base_url, "/fapi/v1/premiumIndex")}
        book = _raw(exchange.base_url, "/fapi/v1/depth?symbol=RENDERUSDT&limit=5")
    assert not any(isinstance(v, CellError) for v in cells.values()), cells
    # 1,350 cells: all tickers, all mark/index prices and all best bids/asks once each
    assert requests.count("/fapi/v1/ticker/24hr") == 1
    assert requests.count("/fapi/v1/premiumIndex") == 1
    assert requests.count("/fapi/v1/ticker/bookTicker") == 1
    assert len(requests) == 4, requests  # + the markets, once
    raw = ticker["RENDERUSDT"]
    assert cells["RENDER", "last"] == pytest.approx(float(raw["lastPrice"]))
    assert cells["RENDER", "change_24h"] == pytest.approx(float(raw["priceChangePercent"]) / 100)
    assert cells["RENDER", "volume_24h"] == pytest.approx(float(raw["quoteVolume"]))
    assert cells["RENDER", "mark"] == pytest.approx(float(premium["RENDERUSDT"]["markPrice"]))
    assert cells["RENDER", "index"] == pytest.approx(float(premium["RENDERUSDT"]["indexPrice"]))
    bid, ask = float(book["bids"][0][0]), float(book["asks"][0][0])
    assert (cells["RENDER", "bid"], cells["RENDER", "ask"]) == pytest.approx((bid, ask))
    assert cells["RENDER", "mid"] == pytest.approx((bid + ask) / 2)
    assert cells["RENDER", "spread"] == pytest.approx((ask - bid) / ((bid + ask) / 2))


def test_open_interest_matches_the_exchange_one_request_per_symbol_per_ttl() -> None:
    from tests.emulator.binance import BinanceEmulator
    from tests.emulator.fixture_market import FixtureMarket

    days = pd.date_range("2024-01-01", periods=40, freq="D", tz="UTC")
    bases = ["BTC", "ETH", "RENDER"]
    prices = {b: pd.Series(np.linspace(10 + 5 * i, 14 + 5 * i, 40), index=days)
              for i, b in enumerate(bases)}
    with BinanceEmulator(FixtureMarket(prices)) as exchange:
        save_settings(Settings(data_source="cache", exchange_id="binanceusdm",
                               exchange_api_url=exchange.base_url, quote_ttl_s=3600.0))
        context.clear()
        amounts = {b: udfs.OPEN_INTEREST(b) for _ in range(100) for b in bases}
        in_usd = udfs.OPEN_INTEREST("BINANCE:RENDER", "usd")
        mark = udfs.CRYPTO_PRICE("RENDER", "mark")
        requests = [r.path for r in exchange.request_log]
        raw = _raw(exchange.base_url, "/fapi/v1/openInterest?symbol=RENDERUSDT")
    assert requests.count("/fapi/v1/openInterest") == len(bases)  # 301 cells, 3 symbols
    assert amounts["RENDER"] == pytest.approx(float(raw["openInterest"]))  # type: ignore[index]
    assert in_usd == pytest.approx(amounts["RENDER"] * mark)


def test_prefix_errors_name_the_argument() -> None:
    unknown = udfs.CRYPTO_PRICE("NOWHERE:RENDER")
    assert isinstance(unknown, CellError) and unknown.code == "#VALUE!"
    assert unknown.reason.startswith("#INPUT symbol: exchange prefix NOWHERE:")
    # history comes from the configured source: a prefix naming another exchange is refused
    history = udfs.OHLCV("BYBIT:RENDER")
    assert history.code == "#VALUE!" and "drop the bybit prefix" in history.reason
    # a contract symbol is not a prefix
    assert udfs.CRYPTO_PRICE("RENDER/USDT:USDT") == udfs.CRYPTO_PRICE("RENDER")


def _demo() -> object:
    from rotation_addin.data.demo import demo_market

    data = context.dataset()
    end = pd.Timestamp(data.close.index[-1]).date()
    return demo_market(end=end, days=len(data.close), universe=data.universe)


def _iso(day: pd.Timestamp) -> str:
    """The date as a cell would hold it typed: ``2026-01-31``."""
    return f"{day:%Y-%m-%d}"


def _aggregate_by_hand(hourly: pd.DataFrame, key: np.ndarray) -> list[list[float]]:
    """open = first, high = max, low = min, close = last, volume = sum, per distinct key."""
    rows = []
    for value in np.unique(key):
        part = hourly[key == value]
        rows.append([part["open"].iloc[0], part["high"].max(), part["low"].min(),
                     part["close"].iloc[-1], part["volume_usd"].sum()])
    return rows


def test_ohlcv_intervals_and_ranges_match_the_simulator() -> None:
    hourly = _demo().hourly_candles("RENDER")  # type: ignore[attr-defined]
    day = hourly.index[-72].normalize()
    start, end = day.to_pydatetime(), (day + pd.Timedelta(hours=23)).to_pydatetime()
    four = udfs.OHLCV("RENDER", "4h", start, end)
    part = hourly[(hourly.index >= day) & (hourly.index < day + pd.Timedelta(days=1))]
    expected = _aggregate_by_hand(part, (part.index.hour // 4).to_numpy())
    assert [r[0] for r in four[1:]] == [(day + pd.Timedelta(hours=4 * i)).to_pydatetime()
                                        .replace(tzinfo=None) for i in range(6)]
    assert np.allclose([r[1:] for r in four[1:]], expected, rtol=1e-12)
    ones = udfs.OHLCV("RENDER", "1h", start, end)
    assert len(ones) == 25 and ones[1][4] == pytest.approx(part["close"].iloc[0])
    data = context.dataset()
    # 31 days from about a year back, on the demo's own calendar (it ends yesterday)
    first = pd.Timestamp(data.close.index[-340])
    daily = udfs.OHLCV("RENDER", "1d", _iso(first), _iso(first + pd.Timedelta(days=30)))
    assert len(daily) == 32 and daily[1][4] == pytest.approx(data.close.at[first, "RENDER"])
    monday = first + pd.Timedelta(days=(7 - first.day_of_week) % 7)
    weekly = udfs.OHLCV("RENDER", "1w", _iso(monday),
                        _iso(monday + pd.Timedelta(days=20)))  # three Monday weeks
    closes = data.close["RENDER"]
    for row in weekly[1:]:
        monday = pd.Timestamp(row[0], tz="UTC")
        week = closes[(closes.index >= monday) & (closes.index < monday + pd.Timedelta(days=7))]
        assert monday.day_of_week == 0 and row[4] == pytest.approx(week.iloc[-1])
        assert row[2] == pytest.approx(data.high["RENDER"][week.index].max())
    assert len(weekly) == 4


def test_funding_history_matches_the_simulator() -> None:
    rates = _demo().funding_history("BTC")["funding_rate"]  # type: ignore[attr-defined]
    day = pd.Timestamp(context.dataset().close.index[-281])  # its calendar ends yesterday
    table = udfs.FUNDING_HISTORY("BTC", _iso(day), _iso(day + pd.Timedelta(days=1)))
    expected = rates[(rates.index >= day) & (rates.index <= day + pd.Timedelta(days=1))]
    assert table[0] == ["time", "funding_rate"]
    assert [r[1] for r in table[1:]] == pytest.approx(expected.to_list())
    assert len(table) - 1 == 4  # 00, 08, 16 UTC on the day and 00 UTC the next
    recent = udfs.FUNDING_HISTORY("BTC")
    assert recent[-1][1] == pytest.approx(float(rates.iloc[-1]))


def test_cross_liquidation_matches_the_engine_and_the_hand_formula() -> None:
    from rotation_addin.core.liquidation import liquidation_price

    # cross, one position, flat MMR: WB + Q (P - EP) = MMR Q P  ->  P = (Q EP - WB) / (Q (1 - MMR))
    assert udfs.LIQUIDATION_PRICE("long", 100, 1, None, None, 0.004, "cross", 10) == \
        pytest.approx((100 - 10) / 0.996)
    engine = liquidation_price(side="short", entry_price_usd=50, quantity_base=3, mode="cross",
                               wallet_balance_usd=40, maintenance_margin_rate=0.01)
    assert udfs.LIQUIDATION_PRICE("short", 50, 3, "", None, "1%", "cross", 40) == \
        pytest.approx(engine.liquidation_price_usd)
    needs_wallet = udfs.LIQUIDATION_PRICE("long", 100, 1, 20, None, None, "cross")
    assert needs_wallet.code == "#VALUE!" and needs_wallet.startswith("#INPUT wallet:")
    stray = udfs.LIQUIDATION_PRICE("long", 100, 1, 20, None, None, None, 1000)
    assert stray.startswith("#INPUT wallet: is for cross mode only")
