"""Headless refresh keeps the user's work, re-creates the tool's parts and saves atomically.

The user's edits are made with openpyxl (the only way to "type" into a workbook here); the
refresh must leave every cell outside the tool's owned ranges unchanged, on every sheet, and
keep the tool's charts, names, validation, heatmap and (xlsm) the button.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import InputError
from rotation_addin.data.settings import Settings
from workbook import layout as lay
from workbook import xlsm
from workbook.build import build_workbook
from workbook.button import sheet_button_macros
from workbook.refresh import backup_path_for, refresh_workbook
from workbook.sheets import dashboard, journal_sync, sectors
from workbook.sheets.charts import chart_anchor_cell

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
T1 = datetime(2026, 1, 3, 9, 30, tzinfo=UTC)


def _owned(sheet: str, row: int, col: int) -> bool:
    return any(b.sheet == sheet and b.contains(row, col) for b in lay.BLOCKS) \
        or journal_sync.owns(sheet, row, col)  # the Journal rows sync with the trade journal


def _outside_values(path: Path) -> dict[tuple[str, str], object]:
    """Every non-empty cell value (formulas as text) outside the owned blocks."""
    wb = load_workbook(path, keep_vba=path.suffix == ".xlsm")
    found: dict[tuple[str, str], object] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None and not _owned(ws.title, cell.row, cell.column):
                    found[(ws.title, cell.coordinate)] = cell.value
    return found


def _user_edits(path: Path) -> None:
    """What a user typed: a sheet, notes, formulas, a journal row, a chart and a name."""
    wb = load_workbook(path, keep_vba=path.suffix == ".xlsm")
    mine = wb.create_sheet("My notes")
    mine["A1"] = "Why I trade"
    mine["A2"] = 42.5
    mine["B2"] = "=A2*2"
    mine["C2"] = "=Sizing!B28*2"
    mine["A3"] = "=Dashboard!B5"
    mine["A1"].comment = Comment("my own note", "me")
    chart = BarChart()
    chart.add_data(Reference(mine, min_col=1, min_row=2, max_row=2))
    mine.add_chart(chart, "E5")
    wb["Dashboard"]["J5"] = "=B10*2"
    wb["Dashboard"]["J6"] = "a note beside the dashboard"
    wb["Sectors"]["P30"] = "my sector idea"
    wb["Sectors"]["P30"].comment = Comment("check volume", "me")
    journal = wb["Journal"]
    journal["A6"] = datetime(2026, 1, 1)
    journal["B6"], journal["D6"], journal["E6"], journal["F6"] = "RENDER", "long", 5.0, 4.6
    journal["G6"], journal["H6"], journal["K6"] = 100, 5.4, "breakout with volume"
    wb["Sizing"]["B11"] = 4.5  # the user's own input (stop)
    wb.defined_names["MyName"] = DefinedName("MyName", attr_text="'My notes'!$A$2")
    wb.save(path)


@pytest.fixture()
def built(tmp_path: Path, demo_market: MarketDataset, request: pytest.FixtureRequest) -> Path:
    suffix = getattr(request, "param", ".xlsx")
    path = tmp_path / f"rotation_desk{suffix}"
    build_workbook(path, dataset=demo_market, params=Settings(), macro_enabled=suffix == ".xlsm",
                   now=T0)
    return path


@pytest.mark.parametrize("built", [".xlsx", ".xlsm"], indirect=True)
def test_refresh_keeps_user_content_and_tool_parts(built: Path,
                                                   demo_market: MarketDataset) -> None:
    _user_edits(built)
    before = _outside_values(built)
    previous_bytes = built.read_bytes()
    other = _other_dataset(demo_market)

    result = refresh_workbook(built, other, params=Settings(), now=T1)

    assert _outside_values(built) == before
    assert result.backup_path == backup_path_for(built)
    assert result.backup_path.read_bytes() == previous_bytes
    wb = load_workbook(built, keep_vba=built.suffix == ".xlsm")
    # owned ranges carry the new refresh
    assert "2026-01-03 09:30 UTC" in wb["Dashboard"]["A2"].value
    assert wb["Sizing"]["B11"].value == 4.5
    # the typed journal row is kept: journaled (and written back) or flagged with the rule
    typed = [r for r in range(6, 206) if wb["Journal"][f"B{r}"].value == "RENDER"
             and wb["Journal"][f"G{r}"].value == 100 and wb["Journal"][f"E{r}"].value == 5.0]
    assert len(typed) == 1
    assert str(wb["Journal"][f"P{typed[0]}"].value).startswith(("journal", "REFUSED"))
    # user parts
    assert wb["My notes"]["A1"].comment.text == "my own note"
    assert wb["Sectors"]["P30"].comment.text == "check volume"
    assert len(wb["My notes"]._charts) == 1
    assert "MyName" in wb.defined_names
    # tool parts
    assert {chart_anchor_cell(c) for c in wb["Sectors"]._charts} == {
        sectors.INDEX_CHART_ANCHOR, sectors.SCORE_CHART_ANCHOR}
    assert {chart_anchor_cell(c) for c in wb["Dashboard"]._charts} == {
        dashboard.SCORES_CHART_ANCHOR}
    assert "Sizing_Quantity" in wb.defined_names
    assert "Settings_equity_usd" in wb.defined_names
    sqrefs = {str(dv.sqref) for dv in wb["Sizing"].data_validations.dataValidation}
    assert {"B6", "B8", "B12"} <= sqrefs
    assert len(wb["Sizing"].data_validations.dataValidation) == len(sqrefs)  # no duplicates
    heat = [str(r.sqref) for r in wb["Correlation"].conditional_formatting]
    assert len(heat) == 2 and all(r.startswith("B") for r in heat)
    assert wb["Sizing"].protection.sheet and wb["Journal"].protection.sheet
    assert wb["Sizing"]["B10"].protection.locked is False
    assert wb["Sizing"]["B28"].protection.locked is True
    if built.suffix == ".xlsm":
        assert sheet_button_macros(built, lay.SECTORS) == ["SampleCall"]  # one, not two
        assert xlsm.vba_bytes(built) == xlsm.vba_bytes(xlsm.template_path())


def _other_dataset(dataset: MarketDataset) -> MarketDataset:
    from dataclasses import replace

    return replace(dataset, close=dataset.close * 1.1)


def test_refresh_twice_does_not_duplicate_tool_parts(built: Path,
                                                     demo_market: MarketDataset) -> None:
    refresh_workbook(built, demo_market, params=Settings(), now=T1)
    refresh_workbook(built, demo_market, params=Settings(), now=T1)
    wb = load_workbook(built)
    assert len(wb["Sectors"]._charts) == 2
    assert len(list(wb["Correlation"].conditional_formatting)) == 2
    assert len(wb["Journal"].data_validations.dataValidation) == 2


def test_refresh_reads_settings_typed_in_the_workbook(built: Path,
                                                      demo_market: MarketDataset) -> None:
    wb = load_workbook(built)
    wb["Settings"]["B5"] = 25_000  # equity
    wb.save(built)
    refresh_workbook(built, demo_market, now=T1)
    values = {r[0].value: r[1].value for r in load_workbook(built)["Dashboard"]["A5:B14"]}
    assert values["Equity, USD"] == 25_000


def test_invalid_settings_cell_is_named(built: Path, demo_market: MarketDataset) -> None:
    wb = load_workbook(built)
    wb["Settings"]["B6"] = 0.5  # risk per trade 50 %
    wb.save(built)
    with pytest.raises(InputError, match="risk_fraction"):
        refresh_workbook(built, demo_market, now=T1)


def test_missing_and_foreign_files_are_refused(tmp_path: Path,
                                               demo_market: MarketDataset) -> None:
    with pytest.raises(InputError, match="does not exist"):
        refresh_workbook(tmp_path / "nope.xlsx", demo_market)
    from openpyxl import Workbook

    Workbook().save(tmp_path / "other.xlsx")
    with pytest.raises(InputError, match="not a Rotation Desk workbook"):
        refresh_workbook(tmp_path / "other.xlsx", demo_market)


def test_exception_during_save_leaves_previous_file(built: Path, demo_market: MarketDataset,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    previous = built.read_bytes()

    def broken_save(wb: object, filename: Path, **_: object) -> None:
        Path(filename).write_bytes(b"PK\x03\x04 half a zip")
        raise OSError("disk full (injected)")

    monkeypatch.setattr("workbook.fast_save.save_workbook", broken_save)  # the refresh's save
    with pytest.raises(OSError, match="injected"):
        refresh_workbook(built, demo_market, params=Settings(), now=T1)
    assert built.read_bytes() == previous
    assert [p.name for p in built.parent.iterdir() if p.name.endswith(".tmp")] == []
    load_workbook(built)  # still opens


KILL_SCRIPT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import workbook.fast_save as save_mod
    from rotation_addin.data.demo import demo_dataset
    from rotation_addin.data.settings import Settings
    from workbook.refresh import refresh_workbook

    real_save = save_mod.save_workbook

    def slow_save(wb, filename, **options):
        real_save(wb, filename, **options)
        data = Path(filename).read_bytes()
        Path(filename).write_bytes(data[: len(data) // 2])  # half written
        print("MIDSAVE", flush=True)
        time.sleep(60)

    save_mod.save_workbook = slow_save
    refresh_workbook(Path(sys.argv[1]), demo_dataset(), params=Settings())
""")


