"""=SLIPPAGE() and =DEPTH() as Excel calls them: the demo book, then live through real ccxt
against the emulator; expected values walk the same book by hand (core-independent)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rotation_addin import udfs
from rotation_addin.data.settings import Settings, save_settings
from rotation_addin.excel import context


@pytest.fixture(autouse=True)
def fresh_context(isolated_home: Path) -> Iterator[None]:
    context.clear()
    yield
    context.clear()


def _hand_slippage(bids: tuple, asks: tuple, notional: float, buy: bool) -> float:
    mid = (bids[0][0] + asks[0][0]) / 2
    left, amount = notional, 0.0
    for price, size in asks if buy else bids:
        take = min(left, price * size)
        amount += take / price
        left -= take
    average = notional / amount
    return average / mid - 1 if buy else 1 - average / mid


def test_demo_book_slippage_and_depth() -> None:
    book = context.dataset().order_books["RENDER"]
    assert udfs.SLIPPAGE("RENDER", 20_000) == pytest.approx(
        _hand_slippage(book.bids, book.asks, 20_000, True), rel=1e-12)
    assert udfs.SLIPPAGE("render", 20_000, "sell") == pytest.approx(
        _hand_slippage(book.bids, book.asks, 20_000, False), rel=1e-12)
    mid = (book.bids[0][0] + book.asks[0][0]) / 2
    header, values = udfs.DEPTH("RENDER", "1%")
    assert header == ["bid USD", "ask USD"]
    assert values[0] == pytest.approx(sum(p * q for p, q in book.bids if p >= mid * 0.99))
    assert values[1] == pytest.approx(sum(p * q for p, q in book.asks if p <= mid * 1.01))


def test_bad_input_and_a_thin_book_are_text_naming_the_cause() -> None:
    assert str(udfs.SLIPPAGE("RENDER", -5)).startswith("#INPUT notional")
    assert str(udfs.SLIPPAGE("RENDER", 100, "up")).startswith("#INPUT side")
    assert str(udfs.DEPTH("RENDER", 2)).startswith("#INPUT band")
    assert str(udfs.SLIPPAGE("RENDER", 100, None, "nowhere")).startswith("#INPUT venue")
    thin = str(udfs.SLIPPAGE("RENDER", 1e11))
    assert "book too thin" in thin and thin.startswith("#")


def test_live_book_through_ccxt_against_the_emulator() -> None:
    from tests.data.test_market_shapes import START, _market
    from tests.emulator.binance import BinanceEmulator
    from tests.emulator.listings import market_shapes

    now = datetime(2026, 10, 29, 12, 30, tzinfo=UTC)
    with BinanceEmulator(_market(), now=now, listings=market_shapes(START, now)) as emu:
        save_settings(Settings(data_source="cache", exchange_api_url=emu.base_url))
        context.clear()
        first = udfs.SLIPPAGE("PEPE", 5_000)
        again = [udfs.SLIPPAGE("PEPE", 5_000) for _ in range(20)]
        depth_requests = [r for r in emu.request_log if r.path == "/fapi/v1/depth"]
    book = _market().order_book("PEPE", 100)  # 1000PEPE's book, back in PEPE units
    assert first == pytest.approx(_hand_slippage(book.bids, book.asks, 5_000, True), rel=1e-9)
    assert again == [first] * 20 and len(depth_requests) == 1  # one book per TTL
