"""Quick check tab: a typed value is read in the unit its field names, as the CLI reads it."""

from __future__ import annotations

import pytest

from gui.quick_check import QuickCheckView
from rotation_addin.data.settings import Settings
from tests.gui_helpers import quick_check_view
from tests.gui_helpers import retype as _retype


@pytest.fixture
def view(qtbot) -> QuickCheckView:
    widget = quick_check_view(qtbot)
    assert widget.last_result is not None
    return widget



@pytest.mark.parametrize("name", ["equity_usd", "entry_price_usd", "stop_price_usd",
                                  "leverage"])
def test_a_percent_on_a_usd_or_leverage_field_is_refused(qtbot, view: QuickCheckView,
                                                         name: str) -> None:
    """``5%`` typed as a stop meant "5 % away", not a 5 USD stop; the CLI refuses it
    (``--stop: must be a number (got '5%')``) and so does the field."""
    typed = view.fields[name].text() + "%"
    _retype(qtbot, view, name, typed)
    qtbot.waitUntil(lambda: view.error_text(name) != "", timeout=20_000)
    assert view.error_text(name) == f"must be a number (got {typed!r})"
    assert view.last_result is None


def test_a_percent_on_the_per_cent_fields_is_read(qtbot, view: QuickCheckView) -> None:
    _retype(qtbot, view, "risk_pct", "1.5%")
    _retype(qtbot, view, "daily_vol_pct", "4%")
    qtbot.waitUntil(lambda: view.last_result is not None and
                    view.last_result.inputs.risk_fraction == pytest.approx(0.015),
                    timeout=20_000)
    assert view.last_result.daily_vol == pytest.approx(0.04)


def test_a_lone_percent_sign_is_not_nothing(qtbot, view: QuickCheckView) -> None:
    _retype(qtbot, view, "risk_pct", "%")
    qtbot.waitUntil(lambda: view.error_text("risk_pct") != "", timeout=20_000)
    assert view.error_text("risk_pct") == "must be a number (got '%')"


@pytest.mark.parametrize(("typed", "reason"), [
    ("5", "must be at most 3 %, the risk cap per trade in Settings (got 5 %)"),
    ("1000", "must be at least 0.0001 % and at most 100 % (got 1000 %)"),
    ("0", "must be at least 0.0001 % and at most 100 % (got 0 %)"),
    ("-0", "must be at least 0.0001 % and at most 100 % (got -0 %)"),
])
def test_the_risk_field_says_its_range_in_per_cent(qtbot, view: QuickCheckView, typed: str,
                                                   reason: str) -> None:
    """The field is typed in per cent: its range and the typed value are said in per cent,
    not as the engine's fractions ('must be in [1e-06, 1] (got 10)', 'hard cap
    max_risk_fraction 0.03 (got 0.05)')."""
    _retype(qtbot, view, "risk_pct", typed)
    qtbot.waitUntil(lambda: view.error_text("risk_pct") != "", timeout=20_000)
    assert view.error_text("risk_pct") == reason


def test_the_risk_cap_is_the_settings_one(qtbot) -> None:
    view = QuickCheckView(Settings(max_risk_fraction=0.05))
    qtbot.addWidget(view)
    _retype(qtbot, view, "risk_pct", "5")
    qtbot.waitUntil(lambda: view.last_result is not None, timeout=20_000)
    _retype(qtbot, view, "risk_pct", "5.5")
    qtbot.waitUntil(lambda: view.error_text("risk_pct") != "", timeout=20_000)
    assert view.error_text("risk_pct") == ("must be at most 5 %, the risk cap per trade in "
                                           "Settings (got 5.5 %)")


def test_a_size_below_the_exchange_minimum_is_said_as_the_size(qtbot) -> None:
    """The general line named the engine's field ('notional_usd: notional 0.40 USD is below
    the exchange minimum ...'), which is no input of the form."""
    from rotation_addin.data.demo import demo_dataset

    view = QuickCheckView(Settings())
    qtbot.addWidget(view)
    view.set_dataset(demo_dataset(), None)
    for name, text in (("equity_usd", "100"), ("entry_price_usd", "2"),
                       ("stop_price_usd", "1.5"), ("risk_pct", "0.1")):
        view.fields[name].setText(text)
    view.recompute()
    said = view.general_error.text()
    assert said.startswith("Size: notional 0.40 USD is below the exchange minimum 5 USD"), said
    assert "notional_usd" not in said
