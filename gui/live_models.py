"""Table models of the Live tab: one row per symbol / open position, updated in place.

A batch of ticks changes a few rows; the models emit ``dataChanged`` for exactly those rows
(no model reset, no re-sort), so a view repaints only what moved and keeps its selection and
scroll position. Numbers are formatted by :func:`gui.models.format_value` like every table.
Imported when Live is first switched on (pandas comes with ``gui.models``), not at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush

from gui.models import NEGATIVE_COLOUR, POSITIVE_COLOUR, RAW_VALUE_ROLE, ColumnFormat, format_value

if TYPE_CHECKING:
    from rotation_addin.desk.live_book import LiveBook, LivePositionRow

_Index = QModelIndex | QPersistentModelIndex
PRICE = ColumnFormat("price")
SIGNED_PCT = ColumnFormat("pct", 2, signed=True)
SIGNED_USD = ColumnFormat("usd", 2, signed=True)


class _RowsModel(QAbstractTableModel):
    """Rows of tuples with one :class:`ColumnFormat` per column."""

    headers: tuple[str, ...] = ()
    formats: tuple[ColumnFormat, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.values: list[list[Any]] = []

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.values)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self.values[index.row()][index.column()]
        fmt = self.formats[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return format_value(value, fmt)
        if role == RAW_VALUE_ROLE:
            return value
        if role == Qt.ItemDataRole.ForegroundRole and fmt.signed and isinstance(value, float):
            return QBrush(POSITIVE_COLOUR if value > 0 else NEGATIVE_COLOUR) if value else None
        if role == Qt.ItemDataRole.TextAlignmentRole and fmt.kind != "text":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _replace_row(self, row: int, values: list[Any]) -> None:
        if self.values[row] != values:
            self.values[row] = values
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.headers) - 1))


class TickerModel(_RowsModel):
    """Symbol | last | mark | change since Live started | exchange time age (s)."""

    headers = ("symbol", "last", "mark", "since start %", "source")
    formats = (ColumnFormat("text"), PRICE, PRICE, SIGNED_PCT, ColumnFormat("text"))

    def __init__(self, bases: Sequence[str], parent: Any = None) -> None:
        super().__init__(parent)
        self.rows_by_base = {base: i for i, base in enumerate(bases)}
        self.values = [[base, None, None, None, ""] for base in bases]
        self.first_price: dict[str, float] = {}

    def update_from(self, book: LiveBook, bases: set[str], via: dict[str, str]) -> int:
        """Rewrite the rows of ``bases`` from ``book``; return how many rows changed."""
        changed = 0
        for base in bases:
            row = self.rows_by_base.get(base)
            price = book.price(base)
            if row is None or price is None:
                continue
            first = self.first_price.setdefault(base, price)
            self._replace_row(row, [base, book.last_prices.get(base),
                                    book.mark_prices.get(base), price / first - 1.0,
                                    via.get(base, "")])
            changed += 1
        return changed


class PositionModel(_RowsModel):
    """Open positions at the latest prices (:class:`LivePositionRow`)."""

    headers = ("symbol", "side", "quantity", "entry", "price", "P&L USD", "P&L %",
               "liquidation", "liq. distance %", "liq. distance σ")
    formats = (ColumnFormat("text"), ColumnFormat("text"), ColumnFormat("number", 4), PRICE,
               PRICE, SIGNED_USD, SIGNED_PCT, PRICE, ColumnFormat("pct", 2),
               ColumnFormat("number", 1))

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows_by_base: dict[str, int] = {}

    def set_rows(self, rows: Sequence[LivePositionRow]) -> None:
        """Replace every row (a new book: after a refresh or a new trade)."""
        self.beginResetModel()
        self.values = [self._cells(r) for r in rows]
        self.rows_by_base = {r.base: i for i, r in enumerate(rows)}
        self.endResetModel()

    def update_rows(self, rows: Sequence[LivePositionRow]) -> None:
        """Rewrite the rows of these positions in place."""
        for item in rows:
            row = self.rows_by_base.get(item.base)
            if row is not None:
                self._replace_row(row, self._cells(item))

    @staticmethod
    def _cells(r: LivePositionRow) -> list[Any]:
        return [r.base, r.side, r.quantity_base, r.entry_price_usd, r.price_usd, r.pnl_usd,
                r.pnl_fraction, r.liquidation_price_usd, r.liquidation_distance_fraction,
                r.liquidation_distance_sigma]
