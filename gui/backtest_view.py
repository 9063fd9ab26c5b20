"""Backtest tab: run the whole-strategy backtest on the loaded data and show its curves.

The first button asks the window to run :func:`run_backtest_summary` on a worker thread;
the result shows the equity curves (strategy, BTC buy-and-hold, equal-weight universe, log
scale), the strategy's drawdown and the same lines ``rotation backtest --strategy`` prints.
The second runs :func:`run_sweep_summary` (the default grid of ``rotation backtest
--sweep``) and shows its findings and every setting's Sharpe as a bar beside the expected
best of as many unskilled trials.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.field_errors import FieldErrors
from gui.palette import follow_palette, neutral_series_colour, series_colours, style_plot
from rotation_addin.core.errors import InputError
from rotation_addin.core.sweep_grid import (
    DEFAULT_GRID,
    SWEEP_NAMES,
    grid_text,
    settings_in,
)


def curve_colours() -> dict[str, QColor]:
    """Line colour of each equity curve on the current palette (strategy and BTC: the first
    two chart series; the equal-weight universe: the neutral reference)."""
    series = series_colours()
    return {"strategy": series[0], "BTC buy-and-hold": series[1],
            "equal-weight universe": neutral_series_colour()}


def _funding(dataset: Any, settings: Any, from_cache: bool) -> Any:
    # deferred: pandas after the first paint (bench/bench_gui_start.py)
    from rotation_addin.desk.backtest import backtest_funding

    return backtest_funding(dataset, settings.exchange_id, from_cache=from_cache)


def run_backtest_summary(dataset: Any, settings: Any, from_cache: bool = False) -> Any:
    """Whole-strategy backtest of ``dataset`` with the user's plan parameters and the
    funding the CLI would charge (``desk.backtest.backtest_funding``: the demo's own, the
    cached history when the data came from the cache; equal volumes for close-only data,
    stated), through the desk's use case (the numbers the CLI and the workbook show)."""
    # deferred: pandas after the first paint (bench/bench_gui_start.py)
    from rotation_addin.core.rotation import PlanParameters
    from rotation_addin.desk.backtest import strategy_backtest

    run = strategy_backtest(dataset, PlanParameters.from_settings(settings),
                            funding=_funding(dataset, settings, from_cache))
    return run.summary  # its result's warnings hold the data's too (one list)


def run_sweep_summary(dataset: Any, settings: Any, from_cache: bool, progress: Any,
                      cancel: Any, grid: Any = None) -> Any:
    """The sweep of ``grid`` (None: the default of ``rotation backtest --sweep``) around the
    user's parameters, in this worker thread (one process: forking a process with Qt's
    threads is unsafe); ``progress`` after each setting, stopped at the next setting once
    ``cancel`` is set."""
    # deferred: pandas after the first paint (bench/bench_gui_start.py)
    from gui.workers import CancelledByUserError
    from rotation_addin.core.rotation import PlanParameters
    from rotation_addin.desk.backtest import strategy_sweep

    def report(done: int, total: int, label: str) -> None:
        if cancel.is_set():
            raise CancelledByUserError
        progress(done, total, label)

    return strategy_sweep(dataset, PlanParameters.from_settings(settings), grid=grid,
                          funding=_funding(dataset, settings, from_cache), workers=1,
                          progress=report)


def checked_grid(text: str, dataset: Any = None) -> Any:
    """The grid typed in the tab's field (None when blank: the default grid), every setting
    checked against the plan's ranges and, once data is loaded, against that data (a
    ``top_n_long`` above its trading sectors: ``desk.backtest.sweep_grid_line``, the check
    the sweep itself makes).

    Raises
    ------
    InputError
        The text, an unknown name, a value out of range (naming the parameter).
    """
    if not text.strip():
        return None
    # deferred: the desk (pandas) only once a grid is typed (bench/bench_gui_start.py)
    from rotation_addin.core.rotation import PlanParameters
    from rotation_addin.desk.backtest import sweep_grid_line

    return sweep_grid_line(text, PlanParameters(), dataset)


