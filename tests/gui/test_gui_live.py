"""The app's Live toggle against the loopback REST + websocket emulators (offscreen).

Real parts: ccxt.pro parses the emulator's frames on the stream thread, the window's tables
update on the GUI thread, positions come from a real positions.csv. Expected numbers are the
prices the test published and P&L computed by hand here.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QTimer

from gui.main_window import MainWindow
from gui.notify import NotificationThrottle, next_run
from rotation_addin.data.demo import DemoMarket
from rotation_addin.data.paths import config_dir
from rotation_addin.data.settings import Settings
from rotation_addin.data.universe_io import load_universe
from rotation_addin.desk.alerts import add_rule
from tests.emulator.binance import BinanceEmulator
from tests.emulator.binance_ws import BinanceStreamEmulator, StreamTick

ENTRY = 4.00
QUANTITY = 250.0


@pytest.fixture(scope="module")
def market() -> DemoMarket:
    return DemoMarket(days=120)


@pytest.fixture
def emulators(market: DemoMarket) -> Iterator[tuple[BinanceEmulator, BinanceStreamEmulator]]:
    with BinanceEmulator(market) as rest, BinanceStreamEmulator() as ws:
        yield rest, ws


@pytest.fixture
def window(qtbot, emulators) -> Iterator[MainWindow]:
    rest, ws = emulators
    (config_dir() / "positions.csv").parent.mkdir(parents=True, exist_ok=True)
    (config_dir() / "positions.csv").write_text(
        "symbol,side,quantity,entry_price,stop_price,take_profit_price,opened_at\n"
        f"RENDER,long,{QUANTITY},{ENTRY},3.50,,2026-12-01T00:00:00+00:00\n")
    win = MainWindow(Settings(), api_base_url=rest.base_url)
    win.live.ws_base_url = ws.ws_url
    qtbot.addWidget(win)
    win.show()
    yield win
    win.live.shutdown()


def streams_ready(ws: BinanceStreamEmulator, *, marks: bool = False) -> bool:
    """The app's last-price subscriptions (with ``marks``, its mark-price ones too) reached
    the emulator.

    Before a tick is published both must be there: the mark stream subscribes a moment after
    the tickers (another ccxt.pro watcher), and a tick published in between lost its mark; the
    position, marked at the mark price, then never showed 4.42 (the 20 s wait ran out on a
    loaded machine).
    """
    ids = [f"{b.lower()}usdt" for b in load_universe().bases]
    wanted = {f"{i}@miniTicker" for i in ids}
    if marks:
        wanted |= {f"{i}@markPrice@1s" for i in ids}
    return wanted <= ws.subscribed_streams()


def cell(model, row: int, column: int):
    from gui.models import RAW_VALUE_ROLE

    return model.data(model.index(row, column), RAW_VALUE_ROLE)


def test_live_toggle_updates_tickers_and_position_pnl_in_place(qtbot, window, emulators) -> None:
    _rest, ws = emulators
    stamps: list[float] = []
    beat = QTimer()
    beat.setInterval(20)
    beat.timeout.connect(lambda: stamps.append(time.perf_counter()))
    beat.start()
    add_rule("price_above", "RENDER", 4.30)
    window.tabs.setCurrentWidget(window.live.view)
    window.live.action.trigger()  # the toolbar toggle
    qtbot.waitUntil(lambda: streams_ready(ws, marks=True), timeout=20_000)
    ws.publish([StreamTick("RENDERUSDT", 4.40, 4.42)])
    tickers = window.live.view.ticker_model
    positions = window.live.view.position_model
    row = tickers.rows_by_base["RENDER"]
    qtbot.waitUntil(lambda: cell(positions, 0, 4) == 4.42, timeout=20_000)
    assert cell(tickers, row, 1) == 4.40 and cell(tickers, row, 2) == 4.42
    # P&L by hand: long 250 at 4.00 marked at 4.42 -> +105 USD, +10.5 %
    assert cell(positions, 0, 5) == pytest.approx((4.42 - ENTRY) * QUANTITY)
    assert cell(positions, 0, 6) == pytest.approx(4.42 / ENTRY - 1)
    ws.publish([StreamTick("RENDERUSDT", 4.10, 4.08)])  # the same row, rewritten in place
    qtbot.waitUntil(lambda: cell(positions, 0, 4) == 4.08, timeout=20_000)
    assert positions.rowCount() == 1 and cell(positions, 0, 5) == pytest.approx(20.0)
    qtbot.waitUntil(lambda: len(window.live.latencies_ms) >= 2, timeout=20_000)
    # the alert fired once on the live price: a (throttled) notification and a log line
    qtbot.waitUntil(lambda: bool(window.live.notifier.shown), timeout=60_000)
    assert len(window.live.notifier.shown) == 1
    assert "alert #1 price_above" in window.live.notifier.shown[0]
    assert "[live binanceusdm]" in window.live.notifier.shown[0]
    assert "alert #1 price_above" in window.live.view.log.toPlainText()
    assert 0 <= max(window.live.latencies_ms) < 5000  # measured at paint, from the event time
    qtbot.waitUntil(lambda: "stream" in window.live.status.text(), timeout=20_000)

    ws.drop_connections()  # the status line says so, and the stream comes back
    qtbot.waitUntil(lambda: "drop" in window.live.status.text(), timeout=10_000)
    qtbot.waitUntil(lambda: streams_ready(ws), timeout=10_000)
    beat.stop()
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert gaps and max(gaps) < 0.5, f"event loop stalled {max(gaps):.2f} s"
    window.live.action.trigger()  # off
    assert window.live.status.text() == "Live: off"
    runner_gone = window.live.runner is None
    assert runner_gone


def test_live_without_an_exchange_says_so_in_one_line(qtbot, window, emulators) -> None:
    rest, _ = emulators
    rest.stop()  # nothing listens any more: the stream cannot load the markets
    window.live.action.trigger()
    qtbot.waitUntil(lambda: not window.live.action.isChecked(), timeout=20_000)
    lines = window.live.view.log.toPlainText().splitlines()
    assert lines and "live prices stopped" in lines[-1] and "Traceback" not in "".join(lines)


def test_scheduled_refresh_shows_the_next_run_and_starts_a_refresh(qtbot, window) -> None:
    view = window.live.view
    view.schedule.setCurrentIndex(view.schedule.findData(60))
    expected = next_run(datetime.now(UTC), 60)
    assert view.next_run.text() == f"next refresh {expected:%Y-%m-%d %H:%M} UTC"
    assert expected.minute == 0 and window.live.scheduled_at == expected
    window.refresh_history_days = {"1d": 30, "1h": 2}
    window.live._schedule_timer.timeout.emit()  # what the timer does when the hour comes
    qtbot.waitUntil(lambda: not window.busy, timeout=120_000)
    assert "scheduled refresh started" in view.log.toPlainText()
    assert window.current_source == "cache"
    view.schedule.setCurrentIndex(view.schedule.findData(0))
    assert view.next_run.text() == "scheduled refresh: off"


def test_next_run_is_aligned_to_the_period_in_utc() -> None:
    at = datetime(2026, 12, 6, 13, 7, 30, tzinfo=UTC)
    assert next_run(at, 60) == datetime(2026, 12, 6, 14, 0, tzinfo=UTC)
    assert next_run(at, 15) == datetime(2026, 12, 6, 13, 15, tzinfo=UTC)
    assert next_run(at, 240) == datetime(2026, 12, 6, 16, 0, tzinfo=UTC)
    assert next_run(at, 1440) == datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
    assert next_run(datetime(2026, 12, 6, 14, 0, tzinfo=UTC), 60).hour == 15  # strictly after


def test_notifications_are_throttled_and_folded() -> None:
    now = [100.0]
    throttle = NotificationThrottle(30.0, clock=lambda: now[0])
    assert throttle.offer(["a"]) == "a"
    assert throttle.offer(["b"]) is None and throttle.offer(["c", "d"]) is None
    now[0] = 129.9
    assert throttle.flush() is None
    now[0] = 130.0
    assert throttle.flush() == "b\n(+2 more alerts)"
    assert throttle.flush() is None
