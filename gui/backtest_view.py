"""Backtest tab: run the whole-strategy backtest on the loaded data and show its curves.

The button asks the window to run :func:`run_backtest_summary` on a worker thread; the
result shows the equity curves (strategy, BTC buy-and-hold, equal-weight universe, log
scale), the strategy's drawdown and the same lines ``rotation backtest --strategy`` prints.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from gui.palette import follow_palette, neutral_series_colour, series_colours, style_plot


def curve_colours() -> dict[str, QColor]:
    """Line colour of each equity curve on the current palette (strategy and BTC: the first
    two chart series; the equal-weight universe: the neutral reference)."""
    series = series_colours()
    return {"strategy": series[0], "BTC buy-and-hold": series[1],
            "equal-weight universe": neutral_series_colour()}


def run_backtest_summary(dataset: Any, settings: Any) -> Any:
    """Whole-strategy backtest of ``dataset`` with the user's plan parameters (demo funding
    for the demo market, none otherwise; equal volumes for close-only data, stated), through
    the desk's use case (the numbers the CLI and the workbook show)."""
    # deferred: pandas after the first paint (bench/bench_gui_start.py)
    from rotation_addin.core.rotation import PlanParameters
    from rotation_addin.desk.backtest import strategy_backtest

    funding = None
    if dataset.is_demo:
        # deferred: pandas after the first paint (bench/bench_gui_start.py)
        from rotation_addin.data.funding import demo_funding

        funding = demo_funding(dataset)
    run = strategy_backtest(dataset, PlanParameters.from_settings(settings), funding=funding)
    return run.summary, list(run.data_warnings)


class BacktestView(QWidget):
    """A Run button, the equity and drawdown charts, and the summary lines."""

    run_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QVBoxLayout(self)
        self.run_button = QPushButton("Run backtest on the loaded data")
        self.run_button.setObjectName("runBacktest")
        self.run_button.clicked.connect(self.run_requested.emit)
        self.caption = QLabel("Trades the daily plan day by day with fees, slippage, funding, "
                              "stops, take-profits and the discipline rules (10-20 s).")
        self.caption.setWordWrap(True)
        self.lines = QLabel("")
        self.lines.setObjectName("backtestSummary")
        self.lines.setWordWrap(True)
        self.lines.setStyleSheet("font-family: monospace;")
        self.equity_plot: Any = None
        self.drawdown_plot: Any = None
        self.summary: Any = None
        self.extra_warnings: list[str] = []
        follow_palette(self, self.restyle)
        for widget in (self.run_button, self.caption, self.lines):
            self.layout_.addWidget(widget)

    def _plots(self) -> None:
        # deferred: pyqtgraph after the first paint (bench/bench_gui_start.py)
        import pyqtgraph as pg

        if self.equity_plot is not None:
            return
        self.equity_plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        self.equity_plot.setObjectName("backtestEquity")
        self.equity_plot.setLogMode(y=True)
        self.equity_plot.setLabel("left", "Equity (USD, log scale)")
        self.equity_plot.addLegend()
        self.drawdown_plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        self.drawdown_plot.setObjectName("backtestDrawdown")
        self.drawdown_plot.setLabel("left", "Drawdown (%)")
        for plot in (self.equity_plot, self.drawdown_plot):
            style_plot(plot)
        self.layout_.addWidget(self.equity_plot, 2)
        self.layout_.addWidget(self.drawdown_plot, 1)

    def set_summary(self, summary: Any, extra_warnings: list[str]) -> None:
        """Show a :class:`~rotation_addin.core.strategy_report.StrategySummary`."""
        # deferred: numpy, pandas, pyqtgraph and cli.strategy_cmd (pandas, openpyxl) load
        # after the first paint (bench/bench_gui_start.py)
        import numpy as np
        import pandas as pd
        import pyqtgraph as pg

        from rotation_addin.cli.strategy_cmd import concentration_line, summary_lines

        self.summary, self.extra_warnings = summary, extra_warnings
        self._plots()
        colours = curve_colours()
        self.equity_plot.clear()
        self.drawdown_plot.clear()
        days = pd.DatetimeIndex(summary.result.equity.index)
        seconds = np.asarray((days - pd.Timestamp("1970-01-01", tz=days.tz)).total_seconds())
        for name, series in (("strategy", summary.result.equity),
                             ("BTC buy-and-hold", summary.btc_equity),
                             ("equal-weight universe", summary.equal_weight_equity)):
            self.equity_plot.plot(seconds, series.to_numpy(dtype=float), name=name,
                                  pen=pg.mkPen(colours[name], width=2))
        self.drawdown_plot.plot(seconds, 100 * summary.drawdown.to_numpy(dtype=float),
                                pen=pg.mkPen(colours["strategy"], width=1))
        text = list(summary_lines(summary))
        text.append(concentration_line(summary))
        text += [f"warning: {w}" for w in [*extra_warnings, *summary.result.warnings]]
        self.lines.setText("\n".join(text))

    def restyle(self) -> None:
        """The palette changed: chart backgrounds, axes and curves again."""
        if self.equity_plot is not None:
            for plot in (self.equity_plot, self.drawdown_plot):
                style_plot(plot)
            if self.summary is not None:
                self.set_summary(self.summary, self.extra_warnings)
