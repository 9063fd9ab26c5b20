"""Bad input on every surface: one line naming the field and the valid range.

CLI (in-process, the real entry point), ``=TRADE_CHECK`` (what Excel would show), the app's
Journal tab (on the field) and a row typed into the workbook's Journal sheet (flagged).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from rotation_addin import udfs
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.data.paths import config_dir
from rotation_addin.data.settings import Settings
from rotation_addin.desk.journal import JournalInputs
from rotation_addin.desk.journal_market import current_quote
from rotation_addin.desk.journal_ops import import_csv
from rotation_addin.excel import context
from tests.cli_helpers import one_line_error, run
from tests.journal.helpers import demo_market, journal_view_on_demo
from workbook.build import build_workbook
from workbook.refresh import refresh_workbook

CASES = [
    # (what, CLI flags, field named, words of the range)
    ("unknown symbol", ["NOPE", "--side", "long", "--stop", "1", "--quantity", "1"], "symbol",
     "must be one of the universe's symbols"),
    ("quantity 0", ["RENDER", "--side", "long", "--stop", "1", "--quantity", "0"], "quantity",
     "must be > 0 and at most 1e+15"),
    ("quantity above the maximum", ["RENDER", "--side", "long", "--stop", "1", "--quantity",
                                    "1e16"], "quantity", "at most 1e+15"),
    ("stop on the wrong side", ["RENDER", "--side", "long", "--stop", "1000", "--quantity",
                                "1"], "stop", "must be below entry"),
    ("NaN price", ["RENDER", "--side", "long", "--stop", "nan", "--quantity", "1"], "stop",
     "must be a finite price > 0"),
    ("empty override reason", ["RENDER", "--side", "long", "--stop", "1", "--quantity", "1",
                               "--override", " "], "override", "non-empty reason"),
    ("date in the future", ["RENDER", "--side", "long", "--stop", "1", "--quantity", "1",
                            "--account", "real", "--price", "2", "--at", "2099-01-01"], "--at",
     "must not be after now"),
]


@pytest.mark.parametrize(("what", "flags", "field", "words"), CASES, ids=[c[0] for c in CASES])
def test_cli_bad_input_is_one_line_naming_the_field(capsys, what, flags, field, words):
    code, _, err = run(capsys, "trade", "open", *flags)
    line = one_line_error(err)
    assert code == 2, line
    # the CLI names the flag the user typed (#12); a positional argument keeps its name
    named = f"invalid input: --{field}: " in line or f"invalid input: {field}: " in line
    assert named and words in line, line


def test_an_empty_override_reason_names_the_override_flag(capsys):
    # the reason an override needs is the --override text, not --reason (typed too here)
    code, _, err = run(capsys, "trade", "open", "RENDER", "--side", "long", "--stop", "1",
                       "--quantity", "1", "--reason", "why", "--override", " ")
    assert code == 2 and one_line_error(err) == (
        "rotation: invalid input: --override: needs a non-empty reason (got an empty text)")


def test_trade_check_udf_bad_input_ok_and_cool_down():
    context.clear()
    assert udfs.TRADE_CHECK("NOPE", "long", 2, 1, 1).startswith("#INPUT symbol: must be one of")
    assert udfs.TRADE_CHECK("RENDER", "long", 2, 1, 0).startswith(
        "#INPUT quantity_or_risk: must be > 0")
    assert udfs.TRADE_CHECK("RENDER", "long", 2, 3, 1).startswith("#INPUT stop: must be below")
    assert udfs.TRADE_CHECK("RENDER", "long", 2, "nan", 1).startswith("#INPUT stop:")
    # a short: the regime gate (alt longs in risk-off) depends on the demo calibration
    assert udfs.TRADE_CHECK("RENDER", "short", 2, 2.1, 1) == "OK"
    # a loss journaled an hour ago (imported from trade_journal.csv) blocks the sector
    market = demo_market()
    now = max(datetime.now(UTC), market.as_of)
    closed = now - timedelta(hours=1)
    opened = closed - timedelta(days=1)
    (config_dir() / "trade_journal.csv").write_text(
        "symbol,side,quantity,entry_price,exit_price,opened_at,closed_at,realised_pnl_usd,"
        f"reason\nLPT,long,10,5,4.5,{opened.isoformat()},{closed.isoformat()},-5.2,stopped\n")
    inputs = JournalInputs(params=PlanParameters(), dataset=market, now=now)
    assert import_csv(inputs) == 2 and import_csv(inputs) == 0  # idempotent
    verdict = udfs.TRADE_CHECK("RENDER", "short", 2, 2.1, 1)
    assert verdict.startswith("cool-down: LPT (render) closed at a loss of 5.20 USD")


def test_app_shows_bad_input_on_the_field(qtbot, tmp_path):
    view = journal_view_on_demo(qtbot, tmp_path)
    price = current_quote(demo_market(), "RENDER").price_usd
    for symbol, stop, quantity, override, field in (
            ("NOPE", "1", "1", "", "symbol"), ("RENDER", f"{price * 0.9}", "0", "", "quantity"),
            ("RENDER", f"{price * 2}", "1", "", "stop"), ("RENDER", "nan", "1", "", "stop"),
            ("RENDER", f"{price * 0.9}", "1", "  ", "override")):
        for name, text in (("symbol", symbol), ("stop", stop), ("quantity", quantity),
                           ("override", override)):
            view.edits[name].setText(text)
        assert view.open_typed() is False
        assert list(view.errors) == [field], (symbol, stop, quantity)
        assert view.errors[field].startswith(f"{field}:")


def test_workbook_rows_with_bad_cells_are_kept_and_flagged(tmp_path):
    market = demo_market()
    path = tmp_path / "wb.xlsx"
    build_workbook(path, dataset=market, params=Settings(), now=market.as_of)
    wb = load_workbook(path)
    ws = wb["Journal"]
    rows = [("NOPE", "long", 1.0, 1), ("RENDER", "long", 1.0, 0),
            ("RENDER", "long", 1000.0, 1), ("RENDER", "long", "nan", 1)]
    for offset, (symbol, side, stop, qty) in enumerate(rows):
        r = 6 + offset
        ws[f"A{r}"], ws[f"B{r}"], ws[f"D{r}"] = datetime(2026, 11, 1), symbol, side
        ws[f"F{r}"], ws[f"G{r}"] = stop, qty
    ws["A10"], ws["B10"], ws["D10"], ws["F10"], ws["G10"] = (datetime(2099, 1, 1), "RENDER",
                                                             "long", 1.0, 1)
    wb.save(path)
    refresh_workbook(path, market, params=Settings(), now=market.as_of + timedelta(hours=1))
    ws = load_workbook(path)["Journal"]
    flags = [str(ws[f"P{r}"].value) for r in range(6, 11)]
    assert flags[0].startswith("INPUT symbol: must be one of")
    assert flags[1].startswith("INPUT quantity: must be > 0")
    assert flags[2].startswith("INPUT stop: must be below entry")
    assert flags[3].startswith("INPUT Stop: must be a finite number")
    assert flags[4].startswith("INPUT date: must not be after now")
    assert [ws[f"B{r}"].value for r in range(6, 11)] == ["NOPE"] + ["RENDER"] * 4
