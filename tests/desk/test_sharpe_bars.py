"""The sweep's Sharpe bars have one home (``SweepSummary.sharpe_bars``): the HTML report
draws exactly those bars; the app's drawing is checked in tests/gui/test_gui_backtest.py."""

from __future__ import annotations

import re

import pytest

from rotation_addin.reports.backtest_html import HEIGHT, PAD
from rotation_addin.reports.backtest_html import sharpe_bars as report_bars
from tests.desk.sweep_fixture import UNSKILLED, hand_sweep


def test_the_bars_are_the_sharpes_highest_first_undefined_flat_and_last() -> None:
    bars = hand_sweep().sharpe_bars()
    # by hand from SHARPES (0.5, NaN, 1.5, -0.2, NaN, 1.0), best index 2:
    # 1.5 (2), 1.0 (5), 0.5 (0), -0.2 (3), then the two NaN at 0 in grid order (1, 4)
    assert [(b.row, b.label, b.height, b.best) for b in bars] == [
        (2, "theta=2", 1.5, True), (5, "theta=5", 1.0, False), (0, "theta=0", 0.5, False),
        (3, "theta=3", -0.2, False), (1, "theta=1", 0.0, False), (4, "theta=4", 0.0, False)]


def test_the_report_draws_the_desks_bars() -> None:
    svg = report_bars(hand_sweep())
    rects = re.findall(r'<rect x="[^"]+" y="([^"]+)" width="[^"]+" height="([^"]+)" '
                       r'fill="([^"]+)"><title>([^<]+)</title>', svg)
    # by hand: the axis runs from min(0, 0.8, -0.2) = -0.2 to max(0, 0.8, 1.5) = 1.5, so
    # one Sharpe unit is (260 - 2 x 48) / 1.7 pixels
    unit = (HEIGHT - 2 * PAD) / 1.7
    assert UNSKILLED == 0.8
    heights = [float(h) for _, h, _, _ in rects]
    assert heights == pytest.approx([round(x * unit, 1) for x in (1.5, 1.0, 0.5, 0.2, 0, 0)],
                                    abs=0.051)
    assert [t for *_, t in rects] == ["theta=2: Sharpe 1.50", "theta=5: Sharpe 1.00",
                                      "theta=0: Sharpe 0.50", "theta=3: Sharpe -0.20",
                                      "theta=1: Sharpe n/a", "theta=4: Sharpe n/a"]
    fills = [f for _, _, f, _ in rects]
    assert fills[0] != fills[1] and len(set(fills[1:])) == 1  # the best alone in its colour
    zero = HEIGHT - PAD - 0.2 * unit  # the zero line: the negative bar hangs below it
    assert float(rects[3][0]) == pytest.approx(zero, abs=0.051)
    assert float(rects[0][0]) == pytest.approx(zero - 1.5 * unit, abs=0.051)
