"""What the Refresh button runs inside Excel: ``import rotation_desk; rotation_desk.main()``.

xlwings' ``SampleCall`` macro (and the ribbon's "Run main") import the module named like the
workbook; ``rotation_desk.py`` beside ``rotation_desk.xlsm`` forwards here. ``main`` reads the
data source from the workbook's Settings sheet, loads the market and calls the one refresh
entry point with the calling workbook, which writes through xlwings into the open file.
"""

from __future__ import annotations

from typing import Any


def main(book: Any = None) -> None:
    """Refresh the calling workbook (``xw.Book.caller()``) in place.

    Parameters
    ----------
    book : xlwings.Book, optional
        The workbook to refresh; default the one whose button was clicked.
    """
    from rotation_addin.data.loader import load_market
    from workbook.refresh import refresh_workbook, settings_from_book

    if book is None:
        import xlwings as xw

        book = xw.Book.caller()
    settings = settings_from_book(book)
    dataset = load_market(settings.data_source)
    refresh_workbook(book, dataset, params=settings)


if __name__ == "__main__":  # pragma: no cover - manual run beside an open workbook
    import xlwings as xw

    xw.Book("rotation_desk.xlsm").set_mock_caller()
    main()