def test_sigkill_mid_save_leaves_previous_file_intact(built: Path) -> None:
    previous = built.read_bytes()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(built)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "MIDSAVE", proc.stderr.read() if proc.stderr else ""
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert built.read_bytes() == previous
    wb = load_workbook(built)
    assert "Sizing" in wb.sheetnames
    leftovers = [p for p in built.parent.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) == 1  # the half-written temporary file, never the workbook itself


def test_pictures_the_round_trip_cannot_keep_are_reported(built: Path,
                                                          demo_market: MarketDataset) -> None:
    """Without Pillow openpyxl drops pictures; the refresh says so (the backup keeps them)."""
    import importlib.util
    import zipfile

    with zipfile.ZipFile(built, "a") as archive:
        archive.writestr("xl/media/image1.png", b"\x89PNG\r\n\x1a\n")
    result = refresh_workbook(built, demo_market, params=Settings(), now=T1)
    has_pillow = importlib.util.find_spec("PIL") is not None
    assert any("picture" in w for w in result.warnings) != has_pillow
    with zipfile.ZipFile(result.backup_path) as backup:
        assert "xl/media/image1.png" in backup.namelist()


def test_stale_temporary_of_a_killed_save_is_cleaned(built: Path,
                                                      demo_market: MarketDataset) -> None:
    old = built.parent / f".{built.name}.abc123.tmp"
    fresh = built.parent / f".{built.name}.def456.tmp"
    old.write_bytes(b"half")
    fresh.write_bytes(b"maybe another refresh right now")
    os.utime(old, (1_000_000_000, 1_000_000_000))
    refresh_workbook(built, demo_market, params=Settings(), now=T1)
    assert not old.exists() and fresh.exists()


def test_workbook_of_another_layout_version_is_refused(built: Path,
                                                       demo_market: MarketDataset) -> None:
    wb = load_workbook(built)
    del wb.defined_names[lay.LAYOUT_NAME]
    wb.defined_names[lay.LAYOUT_NAME] = DefinedName(lay.LAYOUT_NAME, attr_text="999")
    wb.save(built)
    before = built.read_bytes()
    with pytest.raises(InputError, match="layout 999"):
        refresh_workbook(built, demo_market, params=Settings(), now=T1)
    assert built.read_bytes() == before
