"""The menu bar: File (refresh, exports), Edit (copy), Help (About, where the data comes from).

Shortcuts: F5 refresh from the exchange, Ctrl+E export the workbook, Ctrl+Shift+E export the
current tab's table as CSV, Ctrl+C copy the selected cells of the focused table (a text field
keeps its own Ctrl+C). Kept out of ``gui.main_window`` so the window only calls
:func:`install_menus`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget

from gui.table_view import DataTable, export_problem
from rotation_addin import __version__
from rotation_addin.data.paths import data_dir

DATA_SOURCES_TEXT = (
    "Market data: the embedded demo market (simulated, calibrated to real data; labelled "
    "demo everywhere) or your exchange through ccxt (default Binance USDⓈ-M public REST "
    "endpoints), cached locally. Macro inputs: BTC dominance, stablecoin supply and the "
    "S&P 500 from the providers you configure. Read-only: nothing ever places an order."
)


def about_text() -> str:
    """The About box's text: version, data sources, what it never does."""
    return (f"Rotation Desk {__version__}\n\nCrypto sector-rotation futures toolkit: sizing, "
            f"liquidation, safe leverage, correlation, regime and a daily plan.\n\n"
            f"{DATA_SOURCES_TEXT}")


def install_menus(window: Any) -> dict[str, QAction]:
    """Add File / Edit / Help menus to ``window`` (a ``gui.main_window.MainWindow``)."""
    bar = window.menuBar()
    actions: dict[str, QAction] = {}
    file_menu = bar.addMenu("&File")
    window.refresh_action.setShortcut(QKeySequence("F5"))
    window.export_action.setShortcut(QKeySequence("Ctrl+E"))
    for action in (window.refresh_action, window.demo_action, window.cache_action):
        file_menu.addAction(action)
    file_menu.addSeparator()
    file_menu.addAction(window.export_action)
    file_menu.addAction(window.open_action)
    actions["export_csv"] = _action(window, "Export table as CSV…", "Ctrl+Shift+E",
                                    lambda: ask_export_current_table(window))
    file_menu.addAction(actions["export_csv"])
    file_menu.addSeparator()
    actions["quit"] = _action(window, "Quit", QKeySequence.StandardKey.Quit, window.close)
    file_menu.addAction(actions["quit"])
    edit_menu = bar.addMenu("&Edit")
    actions["copy"] = _action(window, "Copy selected cells", QKeySequence.StandardKey.Copy,
                              lambda: copy_focused_table(window))
    edit_menu.addAction(actions["copy"])
    help_menu = bar.addMenu("&Help")
    actions["about"] = _action(window, "About Rotation Desk", None, lambda: show_about(window))
    help_menu.addAction(actions["about"])
    return actions


def _action(window: QWidget, text: str, shortcut: Any, slot: Any) -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(lambda _checked=False: slot())
    return action


def current_table(window: Any) -> DataTable | None:
    """The focused table, else the first table of the current tab (None if it has none)."""
    focus = QApplication.focusWidget()
    while focus is not None and not isinstance(focus, DataTable):
        focus = focus.parentWidget()
    if isinstance(focus, DataTable) and window.isAncestorOf(focus):
        return focus
    page = window.tabs.currentWidget()
    tables = page.findChildren(DataTable) if page is not None else []
    return next((t for t in tables if t.isVisible() or not window.isVisible()), None)


def copy_focused_table(window: Any) -> str:
    """Copy the focused table's selected cells (TSV) and say how many were copied."""
    table = current_table(window)
    if table is None:
        window.status_panel.show_message("Nothing to copy: this tab has no table")
        return ""
    text = table.copy_selection()
    rows = max(len(text.splitlines()) - 1, 0)
    window.status_panel.show_message(
        f"Copied {rows} row{'s' if rows != 1 else ''} (with the header) to the clipboard"
        if text else "Nothing selected: select cells, then Ctrl+C")
    return text


def ask_export_current_table(window: Any) -> Path | None:
    """Ask where to write the current tab's table as CSV, then write it."""
    table = current_table(window)
    if table is None:
        window.status_panel.show_message("Nothing to export: this tab has no table")
        return None
    name = window.tabs.tabText(window.tabs.currentIndex()).lower().replace(" ", "_")
    path, _ = QFileDialog.getSaveFileName(window, "Export table", str(data_dir() / f"{name}.csv"),
                                          "CSV files (*.csv)")
    if not path:
        return None
    problem = export_problem(table, Path(path))
    if problem:
        window.status_panel.show_message(problem, error=True)
        return None
    window.status_panel.show_message(f"Exported {table.row_count()} rows to {path}")
    return Path(path)


def show_about(window: QWidget) -> QMessageBox:
    """The About box (non-modal, so tests can read and close it)."""
    box = QMessageBox(QMessageBox.Icon.Information, "About Rotation Desk", about_text(),
                      QMessageBox.StandardButton.Ok, window)
    box.setObjectName("aboutBox")
    box.open()
    return box
