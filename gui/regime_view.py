"""Regime tab: the verdict and, for each input, its vote and the reason."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.table_view import DataTable

if TYPE_CHECKING:
    import pandas as pd

    from gui.models import ColumnFormat

VERDICT_COLOURS = {"risk-on": "#1a7f37", "risk-off": "#c62828", "neutral": "#8a6d00"}


class RegimeView(QWidget):
    """Verdict banner above a table of votes (input, value, vote, reason)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.verdict = QLabel("Regime: loading…")
        self.verdict.setObjectName("regimeVerdict")
        font = self.verdict.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.verdict.setFont(font)
        self.summary = QLabel("")
        self.summary.setObjectName("regimeSummary")
        self.summary.setWordWrap(True)
        self.table = DataTable()
        self.table.setObjectName("regimeVotes")
        self.table.setWordWrap(True)
        layout.addWidget(self.verdict)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)

    def set_data(
        self,
        verdict: str,
        summary: str,
        votes: pd.DataFrame,
        formats: Mapping[str, ColumnFormat],
    ) -> None:
        """Show the ``verdict`` (coloured), a one-paragraph ``summary`` and the ``votes``."""
        key = verdict.strip().lower().replace("_", "-").replace(" ", "-")
        colour = VERDICT_COLOURS.get(key, "#333333")
        self.verdict.setText(f"Regime: {verdict.upper()}")
        self.verdict.setStyleSheet(f"color: {colour};")
        self.summary.setText(summary)
        self.table.set_frame(votes, formats, show_index=False)
        self.table.resizeRowsToContents()
