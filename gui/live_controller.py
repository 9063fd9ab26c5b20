"""The app's Live toggle, notifications and scheduled refresh (installed into the window).

Threads: the price stream runs on its own thread and event loop
(:class:`~gui.live_start.LiveStart`: that thread also imports ccxt and makes the clients and
the book, so the click returns at once) and only appends batches to a deque;
a 25 ms ``QTimer`` on the GUI thread drains it, marks the desk's open positions to the new
prices (:class:`~rotation_addin.desk.live_book.LiveBook`) and rewrites the changed rows in
place. No Qt object is touched from another thread and no signal is emitted from one, so the
event loop never waits on the network. Alert evaluation (every ``ALERT_EVERY_S`` with new
prices) runs on a short-lived thread and hands its lines back through the same kind of deque.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QToolBar

from gui.gui_thread_gc import collect_in_gui_thread
from gui.live_start import LiveReady, LiveRequest, LiveStart
from gui.live_view import LiveView
from gui.notify import Notifier, next_run
from rotation_addin.data.universe_io import load_universe

if TYPE_CHECKING:  # imported on the stream's thread (gui/live_start.py), never on this one
    from rotation_addin.data.live import LivePrices, LiveTick
    from rotation_addin.desk.live_book import LiveBook

FLUSH_MS = 25
"""How often the GUI thread takes the ticks that arrived (tick-to-paint is about this)."""
ALERT_EVERY_S = 10.0
"""Alerts are evaluated on the latest prices at most this often while Live is on."""
LATENCY_KEEP = 200_000
AlertEvaluator = Callable[[dict[str, float], datetime, str], list[str]]
"""``(prices by base, as of, source) -> one line per new firing`` (runs off the GUI thread)."""


def desk_alert_lines(prices: dict[str, float], as_of: datetime, source: str) -> list[str]:
    """The stored alerts evaluated by the desk on live prices (off the GUI thread)."""
    # deferred: pandas after the first paint (bench/bench_gui_start.py)
    from rotation_addin.desk.live_alerts import live_alert_lines
    from rotation_addin.desk.session import default_session

    return live_alert_lines(default_session(), prices, as_of, source)


class LiveController(QObject):
    """Adds the Live tab, the “Live prices” toggle and a status-bar line to ``window``.

    Attributes
    ----------
    ws_base_url : str or None
        Websocket host override (tests and the bench point it at the loopback emulator).
    latencies_ms : deque of float
        Exchange event time -> painted on screen, per tick (the streaming bench reads it).
    evaluate_alerts : AlertEvaluator or None
        How alert lines are computed on live prices (default :func:`desk_alert_lines`;
        None: no alert evaluation).
    """

    def __init__(self, window: QMainWindow, tabs: QTabWidget, toolbar: QToolBar | None) -> None:
        super().__init__(window)
        collect_in_gui_thread()  # the live threads must not collect the GUI's cycles
        self.window = window
        self.view = LiveView()
        tabs.addTab(self.view, "Live")
        self.action = QAction("Live prices", window)
        self.action.setCheckable(True)
        self.action.setToolTip("Stream prices over the exchange's websocket (REST fallback)")
        self.action.toggled.connect(self.set_live)
        if toolbar is not None:
            toolbar.addAction(self.action)
        self.status = QLabel("Live: off")
        window.statusBar().addPermanentWidget(self.status)
        self.ws_base_url: str | None = None
        self.evaluate_alerts: AlertEvaluator | None = desk_alert_lines
        self.latencies_ms: deque[float] = deque(maxlen=LATENCY_KEEP)
        self.notifier = Notifier(self._echo)
        self.book: LiveBook | None = None
        self.stream: LivePrices | None = None
        self.runner: LiveStart | None = None
        self._ready: deque[tuple[LiveStart, LiveReady]] = deque()
        self._incoming: deque[list[LiveTick]] = deque()
        self._alert_lines: deque[list[str]] = deque()
        self._unpainted: list[int] = []
        self._via: dict[str, str] = {}
        self._ended: deque[str] = deque()
        self._alerts_due = 0.0
        self._alerts_running = False
        self._status_due = 0.0
        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self.flush)
        self._schedule_timer = QTimer(self)
        self._schedule_timer.setSingleShot(True)
        self._schedule_timer.timeout.connect(self._scheduled_refresh)
        self.scheduled_at: datetime | None = None
        self.view.schedule.currentIndexChanged.connect(lambda _i: self.reschedule())
        self.view.tickers.painted.connect(self._painted)

    # -- the toggle -------------------------------------------------------------------------
    def set_live(self, on: bool) -> None:
        """Start (or stop) streaming the loaded universe's prices."""
        if on and self.runner is None:
            self._start()
        elif not on and self.runner is not None:
            self._stop()
        if self.action.isChecked() != on:
            self.action.setChecked(on)

    def _start(self) -> None:
        settings = getattr(self.window, "settings", None)
        exchange_id = getattr(settings, "exchange_id", "binanceusdm")
        snapshot = getattr(self.window, "snapshot", None)
        try:
            bases = tuple(load_universe().bases)
        except Exception as exc:  # one line in the status bar, Live stays off
            self._echo(f"Live prices not started: {exc}".splitlines()[0])
            self.action.setChecked(False)
            return
        request = LiveRequest(
            bases, exchange_id, ws_base_url=self.ws_base_url,
            api_base_url=getattr(self.window, "api_base_url", None) or
            (getattr(settings, "exchange_api_url", "") or None),
            dataset=snapshot.dataset if snapshot is not None else None)
        self.book = self.stream = None  # the new ones come from the stream's thread
        self.view.caption.setText(f"Live prices from {exchange_id}: {len(bases)} symbols; "
                                  "positions marked to mark price where streamed.")
        start = LiveStart(request, lambda ready: self._ready.append((start, ready)),
                          self._incoming.append, self._ended.append)
        self.runner = start.start()  # ccxt is imported and the clients made on its thread
        self._flush_timer.start()
        self.status.setText(f"Live: connecting to {exchange_id}…")

    def _take_ready(self) -> None:
        """The stream's thread built the book and the stream: the tables (pandas is imported by
        then, on that thread) with a row per base and the positions."""
        while self._ready:
            start, ready = self._ready.popleft()
            if start is not self.runner:  # switched off (or on again) meanwhile
                continue
            self.book, self.stream = ready.book, ready.stream
            _, positions = self.view.set_bases(list(start.request.bases))
            positions.set_rows(ready.book.rows())

    def _stop(self) -> None:
        runner, self.runner = self.runner, None
        if runner is not None:
            runner.request_stop()  # the thread ends within ~0.2 s; nobody waits for it here
        self._flush_timer.stop()
        self._incoming.clear()
        self.status.setText("Live: off")

    def shutdown(self) -> None:
        """Window closing: stop the stream and wait briefly for its thread."""
        runner = self.runner
        self._stop()
        if runner is not None:
            runner.stop(2.0)

    # -- the GUI-thread side ----------------------------------------------------------------
    def flush(self) -> None:
        """Take the ticks that arrived, update the rows they changed, notify alert lines."""
        self._take_ready()
        batches = []
        while self._incoming:
            batches.append(self._incoming.popleft())
        book, tickers, positions = self.book, self.view.ticker_model, self.view.position_model
        if batches and book is not None and tickers is not None and positions is not None:
            changed: set[str] = set()
            measure = self.view.tickers.isVisible()  # hidden tab: nothing will be painted
            for batch in batches:
                changed |= book.apply(batch)
                for tick in batch:
                    self._via[tick.base] = tick.via
                    if measure:
                        self._unpainted.append(tick.exchange_ms)
            tickers.update_from(book, changed, self._via)
            positions.update_rows(book.rows(changed))
        while self._alert_lines:
            self.notifier.notify(self._alert_lines.popleft())
        self.notifier.tick()
        now = time.monotonic()
        if now >= self._status_due:
            self._status_due = now + 0.5
            self._show_status()
        if batches and self.evaluate_alerts is not None and now >= self._alerts_due:
            self._start_alerts(now)
        while self._ended:
            self._on_ended(self._ended.popleft())

    def _painted(self, wall_s: float) -> None:
        if self._unpainted:
            now_ms = wall_s * 1000.0
            self.latencies_ms.extend(now_ms - stamp for stamp in self._unpainted)
            self._unpainted.clear()

    def _show_status(self) -> None:
        if self.stream is None or self.runner is None:
            return
        status = self.stream.status
        if status.mode == "connecting" and not status.ticks:
            return  # "Live: connecting to <exchange>…" (set by the click) stays
        text = f"Live: {status.mode} · {status.ticks:,} ticks"
        if status.malformed_frames:
            text += f" · {status.malformed_frames} malformed ignored"
        if status.drops:
            text += f" · {status.drops} drop(s)"
        self.status.setText(text)

    def _on_ended(self, problem: str) -> None:
        if problem:
            self._echo(problem)
        if self.runner is not None and self.runner.ended.is_set():
            self.runner = None
            self._flush_timer.stop()
            self.action.setChecked(False)
            self.status.setText("Live: off" + (" (stopped: see the Live tab)" if problem else ""))

    def _echo(self, line: str) -> None:
        self.view.add_log(line)
        panel = getattr(self.window, "status_panel", None)
        if panel is not None:
            panel.show_message(line)

    # -- alerts ---------------------------------------------------------------------------
    def _start_alerts(self, now: float) -> None:
        book = self.book
        if self._alerts_running or self.evaluate_alerts is None or book is None:
            return
        self._alerts_due = now + ALERT_EVERY_S
        self._alerts_running = True
        evaluate, prices = self.evaluate_alerts, book.prices()
        stamp = max(book.exchange_ms.values(), default=int(time.time() * 1000))
        as_of = datetime.fromtimestamp(stamp / 1000, tz=UTC)
        source = f"live {self.stream.exchange_id}" if self.stream is not None else "live"

        def work() -> None:
            try:
                lines = evaluate(prices, as_of, source)
            except Exception as exc:  # one line, never a traceback
                lines = [f"alerts not evaluated: {exc}".splitlines()[0]]
            if lines:
                self._alert_lines.append(lines)
            self._alerts_running = False

        threading.Thread(target=work, name="live-alerts", daemon=True).start()

    # -- scheduled refresh ----------------------------------------------------------------
    def reschedule(self, now: datetime | None = None) -> None:
        """Arm the timer for the period chosen in the Live tab and show the next run."""
        minutes = int(self.view.schedule.currentData() or 0)
        self._schedule_timer.stop()
        if minutes <= 0:
            self.scheduled_at = None
            self.view.next_run.setText("scheduled refresh: off")
            return
        current = now or datetime.now(UTC)
        self.scheduled_at = next_run(current, minutes)
        wait_ms = max(0, int((self.scheduled_at - current).total_seconds() * 1000))
        self._schedule_timer.start(wait_ms)
        self.view.next_run.setText(f"next refresh {self.scheduled_at:%Y-%m-%d %H:%M} UTC")

    def _scheduled_refresh(self) -> None:
        refresh: Any = getattr(self.window, "refresh_exchange", None)
        started = refresh() if refresh is not None else None
        if started is None:  # busy with another task: try again in a minute
            self._schedule_timer.start(60_000)
            self.view.next_run.setText("scheduled refresh waiting: another task is running")
            return
        self._echo("scheduled refresh started")
        self.reschedule()
