"""Python's cycle collector runs only on the GUI thread once the app starts worker threads.

Why: the automatic collector runs in whichever thread happens to allocate past the threshold.
When that is a worker thread and the garbage holds Qt objects (a closed window, its menus and
actions), PySide6 destroys them from the worker while the GUI thread runs its own deferred
deletions: each waits for the other (the worker for the GIL, the GUI thread for Qt's
connection mutex) and the app freezes. This was caught as a hang of
``tests/gui/test_gui_tabs.py::test_export_writes_the_workbook_and_opens_it``: py-spy showed the
export worker inside ``gc_collect_main`` -> ``QObject::~QObject`` waiting in
``Shiboken::GilState::acquire`` and the GUI thread in ``QObject::~QObject`` waiting on a
``QBasicMutex``.

The remedy is pyqtgraph's ``GarbageCollector`` policy (same thresholds, same generations):
automatic collection off, and a timer on the GUI thread collects each generation whose count
passed its threshold once a second. Objects without cycles are still freed at once by
reference counting; only cycles wait (at most a second while the event loop runs).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 1000
"""How often the GUI thread checks the collector's counts (pyqtgraph's default, 1 s)."""

_TIMER_NAME = "rotation-gui-thread-gc"
_FROZEN: list[bool] = []
"""Non-empty while :func:`long_lived_imports` holds the heap frozen."""
_PAUSED: list[bool] = []
"""One entry per :func:`long_lived_imports` block running: the timer skips its passes."""


def collect_due_generations(thresholds: tuple[int, int, int]) -> int:
    """Collect, on the calling thread, every generation whose count passed its threshold.

    Parameters
    ----------
    thresholds
        ``gc.get_threshold()`` as it was before automatic collection was switched off.

    Returns
    -------
    int
        The number of unreachable objects found (0 when nothing was due).
    """
    count0, count1, count2 = gc.get_count()
    found = 0
    if count0 > thresholds[0]:
        found += gc.collect(0)
        if count1 > thresholds[1]:
            found += gc.collect(1)
            if count2 > thresholds[2]:
                found += gc.collect(2)
    return found


def collect_in_gui_thread() -> bool:
    """Switch automatic collection off and collect on a GUI-thread timer (idempotent).

    Call before starting a worker thread. Needs a running ``QCoreApplication`` (the timer is
    its child, so it lives as long as the app); without one nothing changes.

    Returns
    -------
    bool
        Whether the policy is in force after the call.
    """
    app = QCoreApplication.instance()
    if app is None:
        return False
    if app.findChild(QTimer, _TIMER_NAME) is not None:
        gc.disable()
        return True
    thresholds = gc.get_threshold()
    timer = QTimer(app)
    timer.setObjectName(_TIMER_NAME)
    timer.timeout.connect(lambda: _timer_pass(thresholds))
    timer.start(INTERVAL_MS)
    gc.disable()  # no collection now: what is pending waits for the timer (first paint first)
    return True


@contextlib.contextmanager
def long_lived_imports() -> Iterator[None]:
    """Imports made inside (on any thread) are left out of the GUI thread's cycle collections.

    For the live stream's thread, which imports ccxt, ccxt.pro, aiohttp and pandas: that
    allocates several hundred thousand objects (modules, classes, functions) that live as
    long as the process, and the GUI-thread timer's passes walked them all -- a 130-200 ms
    generation-0 pass during the import and as long a generation-1 pass a second later on an
    idle machine, the window frozen each time (``bench/bench_live_toggle.py``). Inside the
    block the timer skips its passes (collection is off: nothing is collected meanwhile, on
    no thread); at its end ``gc.freeze`` moves every object that exists to the permanent
    generation at once (it walks nothing and destroys nothing, so it is safe off the GUI
    thread). The price: an object alive then that later becomes part of a reference cycle is
    never collected (one that does not is still freed at once by reference counting). The
    heap is frozen once (later blocks only pause); nothing is frozen while another caller
    holds objects frozen (``core.sweep``: its unfreeze would release ours too), nor when the
    block raised.
    """
    _PAUSED.append(True)
    try:
        yield
        if not _FROZEN and not gc.get_freeze_count():
            gc.freeze()
            _FROZEN.append(True)
    finally:
        _PAUSED.pop()


def _timer_pass(thresholds: tuple[int, int, int]) -> None:
    if not _PAUSED:
        collect_due_generations(thresholds)


def restore_automatic_collection() -> None:
    """Undo :func:`collect_in_gui_thread`: stop the timer, unfreeze what
    :func:`long_lived_imports` froze, collect now, collection back on.

    For the test suite, which runs non-GUI tests in the same process after GUI ones.
    """
    app = QCoreApplication.instance()
    timer = app.findChild(QTimer, _TIMER_NAME) if app is not None else None
    if isinstance(timer, QObject):
        timer.stop()
        timer.setParent(None)
        timer.deleteLater()
    if _FROZEN:
        _FROZEN.clear()
        gc.unfreeze()
    gc.collect()
    gc.enable()
