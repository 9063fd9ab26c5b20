"""The main window's tab contents, status panel, Live toggle and menus.

Kept out of ``gui.main_window`` so the window can paint before these modules load: the tab
modules pull in pyqtgraph's widgets, the desk's quick check, the journal commands and the
palette, and PySide6 initialises each Qt class they use on first use. ``rotation-desk``
(``gui.main``) paints the window shell first and calls :meth:`MainWindow.build_tabs`, which
calls :func:`create_views`, on the next event-loop turn; a ``MainWindow()`` built directly
builds them in its constructor.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFrame, QScrollArea, QToolBar, QWidget

from gui.backtest_view import BacktestView
from gui.correlation_view import CorrelationView
from gui.journal_view import JournalView
from gui.live_controller import LiveController
from gui.menus import install_menus
from gui.palette import follow_palette, restyle_tree
from gui.plan_view import PlanView
from gui.quick_check import QuickCheckView
from gui.regime_view import RegimeView
from gui.sectors_view import SectorsView
from gui.settings_view import SettingsView
from gui.status import StatusPanel
from gui.venues_view import VenuesView


def create_views(window: Any) -> tuple[QWidget, ...]:
    """Build the tab pages onto ``window`` (a ``gui.main_window.MainWindow`` whose ``tabs``
    is still empty) and return them in ``TAB_NAMES`` order for the window to add."""
    window.quick_check = QuickCheckView(window.settings)
    window.sectors = SectorsView()
    window.correlation = CorrelationView()
    window.regime = RegimeView()
    window.plan = PlanView()
    window.venues = VenuesView()
    window.backtest = BacktestView()
    window.journal = JournalView()
    window.settings_view = SettingsView(window.settings)
    return (window.quick_check, window.sectors, window.correlation, window.regime, window.plan,
            window.venues, window.backtest, window.journal, window.settings_view)


def scrolled(view: QWidget) -> QScrollArea:
    """``view`` in a scroll area: the Settings form is ~680 px tall, and as a bare tab it
    made the window at least ~780 px high, taller than a 1366x768 laptop screen."""
    area = QScrollArea()
    area.setWidget(view)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


def install_extras(window: Any) -> None:
    """The status panel, the Live tab and toggle, palette following and the menus (after the
    tabs of :func:`create_views` were added: the Live tab comes last)."""
    window.statusBar().clearMessage()
    window.status_panel = StatusPanel()
    window.statusBar().addPermanentWidget(window.status_panel, 1)
    window.live = LiveController(window, window.tabs, window.findChild(QToolBar, "actions"))
    follow_palette(window, lambda: restyle_tree(window))
    window.menu_actions = install_menus(window)


def show_snapshot(window: Any, snapshot: Any) -> None:
    """Show a :class:`gui.pipeline.Snapshot` in every tab of ``window`` and its status bar."""
    dataset = snapshot.dataset
    window.status_panel.show_dataset(dataset.source, dataset.as_of)
    # deferred: pandas after the first paint (bench/bench_gui_start.py)
    from rotation_addin.desk.example_trade import example_trade

    window.quick_check.set_dataset(dataset, example_trade(dataset, snapshot.report))
    frames = snapshot.frames
    window.sectors.set_data(
        frames.sector_table, frames.sector_formats, frames.sector_index, frames.sectors_caption
    )
    window.correlation.set_data(
        frames.corr_normal, frames.corr_stress, frames.corr_normal_title,
        frames.corr_stress_title, frames.corr_caption, frames.corr_notes,
    )
    window.regime.set_data(
        frames.regime_verdict, frames.regime_summary, frames.regime_votes, frames.vote_formats,
        frames.regime_scores,
    )
    window.plan.set_data(
        frames.orders, frames.order_formats, frames.refusals, frames.refusal_formats,
        frames.plan_caption,
    )
    orders = list(snapshot.report.plan.orders)
    window.journal.set_context(dataset, window.settings, orders)
    window.venues.set_dataset(dataset, orders)
    window.backtest.set_dataset(dataset)
