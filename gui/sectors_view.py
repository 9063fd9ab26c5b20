"""Sectors tab: the sector score table and a chart of each sector's index (pyqtgraph)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from gui.palette import style_plot
from gui.table_view import DataTable
from rotation_addin.core import formats

if TYPE_CHECKING:
    import pandas as pd

    from gui.models import ColumnFormat

# Colour-blind-safe palette (Okabe-Ito) for the sector lines.
SECTOR_COLOURS = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
    "#999999", "#882255", "#44AA99", "#117733",
)


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
        for number, name in enumerate(index_frame.columns):
            colour = SECTOR_COLOURS[number % len(SECTOR_COLOURS)]
            values = index_frame[name].to_numpy(dtype=float)
            plot.plot(seconds, values, pen=pg.mkPen(colour, width=2), name=str(name))
        plot.enableAutoRange()

    def curve_count(self) -> int:
        """Number of sector lines drawn (tests)."""
        if self.plot is None:
            return 0
        return len(self.plot.plotItem.listDataItems())
