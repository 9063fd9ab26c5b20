"""The Live tab: live tickers, open positions at live prices, alert log, scheduled refresh.

Widgets only; :class:`gui.live_controller.LiveController` feeds them. The tickers table
reports each paint after it painted (``painted``): that is how the app measures
tick-to-paint.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui.notify import SCHEDULE_CHOICES
from gui.palette import follow_palette

if TYPE_CHECKING:
    from gui.live_models import PositionModel, TickerModel

LOG_LINES = 500
"""Lines the alert log keeps (older ones scroll away)."""


class PaintReportingTable(QTableView):
    """A table view that reports the wall clock (s) after each paint of its cells."""

    painted = Signal(float)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        self.painted.emit(time.time())


def _table() -> PaintReportingTable:
    table = PaintReportingTable()
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class LiveView(QWidget):
    """Tab content; ``tickers.painted(float)`` reports each paint of the tickers table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel("Live prices are off: switch on “Live prices” in the toolbar.")
        self.caption.setWordWrap(True)
        self.schedule = QComboBox()
        for label, minutes in SCHEDULE_CHOICES:
            self.schedule.addItem(label, minutes)
        self.schedule.setToolTip("Refresh from the exchange on a schedule (UTC-aligned)")
        self.next_run = QLabel("scheduled refresh: off")
        top = QHBoxLayout()
        top.addWidget(QLabel("Scheduled refresh:"))
        top.addWidget(self.schedule)
        top.addWidget(self.next_run, 1)
        self.ticker_model: TickerModel | None = None  # created when Live starts
        self.position_model: PositionModel | None = None
        self.tickers = _table()
        self.positions = _table()
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(LOG_LINES)
        self.log.setPlaceholderText("Alert firings and stream events appear here.")
        right = QSplitter()
        right.setOrientation(Qt.Orientation.Vertical)
        right.addWidget(self.positions)
        right.addWidget(self.log)
        body = QSplitter()
        body.addWidget(self.tickers)
        body.addWidget(right)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addLayout(top)
        layout.addWidget(body, 1)
        follow_palette(self, self.restyle)

    def set_bases(self, bases: list[str]) -> tuple[TickerModel, PositionModel]:
        """Fresh tickers and positions tables for ``bases`` (one ticker row each)."""
        # deferred: pandas after the first paint (bench/bench_gui_start.py)
        from gui.live_models import PositionModel, TickerModel

        self.ticker_model = TickerModel(bases, self)
        self.tickers.setModel(self.ticker_model)
        self.position_model = PositionModel(self)
        self.positions.setModel(self.position_model)
        return self.ticker_model, self.position_model

    def restyle(self) -> None:
        """The palette changed: signed cells of both tables coloured for it."""
        for model in (self.ticker_model, self.position_model):
            if model is not None:
                model.restyle()

    def add_log(self, line: str) -> None:
        """Append one line (UTC time first) to the log."""
        self.log.appendPlainText(f"{time.strftime('%H:%M:%S', time.gmtime())}  {line}")
