"""The Qt binding keeps Python's reference counts: PySide6 6.12.0 on Python 3.11 dropped one
reference to ``None`` per void Qt call (and pyqtgraph's redraws dropped ``True``), so a long
session or a test run ended in ``Fatal Python error: none_dealloc``. pyproject excludes that
release; this test fails on any binding that does it again."""

from __future__ import annotations

import gc
import sys
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject

CALLS = 2000


def test_void_qt_calls_keep_the_reference_to_none() -> None:
    holder = QObject()
    gc.collect()
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        holder.setObjectName("x")  # a void C++ method: Python gets None back
    gc.collect()
    assert before - sys.getrefcount(None) < CALLS // 100


def test_chart_redraws_keep_the_references_to_true_and_none(qtbot: Any) -> None:
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    x = np.arange(50.0)
    gc.collect()
    before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(100):
        plot.clear()
        plot.plot(x, x, pen=pg.mkPen("#0072B2", width=2))
    gc.collect()
    lost_true = before[0] - sys.getrefcount(True)
    lost_none = before[1] - sys.getrefcount(None)
    assert lost_true < 20 and lost_none < 20, (lost_true, lost_none)
