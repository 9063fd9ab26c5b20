"""Quick check tab: live validation puts the engine's reason on the field in error."""

from __future__ import annotations

import pytest

from gui.palette import error_field_style
from gui.quick_check import QuickCheckView
from tests.gui_helpers import quick_check_view
from tests.gui_helpers import retype as _retype


@pytest.fixture
def view(qtbot) -> QuickCheckView:
    widget = quick_check_view(qtbot)
    return widget



def _others_clean(view: QuickCheckView, except_field: str) -> None:
    for name in view.error_labels:
        if name != except_field:
            assert view.error_text(name) == "", name


def test_defaults_give_a_result_within_hand_bounds(view: QuickCheckView) -> None:
    # equity 10,000, risk 2 % -> 200 USD budget; entry 100, stop 95 -> 5 USD/unit before
    # costs, so the quantity lies between 200/5.5 = 36.4 (generous costs) and 200/5 = 40.
    result = view.last_result
    assert result is not None
    assert 200 / 5.5 < result.size.quantity_base <= 200 / 5
    assert result.size.risk_usd <= 200.0 + 1e-9
    # isolated long at 3x: liquidation roughly 1/3 below entry (minus maintenance margin)
    assert 60 < result.liquidation.liquidation_price_usd < 70
    assert "Quantity (base units)" in view.size_box.values


def test_typing_a_stop_above_entry_marks_the_stop_field(qtbot, view: QuickCheckView) -> None:
    _retype(qtbot, view, "stop_price_usd", "105")
    qtbot.waitUntil(lambda: view.error_text("stop_price_usd") != "", timeout=20_000)
    reason = view.error_text("stop_price_usd")
    assert "below entry 100" in reason and "105" in reason
    assert view.fields["stop_price_usd"].styleSheet() == error_field_style()
    assert view.fields["stop_price_usd"].toolTip() == reason
    _others_clean(view, "stop_price_usd")
    assert view.last_result is None
    # fixing it clears the error as you type
    _retype(qtbot, view, "stop_price_usd", "96")
    qtbot.waitUntil(lambda: view.last_result is not None, timeout=20_000)
    assert view.error_text("stop_price_usd") == ""
    assert view.fields["stop_price_usd"].styleSheet() == ""


def test_stop_beyond_liquidation_is_refused_on_the_stop_field(qtbot, view) -> None:
    # 20x long from 100: liquidation ~ 100 * (1 - 1/20 + mmr) ~ 95.4; a stop at 94 is past it.
    _retype(qtbot, view, "leverage", "20")
    _retype(qtbot, view, "stop_price_usd", "94")
    qtbot.waitUntil(lambda: view.error_text("stop_price_usd") != "", timeout=20_000)
    assert "liquidation price" in view.error_text("stop_price_usd")
    _others_clean(view, "stop_price_usd")


def test_non_number_and_short_side(qtbot, view: QuickCheckView) -> None:
    _retype(qtbot, view, "equity_usd", "ten thousand")
    qtbot.waitUntil(lambda: view.error_text("equity_usd") != "", timeout=20_000)
    assert "must be a number" in view.error_text("equity_usd")
    _retype(qtbot, view, "equity_usd", "10000")
    view.side_box.setCurrentText("short")  # stop 95 is now on the wrong side
    qtbot.waitUntil(lambda: view.error_text("stop_price_usd") != "", timeout=20_000)
    assert "above entry" in view.error_text("stop_price_usd")
    assert view.error_text("equity_usd") == ""
