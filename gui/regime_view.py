"""Regime tab: the verdict, each input's vote and reason, and the score over the last year."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.palette import follow_palette, level_colour, series_colours, set_tone, style_plot
from gui.table_view import DataTable

if TYPE_CHECKING:
    import pandas as pd

    from gui.models import ColumnFormat

VERDICT_TONES = {"risk-on": "good", "risk-off": "bad", "neutral": "warning"}
"""Tone of the verdict banner (colours: :func:`gui.palette.text_colour`)."""


class RegimeView(QWidget):
    """Verdict banner, a table of votes (input, value, vote, reason) and a score chart."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QVBoxLayout(self)
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
        self.chart_caption = QLabel("")
        self.chart_caption.setWordWrap(True)
        self.plot: Any = None
        self.scores: pd.Series | None = None
        follow_palette(self, self.restyle)
        self.layout_.addWidget(self.verdict)
        self.layout_.addWidget(self.summary)
        self.layout_.addWidget(self.table)
        self.layout_.addWidget(self.chart_caption)

    def set_data(
        self,
        verdict: str,
        summary: str,
        votes: pd.DataFrame,
        formats: Mapping[str, ColumnFormat],
        scores: pd.Series | None = None,
    ) -> None:
        """Show the ``verdict`` (coloured), the ``summary``, the ``votes`` and the score chart."""
        key = verdict.strip().lower().replace("_", "-").replace(" ", "-")
        self.verdict.setText(f"Regime: {verdict.upper()}")
        set_tone(self.verdict, VERDICT_TONES.get(key, "plain"))
        self.summary.setText(summary)
        self.table.set_frame(votes, formats, show_index=False)
        self.table.resizeRowsToContents()
        rows_height = sum(self.table.rowHeight(r) for r in range(self.table.row_count()))
        self.table.setMaximumHeight(self.table.horizontalHeader().height() + rows_height + 6)
        if scores is not None and not scores.empty:
            self._plot(scores)

    def _plot(self, scores: pd.Series) -> None:
        # deferred: numpy, pandas, pyqtgraph after the first paint (bench/bench_gui_start.py)
        import numpy as np
        import pandas as pd
        import pyqtgraph as pg

        self.scores = scores
        if self.plot is None:
            self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
            style_plot(self.plot)
            self.plot.setObjectName("regimeChart")
            self.plot.showGrid(x=True, y=True, alpha=0.25)
            self.plot.setLabel("left", "Regime score (sum of votes)")
            self.plot.setYRange(-3.3, 3.3)
            ticks = [(v, f"{v:+d}" if v else "0") for v in range(-3, 4)]
            self.plot.getAxis("left").setTicks([ticks, []])
            self.layout_.addWidget(self.plot, 1)
        self.plot.clear()
        dates = pd.DatetimeIndex(scores.index)
        epoch = pd.Timestamp("1970-01-01", tz=dates.tz)
        seconds = np.asarray((dates - epoch).total_seconds(), dtype=float)
        values = scores.to_numpy(dtype=float)
        for level, kind in ((1, "good"), (-1, "bad")):
            self.plot.addLine(y=level, pen=pg.mkPen(level_colour(kind), width=1,
                                                    style=Qt.PenStyle.DashLine))
        # stepMode "right": each day's score holds until the next day
        self.plot.plot(seconds, values, pen=pg.mkPen(series_colours()[0], width=2),
                       stepMode="right")
        self.chart_caption.setText(
            f"Score on each of the last {len(values)} days, replayed with only the data known "
            "that day: at or above +1 (green line) risk-on, at or below -1 (red line) risk-off."
        )

    def restyle(self) -> None:
        """The palette changed: chart background, axes and lines again."""
        if self.plot is not None:
            style_plot(self.plot)
            if self.scores is not None:
                self._plot(self.scores)
