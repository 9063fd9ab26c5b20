"""Plan tab: today's rebalance orders and the refused trades, with copy and CSV export."""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.palette import set_tone
from gui.table_view import DataTable, export_problem
from rotation_addin.core.formats import format_count
from rotation_addin.data.paths import data_dir

if TYPE_CHECKING:
    import pandas as pd

    from gui.models import ColumnFormat


PLAN_WIDTH = 1280
"""Window width (px) the Plan tab is laid out for without a horizontal scrollbar."""
MIN_REASON_WIDTH = 180


class PlanView(QWidget):
    """Orders table, refusals table, and Copy / Export buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.caption = QLabel("Loading the plan…")
        self.caption.setObjectName("planCaption")
        self.caption.setWordWrap(True)
        buttons = QHBoxLayout()
        self.copy_button = QPushButton("Copy orders")
        self.copy_button.setObjectName("copyOrders")
        self.copy_button.clicked.connect(self.copy_orders)
        self.export_button = QPushButton("Export orders CSV…")
        self.export_button.setObjectName("exportOrders")
        self.export_button.clicked.connect(self.ask_export)
        self.message = QLabel("")
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.message, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.orders = DataTable()
        self.orders.setObjectName("ordersTable")
        refusals_box = QWidget()
        refusals_layout = QVBoxLayout(refusals_box)
        refusals_layout.setContentsMargins(0, 0, 0, 0)
        refusals_layout.addWidget(QLabel("Refused (rule and numbers that broke it):"))
        self.refusals = DataTable()
        self.refusals.setObjectName("refusalsTable")
        refusals_layout.addWidget(self.refusals)
        orders_box = QWidget()
        orders_layout = QVBoxLayout(orders_box)
        orders_layout.setContentsMargins(0, 0, 0, 0)
        orders_layout.addWidget(self.orders, 1)
        self.reason = QLabel("")
        self.reason.setObjectName("orderReason")
        self.reason.setWordWrap(True)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        orders_layout.addWidget(self.reason)
        splitter.addWidget(orders_box)
        splitter.addWidget(refusals_box)
        splitter.setSizes([380, 200])
        layout.addWidget(self.caption)
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)

    def set_data(
        self,
        orders: pd.DataFrame,
        order_formats: Mapping[str, ColumnFormat],
        refusals: pd.DataFrame,
        refusal_formats: Mapping[str, ColumnFormat],
        caption: str,
    ) -> None:
        """Show the plan's orders and refusals."""
        self.caption.setText(caption)
        self.orders.set_frame(orders, order_formats, show_index=False)
        self.fit_reason_column()
        selection = self.orders.selectionModel()
        selection.currentRowChanged.connect(lambda current, _prev: self.show_reason(current.row()))
        self.show_reason(0)
        self.refusals.set_frame(refusals, refusal_formats, show_index=False)
        self.refusals.resizeRowsToContents()

    def fit_reason_column(self) -> None:
        """Role and Reason stay on screen at 1280 px: the reason column takes what is left
        (at least :data:`MIN_REASON_WIDTH` px) and its text wraps onto more lines."""
        model = self.orders.table_model
        if model is None or "reason" not in model.column_names():
            return
        column = model.column_names().index("reason")
        header = self.orders.horizontalHeader()
        others = sum(header.sectionSize(c) for c in range(model.columnCount()) if c != column)
        available = max(self.orders.viewport().width(), PLAN_WIDTH - 40) - others
        self.orders.setColumnWidth(column, max(MIN_REASON_WIDTH, available))
        self.orders.setWordWrap(True)
        self.orders.resizeRowsToContents()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_reason_column()

    def show_reason(self, row: int) -> None:
        """Show the full reason of order ``row`` under the table (the column is far right)."""
        model = self.orders.table_model
        if model is None or not 0 <= row < model.rowCount():
            self.reason.setText("No orders today." if model is not None else "")
            return
        names = model.column_names()
        symbol = model.raw_value(row, names.index("symbol")) if "symbol" in names else ""
        why = model.raw_value(row, names.index("reason")) if "reason" in names else ""
        self.reason.setText(f"<b>{html.escape(str(symbol))}</b>: {html.escape(str(why))}")

    def copy_orders(self) -> str:
        """Copy the orders (TSV, pastes into Excel as cells) and say so."""
        text = self.orders.copy_to_clipboard()
        set_tone(self.message, "plain")
        self.message.setText(
            f"Copied {format_count(self.orders.row_count(), 'order')} to the clipboard.")
        return text

    def ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export orders", str(data_dir() / "orders.csv"), "CSV files (*.csv)"
        )
        if path:
            self.export_csv(Path(path))

    def export_csv(self, path: Path) -> Path | None:
        """Write the orders (raw values) to ``path``; None (and the reason on the tab) when
        the file cannot be written."""
        problem = export_problem(self.orders, path)
        set_tone(self.message, "bad" if problem else "plain")
        if problem:
            self.message.setText(problem)
            return None
        self.message.setText(
            f"Exported {format_count(self.orders.row_count(), 'order')} to {path}.")
        return Path(path)
