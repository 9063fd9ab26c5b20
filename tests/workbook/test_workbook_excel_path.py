"""The Refresh-button path: ``rotation_desk.main()`` -> ``refresh_workbook(book, ...)``.

Excel (Windows COM / macOS AppleScript) cannot run here, so the open workbook is a small
stand-in with the part of xlwings' ``Book`` API the refresh uses
(:mod:`tests.workbook.excel_standin`). It is filled from a real built workbook, and every
write is recorded, so the test checks exactly which cells the button would change.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl.utils import column_index_from_string

from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.data.settings import Settings
from tests.workbook.excel_standin import StandInBook as FakeBook
from workbook import layout as lay
from workbook.build import build_workbook
from workbook.refresh import refresh_workbook
from workbook.rotation_desk import main
from workbook.sheets import journal_sync


def _book(tmp_path: Path, demo_market: MarketDataset) -> FakeBook:
    path = tmp_path / "rotation_desk.xlsm"
    build_workbook(path, params=Settings(), macro_enabled=True)  # empty: as first opened
    return FakeBook(path)


def test_button_entry_point_fills_only_owned_ranges(tmp_path: Path,
                                                    demo_market: MarketDataset) -> None:
    book = _book(tmp_path, demo_market)
    main(book)
    for sheet in book.sheets:
        for row, col in sheet.writes:
            assert any(b.sheet == sheet.name and b.contains(row, col) for b in lay.BLOCKS) \
                or journal_sync.owns(sheet.name, row, col), (  # the Journal sync's rows
                f"wrote outside the owned ranges: {sheet.name} {row},{col}")
    sectors = book.sheets[lay.SECTORS]
    assert DEMO_SOURCE_LABEL in sectors.cells[(2, 1)]
    table = lay.block("sectors_table")
    assert sectors.cells[(table.top, table.left)] == "Rank"
    assert sectors.cells[(table.top + 1, table.left)] == 1
    assert book.sheets[lay.SIZING].writes  # market reference of the symbol in B5


def test_button_uses_the_settings_typed_in_the_workbook(tmp_path: Path,
                                                        demo_market: MarketDataset) -> None:
    book = _book(tmp_path, demo_market)
    settings_sheet = book.sheets[lay.SETTINGS]
    settings_sheet.cells[(5, 2)] = 12_345.0  # equity
    result = refresh_workbook(book, demo_market)
    summary = lay.block("dashboard_summary")
    dash = book.sheets[lay.DASHBOARD].cells
    labels = {dash.get((summary.top + i, 1)): dash.get((summary.top + i, 2))
              for i in range(summary.rows)}
    assert labels["Equity, USD"] == 12_345.0
    assert result.backup_path is None and result.path == Path(book.fullname)


def test_text_written_through_excel_is_escaped(tmp_path: Path,
                                               demo_market: MarketDataset) -> None:
    book = _book(tmp_path, demo_market)
    book.sheets[lay.SIZING].cells[(5, 2)] = "=EVIL()"  # a symbol typed by someone else
    refresh_workbook(book, demo_market, params=Settings())
    market = lay.block("sizing_market")
    written = [book.sheets[lay.SIZING].cells.get((market.top + r, market.left + c))
               for r in range(market.rows) for c in range(market.cols)]
    texts = [v for v in written if isinstance(v, str)]
    assert "'=EVIL()" in texts
    assert not any(t.startswith("=") for t in texts)
    assert column_index_from_string("N") == market.left


def test_button_failure_is_one_line_on_the_sheet(tmp_path: Path,
                                                 demo_market: MarketDataset) -> None:
    """Settings say data_source = cache but nothing was cached: a readable line, no raise."""
    book = _book(tmp_path, demo_market)
    from workbook.sheets.settings_sheet import ROW_OF

    book.sheets[lay.SETTINGS].cells[(ROW_OF["data_source"], 2)] = "cache"
    main(book)
    banner = book.sheets[lay.SECTORS].cells[(lay.BANNER_ROW, 1)]
    assert banner.startswith("REFRESH FAILED:") and "\n" not in banner
    assert book.sheets[lay.SECTORS].writes == {(lay.BANNER_ROW, 1)}
