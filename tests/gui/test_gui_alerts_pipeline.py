"""The app's load / refresh evaluates the stored alert rules through the desk (Qt-free part)."""

from __future__ import annotations

from gui.pipeline import load_snapshot
from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.data.loader import load_market
from rotation_addin.data.settings import Settings
from rotation_addin.desk import alerts


def test_app_load_fires_alerts_once_with_the_demo_label() -> None:
    price = load_market("demo").tickers["RENDER"].mark_price_usd
    alerts.add_rule("price_below", "RENDER", price * 1.01)
    first = load_snapshot(Settings(), "demo")
    assert [f.kind for f in first.alerts] == ["price_below"]
    assert first.alerts[0].label == DEMO_SOURCE_LABEL
    assert "1 alert(s) fired" in first.summary_text
    again = load_snapshot(Settings(), "demo")
    assert again.alerts == () and "alert" not in again.summary_text
    assert len(alerts.history()) == 1
