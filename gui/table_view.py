"""A sortable ``QTableView`` over :class:`gui.models.DataFrameModel`, with copy and CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

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
        self.copy_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Copy), self)
        self.copy_shortcut.activated.connect(self.copy_to_clipboard)

    def set_frame(
        self,
        frame: pd.DataFrame,
        formats: Mapping[str, ColumnFormat] | None = None,
        *,
        show_index: bool = True,
    ) -> None:
        """Show ``frame`` with per-column ``formats``."""
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

    def copy_to_clipboard(self) -> str:
        """Put the whole table on the clipboard as TSV (pastes into Excel as cells)."""
        text = self.as_tsv()
        QGuiApplication.clipboard().setText(text)
        return text

    def export_csv(self, path: Path) -> Path:
        """Write the table's raw values (not the formatted text) to ``path`` atomically."""
        from rotation_addin.data.atomic import atomic_path

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


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    return value
