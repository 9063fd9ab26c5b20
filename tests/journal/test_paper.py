"""Paper fills, funding, candle exits and liquidation, each against a hand computation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rotation_addin.core.errors import TradeRefused
from rotation_addin.core.paper import (
    Candle,
    candle_exit,
    funding_cost_usd,
    funding_times,
    paper_fill,
)
from rotation_addin.core.types import Side
from rotation_addin.desk.journal import OrderRequest, open_trade, read_ledger
from rotation_addin.desk.journal_market import current_quote
from rotation_addin.desk.journal_ops import journal_view, look
from tests.journal.helpers import demo_market, inputs, with_candle

FEE, SLIP = 0.0005, 0.0005
T0 = datetime(2026, 11, 2, tzinfo=UTC)


def test_paper_fill_moves_against_the_trader_and_pays_the_taker_fee():
    buy = paper_fill(100.0, 2.0, buys=True, taker_fee_rate=FEE, slippage_rate=SLIP)
    assert buy.price_usd == pytest.approx(100.05)
    assert buy.fee_usd == pytest.approx(0.0005 * 100.05 * 2)
    assert buy.slippage_usd == pytest.approx(0.1)
    sell = paper_fill(100.0, 2.0, buys=False, taker_fee_rate=FEE, slippage_rate=SLIP)
    assert sell.price_usd == pytest.approx(99.95)


def test_funding_every_8_hours_history_then_current_rate():
    start, end = T0 + timedelta(hours=3), T0 + timedelta(days=1)
    assert funding_times(start, end) == [T0 + timedelta(hours=8), T0 + timedelta(hours=16),
                                         T0 + timedelta(days=1)]
    marks = [(T0, 10.0), (T0 + timedelta(hours=12), 12.0)]
    rates = [(T0 + timedelta(hours=8), 0.001)]  # history: only the first settlement
    paid = funding_cost_usd(Side.LONG, 5.0, start, end, mark_prices=marks, rates=rates,
                            current_rate=0.002, entry_price_usd=9.0)
    # 08:00: 5 x 10 x 0.001; 16:00 and 24:00 the latest history rate (0.001) at mark 12
    assert paid == pytest.approx(5 * 10 * 0.001 + 2 * 5 * 12 * 0.001)
    no_history = funding_cost_usd(Side.SHORT, 5.0, start, end, mark_prices=marks, rates=[],
                                  current_rate=0.002, entry_price_usd=9.0)
    assert no_history == pytest.approx(-(5 * 10 * 0.002 + 2 * 5 * 12 * 0.002))


def _candle(o, h, lo):
    return Candle(T0, T0 + timedelta(days=1), o, h, lo)


def test_candle_crossing_stop_and_take_profit_takes_the_stop_and_says_so():
    hit = candle_exit(Side.LONG, _candle(10, 12, 8), stop=9.0, take_profit=11.0,
                      liquidation=5.0)
    assert hit is not None and hit.kind == "stop" and hit.price_usd == 9.0
    assert "also crossed the take-profit 11" in hit.note and "stop is taken" in hit.note
    gap = candle_exit(Side.SHORT, _candle(12, 13, 11.5), stop=11.0, take_profit=8.0,
                      liquidation=20.0)
    assert gap is not None and gap.price_usd == 12 and "gap" in gap.note
    take = candle_exit(Side.LONG, _candle(10, 12, 9.5), stop=9.0, take_profit=11.0,
                       liquidation=None)
    assert take is not None and take.kind == "take-profit" and take.price_usd == 11.0
    assert candle_exit(Side.LONG, _candle(10, 10.5, 9.5), stop=9.0, take_profit=11.0,
                       liquidation=5.0) is None


def test_stop_hit_pnl_with_fees_funding_and_slippage_by_hand(tmp_path):
    market = demo_market()
    desk = inputs(market, tmp_path / "j.sqlite3")
    price = current_quote(market, "RENDER").price_usd
    rate = market.tickers["RENDER"].funding_rate
    stop, quantity = price * 0.95, 100.0
    opened = open_trade(desk, OrderRequest("RENDER", "long", stop=stop, quantity=quantity,
                                           leverage=2, reason="leader"))
    entry = price * (1 + SLIP)
    assert opened.fill.price_usd == pytest.approx(entry)
    later = with_candle(market, {"RENDER": (price, price * 1.01, price * 0.90, price * 0.92)})
    sentences = look(inputs(later, desk.path))
    assert len(sentences) == 1 and "stop" in sentences[0]
    (trade,) = read_ledger(inputs(later, desk.path)).closed_trades
    exit_fill = stop * (1 - SLIP)
    fee_in, fee_out = FEE * entry * quantity, FEE * exit_fill * quantity
    # three settlements (08:00, 16:00 at the last close = price; 00:00 at the new close)
    last_close = float(market.close["RENDER"].iloc[-1])
    funding = quantity * rate * (2 * last_close + price * 0.92)
    expected = quantity * (exit_fill - entry) - fee_in - fee_out - funding
    assert trade.realised_pnl_usd == pytest.approx(expected, rel=1e-9)
    assert trade.funding_usd == pytest.approx(funding)
    assert trade.r_multiple == pytest.approx(expected / (quantity * (entry - stop) + fee_in))
    assert trade.closed_at == later.as_of


def test_liquidation_when_a_candle_crosses_the_liquidation_price(tmp_path):
    market = demo_market()
    desk = inputs(market, tmp_path / "j.sqlite3")
    price = current_quote(market, "RENDER").price_usd
    request = OrderRequest("RENDER", "long", stop=price * 0.85, quantity=50.0, leverage=20)
    with pytest.raises(TradeRefused, match="stop-before-liquidation"):
        open_trade(desk, request)
    opened = open_trade(desk, request, override_reason="testing a liquidation")
    liq = opened.check.liquidation_price_usd
    assert price * 0.85 < liq < price  # the stop lies beyond the liquidation price
    later = with_candle(market, {"RENDER": (price, price, liq * 0.99, liq)})
    view = journal_view(inputs(later, desk.path))
    assert "liquidated" in view.exits[0]
    (trade,) = view.closed_trades
    entry = price * (1 + SLIP)
    margin = 50.0 * entry / 20
    rate = market.tickers["RENDER"].funding_rate
    last_close = float(market.close["RENDER"].iloc[-1])
    funding = 50.0 * rate * (2 * last_close + liq)
    assert trade.realised_pnl_usd == pytest.approx(-margin - FEE * entry * 50 - funding)


def test_funding_comes_from_the_cached_history(tmp_path):
    """A cache-sourced session reads the funding history the refresh stored (a real cache
    file); the ticker's current rate is used only after the last cached settlement."""
    import dataclasses

    import pandas as pd

    from rotation_addin.data.cache import MarketCache
    from rotation_addin.desk.journal_market import cached_funding
    from rotation_addin.desk.journal_ops import close_trade

    market = dataclasses.replace(demo_market(), source="cache (binanceusdm)")
    t0 = market.as_of
    cache_file = tmp_path / "cache.sqlite3"
    with MarketCache(cache_file) as cache:
        cache.write_funding("binanceusdm", "RENDER", pd.Series(
            [0.001, 0.002], index=pd.DatetimeIndex([t0 + timedelta(hours=8),
                                                    t0 + timedelta(hours=16)])), "test")
    history = cached_funding(market, "binanceusdm", cache_file)
    assert history["RENDER"] == [(t0 + timedelta(hours=8), 0.001),
                                 (t0 + timedelta(hours=16), 0.002)]
    desk = dataclasses.replace(inputs(market, tmp_path / "j.sqlite3"), funding=history)
    price = current_quote(market, "RENDER").price_usd
    open_trade(desk, OrderRequest("RENDER", "short", stop=price * 1.05, quantity=10.0))
    later = dataclasses.replace(desk, now=t0 + timedelta(hours=17))
    event = close_trade(later, "RENDER")
    last_close = float(market.close["RENDER"].iloc[-1])
    # a short receives: -(10 x mark x 0.001) - (10 x mark x 0.002)
    assert event.funding_usd == pytest.approx(-10 * last_close * (0.001 + 0.002))
