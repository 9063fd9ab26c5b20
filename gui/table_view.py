"""A sortable ``QTableView`` over :class:`gui.models.DataFrameModel`, with copy and CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QMenu,
    QMessageBox,
    QTableView,
    QWidget,
)

from gui.workers import describe_error
from rotation_addin.core.errors import RotationError
from rotation_addin.data.atomic import atomic_path
from rotation_addin.data.paths import data_dir

if TYPE_CHECKING:
    import pandas as pd

    from gui.models import ColumnFormat, DataFrameModel


class DataTable(QTableView):
    """Table of a DataFrame; the model (and pandas) is created on the first ``set_frame``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table_model: DataFrameModel | None = None
        self.setSortingEnabled(True)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(True)
        # Ctrl+C is the window's Edit > Copy (gui.menus): one shortcut, not one per table
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)

    def set_frame(
        self,
        frame: pd.DataFrame,
        formats: Mapping[str, ColumnFormat] | None = None,
        *,
        show_index: bool = True,
    ) -> None:
        """Show ``frame`` with per-column ``formats``."""
        # deferred: pandas after the first paint (bench/bench_gui_start.py)
        from gui.models import DataFrameModel

        self.table_model = DataFrameModel(frame, formats, show_index=show_index, parent=self)
        self.setModel(self.table_model)
        self.horizontalHeader().setSortIndicator(-1, self.horizontalHeader().sortIndicatorOrder())
        self.resizeColumnsToContents()

    def row_count(self) -> int:
        return self.table_model.rowCount() if self.table_model is not None else 0

    def as_text_rows(self) -> list[list[str]]:
        """Header and rows as shown (formatted)."""
        return self.table_model.rows_as_text() if self.table_model is not None else []

    def as_tsv(self) -> str:
        """Tab-separated text of the table (what Copy puts on the clipboard)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
        writer.writerows(self.as_text_rows())
        return buffer.getvalue()

    def selection_rows(self) -> list[list[str]]:
        """Header and rows of the selected cells as shown (the bounding rows × columns)."""
        model = self.table_model
        selection = self.selectionModel()
        if model is None or selection is None:
            return []
        indexes = selection.selectedIndexes()
        if not indexes:
            return []
        rows = sorted({i.row() for i in indexes})
        columns = sorted({i.column() for i in indexes})
        table = [[model.header_text(c) for c in columns]]
        table.extend([model.display_text(r, c) for c in columns] for r in rows)
        return table

    def copy_selection(self) -> str:
        """Put the selected cells (with their header) on the clipboard as TSV; '' if none."""
        rows = self.selection_rows()
        if not rows:
            return ""
        buffer = io.StringIO()
        csv.writer(buffer, delimiter="\t", lineterminator="\n").writerows(rows)
        text = buffer.getvalue()
        QGuiApplication.clipboard().setText(text)
        return text

    def _context_menu(self, position: QPoint) -> None:
        menu = QMenu(self)
        menu.addAction("Copy selected cells", self.copy_selection)
        menu.addAction("Copy whole table", self.copy_to_clipboard)
        menu.addAction("Export CSV…", self.ask_export)
        menu.popup(self.viewport().mapToGlobal(position))

    def ask_export(self) -> Path | None:
        """Ask for a file name and export the table's raw values there (a file that cannot
        be written is said in a message box; None then, as when the dialog is cancelled)."""
        name = (self.objectName() or "table").removesuffix("Table") or "table"
        path, _ = QFileDialog.getSaveFileName(self, "Export table", str(data_dir() / f"{name}.csv"),
                                              "CSV files (*.csv)")
        if not path:
            return None
        problem = export_problem(self, Path(path))
        if problem:
            box = QMessageBox(QMessageBox.Icon.Warning, "Export table", problem,
                              QMessageBox.StandardButton.Ok, self)
            box.setObjectName("exportProblem")
            box.open()
            return None
        return Path(path)

    def copy_to_clipboard(self) -> str:
        """Put the whole table on the clipboard as TSV (pastes into Excel as cells)."""
        text = self.as_tsv()
        QGuiApplication.clipboard().setText(text)
        return text

    def export_csv(self, path: Path) -> Path:
        """Write the table's raw values (not the formatted text) to ``path`` atomically."""
        model = self.table_model
        with atomic_path(Path(path)) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            if model is not None:
                writer.writerow(model.column_names())
                for row in range(model.rowCount()):
                    writer.writerow(
                        [_csv_cell(model.raw_value(row, c)) for c in range(model.columnCount())]
                    )
        return Path(path)


def export_problem(table: DataTable, path: Path) -> str:
    """Write ``table``'s CSV to ``path`` (:meth:`DataTable.export_csv`); ``""`` once written,
    else the one line saying why it could not be (a folder that refuses files, a read-only
    file, a full disk) -- never an exception out of a button's slot.
    """
    try:
        table.export_csv(path)
    except (OSError, RotationError) as exc:
        return f"Could not export: {describe_error(exc)}"
    return ""


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    return value
