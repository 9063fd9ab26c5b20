"""Sectors tab: the sector score table and a chart of each sector's index (pyqtgraph)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from gui.palette import follow_palette, series_colours, style_plot
from gui.table_view import DataTable
from rotation_addin.core import formats

if TYPE_CHECKING:
    import pandas as pd

    from gui.models import ColumnFormat


class SectorsView(QWidget):
    """Sector table (sortable) above a line chart of sector indices (start = 100)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.caption = QLabel("Loading sector data…")
        self.caption.setObjectName("sectorsCaption")
        self.caption.setWordWrap(True)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.table = DataTable()
        self.table.setObjectName("sectorsTable")
        self.chart_holder = QWidget()
        self.chart_layout = QVBoxLayout(self.chart_holder)
        self.chart_layout.setContentsMargins(0, 0, 0, 0)
        self.plot: Any = None
        self.index_frame: pd.DataFrame | None = None
        follow_palette(self, self.restyle)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.chart_holder)
        self.splitter.setSizes([220, 420])
        layout.addWidget(self.caption)
        layout.addWidget(self.splitter, 1)

    def set_data(
        self,
        table: pd.DataFrame,
        formats: Mapping[str, ColumnFormat],
        index_frame: pd.DataFrame,
        caption: str,
    ) -> None:
        """Show the sector ``table`` and plot ``index_frame`` (date index, one column/sector)."""
        self.caption.setText(caption)
        self.table.set_frame(table, formats)
        self._plot(index_frame)

    def _ensure_plot(self) -> Any:
        if self.plot is None:
            # deferred: pyqtgraph after the first paint (bench/bench_gui_start.py)
            import pyqtgraph as pg

            self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
            self.plot.setObjectName("sectorChart")
            self.plot.showGrid(x=True, y=True, alpha=0.25)
            self.plot.setTitle(formats.SECTOR_CHART_TITLE)
            self.plot.setLabel("left", "index (start = 100)")
            self.plot.addLegend(offset=(10, -10))
            style_plot(self.plot)
            self.chart_layout.addWidget(self.plot)
        return self.plot

    def _plot(self, index_frame: pd.DataFrame) -> None:
        # deferred: numpy, pandas, pyqtgraph after the first paint (bench/bench_gui_start.py)
        import numpy as np
        import pandas as pd
        import pyqtgraph as pg

        self.index_frame = index_frame
        plot = self._ensure_plot()
        plot.clear()
        legend = plot.plotItem.legend
        if legend is not None:
            legend.clear()
        if index_frame.empty:
            return
        dates = pd.DatetimeIndex(index_frame.index)
        # Seconds since the epoch whatever the index's resolution (ns/us/s in pandas 3).
        epoch = pd.Timestamp("1970-01-01", tz=dates.tz)
        seconds = np.asarray((dates - epoch).total_seconds(), dtype=float)
        colours = series_colours()
        for number, name in enumerate(index_frame.columns):
            colour = colours[number % len(colours)]
            values = index_frame[name].to_numpy(dtype=float)
            plot.plot(seconds, values, pen=pg.mkPen(colour, width=2), name=str(name))
        plot.enableAutoRange()

    def restyle(self) -> None:
        """The palette changed: chart background, axes and line colours again."""
        if self.plot is not None:
            style_plot(self.plot)
            if self.index_frame is not None:
                self._plot(self.index_frame)

    def curve_count(self) -> int:
        """Number of sector lines drawn (tests)."""
        if self.plot is None:
            return 0
        return len(self.plot.plotItem.listDataItems())
