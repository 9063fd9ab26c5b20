"""A painted correlation heatmap: labelled rows/columns, value in each cell, diverging colours."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QFont, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.palette import cell_text_colour, correlation_colour
from rotation_addin.core import formats


class HeatmapWidget(QWidget):
    """Square matrix of values in [-1, 1] painted as coloured cells with their values."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.labels: list[str] = []
        self.values: list[list[float]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(260, 260)

    def set_matrix(
        self, labels: Sequence[str], values: Sequence[Sequence[float]], title: str
    ) -> None:
        """Show ``values`` (rows and columns in ``labels`` order) under ``title``."""
        if len(values) != len(labels) or any(len(row) != len(labels) for row in values):
            raise ValueError(f"matrix must be {len(labels)}×{len(labels)} to match its labels")
        self.labels = [str(label) for label in labels]
        self.values = [[float(v) for v in row] for row in values]
        self.title = title
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(480, 480)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.fillRect(self.rect(), self.palette().base())
        text_pen = self.palette().color(QPalette.ColorRole.Text)
        painter.setPen(text_pen)
        title_font = QFont(self.font())
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.drawText(QRectF(0, 2, self.width(), 22), Qt.AlignmentFlag.AlignCenter, self.title)
        n = len(self.labels)
        if n == 0:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no data")
            painter.end()
            return
        label_font = QFont(self.font())
        label_font.setPointSizeF(max(7.0, min(10.0, 180.0 / n)))
        painter.setFont(label_font)
        metrics = painter.fontMetrics()
        margin = max(metrics.horizontalAdvance(label) for label in self.labels) + 8
        top = 26 + margin
        cell = max(8.0, min((self.width() - margin - 6) / n, (self.height() - top - 6) / n))
        for i, label in enumerate(self.labels):
            y = top + i * cell
            painter.drawText(
                QRectF(0, y, margin - 4, cell),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
            painter.save()
            painter.translate(margin + i * cell + cell / 2, top - 4)
            painter.rotate(-90)
            painter.drawText(
                QRectF(0, -cell / 2, margin - 4, cell),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
            painter.restore()
        grid_pen = self.palette().color(QPalette.ColorRole.Base)
        value_font = QFont(label_font)
        value_font.setPointSizeF(max(6.0, min(9.0, cell / 4.2)))
        painter.setFont(value_font)
        for i in range(n):
            for j in range(n):
                value = self.values[i][j]
                rect = QRectF(margin + j * cell, top + i * cell, cell, cell)
                colour = correlation_colour(value)
                painter.fillRect(rect, colour)
                painter.setPen(grid_pen)
                painter.drawRect(rect)
                if cell >= 22 and math.isfinite(value):
                    painter.setPen(cell_text_colour(colour))
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter,
                                     formats.format_correlation(value))
        painter.end()
