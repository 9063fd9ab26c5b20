"""Table models: ``QAbstractTableModel`` over a pandas DataFrame held as NumPy columns.

Each column has a :class:`ColumnFormat` (how to print it, whether to colour it by sign). Sorting
is done with ``numpy.argsort`` on the raw values (stable, NaN last), never by the printed text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from gui.palette import tone_colour
from rotation_addin.core import formats

POSITIVE_COLOUR = QColor(f"#{formats.POSITIVE_HEX}")
NEGATIVE_COLOUR = QColor(f"#{formats.NEGATIVE_HEX}")
RAW_VALUE_ROLE = Qt.ItemDataRole.UserRole + 1
"""Role returning the unformatted value (tests and copy/export use it)."""

_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class ColumnFormat:
    """How one column is shown (through :mod:`rotation_addin.core.formats`, like every surface).

    Attributes
    ----------
    kind : str
        ``"text"``, ``"int"``, ``"number"`` (``decimals`` places), ``"pct"`` (a fraction shown as
        per cent), ``"usd"`` (money, thousands separators; the unit is in the header),
        ``"price"`` (to the tick in ``step_column``), ``"qty"`` (to the amount step in
        ``step_column``), ``"lev"`` (``3.0x``), ``"hidden"`` (not shown: a tick or step column
        another column reads) or ``"auto"`` (number if numeric, text otherwise).
    decimals : int
        Decimal places for ``number``/``pct``/``usd``.
    signed : bool
        Colour positive values green and negative values red, and print a leading ``+``.
    header : str | None
        Header text (defaults to the column name).
    step_column : str | None
        Column of the same frame holding each row's tick (``price``) or step (``qty``).
    """

    kind: str = "auto"
    decimals: int = 2
    signed: bool = False
    header: str | None = None
    step_column: str | None = None


def format_value(value: Any, fmt: ColumnFormat, step: float | None = None) -> str:
    """Return ``value`` printed according to ``fmt`` (empty text for missing values).

    ``step`` is the row's tick (``price``) or amount step (``qty``), if known.
    """
    if value is None:
        return ""
    if isinstance(value, float | np.floating) and not math.isfinite(float(value)):
        return "" if math.isnan(float(value)) else ("∞" if value > 0 else "-∞")
    kind = fmt.kind
    is_number = isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )
    if kind == "auto":
        kind = "number" if is_number else "text"
    if not is_number or kind == "text":
        if isinstance(value, pd.Timestamp):
            return value.strftime("%Y-%m-%d")
        return str(value)
    number = float(value)
    if kind == "int":
        return formats.format_number(number, 0, signed=fmt.signed)
    if kind == "pct":
        return formats.format_pct(number, fmt.decimals, signed=fmt.signed)
    if kind == "price":
        return formats.format_price(number, step)
    if kind == "qty":
        return formats.format_quantity(number, step)
    if kind == "lev":
        return formats.format_leverage(number)
    return formats.format_number(number, fmt.decimals, signed=fmt.signed)


def _sort_key(values: np.ndarray) -> np.ndarray:
    """Indices that sort ``values`` ascending (stable), missing values last."""
    if values.dtype.kind in "fiu":
        numeric = values.astype(float)
        order = np.argsort(np.where(np.isnan(numeric), np.inf, numeric), kind="stable")
        nan_rows = np.isnan(numeric[order])
        return np.concatenate([order[~nan_rows], order[nan_rows]])
    text = np.array(["" if v is None else str(v).lower() for v in values], dtype=object)
    return np.array(sorted(range(len(text)), key=lambda i: text[i]), dtype=int)


class DataFrameModel(QAbstractTableModel):
    """Read-only table model over a DataFrame (index shown as the first column if named).

    Parameters
    ----------
    frame : pd.DataFrame | None
        Data to show; ``None`` for an empty table.
    formats : Mapping[str, ColumnFormat] | None
        Format per column name; unlisted columns use ``ColumnFormat()`` (auto).
    show_index : bool
        Show the frame's index as a leading column.
    """

    def __init__(
        self,
        frame: pd.DataFrame | None = None,
        formats: Mapping[str, ColumnFormat] | None = None,
        *,
        show_index: bool = True,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._formats: dict[str, ColumnFormat] = dict(formats or {})
        self._show_index = show_index
        self._names: list[str] = []
        self._columns: list[np.ndarray] = []
        self._order: np.ndarray = np.zeros(0, dtype=int)
        self._steps: dict[str, np.ndarray] = {}
        self.set_frame(frame if frame is not None else pd.DataFrame())

    # -- data ----------------------------------------------------------------------------
    def set_frame(self, frame: pd.DataFrame) -> None:
        """Replace the data (resets the view; sort order returns to the frame's order)."""
        self.beginResetModel()
        names: list[str] = []
        columns: list[np.ndarray] = []
        if self._show_index and len(frame.columns) > 0:
            names.append(str(frame.index.name or ""))
            columns.append(np.asarray(frame.index.to_numpy(), dtype=object))
        self._steps = {}
        for name in frame.columns:
            series = frame[name]
            if self._formats.get(str(name), ColumnFormat()).kind == "hidden":
                self._steps[str(name)] = series.to_numpy(dtype=float, na_value=np.nan)
                continue
            if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
                columns.append(series.to_numpy(dtype=float, na_value=np.nan))
            else:
                columns.append(series.to_numpy(dtype=object))
            names.append(str(name))
        self._names = names
        self._columns = columns
        self._order = np.arange(len(frame), dtype=int)
        self.endResetModel()

    def column_names(self) -> list[str]:
        """Column names as shown (index name first when the index is shown)."""
        return list(self._names)

    def raw_value(self, row: int, column: int) -> Any:
        """Unformatted value at a displayed ``row``/``column``."""
        value = self._columns[column][self._order[row]]
        return value.item() if isinstance(value, np.generic) else value

    def rows_as_text(self) -> list[list[str]]:
        """Every displayed row as formatted text (header first), for copy and CSV export."""
        rows = [[self.header_text(c) for c in range(len(self._names))]]
        for r in range(self.rowCount()):
            rows.append([self.display_text(r, c) for c in range(len(self._names))])
        return rows

    def header_text(self, column: int) -> str:
        name = self._names[column]
        fmt = self._formats.get(name)
        return fmt.header if fmt is not None and fmt.header else name

    def display_text(self, row: int, column: int) -> str:
        fmt = self._formats.get(self._names[column], ColumnFormat())
        return format_value(self.raw_value(row, column), fmt, self.row_step(row, fmt))

    def row_step(self, row: int, fmt: ColumnFormat) -> float | None:
        """The tick / amount step of displayed ``row`` that ``fmt`` reads (None if unknown)."""
        steps = self._steps.get(fmt.step_column or "")
        if steps is None:
            return None
        step = float(steps[self._order[row]])
        return step if math.isfinite(step) and step > 0 else None

    # -- Qt model interface ----------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._names)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display_text(row, column)
        if role == RAW_VALUE_ROLE:
            return self.raw_value(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if self._columns[column].dtype.kind == "f":
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            fmt = self._formats.get(self._names[column])
            if fmt is not None and fmt.signed:
                value = self.raw_value(row, column)
                colour = tone_colour(formats.change_tone(value if isinstance(value, float)
                                                         else None))
                if colour is not None:
                    return QBrush(colour)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.header_text(section) if section < len(self._names) else None
        return str(section + 1)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns):
            return
        self.layoutAboutToBeChanged.emit()
        base = _sort_key(self._columns[column])
        if order == Qt.SortOrder.DescendingOrder:
            values = self._columns[column]
            if values.dtype.kind == "f":
                finite = base[~np.isnan(values[base])]
                missing = base[np.isnan(values[base])]
                base = np.concatenate([finite[::-1], missing])
            else:
                base = base[::-1]
        self._order = base
        self.layoutChanged.emit()
