"""Whole-strategy backtest: features against the live code, look-ahead, the simplified variant
against an independent computation and vectorbt, trades worked by hand, metrics, bad input.

Demo-market numbers are never pinned (the simulator changes): each test compares two
computations or a hand calculation written here.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from rotation_addin.core.brackets import default_bracket_table
from rotation_addin.core.bt_features import MomentumWindows, build_features
from rotation_addin.core.errors import InputError
from rotation_addin.core.fills import (
    EXIT_LIQUIDATION,
    EXIT_STOP,
    EXIT_TAKE_PROFIT,
    Bar,
    Ledger,
    fixed_weight_run,
    intrabar_exit,
)
from rotation_addin.core.liquidation import liquidation_price
from rotation_addin.core.orders import ACTION_OPEN, RebalanceOrder
from rotation_addin.core.report import member_stats
from rotation_addin.core.returns import log_returns, relative_returns
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.core.scores import sector_inputs
from rotation_addin.core.strategy_backtest import run_strategy
from rotation_addin.core.strategy_book import Book, funding_table
from rotation_addin.core.types import Side
from rotation_addin.data.demo import demo_dataset

FEE = 0.0005
SLIP = 0.001


@pytest.fixture(scope="module")
def small_demo():
    return demo_dataset(days=260)


# ----------------------------------------------------------------------------- features
def test_features_equal_the_live_sector_inputs_and_member_stats_on_cut_data():
    dataset = demo_dataset(days=400)
    table = build_features(dataset)
    for row in range(31, len(dataset.close), 37):
        day = dataset.close.index[row]
        cut = replace(dataset, close=dataset.close.iloc[:row + 1],
                      volume_usd=dataset.volume_usd.iloc[:row + 1])
        from rotation_addin.core.walk_forward_inputs import _sector_divergence_frame

        d_frame = _sector_divergence_frame(dataset)
        live = sector_inputs(cut, divergence=None if d_frame is None else d_frame.loc[:day])
        mine = table.inputs_at(row)
        assert [x.sector for x in live] == [x.sector for x in mine]
        for a, b in zip(live, mine, strict=True):
            for name in ("momentum_7d", "momentum_30d", "volume_trend", "divergence"):
                x, y = getattr(a, name), getattr(b, name)
                assert (math.isnan(x) and math.isnan(y)) or x == pytest.approx(y, rel=1e-9,
                                                                                abs=1e-12)
        relative = relative_returns(log_returns(cut.close), dataset.universe.benchmark)
        live_members = member_stats(cut, relative)
        mine_members = table.members_at(row)
        for sector, members in live_members.items():
            for a, b in zip(members, mine_members[sector], strict=True):
                assert a.base == b.base
                assert a.momentum_7d == pytest.approx(b.momentum_7d, rel=1e-9, abs=1e-12)
                assert a.avg_volume_usd == pytest.approx(b.avg_volume_usd, rel=1e-9)


def test_momentum_windows_are_validated():
    with pytest.raises(InputError, match="short_days"):
        MomentumWindows(short_days=30, long_days=30)


# ----------------------------------------------------------------------------- look-ahead
def _corrupt_after(dataset, day, seed=5):
    rng = np.random.default_rng(seed)

    def noisy(frame):
        if frame.empty or not isinstance(frame.index, pd.DatetimeIndex):
            return frame
        out = frame.copy()
        after = out.index > day
        out.loc[after] = out.loc[after].to_numpy() * rng.uniform(0.5, 1.5, out.loc[after].shape)
        return out

    return replace(dataset, **{n: noisy(getattr(dataset, n)) for n in
                               ("open", "high", "low", "close", "volume_usd", "macro",
                                "social_volume", "onchain_activity")})


def test_corrupting_the_data_after_day_t_changes_no_decision_up_to_t(small_demo):
    base = run_strategy(small_demo)
    day = small_demo.close.index[180]
    other = run_strategy(_corrupt_after(small_demo, day))
    before = [d for d in base.decision_log if d[0] <= day]
    assert before == [d for d in other.decision_log if d[0] <= day]
    assert any(orders for _, orders in before)  # the period did trade
    assert base.equity.loc[:day].equals(other.equity.loc[:day])
    # and the test can fail: later decisions differ
    assert [d for d in base.decision_log if d[0] > day] != \
        [d for d in other.decision_log if d[0] > day]


def test_trades_shorts_and_stops_on_the_demo_market(small_demo):
    result = run_strategy(small_demo)
    assert result.decisions == len(small_demo.close) - 60 - 1
    assert result.trades, "the plan never traded"
    assert {t.exit_reason for t in result.trades} <= {"stop", "take-profit", "liquidation",
                                                      "plan", "end of data"}
    # equity identity: initial + sum of trade results = final (every trade closed at the end)
    total = sum(t.pnl_usd for t in result.trades)
    assert result.equity.iloc[-1] == pytest.approx(10_000 + total, rel=1e-9)
    assert result.fees_usd == pytest.approx(sum(t.fees_usd for t in result.trades), rel=1e-9)


# ----------------------------------------------------------------------------- simplified variant
def _prices(days=120, assets=3, seed=11):
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.03, (days, assets)), axis=0))
    open_ = close * np.exp(rng.normal(0, 0.01, (days, assets)))
    return open_, close


def _independent_fixed_weight(open_, close, w, equity0):
    cash, held = equity0, np.zeros(len(w))
    curve = []
    target = np.zeros(len(w))
    for t in range(len(close)):
        if t > 0:
            for j in range(len(w)):
                delta = target[j] - held[j]
                if delta:
                    price = open_[t, j] * (1 + SLIP if delta > 0 else 1 - SLIP)
                    cash -= delta * price + abs(delta) * price * FEE
                    held[j] += delta
        value = cash + float(held @ close[t])
        curve.append(value)
        target = w * value / close[t]
    return np.array(curve)


def test_fixed_weight_variant_equals_an_independent_loop_and_vectorbt():
    vbt = pytest.importorskip("vectorbt")
    open_, close = _prices()
    w = np.array([0.5, 0.3, 0.15])
    orders, equity = fixed_weight_run(open_, close, w, initial_equity_usd=10_000.0,
                                      fee_rate=FEE, slippage_rate=SLIP)
    np.testing.assert_allclose(equity, _independent_fixed_weight(open_, close, w, 10_000.0),
                               rtol=1e-9)
    index = pd.date_range("2024-01-01", periods=len(close), freq="D")
    sizes = pd.DataFrame(np.where(orders == 0, np.nan, orders), index=index)
    pf = vbt.Portfolio.from_orders(
        close=pd.DataFrame(close, index=index), size=sizes, price=pd.DataFrame(open_, index=index),
        size_type="amount", direction="both", fees=FEE, slippage=SLIP, init_cash=10_000.0,
        cash_sharing=True, group_by=True, freq="1D")
    np.testing.assert_allclose(pf.value().to_numpy(), equity, rtol=1e-9)


# ----------------------------------------------------------------------------- trades by hand
DAYS = pd.date_range("2024-03-01", periods=4, freq="D", tz="UTC")


def _book(funding=None, bars=None):
    warnings: list[str] = []
    book = Book(Ledger(10_000.0), funding_table(funding, DAYS, warnings))
    bars = bars or [(100, 101, 99, 100)] * 4
    arr = np.array(bars, dtype=float)
    book.bind({"AAA": 0}, arr[:, [0]], arr[:, [1]], arr[:, [2]], arr[:, [3]], DAYS)
    return book


def _order(side=Side.LONG, quantity=10.0, stop=95.0, take_profit=110.0, leverage=2.0):
    return RebalanceOrder(
        symbol="AAA/USDT:USDT", base="AAA", sector="s", side=side, action=ACTION_OPEN,
        quantity_base=quantity, entry_price_usd=100.0, notional_usd=quantity * 100,
        margin_usd=quantity * 100 / leverage, leverage=leverage, stop_price_usd=stop,
        take_profit_price_usd=take_profit, liquidation_price_usd=None, risk_usd=50.0,
        conviction=1.0, role="leader", reason="test")


def test_stop_hit_intrabar_fills_at_the_stop_less_slippage_with_fees():
    book = _book(bars=[(100, 101, 99, 100), (99, 100, 94, 96)] + [(96, 97, 95, 96)] * 2)
    book.execute([_order()], 0, FEE, SLIP)
    book.protect(0, FEE, SLIP)
    assert book.trades  # day 0's low 99 is above the stop
    book.protect(1, FEE, SLIP)
    (trade,) = book.closed
    entry = 100 * 1.001                      # 100.1
    exit_ = 95 * 0.999                       # 94.905
    fees = 10 * entry * FEE + 10 * exit_ * FEE
    assert trade.exit_reason == EXIT_STOP
    assert trade.exit_price_usd == pytest.approx(exit_)
    assert trade.fees_usd == pytest.approx(fees)
    assert trade.pnl_usd == pytest.approx(10 * (exit_ - entry) - fees)   # -52.925025
    assert trade.pnl_usd == pytest.approx(-52.925025)
    assert trade.r_multiple == pytest.approx(-52.925025 / 50.0)
    assert book.ledger.cash_usd == pytest.approx(10_000 - 52.925025)


def test_take_profit_and_stop_first_when_both_in_one_bar():
    assert intrabar_exit(1, Bar(100, 111, 96, 105), stop_usd=95, take_profit_usd=110,
                         liquidation_usd=None, slippage_rate=SLIP).kind == EXIT_TAKE_PROFIT
    both = intrabar_exit(1, Bar(100, 111, 94, 105), stop_usd=95, take_profit_usd=110,
                         liquidation_usd=None, slippage_rate=SLIP)
    assert both.kind == EXIT_STOP and both.price_usd == pytest.approx(95 * 0.999)
    short = intrabar_exit(-1, Bar(100, 104, 89, 95), stop_usd=105, take_profit_usd=90,
                          liquidation_usd=None, slippage_rate=SLIP)
    assert short.kind == EXIT_TAKE_PROFIT and short.price_usd == 90
    book = _book(bars=[(100, 101, 99, 100), (100, 112, 99, 108)] + [(108,) * 4] * 2)
    book.execute([_order()], 0, FEE, SLIP)
    book.protect(1, FEE, SLIP)
    (trade,) = book.closed
    entry = 100.1
    assert trade.exit_price_usd == 110  # a limit: no slippage
    assert trade.pnl_usd == pytest.approx(10 * (110 - entry) - 10 * entry * FEE - 10 * 110 * FEE)


def test_liquidation_on_a_gap_loses_the_whole_margin_plus_fees():
    book = _book(bars=[(100, 101, 99, 100), (60, 62, 55, 58)] + [(58,) * 4] * 2)
    book.execute([_order(stop=95.0, leverage=10.0)], 0, FEE, SLIP)
    entry = 100.1
    lp = liquidation_price(side=Side.LONG, entry_price_usd=entry, quantity_base=10.0,
                           leverage=10.0, brackets=default_bracket_table("AAA"))
    assert book.trades["AAA"].liquidation == pytest.approx(lp.liquidation_price_usd)
    assert 60 < lp.liquidation_price_usd < 95  # the open at 60 gaps through stop and LP
    book.protect(1, FEE, SLIP)
    (trade,) = book.closed
    margin = 10 * entry / 10.0              # 100.1
    fees_by_hand = 10 * entry * FEE + 10 * lp.liquidation_price_usd * FEE
    assert trade.exit_reason == EXIT_LIQUIDATION
    assert trade.pnl_usd == pytest.approx(-margin - fees_by_hand)


def test_funding_accrual_every_8h_long_pays_short_receives():
    stamps = pd.date_range("2024-03-01 08:00", periods=9, freq="8h", tz="UTC")
    rates = pd.DataFrame({"AAA": [0.0001, 0.0002, -0.0001, 0.0003, 0, 0, 0, 0, 0]},
                         index=stamps)
    book = _book(funding=rates, bars=[(100, 101, 99, 100), (100, 101, 99, 105)]
                 + [(105, 106, 104, 105)] * 2)
    book.execute([_order()], 0, FEE, SLIP)
    book.pay_funding(0)  # day 0: 08:00, 16:00 and the next 00:00 at the close 100
    assert book.trades["AAA"].funding == pytest.approx(-10 * 100 * (0.0001 + 0.0002 - 0.0001))
    book.pay_funding(1)  # day 1: 0.0003 at 08:00, 0 at 16:00 and 00:00, close 105
    assert book.trades["AAA"].funding == pytest.approx(-0.2 - 10 * 105 * 0.0003)
    assert book.ledger.funding_usd == pytest.approx(-0.2 - 0.315)
    short = _book(funding=rates)
    short.execute([_order(side=Side.SHORT, stop=105.0, take_profit=90.0)], 0, FEE, SLIP)
    short.pay_funding(0)
    assert short.trades["AAA"].funding == pytest.approx(+0.2)


# ----------------------------------------------------------------------------- bad input
def test_bad_input_gives_one_clear_line(small_demo):
    with pytest.raises(InputError, match="max_leverage"):
        PlanParameters(max_leverage=0.5)
    with pytest.raises(InputError, match="start: the period leaves no day"):
        run_strategy(small_demo, start="2100-01-01")
    with pytest.raises(InputError, match="warmup_days"):
        run_strategy(small_demo, warmup_days=5)
    with pytest.raises(InputError, match="funding"):
        run_strategy(small_demo, funding=pd.DataFrame(
            {"BTC": [0.5]}, index=pd.DatetimeIndex(["2024-01-01"], tz="UTC")))
