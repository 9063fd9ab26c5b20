"""Background work for the app: a ``QRunnable`` on a ``QThreadPool`` with progress and Cancel.

The work function receives a :class:`ProgressReporter` (pass it as the ``progress=`` callback of
the data layer) and a ``threading.Event`` (pass it as ``cancel=``). Cancel sets the event; the
data layer checks it between requests, so the work stops within about a second. Results come
back to the GUI thread through queued signals, so the event loop never blocks on the network.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from gui.gui_thread_gc import collect_in_gui_thread
from rotation_addin.core.errors import RotationError


@dataclass(frozen=True)
class Progress:
    """One progress report: symbols done out of total, exchange weight used, a detail line."""

    done: int
    total: int
    weight_used: float
    detail: str


def _number(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def progress_from_callback(*args: Any, **kwargs: Any) -> Progress:
    """Normalise the shapes the data layer may report progress in.

    Accepted: ``(done, total)``, ``(done, total, detail)``, ``(done, total, detail, weight)``,
    keyword forms ``done=, total=, weight_used=, detail=``, or one object with attributes
    ``symbols_done``/``done``, ``symbols_total``/``total``, ``weight_used``, ``detail``/``symbol``.
    """
    if len(args) == 1 and not kwargs and not isinstance(args[0], int | float):
        obj = args[0]

        def pick(*names: str) -> Any:
            for name in names:
                if isinstance(obj, dict) and name in obj:
                    return obj[name]
                if hasattr(obj, name):
                    return getattr(obj, name)
            return None

        done = pick("symbols_done", "done", "completed")
        total = pick("symbols_total", "total")
        weight = pick("weight_used", "used_weight", "weight")
        detail = pick("detail", "symbol", "message")
        return Progress(
            int(_number(done)), int(_number(total)), _number(weight), str(detail or "")
        )
    done = kwargs.get("done", args[0] if len(args) > 0 else 0)
    total = kwargs.get("total", args[1] if len(args) > 1 else 0)
    detail = kwargs.get("detail", args[2] if len(args) > 2 else "")
    weight = kwargs.get("weight_used", kwargs.get("weight", args[3] if len(args) > 3 else None))
    if weight is None:
        weight = _weight_from_detail(str(detail))
    return Progress(int(_number(done)), int(_number(total)), _number(weight), str(detail or ""))


def _weight_from_detail(detail: str) -> float:
    """Read ``weight 123`` / ``weight=123`` out of a free-text detail line (0 if absent)."""
    lowered = detail.lower()
    position = lowered.find("weight")
    if position < 0:
        return 0.0
    digits = ""
    for ch in lowered[position + 6 :].lstrip(" =:"):
        if ch.isdigit() or (ch == "." and digits):
            digits += ch
        else:
            break
    return _number(digits)


class TaskSignals(QObject):
    """Signals of one background task (emitted from the worker, delivered in the GUI thread)."""

    progress = Signal(object)  # Progress
    succeeded = Signal(object)  # the work function's result
    failed = Signal(str)  # one-line reason, never a traceback
    cancelled = Signal()
    finished = Signal()  # always last


class ProgressReporter:
    """Callable handed to the data layer as ``progress=``; forwards to the task's signal."""

    def __init__(self, signals: TaskSignals, cancel: threading.Event) -> None:
        self._signals = signals
        self._cancel = cancel
        self.last: Progress | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        report = progress_from_callback(*args, **kwargs)
        self.last = report
        self._signals.progress.emit(report)

    def stage(self, detail: str) -> None:
        """Report a stage without counts (``"computing report"``)."""
        done = self.last.done if self.last else 0
        total = self.last.total if self.last else 0
        weight = self.last.weight_used if self.last else 0.0
        self.__call__(Progress(done, total, weight, detail))


WorkFunction = Callable[[ProgressReporter, threading.Event], Any]


class CancelledByUserError(Exception):
    """Raised by work functions that notice the cancel event between steps."""


class BackgroundTask(QRunnable):
    """Run ``work(progress, cancel)`` on a thread pool; report through :attr:`signals`.

    ``cancel()`` sets the event; if the work then returns or raises, ``cancelled`` is emitted
    instead of ``succeeded``/``failed``. ``finished`` is always emitted last.
    """

    def __init__(self, work: WorkFunction, name: str = "task") -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.name = name
        self.work = work
        self.signals = TaskSignals()
        self.cancel_event = threading.Event()
        self.reporter = ProgressReporter(self.signals, self.cancel_event)
        self.cancel_requested_at: float | None = None
        self.done = threading.Event()

    def cancel(self) -> None:
        """Ask the work to stop (returns at once; the work stops at its next check)."""
        if self.cancel_requested_at is None:
            self.cancel_requested_at = time.monotonic()
        self.cancel_event.set()

    def run(self) -> None:
        # deferred: asyncio (~100 ms, -X importtime) after the first paint (bench_gui_start.py)
        import asyncio

        try:
            result = self.work(self.reporter, self.cancel_event)
        except CancelledByUserError:
            self.signals.cancelled.emit()
        except BaseException as exc:  # every outcome must reach the window
            if self.cancel_event.is_set() or isinstance(exc, asyncio.CancelledError):
                self.signals.cancelled.emit()
            else:
                self.signals.failed.emit(describe_error(exc))
        else:
            if self.cancel_event.is_set():
                self.signals.cancelled.emit()
            else:
                self.signals.succeeded.emit(result)
        finally:
            self.done.set()
            self.signals.finished.emit()


def describe_error(exc: BaseException) -> str:
    """One line for the user in plain words: our own errors' messages; for others the
    operating system's reason or the first line of the message -- never a class name."""
    if isinstance(exc, RotationError):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    text = str(exc).splitlines()[0].strip() if str(exc).strip() else ""
    return f"unexpected problem: {text}" if text else "unexpected problem (no details)"


class TaskRunner(QObject):
    """Owns a thread pool and the tasks in flight (keeps them alive until they finish)."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        collect_in_gui_thread()  # before any worker: no cycle is collected off the GUI thread
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._tasks: set[BackgroundTask] = set()

    def start(self, task: BackgroundTask) -> BackgroundTask:
        """Queue ``task`` on the pool and keep a reference until it finishes."""
        self._tasks.add(task)
        task.signals.finished.connect(lambda: self._tasks.discard(task))
        self.pool.start(task)
        return task

    def running(self) -> list[BackgroundTask]:
        """Tasks started and not finished."""
        return [t for t in self._tasks if not t.done.is_set()]

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    def wait(self, timeout_ms: int = 5000) -> bool:
        """Block until the pool is idle (used at shutdown and in tests)."""
        return bool(self.pool.waitForDone(timeout_ms))
