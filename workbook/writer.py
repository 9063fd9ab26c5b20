"""Write owned blocks into a workbook: the only code that changes cell values on refresh.

Two targets share one contract: :func:`write_blocks_openpyxl` (headless, the file on disk)
and :func:`write_blocks_xlwings` (the workbook open in Excel, from the Refresh button). Both
clear a block's whole extent before writing, so shorter data never leaves stale rows, and both
pass every value through :func:`workbook.safe_text.safe_cell_value`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from openpyxl.workbook.workbook import Workbook

from workbook.layout import BLOCKS_BY_NAME, Block
from workbook.safe_text import safe_cell_value

Rows = Sequence[Sequence[object]]


def cell_value(value: object) -> object:
    """Spreadsheet-safe form of ``value``: escaped text, finite numbers, naive UTC datetimes.

    NaN/inf become empty cells (Excel has no NaN); tz-aware datetimes are converted to UTC and
    made naive (xlsx stores no time zone); numpy scalars become Python numbers.
    """
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    return safe_cell_value(value)


def fit_rows(block: Block, rows: Rows) -> tuple[list[list[object]], list[str]]:
    """Cut ``rows`` to the block's size; return the rows and warnings about what was cut."""
    warnings: list[str] = []
    if len(rows) > block.rows:
        warnings.append(f"{block.sheet}: {block.name} shows the first {block.rows} of "
                        f"{len(rows)} rows")
    fitted: list[list[object]] = []
    for row in list(rows)[: block.rows]:
        if len(row) > block.cols:
            warnings.append(f"{block.sheet}: {block.name} cut to {block.cols} columns")
        fitted.append([cell_value(v) for v in list(row)[: block.cols]])
    return fitted, sorted(set(warnings))


def write_blocks_openpyxl(wb: Workbook, content: Mapping[str, Rows],
                          blocks: Mapping[str, Block] = BLOCKS_BY_NAME) -> list[str]:
    """Clear and rewrite every owned block of ``wb`` (blocks absent from ``content`` are cleared).

    Only values change: number formats, fonts and fills set at build time stay. ``blocks``:
    which registry (default the refresh's; the Backtest sheet's are written on their own).
    """
    warnings: list[str] = []
    for name, block in blocks.items():
        if block.sheet not in wb.sheetnames:
            continue
        ws = wb[block.sheet]
        existing = ws._cells  # openpyxl's cell store: clearing must not create empty cells
        for row, col in block.cells():
            cell = existing.get((row, col))
            if cell is not None:
                cell.value = None
        rows, notes = fit_rows(block, content.get(name, ()))
        warnings.extend(notes)
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                cell = ws.cell(row=block.top + r, column=block.left + c)
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever the text
    return warnings


def write_blocks_xlwings(book: Any, content: Mapping[str, Rows]) -> list[str]:
    """Same as :func:`write_blocks_openpyxl` for a workbook open in Excel (xlwings ``Book``).

    Protected sheets are unprotected for the write and protected again (no password).
    """
    warnings: list[str] = []
    by_sheet: dict[str, list[Block]] = {}
    for block in BLOCKS_BY_NAME.values():
        by_sheet.setdefault(block.sheet, []).append(block)
    names = [s.name for s in book.sheets]
    for sheet_name, blocks in by_sheet.items():
        if sheet_name not in names:
            continue
        sheet = book.sheets[sheet_name]
        was_protected = _unprotect(sheet)
        try:
            for block in blocks:
                rows, notes = fit_rows(block, content.get(block.name, ()))
                warnings.extend(notes)
                grid: list[list[object]] = [[None] * block.cols for _ in range(block.rows)]
                for r, values in enumerate(rows):
                    grid[r][: len(values)] = values
                sheet.range((block.top, block.left)).value = grid
        finally:
            if was_protected:
                _protect(sheet)
    return warnings


@contextlib.contextmanager
def unprotected(sheet: Any) -> Iterator[None]:
    """Unprotect an xlwings sheet for a write and protect it again (no password)."""
    was_protected = _unprotect(sheet)
    try:
        yield
    finally:
        if was_protected:
            _protect(sheet)


def _unprotect(sheet: Any) -> bool:
    try:
        protected = bool(sheet.api.ProtectContents)
        if protected:
            sheet.api.Unprotect()
        return protected
    except Exception:  # macOS/stand-ins have no COM api; writing may still work
        return False


def _protect(sheet: Any) -> None:
    with contextlib.suppress(Exception):  # macOS/stand-ins: no COM api
        sheet.api.Protect(DrawingObjects=False, Contents=True, Scenarios=True,
                          AllowFormattingCells=True, AllowFormattingColumns=True,
                          AllowFormattingRows=True, AllowSorting=True, AllowFiltering=True)
