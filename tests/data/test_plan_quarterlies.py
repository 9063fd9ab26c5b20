"""The plan's venue choice considers quarterly (dated) contracts as instruments.

The loopback Binance emulator lists BTC's perpetual and two quarterlies at a constant 0.5 %
and 2 % premium (``tests/emulator/listings.py``). Hand references: basis = premium - 1; days
to expiry from the emulator's clock; carry = side · basis · holding / days left; the walked
slippage of both legs re-walked here with numpy on the book the emulator serves.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace

import numpy as np
import pytest

from rotation_addin.core.quarterly import basis_carry
from rotation_addin.data.venues import cheapest
from rotation_addin.desk.venues import plan_order_venues
from tests.data.test_market_shapes import START, _market
from tests.emulator.binance import BinanceEmulator
from tests.emulator.listings import market_shapes

NOW = datetime(2026, 10, 29, 12, 30, tzinfo=UTC)
FIRST = datetime(2026, 11, 18, 8, 0, tzinfo=UTC)  # 20 days after NOW's 08:00
SECOND = datetime(2027, 2, 17, 8, 0, tzinfo=UTC)  # 111 days after


@pytest.fixture(scope="module")
def shaped() -> Iterator[BinanceEmulator]:
    with BinanceEmulator(_market(), now=NOW, listings=market_shapes(START, NOW)) as emu:
        yield emu


def _slip(book: object, notional: float, buy: bool) -> float:
    bids, asks = np.array(book.bids), np.array(book.asks)  # type: ignore[attr-defined]
    mid = (bids[0, 0] + asks[0, 0]) / 2
    levels = asks if buy else bids
    usd = levels[:, 0] * levels[:, 1]
    take = np.minimum(usd, np.maximum(notional - np.cumsum(usd) + usd, 0))
    average = take.sum() / (take / levels[:, 0]).sum()
    return float(average / mid - 1 if buy else 1 - average / mid)


def _price(emu: BinanceEmulator, side: str, days: float) -> object:
    order = SimpleNamespace(action="open", base="BTC", order_side=side, notional_usd=20_000.0)
    (priced,) = plan_order_venues([order], None, venues=["binanceusdm"], holding_days=days,
                                  api_urls={"binanceusdm": emu.base_url}, quarterlies=True)
    return priced


@pytest.mark.parametrize("side", ["buy", "sell"])
def test_quarterlies_are_priced_with_the_basis_carry_instead_of_funding(
        shaped: BinanceEmulator, side: str) -> None:
    priced = _price(shaped, side, 7.0)
    perp, first, second = priced.rows
    assert [perp.symbol, first.symbol, second.symbol] == [
        "BTC/USDT:USDT", "BTC/USDT:USDT-261118", "BTC/USDT:USDT-270217"]
    sign = 1 if side == "buy" else -1
    assert perp.funding_mean_30d is not None
    for row, expiry, premium in ((first, FIRST, 1.005), (second, SECOND, 1.02)):
        book = shaped.book_of(shaped._contracts[f"BTCUSDT_{expiry:%y%m%d}"], 100)
        walked = _slip(book, 20_000.0, True) + _slip(book, 20_000.0, False)
        days_left = (expiry - NOW).total_seconds() / 86_400
        assert row.status == "ok" and row.funding_now is None
        assert row.basis == pytest.approx(premium - 1, rel=1e-9)
        assert row.days_to_expiry == pytest.approx(days_left, rel=1e-9)
        assert row.carry == pytest.approx(sign * (premium - 1) * 7 / days_left, rel=1e-9)
        assert row.round_trip_cost - row.carry - 2 * row.taker_fee == pytest.approx(
            walked, rel=1e-9, abs=1e-15)
    best = min((r for r in priced.rows), key=lambda r: r.round_trip_cost)
    assert priced.best is best


def test_a_quarterly_that_settles_within_the_holding_period_is_not_chosen(
        shaped: BinanceEmulator) -> None:
    priced = _price(shaped, "sell", 30.0)  # a short earns the decaying premium: cheapest
    perp, first, second = priced.rows
    assert first.status == "expires in 19.8 days: roll"
    assert first.round_trip_cost is not None  # shown, but not a candidate
    assert priced.best is cheapest([perp, second])
    assert priced.best is not first


def test_basis_carry_hand_values() -> None:
    assert basis_carry(0.02, 100.0, 10.0, 1) == pytest.approx(0.002)
    assert basis_carry(0.02, 5.0, 10.0, -1) == pytest.approx(-0.02)  # the whole basis, once
    assert basis_carry(-0.01, 50.0, 0.0, 1) == 0.0
