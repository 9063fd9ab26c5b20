"""What the Refresh button runs inside Excel: ``import rotation_desk; rotation_desk.main()``.

xlwings' ``SampleCall`` macro (and the ribbon's "Run main") import the module named like the
workbook; ``rotation_desk.py`` beside ``rotation_desk.xlsm`` forwards here. ``main`` reads the
data source from the workbook's Settings sheet, loads the market and calls the one refresh
entry point with the calling workbook, which writes through xlwings into the open file.
"""

from __future__ import annotations

from typing import Any

import xlwings as xw

from rotation_addin.core.errors import RotationError
from rotation_addin.data.loader import load_market
from workbook import layout as lay
from workbook.refresh import refresh_workbook, settings_from_book
from workbook.safe_text import escape_text


def main(book: Any = None) -> None:
    """Refresh the calling workbook (``xw.Book.caller()``) in place.

    Parameters
    ----------
    book : xlwings.Book, optional
        The workbook to refresh; default the one whose button was clicked.
    """
    if book is None:
        book = xw.Book.caller()
    try:
        settings = settings_from_book(book)
        dataset = load_market(settings.data_source, exchange_id=settings.exchange_id)
        refresh_workbook(book, dataset, params=settings)
    except RotationError as exc:  # one readable line on the sheets, never a traceback
        show_failure(book, f"REFRESH FAILED: {exc}")


def show_failure(book: Any, message: str) -> None:
    """Write ``message`` into the banner cell (A2) of the Dashboard and Sectors sheets."""
    names = [s.name for s in book.sheets]
    for sheet in (lay.DASHBOARD, lay.SECTORS):
        if sheet in names:
            book.sheets[sheet].range(f"A{lay.BANNER_ROW}").value = escape_text(message)


if __name__ == "__main__":  # pragma: no cover - manual run beside an open workbook
    import xlwings as xw

    xw.Book("rotation_desk.xlsm").set_mock_caller()
    main()
