"""Correlation tab: the normal-times matrix and the stress matrix side by side."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.heatmap import HeatmapWidget

if TYPE_CHECKING:
    import pandas as pd


class CorrelationView(QWidget):
    """Two heatmaps (normal | stress) and a caption explaining the windows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.caption = QLabel("Loading correlations…")
        self.caption.setObjectName("correlationCaption")
        self.caption.setWordWrap(True)
        row = QHBoxLayout()
        self.normal = HeatmapWidget("Normal")
        self.normal.setObjectName("normalHeatmap")
        self.stress = HeatmapWidget("Stress")
        self.stress.setObjectName("stressHeatmap")
        row.addWidget(self.normal, 1)
        row.addWidget(self.stress, 1)
        self.notes = QLabel("")
        self.notes.setWordWrap(True)
        layout.addWidget(self.caption)
        layout.addLayout(row, 1)
        layout.addWidget(self.notes)

    def set_data(
        self,
        normal: pd.DataFrame,
        stress: pd.DataFrame,
        normal_title: str,
        stress_title: str,
        caption: str,
        notes: str = "",
    ) -> None:
        """Show two square correlation frames (index = columns = labels)."""
        self.caption.setText(caption)
        self.normal.set_matrix(list(normal.columns), normal.to_numpy().tolist(), normal_title)
        self.stress.set_matrix(list(stress.columns), stress.to_numpy().tolist(), stress_title)
        self.notes.setText(notes)
