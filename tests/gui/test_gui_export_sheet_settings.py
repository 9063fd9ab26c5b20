"""The app's workbook export honours the workbook's Settings sheet.

The sheet says "Yellow cells are yours: refresh reads them on every run", but the app's
export refreshed with its own settings and report: a workbook whose Settings sheet said
equity 30,000 came out with a Dashboard at 10,000 beside it. Now the export plans on the
sheet when it differs from the app (as ``rotation refresh --workbook`` and the Excel button
do) and the status line says so; a sheet that agrees keeps the app's own report.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from gui.main_window import MainWindow
from rotation_addin.data.settings import Settings
from tests.cli_helpers import run_json
from tests.gui_helpers import loaded_window
from workbook import layout
from workbook.build import build_workbook
from workbook.sheets.settings_sheet import ROW_OF


def _dashboard_equity(path: Path) -> object:
    sheet = load_workbook(path, data_only=True)["Dashboard"]
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == "Equity, USD":
                return sheet.cell(row=cell.row, column=cell.column + 1).value
    raise AssertionError("no 'Equity, USD' on the Dashboard")


def _order_quantities(path: Path) -> list[tuple[str, float]]:
    """(symbol, quantity) of each order row on the Rebalance sheet, below its header."""
    rows = list(load_workbook(path, data_only=True)["Rebalance"].iter_rows(values_only=True))
    for at, row in enumerate(rows):
        if "Symbol" in row and "Quantity" in row:
            symbol, quantity = row.index("Symbol"), row.index("Quantity")
            return [(str(r[symbol]), float(r[quantity])) for r in rows[at + 1:]
                    if r[symbol] and isinstance(r[quantity], int | float)]
    raise AssertionError("no order table on the Rebalance sheet")


def _export(qtbot, window: MainWindow, path: Path) -> str:
    with qtbot.waitSignal(window.task_ended, timeout=120_000) as ended:
        window.export_workbook(open_after=False, path=path)
    assert ended.args == ["succeeded"], window.status_panel.progress_label.text()
    return window.status_panel.progress_label.text()


@pytest.fixture
def window(qtbot) -> MainWindow:
    return loaded_window(qtbot)


def test_export_plans_on_the_sheets_settings_and_says_so(qtbot, capsys, tmp_path: Path,
                                                         window: MainWindow) -> None:
    path = tmp_path / "desk.xlsx"
    build_workbook(path, params=Settings())
    book = load_workbook(path)
    book[layout.SETTINGS].cell(row=ROW_OF["equity_usd"], column=2, value=30_000)
    book.save(path)
    said = _export(qtbot, window, path)
    assert _dashboard_equity(path) == 30_000
    assert "follow its own Settings sheet" in said and "equity_usd 30000" in said
    assert "(app 10000.0)" in said
    plan = run_json(capsys, "plan", "--source", "demo", "--equity", "30000", "--json")
    assert _order_quantities(path) == [(o["symbol"], o["quantity_base"]) for o in plan["orders"]]


def test_a_sheet_that_agrees_keeps_the_apps_report(qtbot, tmp_path: Path,
                                                   window: MainWindow) -> None:
    path = tmp_path / "desk.xlsx"
    said = _export(qtbot, window, path)
    assert _dashboard_equity(path) == Settings().equity_usd
    assert "Settings sheet" not in said
    assert _order_quantities(path) == [(o.symbol, o.quantity_base)
                                       for o in window.snapshot.report.plan.orders]
