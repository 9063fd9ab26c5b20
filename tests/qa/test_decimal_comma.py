"""A decimal comma is refused on every surface, naming the field; ``1,000`` still reads 1000.

Every surface dropped commas from a typed number, so ``1,5`` (a European 1.5) was read as 15
and ``1,2,3`` as 123. All of them read through ``core.typed_numbers`` now; each test below
runs a surface's real entry point: the CLI's ``main``, the UDF functions, the app's widgets,
the workbook's Journal sheet sync.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from gui.quick_check import QuickCheckView
from gui.settings_view import SettingsView
from gui.venues_view import VenuesView
from rotation_addin import udfs
from rotation_addin.cli import term
from rotation_addin.core.typed_numbers import COMMA_REASON, SPACE_REASON
from rotation_addin.data.demo import demo_dataset
from rotation_addin.data.settings import Settings
from rotation_addin.desk.journal_market import current_quote
from rotation_addin.excel import context
from rotation_addin.excel.cell_errors import CellError
from tests.cli_helpers import one_line_error, run, run_json
from tests.journal.helpers import demo_market, journal_view_on_demo
from workbook.build import build_workbook
from workbook.refresh import refresh_workbook

BAD = "rotation: invalid input: "
SIZE = ("size", "--entry", "100", "--stop", "90", "--side", "long")


# -- CLI ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("argv", "start"), [
    ([*SIZE, "--equity", "1,5"], "--equity: must be a number at least 0.01 USD (got '1,5')"),
    ([*SIZE, "--equity", "1,2,3"], "--equity: must be a number at least 0.01 USD (got '1,2,3')"),
    ([*SIZE, "--risk", "1,5%"], "--risk: must be a number (got '1,5')"),
    (["alerts", "history", "--limit", "10,00"],
     "--limit: must be a whole number at least 1 (got '10,00')"),
])
def test_cli_refuses_a_decimal_comma_naming_the_flag(capsys, argv, start) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, ""), err
    assert one_line_error(err) == f"{BAD}{start}; {COMMA_REASON}"


def test_cli_reads_thousands_as_before(capsys) -> None:
    for typed, plain in (("1,000", "1000"), ("12,345.67", "12345.67"), ("$12,345.67", "12345.67")):
        assert run_json(capsys, *SIZE, "--equity", typed) == \
            run_json(capsys, *SIZE, "--equity", plain)
    sized = run_json(capsys, *SIZE, "--equity", "12,345.67", "--risk", "1%")
    assert sized == run_json(capsys, *SIZE, "--equity", "12345.67", "--risk", "0.01")


def test_cli_tables_right_align_numbers_only() -> None:
    # a cell 1,2,3 is text (left), 1,000.00 and $5 are numbers (right)
    lines = term.render_table(["a", "b"], [["1,000.00", "1,2,3"], ["$5", "x"]]).splitlines()
    assert lines[2] == "1,000.00  1,2,3" and lines[3] == "      $5  x    "


# -- Excel UDFs ---------------------------------------------------------------------------------
def test_udfs_refuse_a_decimal_comma_naming_the_argument() -> None:
    context.clear()
    for result, reason in (
            (udfs.POSITION_SIZE("1,5", "2%", 100, 95),
             "#INPUT equity: must be a number (got text '1,5')"),
            (udfs.POSITION_SIZE(10000, "2%", "1,2,3", 95),
             "#INPUT entry: must be a number (got text '1,2,3')"),
            # a daily vol typed 1,5% is a number with a wrong comma, not a symbol "1,5%"
            (udfs.SAFE_LEVERAGE("1,5%"),
             "#INPUT symbol_or_vol: must be a number (got text '1,5%')")):
        assert isinstance(result, CellError) and result.code == "#VALUE!", result
        assert result.reason == f"{reason}; {COMMA_REASON}"


def test_udfs_read_thousands_as_before() -> None:
    context.clear()
    plain = udfs.POSITION_SIZE(12345.67, 0.02, 100.0, 95.0)
    assert udfs.POSITION_SIZE("12,345.67", "2%", "100", "95") == plain
    assert udfs.POSITION_SIZE("$12,345.67", "2 %", "1e2", "95") == plain
    assert udfs.POSITION_SIZE("1,000", "2%", 100, 95) == udfs.POSITION_SIZE(1000, 0.02, 100, 95)


def test_udfs_refuse_a_space_inside_digits_and_read_spaced_thousands() -> None:
    """``1 5`` was read as 15 (every space dropped); ``12 345.67`` is a spaced thousand."""
    context.clear()
    result = udfs.POSITION_SIZE("1 5", "2%", 100, 95)
    assert isinstance(result, CellError) and result.code == "#VALUE!", result
    assert result.reason == f"#INPUT equity: must be a number (got text '1 5'); {SPACE_REASON}"
    plain = udfs.POSITION_SIZE(12345.67, 0.02, 100.0, 95.0)
    assert udfs.POSITION_SIZE("12 345.67", "2 %", "100", "95") == plain
    assert udfs.POSITION_SIZE("12\u00a0345.67", "2%", "$ 100", "95") == plain


# -- the app ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("bad", "reason", "good"), [("1,5", COMMA_REASON, "12,345.67"),
                                                      ("1 5", SPACE_REASON, "12 345.67")])
def test_quick_check_refuses_a_decimal_comma_on_its_field(qtbot, bad: str, reason: str,
                                                          good: str) -> None:
    """A comma, or a space, that groups no thousands; ``1 5`` was read as 15."""
    view = QuickCheckView(Settings())
    qtbot.addWidget(view)
    view.fields["equity_usd"].setText(bad)
    view.recompute()
    assert view.last_result is None
    assert reason in view.error_text("equity_usd")
    assert f"(got {bad!r})" in view.error_text("equity_usd")
    view.fields["equity_usd"].setText(good)
    view.recompute()
    assert view.error_text("equity_usd") == ""
    assert view.last_result is not None and view.last_result.inputs.equity_usd == 12345.67


def test_settings_refuse_a_decimal_comma_on_its_field(qtbot) -> None:
    view = SettingsView(Settings())
    qtbot.addWidget(view)
    equity = view.risk_edits["equity_usd"]
    equity.setText("1,5")
    assert view.settings_error.text() == \
        f"equity_usd: must be a number (got '1,5'); {COMMA_REASON}"
    assert equity.toolTip() == f"must be a number (got '1,5'); {COMMA_REASON}"
    equity.setText("12,345.67")
    assert view.settings_error.text() == ""
    assert view.read_settings().equity_usd == 12345.67


def test_venues_refuse_a_decimal_comma_on_its_field(qtbot) -> None:
    view = VenuesView()
    qtbot.addWidget(view)
    view.set_dataset(demo_dataset())
    view.symbol_box.setCurrentText("RENDER")
    view.edits["venues"].setText("")
    view.edits["notional"].setText("1,5")
    assert view.compare() is None
    assert view.error_text("notional").endswith(f"(got '1,5'); {COMMA_REASON}")
    costs = []
    for typed in ("12,345.67", "12345.67"):
        view.edits["notional"].setText(typed)
        task = view.compare()
        assert task is not None and view.error_text("notional") == ""
        qtbot.waitUntil(task.done.is_set, timeout=60_000)
        qtbot.waitUntil(lambda: len(view.rows) == 1, timeout=10_000)
        costs.append(view.rows[0].round_trip_cost)
    assert costs[0] is not None and costs[0] == costs[1]


def test_journal_tab_refuses_a_decimal_comma_on_its_field(qtbot, tmp_path: Path) -> None:
    view = journal_view_on_demo(qtbot, tmp_path)
    price = current_quote(demo_market(), "RENDER").price_usd
    for name, text in (("symbol", "RENDER"), ("stop", f"{price * 0.9}"), ("quantity", "1,5")):
        view.edits[name].setText(text)
    assert view.open_typed() is False
    assert view.errors == {"quantity": f"quantity: must be a number (got '1,5'); {COMMA_REASON}"}
    view.edits["quantity"].setText("1,000")
    view.edits["stop"].setText("1,2,3")
    assert view.open_typed() is False
    assert list(view.errors) == ["stop"]  # 1,000 read; 1,2,3 is no stop of 123


def test_app_fields_group_thousands_with_spaces_like_the_quick_check(qtbot,
                                                                    tmp_path: Path) -> None:
    """The Quick check read ``10 000`` and the Settings, Venues and Journal fields refused
    it; all of them read it now, and refuse ``1 5`` with the space's reason."""
    settings = SettingsView(Settings())
    qtbot.addWidget(settings)
    settings.risk_edits["equity_usd"].setText("12 345.67")
    assert settings.settings_error.text() == ""
    assert settings.read_settings().equity_usd == 12345.67
    settings.risk_edits["equity_usd"].setText("1 5")
    assert settings.settings_error.text() == \
        f"equity_usd: must be a number (got '1 5'); {SPACE_REASON}"
    venues = VenuesView()
    qtbot.addWidget(venues)
    venues.set_dataset(demo_dataset())
    venues.edits["notional"].setText("1 5")
    assert venues.compare() is None
    assert venues.error_text("notional").endswith(f"(got '1 5'); {SPACE_REASON}")
    journal = journal_view_on_demo(qtbot, tmp_path)
    price = current_quote(demo_market(), "RENDER").price_usd
    for name, text in (("symbol", "RENDER"), ("stop", f"{price * 0.9}"), ("quantity", "1 5")):
        journal.edits[name].setText(text)
    assert journal.open_typed() is False
    assert journal.errors == {"quantity":
                              f"quantity: must be a number (got '1 5'); {SPACE_REASON}"}
    journal.edits["quantity"].setText("1 000")
    assert journal.open_typed() is True, journal.errors


# -- the workbook's Journal sheet ---------------------------------------------------------------
def test_journal_sheet_flags_a_decimal_comma_and_reads_thousands(tmp_path: Path) -> None:
    market = demo_market()
    path = tmp_path / "wb.xlsx"
    build_workbook(path, dataset=market, params=Settings(), now=market.as_of)
    wb = load_workbook(path)
    ws = wb["Journal"]
    price = current_quote(market, "RENDER").price_usd
    stop = f"{price * 0.99:,.4f}"
    for row, quantity in ((6, "1,5"), (7, "1,000")):
        ws[f"A{row}"], ws[f"B{row}"], ws[f"D{row}"] = datetime(2026, 11, 1), "RENDER", "long"
        ws[f"F{row}"], ws[f"G{row}"] = stop, quantity
    wb.save(path)
    refresh_workbook(path, market, params=Settings(), now=market.as_of)
    ws = load_workbook(path)["Journal"]
    rows = {ws[f"G{r}"].value: str(ws[f"P{r}"].value) for r in (6, 7)}  # journaled rows first
    assert rows["1,5"] == f"INPUT Quantity: must be a number (got '1,5'); {COMMA_REASON}"
    assert rows[1000].startswith("journal paper ") and rows[1000].endswith("(open)")
