"""Holes T1-T11 of issue #18: every one of these crashed with a traceback before the fix.

Each runs the real ``rotation`` entry point (in-process, or as a child process for signals)
and asserts one line on stderr, the documented exit code and no traceback.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from rotation_addin.core.errors import DataError, InputError
from tests.cli_helpers import one_line_error, run

SIZE = ["size", "--equity", "10000", "--entry", "100", "--stop", "95", "--side", "long"]


def _config(home: Path) -> Path:
    folder = home / "config"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("content", [
    "equity_usd = 5000.0 # caf\xe9\n".encode("latin-1"),
    b"\xff\xfe\x00\x00garbage\x80\x81",
])
def test_t1_settings_not_utf8_is_one_line(content: bytes, isolated_home: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (_config(isolated_home) / "settings.toml").write_bytes(content)
    code, out, err = run(capsys, *SIZE)  # a quick check warns and uses the defaults
    assert code == 0 and "Traceback" not in err
    assert "settings.toml is not UTF" in out + err
    for argv in (["regime"], ["plan"], ["workbook", "build"], ["demo"]):
        code, _out, err = run(capsys, *argv)
        line = one_line_error(err)
        assert code == 2, (argv, err)
        assert "settings.toml is not UTF" in line, line


def test_t1_settings_in_utf16_with_bom_is_read(isolated_home: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    (_config(isolated_home) / "settings.toml").write_text("equity_usd = 5000.0\n",
                                                          encoding="utf-16")
    code, _out, err = run(capsys, *SIZE, "--json")
    assert code == 0, err


def test_t1_settings_directory_and_udfs(isolated_home: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from rotation_addin import udfs
    from rotation_addin.excel import context

    (_config(isolated_home) / "settings.toml").mkdir()
    code, _out, err = run(capsys, "regime")
    assert code == 2 and "is a directory" in one_line_error(err)
    (_config(isolated_home) / "settings.toml").rmdir()
    (_config(isolated_home) / "settings.toml").write_bytes(b"risk_fraction = 0.01 # \xe9\n")
    context.clear()
    from rotation_addin.excel.cell_errors import CellError

    result = udfs.POSITION_SIZE(10_000, "2%", 100, 95)
    assert isinstance(result, CellError) and not result.startswith("#ERROR"), result
    assert "settings.toml" in result.reason


@pytest.mark.parametrize("make_target", ["directory", "proc", "under_a_file"])
def test_t2_unwritable_output_paths_are_one_line(
        make_target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if make_target == "directory":
        target = tmp_path / "out.csv"
        target.mkdir()
    elif make_target == "proc":
        target = Path("/proc/rotation-desk-test/out.csv")
    else:
        (tmp_path / "file").write_text("x")
        target = tmp_path / "file" / "out.csv"
    # --every 30: fewer decisions than the default 7, the same CSV write at the end; a
    # folder, or a file where a folder should be, is refused before the backtest runs (2)
    code, _out, err = run(capsys, "backtest", "--every", "30", "--csv-out", str(target))
    line = one_line_error(err)
    assert code == (4 if make_target == "proc" else 2), err
    assert str(target) in line or str(target.parent) in line, line
    xlsx = target.with_suffix(".xlsx")
    if make_target == "directory":
        xlsx.mkdir()
    code, _out, err = run(capsys, "workbook", "build", "--out", str(xlsx), "--force")
    line = one_line_error(err)
    assert code == 4 and (str(xlsx) in line or str(xlsx.parent) in line), err


def test_t2_unwritable_home_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("ROTATION_DESK_HOME", str(blocker / "home"))
    for argv in (SIZE, ["demo"], ["data", "status"]):
        code, _out, err = run(capsys, *argv)
        line = one_line_error(err)
        assert code == 4, (argv, err)
        assert str(blocker) in line, line


def _rewrite_member(path: Path, member: str, transform: object) -> None:
    with zipfile.ZipFile(path) as archive:
        items = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in items:
            archive.writestr(info, transform(data) if info.filename == member else data)  # type: ignore[operator]


@pytest.mark.parametrize("member", ["xl/workbook.xml", "xl/worksheets/sheet1.xml",
                                    "xl/styles.xml"])
def test_t3_damaged_workbook_is_refused_unchanged(
        member: str, built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _rewrite_member(built, member, lambda data: data[: len(data) // 2] + b"<<garbled")
    before = built.read_bytes()
    code, _out, err = run(capsys, "demo", "--out", str(built))
    line = one_line_error(err)
    assert code == 4 and "damaged" in line, err
    assert built.read_bytes() == before


def test_t3_corrupt_compressed_member_is_refused(built: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    data = bytearray(built.read_bytes())
    with zipfile.ZipFile(built) as archive:
        info = archive.getinfo("xl/styles.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 5, start + min(info.compress_size, 60)):
        data[i] ^= 0x5A
    built.write_bytes(bytes(data))
    code, _out, err = run(capsys, "demo", "--out", str(built))
    assert code == 4 and "damaged" in one_line_error(err), err


@pytest.mark.parametrize("sheet", ["Correlation", "Regime", "Rebalance", "Journal"])
def test_t4_deleted_or_renamed_sheet_is_one_line(sheet: str, built: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(built)
    wb[sheet].title = f"{sheet} (mine)"
    wb.save(built)
    code, _out, err = run(capsys, "demo", "--out", str(built))
    line = one_line_error(err)
    assert code == 2 and sheet in line and "missing sheets" in line, err


@pytest.mark.parametrize("value", ["inf", "1e400", "-inf"])
def test_t5_overflowing_integer_setting_is_one_line(value: object, built: Path,
                                                    demo_market: object) -> None:
    from openpyxl import load_workbook

    from workbook.refresh import refresh_workbook
    from workbook.sheets import settings_sheet

    wb = load_workbook(built)
    wb["Settings"].cell(row=settings_sheet.ROW_OF["max_open_positions"], column=2).value = value
    wb.save(built)
    with pytest.raises(InputError, match="max_open_positions"):
        refresh_workbook(built, demo_market)  # type: ignore[arg-type]


@pytest.mark.parametrize("which", ["positions", "journal"])
def test_t6_huge_csv_cell_is_one_line(which: str, isolated_home: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from rotation_addin.data.positions import JOURNAL_COLUMNS, POSITION_COLUMNS

    columns = POSITION_COLUMNS if which == "positions" else JOURNAL_COLUMNS
    path = tmp_path / f"{which}.csv"
    path.write_text(",".join(columns) + "\n" + "RENDER" + "x" * 140_000 + ",long\n")
    code, _out, err = run(capsys, "plan", f"--{which}", str(path))
    line = one_line_error(err)
    assert code == 2 and path.name in line, err


def test_t7_cache_with_zeroed_pages_is_one_line_in_data_status(
        home_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache = home_cache
    data = bytearray(cache.read_bytes())
    middle = len(data) // 2 // 4096 * 4096
    data[middle: middle + 64 * 1024] = bytes(64 * 1024)
    cache.write_bytes(bytes(data))
    for argv in (["data", "status"], ["data", "status", "--json"]):
        code, _out, err = run(capsys, *argv)
        assert code == 4, err
        assert "cache" in one_line_error(err)


def test_t8_deeply_nested_brackets_json_is_one_line(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    code, _out, err = run(capsys, "liq", "--side", "long", "--entry", "100", "--quantity", "1",
                          "--leverage", "5", "--brackets", str(deep))
    line = one_line_error(err)
    assert code == 2 and "brackets" in line and "deep" in line, err


def test_t9_latin1_equity_csv_is_a_clear_error(tmp_path: Path) -> None:
    from rotation_addin.data.providers.equity import read_equity_index_file

    path = tmp_path / "index.csv"
    path.write_bytes("date,clôture\n2026-01-02,5000\n".encode("latin-1"))
    with pytest.raises((InputError, DataError), match="UTF-8") as caught:
        read_equity_index_file(path)
    assert str(path) in str(caught.value)


def test_t10_render_of_a_non_workbook_is_one_line(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.csv"
    notes.write_text("a,b\n1,2\n")
    code, _out, err = run(capsys, "workbook", "render", str(notes), "--out", str(tmp_path / "o"))
    line = one_line_error(err)
    assert code == 2 and "notes.csv" in line, err


def test_t10_render_of_a_garbage_xlsx_is_one_line(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text(json.dumps({"not": "a zip"}))
    code, _out, err = run(capsys, "workbook", "render", str(fake), "--out", str(tmp_path / "o"))
    assert code in (2, 4) and "fake.xlsx" in one_line_error(err), err
