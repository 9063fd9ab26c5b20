"""Cycles are collected on the GUI thread only, once the app has workers (``gui/gui_thread_gc.py``).

A worker thread that collects a cycle holding Qt objects can deadlock PySide6 against the GUI
thread (seen as a hang of the workbook-export test). These tests put a cycle whose finaliser
records its thread in the garbage, then make a worker allocate far past the collector's
threshold: without the policy the worker collects it; with it, the GUI thread's timer does.
"""

from __future__ import annotations

import gc
import threading

from gui.gui_thread_gc import INTERVAL_MS, collect_due_generations
from gui.workers import BackgroundTask, TaskRunner


class _CycleWitness:
    """Part of a reference cycle; records the thread that finalises it."""

    def __init__(self, seen: list[str]) -> None:
        self.seen = seen
        self.me = self

    def __del__(self) -> None:
        self.seen.append(threading.current_thread().name)


def _allocate_many(progress: object) -> int:
    """Worker: allocate containers well past gen-0's threshold (700 by default)."""
    kept = [[index] for index in range(200_000)]
    return len(kept)


def test_a_worker_never_collects_cycles_the_gui_thread_does(qtbot) -> None:
    runner = TaskRunner()
    assert not gc.isenabled(), "a TaskRunner switches automatic collection off"
    seen: list[str] = []
    _CycleWitness(seen)  # unreachable at once: garbage only a cycle collection frees
    task = runner.start(BackgroundTask(_allocate_many, "allocate"))
    finished: list[bool] = []
    task.signals.finished.connect(lambda: finished.append(True))
    qtbot.waitUntil(lambda: bool(finished), timeout=20_000)
    gui_thread = threading.main_thread().name
    assert set(seen) <= {gui_thread}, f"the cycle was collected off the GUI thread: {seen}"
    due = [[index] for index in range(2 * gc.get_threshold()[0])]  # gen 0 due on this thread
    qtbot.waitUntil(lambda: bool(seen), timeout=5 * INTERVAL_MS + 20_000)
    assert seen == [gui_thread] and len(due) > 0


def test_due_generations_follow_the_thresholds() -> None:
    gc.collect()
    seen: list[str] = []
    _CycleWitness(seen)
    assert collect_due_generations((10**9, 10, 10)) == 0 and seen == [], "nothing due yet"
    assert collect_due_generations((0, 10**9, 10**9)) >= 1
    assert seen == [threading.main_thread().name]
