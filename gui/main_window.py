"""The main window: tabs, toolbar (refresh / export), status bar with progress and Cancel.

Start-up is split so the window paints first. ``MainWindow(deferred_tabs=True)`` (what
``gui.main`` builds) is a shell of plain Qt widgets: title, restored geometry, the toolbar (its
actions disabled) and an empty tab widget; :meth:`MainWindow.build_tabs` (scheduled with
``QTimer.singleShot(0, ...)`` by ``gui.main`` once the window has painted) imports the tab
modules (``gui.window_tabs``) and builds the tabs, status panel, Live toggle and menus, then
:meth:`MainWindow.start_initial_load` loads the data and computes the report on a worker
thread. ``MainWindow()`` builds the tabs in its constructor.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices
from PySide6.QtWidgets import QMainWindow, QTabWidget, QToolBar

from gui.window_state import (
    open_state,
    remember_schedule,
    restore_geometry,
    restore_tab,
    save_window,
)
from gui.workers import BackgroundTask, Progress, TaskRunner, describe_error
from rotation_addin.core.errors import RotationError
from rotation_addin.data.settings import Settings, load_settings

if TYPE_CHECKING:  # built by build_tabs (gui.window_tabs), after the first paint
    from gui.backtest_view import BacktestView
    from gui.correlation_view import CorrelationView
    from gui.journal_view import JournalView
    from gui.live_controller import LiveController
    from gui.plan_view import PlanView
    from gui.quick_check import QuickCheckView
    from gui.regime_view import RegimeView
    from gui.sectors_view import SectorsView
    from gui.settings_view import SettingsView
    from gui.status import StatusPanel
    from gui.venues_view import VenuesView

TAB_NAMES = ("Quick check", "Sectors", "Correlation", "Regime", "Plan", "Venues", "Backtest",
             "Journal", "Settings")


class MainWindow(QMainWindow):
    """Rotation Desk main window.

    Parameters
    ----------
    settings : Settings | None
        Settings to start with (``load_settings()`` when None).
    api_base_url : str | None
        Override of the exchange's REST base URL (tests point it at the loopback emulator).
    state_path : Path | None
        Where geometry and last tab are remembered (default ``<config dir>/desktop.ini``).
    deferred_tabs : bool
        Build only the window shell; the tabs, status panel, Live toggle and menus wait for
        :meth:`build_tabs` (``gui.main`` calls it after the first paint). Default False: the
        constructor builds everything.

    Signals
    -------
    snapshot_loaded(object)
        A :class:`gui.pipeline.Snapshot` was applied to every tab.
    task_ended(str)
        A background task ended: ``"succeeded"``, ``"cancelled"`` or ``"failed"``.
    first_painted()
        The window painted for the first time (the start-up benchmark listens to it).
    tabs_built()
        :meth:`build_tabs` has built the tabs, status panel, Live toggle and menus.
    """

    snapshot_loaded = Signal(object)
    task_ended = Signal(str)
    first_painted = Signal()
    tabs_built = Signal()

    quick_check: QuickCheckView
    sectors: SectorsView
    correlation: CorrelationView
    regime: RegimeView
    plan: PlanView
    venues: VenuesView
    backtest: BacktestView
    journal: JournalView
    settings_view: SettingsView
    status_panel: StatusPanel
    live: LiveController
    menu_actions: dict[str, QAction]

    def __init__(
        self, settings: Settings | None = None, *, api_base_url: str | None = None,
        state_path: Path | None = None, deferred_tabs: bool = False,
    ) -> None:
        super().__init__()
        settings_problem = ""
        if settings is None:
            settings, settings_problem = _load_settings_or_defaults()
        self.settings = settings
        self.api_base_url = api_base_url
        self.refresh_history_days: dict[str, int] | None = None
        """Override of how far back a first refresh goes, per timeframe (tests shorten it)."""
        self.snapshot: Any = None
        self.current_source: str | None = None
        self.current_task: BackgroundTask | None = None
        self.busy = False
        self.last_workbook: Path | None = None
        self._painted = False
        self.tabs_ready = False
        """Whether :meth:`build_tabs` has run (the tabs, status panel, Live and menus exist)."""
        self._settings_problem = settings_problem
        self.runner = TaskRunner(self)
        self.setWindowTitle("Rotation Desk")
        self.resize(1200, 760)
        self.tabs = QTabWidget()
        self.setCentralWidget(self.tabs)
        self._build_toolbar()
        self.installEventFilter(self)
        self.window_state = open_state(state_path)
        restore_geometry(self, self.window_state)
        if deferred_tabs:
            self._set_actions_enabled(False)  # nothing to act on until build_tabs has run
            self.statusBar().showMessage("Starting…")
        else:
            self.build_tabs()

    # -- construction ---------------------------------------------------------------------
    def build_tabs(self) -> None:
        """Build the tabs, status panel, Live toggle and menus, select the last session's tab
        and restore the scheduled refresh; enables the actions (does nothing a second time)."""
        if self.tabs_ready:
            return
        # deferred: the tab modules (pyqtgraph, the desk's quick check, the journal, the
        # palette) load after the first paint (bench/bench_gui_start.py)
        from gui.window_tabs import create_views, install_extras, scrolled

        for name, widget in zip(TAB_NAMES, create_views(self), strict=True):
            self.tabs.addTab(scrolled(widget) if widget is self.settings_view else widget,
                             name)
        self.backtest.run_requested.connect(lambda: self.run_backtest())
        self.backtest.sweep_requested.connect(lambda: self.run_sweep())
        self.settings_view.settings_saved.connect(self._settings_saved)
        self.settings_view.universe_saved.connect(lambda _u: self.reload())
        install_extras(self)
        self.status_panel.cancel_clicked.connect(self.cancel_task)
        if self._settings_problem:
            self.status_panel.show_message(self._settings_problem, error=True)
        self.tabs.currentChanged.connect(self._tab_changed)
        restore_tab(self, self.window_state)
        remember_schedule(self.live.view.schedule, self.window_state)
        self.tabs_ready = True
        self._set_actions_enabled(not self.busy)
        self.tabs_built.emit()

    def _build_toolbar(self) -> None:
        bar = QToolBar("Actions")
        bar.setObjectName("actions")
        bar.setMovable(False)
        self.refresh_action = QAction("Refresh from exchange", self)
        self.refresh_action.setToolTip("Fetch daily candles from the exchange into the cache")
        self.refresh_action.triggered.connect(lambda: self.refresh_exchange())
        self.demo_action = QAction("Load demo", self)
        self.demo_action.setToolTip("Use the embedded simulated market (no network)")
        self.demo_action.triggered.connect(lambda: self.load_source("demo"))
        self.cache_action = QAction("Load cache", self)
        self.cache_action.triggered.connect(lambda: self.load_source("cache"))
        self.export_action = QAction("Export workbook", self)
        self.export_action.setToolTip("Write the workbook (same refresh as Excel's button)")
        self.export_action.triggered.connect(lambda: self.export_workbook(open_after=False))
        self.open_action = QAction("Export && open workbook", self)
        self.open_action.triggered.connect(lambda: self.export_workbook(open_after=True))
        for action in self._actions():
            bar.addAction(action)
        self.addToolBar(bar)

    def _actions(self) -> tuple[QAction, ...]:
        return (self.refresh_action, self.demo_action, self.cache_action, self.export_action,
                self.open_action)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self and not self._painted and event.type() == QEvent.Type.Paint:
            self._painted = True
            self.first_painted.emit()
        return super().eventFilter(watched, event)

    def _tab_changed(self, index: int) -> None:
        page = self.tabs.widget(index)
        if page is self.settings_view or (page is not None and
                                          page.isAncestorOf(self.settings_view)):
            self.settings_view.activate()

    def _settings_saved(self, settings: Settings) -> None:
        """New risk defaults: re-check the Quick check and recompute the plan."""
        self.settings = settings
        self.quick_check.set_settings(settings)
        if self.snapshot is not None:
            self.reload()

    # -- background work ----------------------------------------------------------------------
    def _start(
        self, name: str, work: Any, busy_text: str, on_success: Any = None,
        unit: str = "symbols",
    ) -> BackgroundTask | None:
        """Run ``work`` as the window's one background task (``unit``: what its progress
        counts, shown on the bar)."""
        # GUI-side flag, cleared when the outcome signal is handled: the worker may still be
        # running its last lines (done flag not yet set) when the window already shows it
        if self.busy and self.current_task is not None:
            self.status_panel.show_message(f"Busy: {self.current_task.name} is running")
            return None
        task = BackgroundTask(work, name=name)
        task.signals.progress.connect(self._on_progress)
        task.signals.succeeded.connect(on_success or self._on_snapshot)
        task.signals.failed.connect(self._on_failed)
        task.signals.cancelled.connect(self._on_cancelled)
        self.current_task = task
        self.busy = True
        self._set_actions_enabled(False)
        self.status_panel.show_busy(busy_text, unit)
        self.runner.start(task)
        return task

    def _set_actions_enabled(self, enabled: bool) -> None:
        for action in self._actions():
            action.setEnabled(enabled)

    def start_initial_load(self) -> BackgroundTask | None:
        """Load the configured data source and compute the report in the background."""
        return self.load_source(self.settings.data_source)

    def load_source(self, source: str) -> BackgroundTask | None:
        """Load ``"demo"`` or ``"cache"`` data in the background and show it."""
        # deferred: gui.pipeline (asyncio, the desk, pandas) loads after the first paint
        # (bench/bench_gui_start.py)
        from gui.pipeline import load_snapshot

        settings = self.settings
        self.current_source = source

        def work(progress: Any, cancel: Any) -> Any:
            return load_snapshot(settings, source, progress=progress, cancel=cancel)

        return self._start(f"load {source}", work, f"Loading {source} data…")

    def run_backtest(self) -> BackgroundTask | None:
        """Run the whole-strategy backtest on the loaded data in the background."""
        # deferred: the tab's tasks load with the tabs, after the first paint
        from gui.backtest_tasks import start_backtest

        return start_backtest(self)

    def run_sweep(self) -> BackgroundTask | None:
        """Run the default parameter sweep on the loaded data in the background."""
        # deferred: the tab's tasks load with the tabs, after the first paint
        from gui.backtest_tasks import start_sweep

        return start_sweep(self)

    def reload(self) -> BackgroundTask | None:
        """Reload what is shown (after a universe or settings change)."""
        return self.load_source(self.current_source or self.settings.data_source)

    def refresh_exchange(self) -> BackgroundTask | None:
        """Refresh the cache from the exchange (progress, Cancel), then show the cache."""
        # deferred: gui.pipeline (asyncio, the desk, pandas) loads after the first paint
        # (bench/bench_gui_start.py)
        from gui.pipeline import refresh_snapshot

        settings, base_url = self.settings, self.api_base_url
        history_days = self.refresh_history_days
        self.current_source = "cache"

        def work(progress: Any, cancel: Any) -> Any:
            return refresh_snapshot(
                settings, api_base_url=base_url, progress=progress, cancel=cancel,
                history_days=history_days,
            )

        return self._start("refresh", work, f"Refreshing from {settings.exchange_id}…")

    def cancel_task(self) -> None:
        """Cancel the running task (it stops at its next check, within about a second)."""
        if self.current_task is not None:
            self.current_task.cancel()
            self.status_panel.show_message("Cancelling…")

    def _on_progress(self, report: Progress) -> None:
        self.status_panel.show_progress(
            report.done, report.total, report.weight_used, report.detail
        )

    def _task_over(self, outcome: str) -> None:
        self.busy = False
        self.status_panel.show_idle()
        self._set_actions_enabled(True)
        self.task_ended.emit(outcome)

    def _on_snapshot(self, snapshot: Any) -> None:
        try:
            self.apply_snapshot(snapshot)
        except Exception as exc:  # the window must never be left "busy"

            self._on_failed(f"could not show the data: {describe_error(exc)}")
            return
        summary = getattr(snapshot, "summary_text", "")
        self.status_panel.show_message(summary)
        self._task_over("succeeded")

    def _on_failed(self, message: str) -> None:
        self.status_panel.show_message(message, error=True)
        if self.snapshot is None:
            hint = f"No data loaded: {message}\nUse Load demo, or Refresh from exchange."
            for caption in (
                self.sectors.caption, self.correlation.caption, self.plan.caption,
            ):
                caption.setText(hint)
            self.regime.verdict.setText("Regime: no data")
            self.status_panel.source_label.setText("Data: none")
        self._task_over("failed")

    def _on_cancelled(self) -> None:
        task = self.current_task
        waited = ""
        if task is not None and task.cancel_requested_at is not None:
            waited = f" after {time.monotonic() - task.cancel_requested_at:.2f} s"
        kept = "; the cache keeps what was complete" if task and task.name == "refresh" else ""
        self.status_panel.show_message(f"Cancelled{waited}{kept}.")
        self._task_over("cancelled")

    # -- showing data -----------------------------------------------------------------------
    def apply_snapshot(self, snapshot: Any) -> None:
        """Show a :class:`gui.pipeline.Snapshot` in every tab and the status bar."""
        # deferred: gui.window_tabs loads after the first paint (bench/bench_gui_start.py);
        # the tabs exist by the time a snapshot arrives
        from gui.window_tabs import show_snapshot

        self.snapshot = snapshot
        show_snapshot(self, snapshot)
        self.snapshot_loaded.emit(snapshot)

    # -- workbook ---------------------------------------------------------------------------
    def export_workbook(
        self, open_after: bool = True, path: Path | None = None
    ) -> BackgroundTask | None:
        """Write the workbook on the worker thread and maybe open it.

        Goes through ``workbook.refresh.refresh_workbook`` (the Excel button's entry point),
        then opens the file with the system's default application (``QDesktopServices``).
        """
        if self.snapshot is None:
            self.status_panel.show_message("No data loaded yet: nothing to export", error=True)
            return None
        # deferred: gui.pipeline (asyncio, the desk, pandas) loads after the first paint
        # (bench/bench_gui_start.py)
        from gui.pipeline import export_workbook

        snapshot, settings = self.snapshot, self.settings

        def work(progress: Any, cancel: Any) -> Any:
            progress.stage("writing the workbook")
            return export_workbook(snapshot, settings, path)

        def done(exported: Any) -> None:
            written = exported.path
            self.last_workbook = written
            note = f"; {exported.note}" if exported.note else ""
            self.status_panel.show_message(f"Workbook written: {written}{note}")
            if open_after:
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(written)))
            self._task_over("succeeded")

        return self._start("export", work, "Writing the workbook…", on_success=done)

    def closeEvent(self, event: QCloseEvent) -> None:
        save_window(self, self.window_state)
        if self.tabs_ready:
            self.live.shutdown()
        self.runner.cancel_all()
        self.runner.wait(3000)
        super().closeEvent(event)


def _load_settings_or_defaults() -> tuple[Settings, str]:
    """The user's settings, or the defaults plus a one-line reason if the file is invalid."""
    try:
        return load_settings(), ""
    except RotationError as exc:
        return Settings(), f"settings.toml ignored, defaults in use: {exc}"
