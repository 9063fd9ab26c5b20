"""The equity chart's log axis: decades, then 2 and 5 x 10^k, nothing else."""

from __future__ import annotations

import math

import pytest

from gui.log_axis import log_tick_levels


def test_ticks_between_7000_and_500000_usd_by_hand() -> None:
    (major_spacing, major), (_, minor) = log_tick_levels(math.log10(7e3), math.log10(5e5))
    assert major_spacing == 1.0 and major == [4.0, 5.0]                 # 10^4, 10^5
    assert [round(10 ** v) for v in minor] == [20_000, 50_000, 200_000, 500_000]


def test_reversed_range_and_one_decade_inside() -> None:
    levels = log_tick_levels(math.log10(300.0), math.log10(120.0))
    assert levels[0][1] == []                                           # no whole decade
    assert [10 ** v for v in levels[1][1]] == pytest.approx([200.0])


def test_the_backtest_chart_uses_it(qtbot) -> None:
    from gui.backtest_view import BacktestView
    from gui.log_axis import LogPriceAxis

    view = BacktestView()
    qtbot.addWidget(view)
    view._plots()
    assert isinstance(view.equity_plot.getAxis("left"), LogPriceAxis)


def test_a_range_that_is_not_finite_has_no_ticks() -> None:
    assert log_tick_levels(float("nan"), 3.0) == [(1.0, []), (None, [])]
    assert log_tick_levels(-math.inf, math.inf) == [(1.0, []), (None, [])]
