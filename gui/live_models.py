"""Table models of the Live tab: one row per symbol / open position, updated in place.

A batch of ticks changes a few rows; only the cells whose value changed are rewritten (no
model reset, no re-sort), so a view repaints only what moved and keeps its selection and
scroll position. Numbers are formatted by :func:`gui.models.format_value` like every table.
Imported when Live is first switched on (pandas comes with ``gui.models``), not at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QStandardItem, QStandardItemModel

from gui.models import RAW_VALUE_ROLE, ColumnFormat, format_value
from gui.palette import tone_colour
from rotation_addin.core import formats as look

if TYPE_CHECKING:
    from rotation_addin.desk.live_book import LiveBook, LivePositionRow

PRICE = ColumnFormat("price")
SIGNED_PCT = ColumnFormat("pct", 2, signed=True)
SIGNED_USD = ColumnFormat("usd", 2, signed=True)
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _tone_brush(value: Any) -> QBrush:
    """Green / red / plain text of a signed cell on the current palette."""
    colour = tone_colour(look.change_tone(value if isinstance(value, float) else None))
    return QBrush(colour) if colour is not None else QBrush()


class _RowsModel(QStandardItemModel):
    """Rows of cells held by Qt (``QStandardItem``): a paint calls no Python at all, which
    matters while the stream thread competes for the interpreter lock."""

    headers: tuple[str, ...] = ()
    formats: tuple[ColumnFormat, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(0, len(self.headers), parent)
        self.setHorizontalHeaderLabels(list(self.headers))
        self.values: list[list[Any]] = []

    def _append(self, values: list[Any]) -> None:
        items = []
        for fmt in self.formats:
            item = QStandardItem()
            item.setEditable(False)
            if fmt.kind != "text":
                item.setTextAlignment(_RIGHT)
            items.append(item)
        self.appendRow(items)
        self.values.append([None] * len(self.headers))
        self._replace_row(len(self.values) - 1, values)

    def _replace_row(self, row: int, values: list[Any]) -> None:
        old = self.values[row]
        for column, (value, fmt) in enumerate(zip(values, self.formats, strict=True)):
            if old[column] == value and value is not None:
                continue
            item = self.item(row, column)
            item.setText(format_value(value, fmt))
            item.setData(value, RAW_VALUE_ROLE)
            if fmt.signed:
                item.setForeground(_tone_brush(value))
        self.values[row] = list(values)

    def restyle(self) -> None:
        """The palette changed: colour every signed cell for it."""
        for row, values in enumerate(self.values):
            for column, fmt in enumerate(self.formats):
                if fmt.signed:
                    self.item(row, column).setForeground(_tone_brush(values[column]))


class TickerModel(_RowsModel):
    """Symbol | last | mark | change since Live started | exchange time age (s)."""

    headers = ("symbol", "last", "mark", "since start %", "source")
    formats = (ColumnFormat("text"), PRICE, PRICE, SIGNED_PCT, ColumnFormat("text"))

    def __init__(self, bases: Sequence[str], parent: Any = None) -> None:
        super().__init__(parent)
        self.rows_by_base = {base: i for i, base in enumerate(bases)}
        for base in bases:
            self._append([base, None, None, None, ""])
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
        self.removeRows(0, self.rowCount())
        self.values = []
        for item in rows:
            self._append(self._cells(item))
        self.rows_by_base = {r.base: i for i, r in enumerate(rows)}

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
