"""The Backtest tab's two runs as window tasks: the whole-strategy backtest and the sweep.

Each starts through the window's task machinery (busy state, progress, Cancel in the status
panel) on the loaded data, with the funding that goes with where the data came from, and
shows its outcome on the tab and in the status bar.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gui.workers import BackgroundTask, describe_error

if TYPE_CHECKING:
    from gui.main_window import MainWindow


def _loaded(window: MainWindow) -> bool:
    if window.snapshot is None:
        window.status_panel.show_message("Load data first (Load demo or Load cache)",
                                         error=True)
        return False
    return True


def _shown(window: MainWindow, what: str,
           show: Callable[[Any], str]) -> Callable[[Any], None]:
    """The task's success handler: ``show(outcome)`` fills the tab and returns the status
    line; a failure to show it ends the task as failed (the window is never left busy)."""
    def handle(outcome: Any) -> None:
        try:
            message = show(outcome)
        except Exception as exc:  # the window must never be left "busy"
            window._on_failed(f"could not show the {what}: {describe_error(exc)}")
            return
        window.status_panel.show_message(message)
        window._task_over("succeeded")

    return handle


def start_backtest(window: MainWindow) -> BackgroundTask | None:
    """Run the whole-strategy backtest on the loaded data in the background."""
    if not _loaded(window):
        return None
    # deferred: gui.backtest_view loads with the tabs, after the first paint
    from gui.backtest_view import run_backtest_summary

    dataset, settings = window.snapshot.dataset, window.settings
    from_cache = window.current_source == "cache"

    def work(progress: Any, cancel: Any) -> Any:
        return run_backtest_summary(dataset, settings, from_cache)

    def show(outcome: Any) -> str:
        summary = outcome
        window.backtest.set_summary(summary)
        return (f"backtest: {summary.result.decisions} decisions, total return "
                f"{100 * summary.strategy.total_return:+.1f} %")

    return window._start("backtest", work, "Running the backtest…",
                         on_success=_shown(window, "backtest", show))


def start_sweep(window: MainWindow) -> BackgroundTask | None:
    """Run the tab's sweep grid (blank: the default) on the loaded data in the background
    (progress per setting; Cancel stops it at the next setting)."""
    if not _loaded(window):
        return None
    # deferred: gui.backtest_view loads with the tabs, after the first paint
    from gui.backtest_view import run_sweep_summary

    if not window.backtest.grid_ok:
        window.status_panel.show_message("Fix the sweep grid first (its field says what is "
                                         "wrong)", error=True)
        return None
    dataset, settings = window.snapshot.dataset, window.settings
    from_cache, grid = window.current_source == "cache", window.backtest.grid

    def work(progress: Any, cancel: Any) -> Any:
        return run_sweep_summary(dataset, settings, from_cache, progress, cancel, grid)

    def show(sweep: Any) -> str:
        window.backtest.set_sweep(sweep)
        best = sweep.rows[sweep.result.best]
        return (f"sweep: {len(sweep.rows)} settings; best Sharpe {best.sharpe:.2f} with "
                f"{best.label}; deflated Sharpe ratio {sweep.result.deflated.probability:.2f}")

    return window._start("sweep", work, "Sweeping the parameters…",
                         on_success=_shown(window, "sweep", show), unit="settings")
