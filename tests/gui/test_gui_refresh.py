"""Refresh from the loopback Binance emulator: tables fill, Cancel stops it, the UI keeps going.

Real parts end to end: ccxt talks HTTP to ``tests/emulator/binance.py`` on 127.0.0.1, the
SQLite cache is written under the tmp ``ROTATION_DESK_HOME``, the report is computed and the
real widgets are driven offscreen.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer

from gui.main_window import MainWindow
from gui.workers import Progress
from rotation_addin.data.demo import DemoMarket
from rotation_addin.data.settings import Settings
from rotation_addin.data.universe_io import load_universe
from tests.emulator.binance import BinanceEmulator, Fault

HISTORY = {"1d": 200, "1h": 2}  # enough daily history for the report, little hourly


@pytest.fixture(scope="module")
def market() -> DemoMarket:
    return DemoMarket(days=240)


@pytest.fixture
def window(qtbot) -> MainWindow:
    win = MainWindow(Settings())
    win.refresh_history_days = dict(HISTORY)
    qtbot.addWidget(win)
    win.show()
    return win


class TickRecorder:
    """A 20 ms QTimer on the GUI thread; its ticks prove the event loop keeps running."""

    def __init__(self) -> None:
        self.stamps: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(lambda: self.stamps.append(time.perf_counter()))

    def start(self) -> None:
        self.stamps.clear()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def max_gap_s(self, until: float = float("inf")) -> float:
        """Longest wait between ticks (up to ``until``, a perf_counter time)."""
        stamps = [s for s in self.stamps if s <= until]
        return float(np.max(np.diff(stamps))) if len(stamps) > 1 else float("inf")

    def count(self, until: float = float("inf")) -> int:
        return sum(1 for s in self.stamps if s <= until)


@pytest.fixture
def ticks() -> Iterator[TickRecorder]:
    recorder = TickRecorder()
    yield recorder
    recorder.stop()


def test_refresh_fills_tables_and_ui_stays_responsive(qtbot, window, market, ticks) -> None:
    universe = load_universe()
    progress: list[Progress] = []
    last_report: list[float] = []
    with BinanceEmulator(market) as exchange:
        window.api_base_url = exchange.base_url
        assert window.sectors.table.row_count() == 0  # nothing loaded yet
        ticks.start()
        started = time.perf_counter()
        with qtbot.waitSignal(window.task_ended, timeout=180_000) as ended:
            window.refresh_action.trigger()
            task = window.current_task
            assert task is not None
            task.signals.progress.connect(progress.append)
            task.signals.progress.connect(lambda _p: last_report.append(time.perf_counter()))
        elapsed = time.perf_counter() - started
        ticks.stop()
        assert ended.args == ["succeeded"], window.status_panel.progress_label.text()
        assert exchange.weight_used > 0 and len(exchange.request_log) > len(universe.bases)

    # The work runs off the GUI thread: the 20 ms timer keeps firing while the worker fetches
    # and computes (up to its last progress report). Had the refresh run on the GUI thread, one
    # gap would span the whole worker phase. How short the gaps are is a speed figure, measured
    # by bench/bench_gui_refresh.py (docs/benchmarks.md), not asserted here.
    worker_phase_end = last_report[-1]
    worker_phase = worker_phase_end - started
    during = ticks.count(until=worker_phase_end)
    gap_during = ticks.max_gap_s(until=worker_phase_end)
    print(f"refresh {elapsed:.2f} s (worker {worker_phase:.2f} s): {during} ticks, max gap "
          f"{gap_during * 1000:.0f} ms while working")
    assert during >= 3
    assert gap_during < 0.5 * worker_phase

    # progress: symbols done out of the listed total, weight used read from the detail
    counted = [p for p in progress if p.total > 0]
    assert counted and counted[-1].done == counted[-1].total == len(universe.bases)
    assert max(p.weight_used for p in counted) > 0

    dataset = window.snapshot.dataset
    assert window.status_panel.source_label.text() == "Data: cache (binanceusdm)"
    trading = universe.trading_sectors()
    assert window.sectors.table.row_count() == len(trading)
    assert len(window.correlation.normal.labels) == len(trading) + 1
    assert window.regime.table.row_count() == 3
    assert window.plan.orders.row_count() == len(window.snapshot.report.plan.orders)
    # the cached closes are the emulator's (DemoMarket) daily closes for the same days
    reference = market.daily_candles("RENDER")["close"]
    shown = dataset.close["RENDER"].dropna()
    common = shown.index.intersection(reference.index)
    assert len(common) > 100
    np.testing.assert_allclose(shown.loc[common], reference.loc[common], rtol=1e-6)


def test_cancel_stops_the_refresh_and_no_request_follows(qtbot, window, market, ticks) -> None:
    slow = Fault("latency", path="/fapi/v1/klines", count=None, latency_s=0.3)
    with BinanceEmulator(market, faults=[slow]) as exchange:
        window.api_base_url = exchange.base_url
        ticks.start()
        with qtbot.waitSignal(window.task_ended, timeout=60_000) as ended:
            window.refresh_action.trigger()
            task = window.current_task
            assert task is not None
            qtbot.waitUntil(lambda: window.status_panel.cancel_button.isVisible(), timeout=20_000)
            qtbot.wait(1500)  # let it get going: requests in flight
            assert not task.done.is_set(), "refresh finished before it could be cancelled"
            clicked = time.perf_counter()
            qtbot.mouseClick(window.status_panel.cancel_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(task.done.is_set, timeout=20_000)
            stopped = time.perf_counter() - clicked
            # the emulator counts weight when a request ARRIVES (responses to requests already
            # in flight are still logged later): nothing may arrive once the worker stopped
            weight_when_stopped = exchange.weight_used
        ended_after = time.perf_counter() - clicked
        ticks.stop()
        time.sleep(0.8)
        assert exchange.weight_used == weight_when_stopped, "requests continued after cancel"
    print(f"cancel: worker stopped {stopped * 1000:.0f} ms, UI told {ended_after * 1000:.0f} ms "
          f"after the click; max tick gap {ticks.max_gap_s() * 1000:.0f} ms")
    assert ended.args == ["cancelled"]
    assert "Cancelled" in window.status_panel.progress_label.text()
    assert window.refresh_action.isEnabled()  # ready for another go
    # the latency (about 0.3 s) is measured by bench/bench_gui_refresh.py, not asserted here
