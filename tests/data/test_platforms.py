"""``rotation platforms``: venues side by side, through real ccxt against the emulator.

Expected figures are recomputed here from the emulator's source market (its book and
funding history, read directly) with a hand walk of the book, independent of the client.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from rotation_addin.cli.main import main
from rotation_addin.core.brackets import default_bracket_table
from rotation_addin.core.errors import InputError
from rotation_addin.data.venues import cheapest, compare_venues
from tests.data.test_market_shapes import START, _market
from tests.data.venue_helpers import QUICK, hand_walk
from tests.emulator.binance import BinanceEmulator
from tests.emulator.listings import market_shapes

NOW = datetime(2026, 10, 29, 12, 30, tzinfo=UTC)
DEAD = "http://127.0.0.1:9"  # nothing listens: a venue that cannot be reached (no network)


@pytest.fixture(scope="module")
def emu() -> Iterator[BinanceEmulator]:
    with BinanceEmulator(_market(), now=NOW, listings=market_shapes(START, NOW)) as server:
        yield server


def test_a_row_per_venue_with_hand_checked_figures(emu: BinanceEmulator) -> None:
    rows = compare_venues("RENDER", 25_000.0, side="long", venues=["binanceusdm", "bybit"],
                          holding_days=7.0, api_urls={"binanceusdm": emu.base_url,
                                                      "bybit": DEAD},
                          client_options=QUICK, now=NOW)
    binance, bybit = rows
    assert bybit.status.startswith("unavailable") and bybit.round_trip_cost is None
    assert binance.status == "ok" and binance.symbol == "RENDER/USDT:USDT"
    market = _market()
    book = market.order_book("RENDER", 100)
    mid = (book.bids[0][0] + book.asks[0][0]) / 2
    buy = hand_walk(book.asks, 25_000.0) / mid - 1
    sell = 1 - hand_walk(book.bids, 25_000.0) / mid
    history = market.funding_history("RENDER")["funding_rate"]
    window = history[(history.index >= NOW - timedelta(days=30)) & (history.index <= NOW)]
    mean = float(window.mean())
    assert binance.slippage == pytest.approx(buy, rel=1e-9)
    assert binance.funding_mean_30d == pytest.approx(mean, rel=1e-9)
    expected = 2 * 0.0005 + buy + sell + mean * 7 * 3
    assert binance.round_trip_cost == pytest.approx(expected, rel=1e-9)
    assert binance.round_trip_cost_usd == pytest.approx(expected * 25_000.0, rel=1e-9)
    half_bid = sum(p * q for p, q in book.bids if p >= mid * 0.995)
    assert binance.depth_half_pct_usd[0] == pytest.approx(half_bid, rel=1e-9)
    # Binance's brackets need an API key: the bundled schedule prices the size
    bracket = default_bracket_table("RENDER").for_notional(25_000.0)
    assert (binance.bracket_max_leverage, binance.bracket_mmr) == (
        bracket.max_leverage, bracket.maintenance_margin_rate)
    assert cheapest(rows) is binance


def test_unlisted_delisted_and_too_thin_are_said(emu: BinanceEmulator) -> None:
    urls = {"binanceusdm": emu.base_url}
    (row,) = compare_venues("DOGE", 100.0, venues=["binanceusdm"], api_urls=urls)
    assert row.status == "not listed"
    (row,) = compare_venues("LUNA", 100.0, venues=["binanceusdm"], api_urls=urls)
    assert row.status == "not trading (LUNA/USDT:USDT)"
    (row,) = compare_venues("PEPE", 1e9, venues=["binanceusdm"], api_urls=urls)
    assert row.too_thin and row.round_trip_cost is None and row.symbol == "1000PEPE/USDT:USDT"
    assert cheapest([row]) is None


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"notional_usd": 0.0}, "notional"), ({"notional_usd": -5.0}, "notional"),
    ({"notional_usd": 1e15}, "notional"), ({"venues": ["nope"]}, "venues"),
    ({"side": "up"}, "side"), ({"symbol": "BT C"}, "symbol"),
])
def test_bad_input_names_the_field(kwargs: dict, field: str) -> None:
    call = {"symbol": "BTC", "notional_usd": 100.0, "venues": ["binanceusdm"], **kwargs}
    with pytest.raises(InputError) as info:
        compare_venues(call.pop("symbol"), call.pop("notional_usd"), **call)
    assert info.value.field == field


def test_cli_table_json_and_errors(emu: BinanceEmulator, capsys: pytest.CaptureFixture) -> None:
    url = ["--api-url", f"binanceusdm={emu.base_url}", "--venues", "binanceusdm"]
    assert main(["platforms", "RNDR", "--notional", "5000", "--side", "sell", *url]) == 0
    out = capsys.readouterr().out
    assert "RENDER/USDT:USDT" in out and "cheapest round trip: binanceusdm" in out
    assert main(["platforms", "BTC", "--notional", "5000", "--json", *url]) == 0
    payload = json.loads(capsys.readouterr().out)
    (row,) = payload["venues"]
    assert payload["cheapest"] == "binanceusdm" and row["symbol"] == "BTC/USDT:USDT"
    assert main(["platforms", "BTC", "--notional", "-1", *url]) == 2
    err = capsys.readouterr().err
    assert "notional" in err and "Traceback" not in err
    assert main(["platforms", "BTC", "--notional", "10", "--venues", "nowhere"]) == 2
    assert "venues" in capsys.readouterr().err


def test_quarterlies_beside_the_perpetual(emu: BinanceEmulator,
                                          capsys: pytest.CaptureFixture) -> None:
    from rotation_addin.data.quarterlies import quarterly_rows
    from tests.emulator.harness import raw_get

    def last(symbol: str) -> float:
        return float(raw_get(emu.base_url, "/fapi/v1/ticker/24hr", symbol=symbol)
                     .json()["lastPrice"])

    near, far = quarterly_rows("binanceusdm", "BTC", 10_000.0, api_base_url=emu.base_url)
    assert near.view.symbol == "BTC/USDT:USDT-261118"
    days = (datetime(2026, 11, 18, 8, tzinfo=UTC) - NOW).total_seconds() / 86_400
    basis = last("BTCUSDT_261118") / last("BTCUSDT") - 1
    assert near.view.days_to_expiry == pytest.approx(days)
    assert near.view.basis == pytest.approx(basis) and basis == pytest.approx(0.005, rel=1e-9)
    assert near.view.annualised_basis == pytest.approx(basis * 365 / days)
    assert near.view.roll_warning is None and far.view.basis == pytest.approx(0.02, rel=1e-9)
    # no funding on a dated contract: the round trip is fees + walked slippage only
    assert near.round_trip_cost == pytest.approx(2 * near.taker_fee + _slippages(emu, near))
    soon = quarterly_rows("binanceusdm", "BTC", 10_000.0, api_base_url=emu.base_url,
                          now=datetime(2026, 11, 15, 8, tzinfo=UTC))
    assert soon[0].view.roll_warning is not None and "expires in 3.0 days" in \
        soon[0].view.roll_warning
    assert quarterly_rows("binanceusdm", "RENDER", 100.0, api_base_url=emu.base_url) == []
    url = ["--api-url", f"binanceusdm={emu.base_url}", "--venues", "binanceusdm"]
    assert main(["platforms", "BTC", "--notional", "10000", *url]) == 0
    assert "BTC/USDT:USDT-270217" in capsys.readouterr().out


def _slippages(emu: BinanceEmulator, row: object) -> float:
    book = emu.book_of(next(c for c in emu.listings if c.id == "BTCUSDT_261118"), 100)
    mid = (book.bids[0][0] + book.asks[0][0]) / 2
    return (hand_walk(book.asks, 10_000.0) / mid - 1) + (1 - hand_walk(book.bids, 10_000.0)
                                                           / mid)


def test_plan_shows_each_orders_cheapest_venue(isolated_home: object,
                                               capsys: pytest.CaptureFixture) -> None:
    import numpy as np
    import pandas as pd

    from rotation_addin.data.universe_io import load_universe
    from tests.emulator.fixture_market import FixtureMarket

    days = pd.date_range("2026-09-01", periods=40, freq="D", tz="UTC")
    market = FixtureMarket({b: pd.Series(np.linspace(10, 12, 40), index=days)
                            for b in load_universe().bases})
    with BinanceEmulator(market) as server:
        url = ["--venues", "binanceusdm", "--venue-api-url", f"binanceusdm={server.base_url}"]
        assert main(["plan", "--equity", "20000", "--json", *url]) == 0
        payload = json.loads(capsys.readouterr().out)
        orders = [o for o in payload["orders"] if o["notional_usd"] > 0]
        assert orders and len(payload["cheapest_venues"]) == len(orders)
        for order, venue in zip(orders, payload["cheapest_venues"], strict=True):
            (row,) = compare_venues(order["base"], order["notional_usd"],
                                    side=order["order_side"], venues=["binanceusdm"],
                                    api_urls={"binanceusdm": server.base_url})
            assert venue["venue"] == "binanceusdm" and venue["symbol"] == row.symbol
            assert venue["round_trip_cost"] == pytest.approx(row.round_trip_cost)
        assert main(["plan", "--equity", "20000", *url]) == 0
        assert "cheapest venue" in capsys.readouterr().out


def test_a_size_below_the_venues_minimum_is_said_and_not_cheapest(
        emu: BinanceEmulator, capsys: pytest.CaptureFixture) -> None:
    """0.001 USD of RENDER was priced 'cheapest round trip ... 0.00 USD', a size no venue
    takes; now the row says which minimum it is below and no venue is cheapest."""
    urls = {"binanceusdm": emu.base_url}
    (row,) = compare_venues("RENDER", 0.001, venues=["binanceusdm"], api_urls=urls,
                            client_options=QUICK, now=NOW)
    assert row.min_notional_usd is not None and row.min_notional_usd > 0.001
    assert row.status == f"below the minimum notional {row.min_notional_usd:g} USD"
    assert cheapest([row]) is None
    (big,) = compare_venues("RENDER", 25_000.0, venues=["binanceusdm"], api_urls=urls,
                            client_options=QUICK, now=NOW)
    assert big.status == "ok" and cheapest([big]) is big
    url = ["--api-url", f"binanceusdm={emu.base_url}", "--venues", "binanceusdm"]
    assert main(["platforms", "RENDER", "--notional", "0.001", *url]) == 4  # nothing priced
    said = capsys.readouterr()
    assert "below the minimum notional" in said.out and "cheapest round trip" not in said.out
    assert "the size below its minimum" in said.err
