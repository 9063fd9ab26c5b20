"""Background tasks: progress shapes, cancel, one-line failures (real QThreadPool threads)."""

from __future__ import annotations

import threading
import time

import pytest

from gui.workers import BackgroundTask, Progress, TaskRunner, describe_error, progress_from_callback
from rotation_addin.core.errors import DataError


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        ((3, 22, "RENDER · weight 137"), {}, Progress(3, 22, 137.0, "RENDER · weight 137")),
        ((0, 22, "weight 12"), {}, Progress(0, 22, 12.0, "weight 12")),
        ((5, 10), {}, Progress(5, 10, 0.0, "")),
        ((), {"done": 2, "total": 4, "weight_used": 9.5}, Progress(2, 4, 9.5, "")),
    ],
)
def test_progress_shapes(args, kwargs, expected) -> None:
    assert progress_from_callback(*args, **kwargs) == expected


def test_progress_from_an_object() -> None:
    class Report:
        symbols_done = 7
        symbols_total = 9
        weight_used = 321
        symbol = "TAO"

    assert progress_from_callback(Report()) == Progress(7, 9, 321.0, "TAO")


def test_cancel_reaches_the_work_and_is_reported(qtbot) -> None:
    runner = TaskRunner()
    seen: list[str] = []

    def work(progress, cancel: threading.Event) -> str:
        for step in range(1000):
            progress(step, 1000, f"step {step}")
            if cancel.wait(0.01):
                return "stopped early"
        return "ran to the end"

    task = BackgroundTask(work, name="loop")
    task.signals.succeeded.connect(lambda _r: seen.append("succeeded"))
    task.signals.cancelled.connect(lambda: seen.append("cancelled"))
    # plain Python slots and waitUntil, not qtbot.waitSignal: the worker thread keeps emitting
    # `progress` (queued) after a SignalBlocker is gone, which crashes PySide6 6.12 + pytest-qt
    # 4.5 ("SignalBlocker has no attribute check_params_callback", then a segfault in GC)
    progressed: list[int] = []
    finished: list[float] = []
    task.signals.progress.connect(lambda *_a: progressed.append(1))
    task.signals.finished.connect(lambda *_a: finished.append(time.perf_counter()))
    runner.start(task)
    qtbot.waitUntil(lambda: bool(progressed), timeout=20_000)
    clicked = time.perf_counter()
    task.cancel()
    qtbot.waitUntil(lambda: bool(finished), timeout=20_000)
    assert finished[0] - clicked < 1.0
    assert seen == ["cancelled"]
    assert runner.wait(2000) and runner.running() == []


def test_failure_is_one_line(qtbot) -> None:
    runner = TaskRunner()

    def work(progress, cancel) -> None:
        raise DataError("cache: no daily candles for binanceusdm")

    task = BackgroundTask(work)
    with qtbot.waitSignal(task.signals.failed, timeout=20_000) as failed:
        runner.start(task)
    assert failed.args == ["cache: no daily candles for binanceusdm"]
    # plain words, no exception class names
    assert describe_error(KeyError("x")) == "unexpected problem: 'x'"
    assert describe_error(ValueError("first\nsecond")) == "unexpected problem: first"
    assert describe_error(RuntimeError()) == "unexpected problem (no details)"
    missing = FileNotFoundError(2, "No such file or directory", "/no/such/file")
    assert describe_error(missing) == "No such file or directory (/no/such/file)"


class _SlowDone(threading.Event):
    """A done flag set 0.3 s late: the worker thread lags behind the window (heavy load)."""

    def set(self) -> None:
        time.sleep(0.3)
        super().set()


class _LaggingTask(BackgroundTask):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.done = _SlowDone()


def test_next_action_right_after_a_task_ended(qtbot, monkeypatch) -> None:
    """The window accepts a new action as soon as it has shown the last one's outcome, even
    while the finished worker thread is still unwinding (fault injected: late done flag)."""
    from gui.main_window import MainWindow
    from rotation_addin.data.settings import Settings

    monkeypatch.setattr("gui.main_window.BackgroundTask", _LaggingTask)
    window = MainWindow(Settings(data_source="cache"))  # empty cache: fails at once
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.task_ended, timeout=60_000) as ended:
        first = window.start_initial_load()
    assert ended.args == ["failed"] and first is not None and not first.done.is_set()
    with qtbot.waitSignal(window.task_ended, timeout=120_000) as ended:
        second = window.load_source("demo")
    assert second is not None and second is not first
    assert ended.args == ["succeeded"]
