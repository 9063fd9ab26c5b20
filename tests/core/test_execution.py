"""Walk-the-book fills, depth bands and round-trip cost against books walked by hand."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from rotation_addin.core.errors import InputError
from rotation_addin.core.execution import (
    check_book,
    depth_within,
    expected_funding,
    round_trip_cost,
    walk_book,
)
from rotation_addin.core.types import Side

# Book A: mid 100.0 (99.9 / 100.1)
BIDS_A = ((99.9, 2.0), (99.5, 3.0), (98.0, 10.0))
ASKS_A = ((100.1, 1.0), (100.6, 4.0), (102.0, 5.0))


def test_buy_within_the_first_level_fills_at_the_best_ask() -> None:
    walk = walk_book(BIDS_A, ASKS_A, 50.05, "buy")
    assert walk.average_price == pytest.approx(100.1)
    assert walk.filled_amount == pytest.approx(0.5)
    assert walk.slippage == pytest.approx(100.1 / 100.0 - 1)  # half the spread
    assert walk.levels_used == 1 and not walk.too_thin


def test_buy_across_two_levels_by_hand() -> None:
    # 300 USD: 100.1 USD at 100.1 (1.0), then 199.9 USD at 100.6 (199.9/100.6 units)
    walk = walk_book(BIDS_A, ASKS_A, 300.0, Side.LONG)
    amount = 1.0 + 199.9 / 100.6
    assert walk.filled_amount == pytest.approx(amount)
    assert walk.average_price == pytest.approx(300.0 / amount)
    assert walk.slippage == pytest.approx(300.0 / amount / 100.0 - 1)
    assert walk.levels_used == 2 and not walk.too_thin


def test_sell_across_three_levels_by_hand() -> None:
    # bids: 199.8 USD (2 @ 99.9) + 298.5 USD (3 @ 99.5) + 501.7 USD at 98.0
    walk = walk_book(BIDS_A, ASKS_A, 1000.0, "sell")
    amount = 2.0 + 3.0 + (1000.0 - 199.8 - 298.5) / 98.0
    assert walk.filled_amount == pytest.approx(amount)
    assert walk.average_price == pytest.approx(1000.0 / amount)
    assert walk.slippage == pytest.approx(1 - (1000.0 / amount) / 100.0)
    assert walk.levels_used == 3 and not walk.too_thin


def test_an_order_larger_than_the_whole_book_is_too_thin() -> None:
    whole_asks = 100.1 * 1.0 + 100.6 * 4.0 + 102.0 * 5.0
    walk = walk_book(BIDS_A, ASKS_A, 10_000.0, "buy")
    assert walk.too_thin
    assert walk.filled_notional_usd == pytest.approx(whole_asks)
    assert walk.filled_amount == pytest.approx(10.0)
    assert walk.average_price == pytest.approx(whole_asks / 10.0)
    cost = round_trip_cost(BIDS_A, ASKS_A, 10_000.0, "long", taker_fee_rate=0.0005,
                           holding_days=1.0)
    assert cost.too_thin and cost.total is None and cost.total_usd is None


def test_exactly_the_whole_side_is_not_too_thin() -> None:
    whole_bids = sum(p * q for p, q in BIDS_A)
    walk = walk_book(BIDS_A, ASKS_A, whole_bids, "sell")
    assert not walk.too_thin and walk.levels_used == 3
    assert walk.filled_amount == pytest.approx(15.0)


def test_random_books_match_a_numpy_walk() -> None:
    rng = np.random.default_rng(11)
    for _ in range(50):
        mid = float(rng.uniform(0.01, 50_000))
        spread = mid * float(rng.uniform(1e-5, 1e-3))
        steps = np.cumsum(rng.uniform(1e-5, 1e-3, 20)) * mid
        asks = tuple(zip(mid + spread / 2 + steps, rng.uniform(0.1, 5.0, 20) * 1000 / mid,
                         strict=True))
        bids = tuple(zip(mid - spread / 2 - steps, rng.uniform(0.1, 5.0, 20) * 1000 / mid,
                         strict=True))
        notional = float(rng.uniform(10, 60_000))
        for side, levels in (("buy", asks), ("sell", bids)):
            prices = np.array([p for p, _ in levels])
            usd = np.array([p * q for p, q in levels])
            take = np.clip(notional - np.concatenate([[0.0], np.cumsum(usd)[:-1]]), 0, usd)
            expected_avg = take.sum() / (take / prices).sum()
            walk = walk_book(bids, asks, notional, side)
            assert walk.average_price == pytest.approx(expected_avg, rel=1e-12)
            assert walk.too_thin == (notional > usd.sum() * (1 + 1e-12))


def test_depth_bands_by_hand() -> None:
    # mid 100: ±0.5 % -> [99.5, 100.5]; ±1 % -> [99, 101]
    half = depth_within(BIDS_A, ASKS_A, 0.005)
    assert half.bid_usd == pytest.approx(99.9 * 2 + 99.5 * 3)
    assert half.ask_usd == pytest.approx(100.1 * 1)
    one = depth_within(BIDS_A, ASKS_A, 0.01)
    assert one.bid_usd == pytest.approx(99.9 * 2 + 99.5 * 3)
    assert one.ask_usd == pytest.approx(100.1 * 1 + 100.6 * 4)


def test_round_trip_cost_adds_fees_both_legs_slippage_and_funding() -> None:
    rates = [0.0001, 0.0003, -0.0001, 0.0001]  # mean 0.0001 per 8 h
    cost = round_trip_cost(BIDS_A, ASKS_A, 300.0, "long", taker_fee_rate=0.0005,
                           holding_days=10.0, funding_rates=rates)
    buy_amount = 1.0 + 199.9 / 100.6
    buy_slip = 300.0 / buy_amount / 100.0 - 1
    sell_amount = 2.0 + (300.0 - 199.8) / 99.5
    sell_slip = 1 - 300.0 / sell_amount / 100.0
    funding = 0.0001 * 30  # 10 days x 3 fundings
    assert cost.fees == pytest.approx(0.001)
    assert cost.slippage_open == pytest.approx(buy_slip)
    assert cost.slippage_close == pytest.approx(sell_slip)
    assert cost.funding == pytest.approx(funding)
    assert cost.total == pytest.approx(0.001 + buy_slip + sell_slip + funding)
    assert cost.total_usd == pytest.approx(300.0 * cost.total)
    short = round_trip_cost(BIDS_A, ASKS_A, 300.0, "short", taker_fee_rate=0.0005,
                            holding_days=10.0, funding_rates=rates)
    assert short.funding == pytest.approx(-funding)  # a short receives positive funding
    assert short.slippage_open == pytest.approx(sell_slip)
    dated = round_trip_cost(BIDS_A, ASKS_A, 300.0, "long", taker_fee_rate=0.0005,
                            holding_days=10.0, funding_rates=None)
    assert dated.funding == 0.0


def test_expected_funding_with_four_hourly_interval() -> None:
    assert expected_funding([0.0002, 0.0004], 4.0, 2.0, "long") == pytest.approx(0.0003 * 12)
    with pytest.raises(InputError, match="funding_history"):
        expected_funding([], 8.0, 1.0)


@pytest.mark.parametrize("notional", [0.0, -5.0, math.nan, math.inf, 1e13, "10"])
def test_bad_notional_is_an_input_error(notional: object) -> None:
    with pytest.raises(InputError, match=r"^notional"):
        walk_book(BIDS_A, ASKS_A, notional, "buy")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bids", "asks", "reason"),
    [
        ((), ASKS_A, "no bids"),
        (BIDS_A, (), "no asks"),
        (((100.2, 1.0),), ASKS_A, "crossed"),
        (((100.1, 1.0),), ASKS_A, "crossed"),
        (((99.0, 1.0), (99.5, 1.0)), ASKS_A, "best first"),
        (((99.0, 0.0),), ASKS_A, "> 0"),
        (((math.nan, 1.0),), ASKS_A, "finite"),
    ],
)
def test_bad_books_are_input_errors(bids: tuple, asks: tuple, reason: str) -> None:
    with pytest.raises(InputError, match=rf"order_book.*{re.escape(reason)}"):
        check_book(bids, asks)
    with pytest.raises(InputError, match="order_book"):
        walk_book(bids, asks, 100.0, "sell")


def test_bad_side_and_band() -> None:
    with pytest.raises(InputError, match=r"^side"):
        walk_book(BIDS_A, ASKS_A, 100.0, "up")
    with pytest.raises(InputError, match=r"^band"):
        depth_within(BIDS_A, ASKS_A, 0.0)