class BacktestView(QWidget):
    """A Run button, the equity and drawdown charts, and the summary lines."""

    run_requested = Signal()
    sweep_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QVBoxLayout(self)
        self.run_button = QPushButton("Run backtest on the loaded data")
        self.run_button.setObjectName("runBacktest")
        self.run_button.clicked.connect(self.run_requested.emit)
        self.caption = QLabel("Trades the daily plan day by day with fees, slippage, funding, "
                              "stops, take-profits and the discipline rules.")
        self.caption.setWordWrap(True)
        self.lines = QLabel("")
        self.lines.setObjectName("backtestSummary")
        self.lines.setWordWrap(True)
        self.lines.setStyleSheet("font-family: monospace;")
        self.sweep_button = QPushButton("")
        self.sweep_button.setObjectName("runSweep")
        self.sweep_button.setToolTip("One full backtest per setting, then the best setting's "
                                     "deflated Sharpe ratio and an out-of-sample walk-forward")
        self.sweep_button.clicked.connect(self.sweep_requested.emit)
        self.sweep_lines = QLabel("")
        self.sweep_lines.setObjectName("sweepSummary")
        self.sweep_lines.setWordWrap(True)
        self.sweep_lines.setStyleSheet("font-family: monospace;")
        self.equity_plot: Any = None
        self.drawdown_plot: Any = None
        self.sweep_plot: Any = None
        self.summary: Any = None
        self.sweep: Any = None
        follow_palette(self, self.restyle)
        self._grid_field()
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button, 1)
        buttons.addWidget(self.grid_errors.wrap("grid", self.grid_edit), 2)
        buttons.addWidget(self.sweep_button, 1)
        self.layout_.addLayout(buttons)
        self.layout_.addWidget(self.caption)
        # the lines scroll in their own pane; the charts take the rest (the splitter between
        # them is the user's to move)
        text = QWidget()
        text_layout = QVBoxLayout(text)
        for label in (self.lines, self.sweep_lines):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text_layout.addWidget(label)
        text_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(text)
        self.charts = QWidget()
        self.charts_layout = QVBoxLayout(self.charts)
        self.charts_layout.setContentsMargins(0, 0, 0, 0)
        self.lower_charts = QHBoxLayout()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(self.charts)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([300, 420])  # the figures readable without scrolling
        self.layout_.addWidget(self.splitter, 1)

    def _grid_field(self) -> None:
        """The sweep grid's field (blank: the default grid) and its error line."""
        self.grid_edit = QLineEdit()
        self.grid_edit.setObjectName("sweep_grid")
        self.grid_edit.setPlaceholderText(f"sweep grid (blank: {grid_text(DEFAULT_GRID)})")
        self.grid_edit.setToolTip("NAME=V1,V2,... for each parameter, separated by ';' "
                                  f"(every combination is one setting). NAME is one of "
                                  f"{', '.join(SWEEP_NAMES)}")
        self.grid_errors = FieldErrors("backtest_")
        self.grid: Any = None
        self.grid_ok = True
        self.dataset: Any = None
        self.grid_edit.textChanged.connect(self._grid_changed)
        self._grid_changed("")

    def set_dataset(self, dataset: Any) -> None:
        """The loaded data the sweep would run on: the typed grid is checked against it
        again (a ``top_n_long`` above its trading sectors is refused on the field)."""
        self.dataset = dataset
        self._grid_changed(self.grid_edit.text())

    def _grid_changed(self, text: str) -> None:
        """Check the typed grid: the button says what it would sweep, or the field says what
        is wrong (naming the parameter and its range) and the button waits."""
        self.grid_errors.clear()
        try:
            grid = checked_grid(text, self.dataset)
        except InputError as error:
            where = "" if error.field == "grid" else f" {error.field}"
            self.grid_errors.show("grid", f"Sweep grid{where}: {error.reason}")
            self.grid, self.grid_ok = None, False
            self.sweep_button.setEnabled(False)
            return
        shown = DEFAULT_GRID if grid is None else grid
        self.grid, self.grid_ok = grid, True
        self.sweep_button.setText(f"Sweep {', '.join(shown)} ({settings_in(shown)} settings)")
        self.sweep_button.setEnabled(True)

    def _plots(self) -> None:
        # deferred: pyqtgraph after the first paint (bench/bench_gui_start.py)
        import pyqtgraph as pg

        if self.equity_plot is not None:
            return
        # deferred: pyqtgraph after the first paint (bench/bench_gui_start.py)
        from gui.log_axis import LogPriceAxis

        self.equity_plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(),
                                                    "left": LogPriceAxis("left")})
        self.equity_plot.setObjectName("backtestEquity")
        self.equity_plot.setLogMode(y=True)
        self.equity_plot.setLabel("left", "Equity (USD, log scale)")
        self.equity_plot.addLegend()
        self.drawdown_plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        self.drawdown_plot.setObjectName("backtestDrawdown")
        self.drawdown_plot.setLabel("left", "Drawdown (%)")
        for plot in (self.equity_plot, self.drawdown_plot):
            style_plot(plot)
        self.charts_layout.addWidget(self.equity_plot, 3)
        self.charts_layout.addLayout(self.lower_charts, 2)
        self.lower_charts.addWidget(self.drawdown_plot, 1)

    def set_summary(self, summary: Any) -> None:
        """Show a :class:`~rotation_addin.core.strategy_report.StrategySummary` (its
        result's warnings are every warning of the run: ``desk.backtest``)."""
        # deferred: numpy, pandas, pyqtgraph and cli.strategy_cmd (pandas, openpyxl) load
        # after the first paint (bench/bench_gui_start.py)
        import numpy as np
        import pandas as pd
        import pyqtgraph as pg

        from rotation_addin.cli.strategy_cmd import concentration_line, summary_lines

        self.summary = summary
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
        text += [f"warning: {w}" for w in summary.result.warnings]
        self.lines.setText("\n".join(text))

    def set_sweep(self, sweep: Any) -> None:
        """Show a :class:`~rotation_addin.desk.backtest.SweepSummary`: its findings and one
        bar per setting (highest Sharpe first, the best in the strategy's colour), the
        dashed line at the expected best of as many unskilled trials."""
        # deferred: pyqtgraph and the desk load after the first paint (bench_gui_start.py)
        import pyqtgraph as pg

        from rotation_addin.desk.backtest import sweep_lines

        self.sweep = sweep
        if self.sweep_plot is None:
            self.sweep_plot = pg.PlotWidget()
            self.sweep_plot.setObjectName("sweepSharpe")
            self.sweep_plot.setLabel("left", "Sharpe (annualised)")
            self.sweep_plot.setLabel("bottom", "settings, highest Sharpe first")
            style_plot(self.sweep_plot)
            self.lower_charts.addWidget(self.sweep_plot, 1)
        self.sweep_plot.clear()
        shown = sweep.sharpe_bars()
        best, other = series_colours()[0], neutral_series_colour()
        self.sweep_plot.addItem(pg.BarGraphItem(
            x=list(range(1, len(shown) + 1)), height=[bar.height for bar in shown], width=0.8,
            brushes=[pg.mkBrush(best if bar.best else other) for bar in shown]))
        self.sweep_plot.addItem(pg.InfiniteLine(
            pos=sweep.unskilled_best_sharpe, angle=0,
            pen=pg.mkPen(series_colours()[1], width=2, style=Qt.PenStyle.DashLine)))
        self.sweep_plot.setTitle(f"dashed: the expected best of {len(shown)} unskilled "
                                 f"trials, {sweep.unskilled_best_sharpe:.2f}",
                                 color=series_colours()[1], size="9pt")
        self.sweep_lines.setText("\n".join(  # the sweep's caveats, as the CLI prints them
            [*sweep_lines(sweep), *(f"warning: {w}" for w in sweep.warnings)]))

    def restyle(self) -> None:
        """The palette changed: chart backgrounds, axes, curves and bars again."""
        if self.equity_plot is not None:
            for plot in (self.equity_plot, self.drawdown_plot):
                style_plot(plot)
            if self.summary is not None:
                self.set_summary(self.summary)
        if self.sweep_plot is not None:
            style_plot(self.sweep_plot)
            self.set_sweep(self.sweep)

