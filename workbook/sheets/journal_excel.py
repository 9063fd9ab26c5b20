"""The Journal and Review sheets of a workbook open in Excel (the Refresh button, xlwings).

The same sync as the headless refresh (:func:`workbook.sheets.journal_sync.sync_rows`: typed
rows read into the journal through the desk, refused rows kept in the sheet and flagged,
the sheet and the Review rewritten); this module only reads and writes the cells through
xlwings. The formula columns (I, J) are never written; the sheet's protection is lifted for
the write and put back.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from workbook.layout import JOURNAL
from workbook.sheets import journal as sheet
from workbook.sheets.journal_sync import (
    EXTRA_COLUMNS,
    INPUT_LETTERS,
    REVIEW_HEADER_ROW,
    REVIEW_SHEET,
    STATUS,
    SheetRow,
    SyncOutcome,
    journal_inputs,
    sync_rows,
)
from workbook.writer import unprotected

FLAG_COLOR = (192, 0, 0)
"""The flagged status's colour (``FLAG_FONT`` of the headless path, C00000)."""
LEFT_BLOCK = INPUT_LETTERS[:8]  # A..H
RIGHT_BLOCK = INPUT_LETTERS[8:]  # K..Q (I and J hold the sheet's formulas)


def _column(letter: str) -> int:
    return ord(letter) - ord("A")


def read_rows(ws: Any) -> list[SheetRow]:
    """Every non-empty row below the header of the Journal sheet open in Excel."""
    last = INPUT_LETTERS[-1]
    grid = ws.range(f"A{sheet.FIRST_ROW}:{last}{sheet.LAST_ROW}").value
    if not isinstance(grid, list):
        grid = [[grid]]
    rows = []
    for offset, values in enumerate(grid):
        cells = values if isinstance(values, list) else [values]
        row = SheetRow(sheet.FIRST_ROW + offset,
                       {x: cells[_column(x)] if _column(x) < len(cells) else None
                        for x in INPUT_LETTERS})
        if not row.empty:
            rows.append(row)
    return rows


def _write(ws: Any, outcome: SyncOutcome) -> None:
    for letter, header, _width, _fmt in EXTRA_COLUMNS:
        head = ws.range(f"{letter}{sheet.HEADER_ROW}")
        if head.value != header:
            head.value = header
    ws.range(f"A{sheet.FIRST_ROW}").value = [values[:len(LEFT_BLOCK)]
                                             for values in outcome.grid]
    ws.range(f"{RIGHT_BLOCK[0]}{sheet.FIRST_ROW}").value = [values[len(LEFT_BLOCK):]
                                                            for values in outcome.grid]
    with contextlib.suppress(Exception):  # formatting only: a stand-in or macOS may lack it
        status = ws.range(f"{STATUS}{sheet.FIRST_ROW}:{STATUS}{sheet.LAST_ROW}")
        status.font.bold, status.font.color = False, (0, 0, 0)
        if outcome.flagged:
            first = sheet.FIRST_ROW + outcome.flagged.start
            last = sheet.FIRST_ROW + outcome.flagged.stop - 1
            flagged = ws.range(f"{STATUS}{first}:{STATUS}{last}")
            flagged.font.bold, flagged.font.color = True, FLAG_COLOR


def _write_review(book: Any, outcome: SyncOutcome) -> None:
    if REVIEW_SHEET not in [s.name for s in book.sheets]:
        book.sheets.add(REVIEW_SHEET, after=book.sheets[JOURNAL])
    ws = book.sheets[REVIEW_SHEET]
    ws.clear_contents()
    ws.range("A1").value = outcome.review_title
    ws.range("A3").value = outcome.review_subtitle
    ws.range(f"A{REVIEW_HEADER_ROW}").value = [["figure", "value"],
                                               *[list(r) for r in outcome.review]]


def sync_open_book(book: Any, dataset: Any, settings: Any, now: datetime) -> list[str]:
    """Sync the Journal sheet of ``book`` (an xlwings ``Book``) with the trade journal, then
    rewrite its Review sheet; a book without a Journal sheet is left alone. Returns the
    notes of the refresh (rows journaled, rows flagged)."""
    if JOURNAL not in [s.name for s in book.sheets]:
        return []
    ws = book.sheets[JOURNAL]
    with unprotected(ws):
        outcome = sync_rows(journal_inputs(dataset, settings, now), read_rows(ws))
        _write(ws, outcome)
    _write_review(book, outcome)
    return outcome.notes
