"""A third dialect: ccxt's real ``okx`` class on the OKX v5 emulator, the market the Binance
and Bybit emulators serve. OKX counts amounts in contracts of ``ctVal`` coins and publishes
its position tiers in contracts; expected numbers come from the source market read directly
(and the emulator's raw answers read with urllib), with a hand walk of the book."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from rotation_addin.cli.main import main
from rotation_addin.data.exchange import ExchangeClient
from rotation_addin.data.venues import compare_many_async, compare_venues
from tests.data.test_market_shapes import START, _market
from tests.data.venue_helpers import QUICK, hand_walk
from tests.emulator.binance import BinanceEmulator
from tests.emulator.fixture_market import FixtureMarket
from tests.emulator.harness import raw_get
from tests.emulator.listings import market_shapes
from tests.emulator.okx import OKX_LIMITS_PER_2S, TIER_CAPS_USD, OkxEmulator

NOW = datetime(2026, 10, 29, 12, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def venues() -> Iterator[tuple[BinanceEmulator, OkxEmulator]]:
    shapes = market_shapes(START, NOW)
    with BinanceEmulator(_market(), now=NOW, listings=shapes) as binance, \
            OkxEmulator(_market(), now=NOW, listings=shapes) as okx:
        yield binance, okx


def _raw(okx: OkxEmulator, path: str, **params: object) -> list[dict]:
    answer = raw_get(okx.base_url, path, **params)
    body = json.loads(answer.body)
    assert answer.status == 200 and body["code"] == "0", body
    return body["data"]  # type: ignore[no-any-return]


def test_markets_and_contract_sizes_carried_into_prices_and_sizes(
    venues: tuple[BinanceEmulator, OkxEmulator]
) -> None:
    _, okx = venues
    market = _market()

    async def run() -> tuple:
        async with ExchangeClient("okx", api_base_url=okx.base_url, **QUICK) as c:
            specs = await c.load_markets()
            quarterlies = c.market_map.quarterlies("BTC") if c.market_map else ()
            status = c.market_map.status("LUNA") if c.market_map else ""
            books = {b: await c.fetch_order_book(b, 50) for b in ("BTC", "PEPE")}
            funding = await c.fetch_funding_history("BTC", NOW - timedelta(days=30))
            return specs, quarterlies, status, books, funding

    specs, quarterlies, status, books, funding = asyncio.run(run())
    assert set(specs) == {"BTC", "ETH", "PEPE", "RENDER"}
    assert status == "not listed"  # OKX drops a delisted instrument from its list
    assert specs["PEPE"].symbol == "PEPE/USDT:USDT"  # OKX lists the coin, 10M a contract
    assert specs["RENDER"].symbol == "RENDER/USDT:USDT"  # not the suspended RNDR
    assert [q.symbol for q in quarterlies] == ["BTC/USDT:USDT-261118", "BTC/USDT:USDT-270217"]
    swaps = {i["instId"]: i for i in _raw(okx, "/api/v5/public/instruments", instType="SWAP")}
    assert {"BTC-USDC-SWAP", "PEPE-USDT-SWAP", "RNDR-USDT-SWAP"} <= set(swaps)
    assert swaps["RNDR-USDT-SWAP"]["state"] == "suspend" and "LUNA-USDT-SWAP" not in swaps
    for base, cid in (("BTC", "BTC-USDT-SWAP"), ("PEPE", "PEPE-USDT-SWAP")):
        ct_val = float(swaps[cid]["ctVal"])
        # the spec in coins: OKX's lot of contracts × the contract value
        assert specs[base].amount_step == pytest.approx(float(swaps[cid]["lotSz"]) * ct_val)
        (raw_book,) = _raw(okx, "/api/v5/market/books", instId=cid, sz=50)
        want = market.order_book(base, 50)
        served = np.array(raw_book["bids"], dtype=float)[:, :2]
        np.testing.assert_allclose(served[:, 1] * ct_val, [q for _, q in want.bids], rtol=1e-9)
        np.testing.assert_allclose(books[base].bids, want.bids, rtol=1e-9)  # back in coins
        np.testing.assert_allclose(books[base].asks, want.asks, rtol=1e-9)
    assert float(swaps["BTC-USDT-SWAP"]["ctVal"]) == 0.01
    history = market.funding_history("BTC")["funding_rate"]
    history = history[(history.index >= NOW - timedelta(days=30)) & (history.index <= NOW)]
    np.testing.assert_allclose(funding.rates.to_numpy(), history.to_numpy(), rtol=1e-12)


@pytest.mark.parametrize(("notional", "tier"), [(25_000.0, 0), (500_000.0, 1)])
def test_platforms_row_walks_the_book_and_prices_published_tiers(
    venues: tuple[BinanceEmulator, OkxEmulator], notional: float, tier: int
) -> None:
    binance, okx = venues
    rows = compare_venues("BTC", notional, venues=["binanceusdm", "okx"],
                          api_urls={"binanceusdm": binance.base_url, "okx": okx.base_url},
                          client_options=QUICK, now=NOW)
    b, o = rows
    assert o.status == "ok" and o.symbol == "BTC/USDT:USDT"
    book = _market().order_book("BTC", 100)
    mid = (book.bids[0][0] + book.asks[0][0]) / 2
    assert o.average_price == pytest.approx(hand_walk(book.asks, notional), rel=1e-9)
    assert o.slippage == pytest.approx(hand_walk(book.asks, notional) / mid - 1, rel=1e-9)
    assert o.slippage == pytest.approx(b.slippage, rel=1e-12)  # the same book on both
    # OKX's tiers count contracts: cap × 0.01 BTC × mid is the USD size of each tier
    tiers = _raw(okx, "/api/v5/public/position-tiers", instType="SWAP", tdMode="cross",
                 instFamily="BTC-USDT")
    caps_usd = [float(t["maxSz"]) * 0.01 * mid for t in tiers]
    chosen = next(i for i, cap in enumerate(caps_usd) if notional <= cap)
    assert chosen == tier
    assert (o.bracket_max_leverage, o.bracket_mmr) == (TIER_CAPS_USD[tier][2],
                                                       TIER_CAPS_USD[tier][1])
    assert o.bracket_source == "okx (published)"
    history = _market().funding_history("BTC")["funding_rate"]
    window = history[(history.index >= NOW - timedelta(days=30)) & (history.index <= NOW)]
    assert o.funding_mean_30d == pytest.approx(float(window.mean()), rel=1e-9)
    assert o.funding_now == pytest.approx(float(window.iloc[-1]), rel=1e-12)


def test_cli_row_for_okx_is_filled_and_a_missing_contract_is_said(
    venues: tuple[BinanceEmulator, OkxEmulator], capsys: pytest.CaptureFixture
) -> None:
    binance, okx = venues
    url = ["--api-url", f"binanceusdm={binance.base_url}", "--api-url", f"okx={okx.base_url}",
           "--venues", "binanceusdm,okx"]
    assert main(["platforms", "PEPE", "--notional", "2000", "--json", *url]) == 0
    payload = json.loads(capsys.readouterr().out)
    by_venue = {r["venue"]: r for r in payload["venues"]}
    assert by_venue["okx"]["status"] == "ok" and by_venue["okx"]["symbol"] == "PEPE/USDT:USDT"
    assert by_venue["binanceusdm"]["symbol"] == "1000PEPE/USDT:USDT"
    # prices and sizes in coins on both: the same walk of the same book
    assert by_venue["okx"]["slippage"] == pytest.approx(by_venue["binanceusdm"]["slippage"],
                                                        rel=1e-9)
    (row,) = compare_venues("LUNA", 100.0, venues=["okx"], api_urls={"okx": okx.base_url},
                            client_options=QUICK)
    assert row.status == "not listed" and row.round_trip_cost is None
    (row,) = compare_venues("DOGE", 100.0, venues=["okx"], api_urls={"okx": okx.base_url},
                            client_options=QUICK)
    assert row.status == "not listed"


def test_emulator_answers_429_50011_past_an_endpoint_limit() -> None:
    with OkxEmulator(_market(), now=NOW, window_s=30.0) as okx:
        limit = OKX_LIMITS_PER_2S["/api/v5/public/position-tiers"]
        answers = [raw_get(okx.base_url, "/api/v5/public/position-tiers", instType="SWAP",
                           tdMode="cross", instFamily="BTC-USDT") for _ in range(limit + 1)]
        assert [a.status for a in answers] == [200] * limit + [429]
        assert json.loads(answers[-1].body)["code"] == "50011"
        # another endpoint has its own window
        assert raw_get(okx.base_url, "/api/v5/market/books", instId="BTC-USDT-SWAP",
                       sz=5).status == 200


def test_client_paces_each_endpoint_with_zero_429s() -> None:
    """12 symbols: the 10-per-window endpoints (funding history, tiers) need a second window,
    so the client must wait; it does, and the emulator never answers 429."""
    end = datetime(2025, 6, 2, tzinfo=UTC)
    now = datetime(2025, 6, 1, 12, 30, tzinfo=UTC)
    market = FixtureMarket.synthetic(12, end=end, days=40, seed=3)
    window = 0.4
    with OkxEmulator(market, now=now, window_s=window) as okx:
        time.sleep(window)
        started = time.perf_counter()
        rows = asyncio.run(compare_many_async(
            list(market.bases), 10_000.0, venues=["okx"], api_urls={"okx": okx.base_url},
            client_options={"okx": {"endpoint_window_s": window, "weight_margin_s": 0.05}},
            now=now))
        elapsed = time.perf_counter() - started
        assert okx.count_429 == 0
        counts: dict[str, int] = {}
        for request in okx.request_log:
            counts[request.path] = counts.get(request.path, 0) + 1
    assert all(per[0].status == "ok" for per in rows.values())
    assert counts["/api/v5/public/position-tiers"] == 12
    assert elapsed >= window  # the 11th tiers request had to wait for the window
