"""Holes D1-D3 of issue #18: nothing the user saved is ever lost or silently replaced."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from rotation_addin.core.errors import DataError
from rotation_addin.data.atomic import atomic_path, atomic_write_text


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_d3_atomic_write_keeps_a_shared_files_mode(tmp_path: Path) -> None:
    target = tmp_path / "shared.txt"
    target.write_text("old")
    target.chmod(0o664)
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert _mode(target) == 0o664


def test_d3_atomic_write_of_a_new_file_follows_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "new.txt", "x")
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "new.txt") == 0o644


def test_d3_atomic_write_refuses_a_read_only_target(tmp_path: Path) -> None:
    target = tmp_path / "locked.xlsx"
    target.write_text("precious")
    target.chmod(0o444)
    with pytest.raises(DataError, match="read-only") as caught, atomic_path(target) as tmp:
        tmp.write_text("replacement")
    assert str(target) in str(caught.value)
    assert target.read_text() == "precious"
    assert _mode(target) == 0o444
    assert [p.name for p in tmp_path.iterdir()] == ["locked.xlsx"]


def user_save(path: Path, cell: str, value: str) -> None:
    """Save like Excel does: the whole file written beside it, then renamed over it."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    sheet = wb["My notes"] if "My notes" in wb.sheetnames else wb.create_sheet("My notes")
    sheet[cell] = value
    temporary = path.with_name(f"~$excel-{os.getpid()}.tmp")
    REAL_SAVE(wb, temporary)
    os.replace(temporary, path)


def _note(path: Path, cell: str) -> object:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return wb["My notes"][cell].value if "My notes" in wb.sheetnames else None


from openpyxl.workbook.workbook import Workbook as _Workbook  # noqa: E402

from workbook import fast_save as _fast_save  # noqa: E402

REAL_SAVE = _Workbook.save  # the user's save (Excel's stand-in)
TOOL_SAVE = _fast_save.save_workbook  # the tool's save of its temporary file


def test_d1_user_save_during_refresh_is_merged_not_lost(
        built: Path, demo_market: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from rotation_addin.data.settings import Settings
    from workbook.refresh import backup_path_for, refresh_workbook

    saves: list[str] = []

    def tool_save_then_user_saves(wb: _Workbook, filename: Path, **options: bool) -> None:
        TOOL_SAVE(wb, filename, **options)
        if not saves:  # the user saves once, right after the tool wrote its temporary file
            saves.append("user")
            user_save(built, "A1", "my edit during the refresh")

    monkeypatch.setattr(_fast_save, "save_workbook", tool_save_then_user_saves)
    result = refresh_workbook(built, demo_market, params=Settings())  # type: ignore[arg-type]
    assert _note(built, "A1") == "my edit during the refresh"
    assert result.path == built
    assert _note(backup_path_for(built), "A1") == "my edit during the refresh"
    from openpyxl import load_workbook

    assert "Sizing" in load_workbook(built).sheetnames  # and the refresh did happen


def test_d1_a_file_that_keeps_changing_is_refused_and_kept(
        built: Path, demo_market: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from rotation_addin.data.settings import Settings
    from workbook.refresh import refresh_workbook

    count = iter(range(100))

    def tool_save_then_user_saves(wb: _Workbook, filename: Path, **options: bool) -> None:
        TOOL_SAVE(wb, filename, **options)
        user_save(built, "A1", f"edit {next(count)}")

    monkeypatch.setattr(_fast_save, "save_workbook", tool_save_then_user_saves)
    with pytest.raises(DataError, match="changed while") as caught:
        refresh_workbook(built, demo_market, params=Settings())  # type: ignore[arg-type]
    assert str(built) in str(caught.value)
    last = _note(built, "A1")
    monkeypatch.undo()
    assert isinstance(last, str) and last.startswith("edit ")
    assert [p.name for p in built.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_d2_demo_rebuild_backs_up_the_users_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.cli_helpers import run
    from workbook.refresh import backup_path_for

    target = tmp_path / "mine.xlsx"
    code, _out, err = run(capsys, "demo", "--out", str(target))
    assert code == 0, err
    user_save(target, "B2", "my journal thoughts")
    code, out, err = run(capsys, "demo", "--rebuild", "--out", str(target))
    assert code == 0, err
    assert _note(target, "B2") is None  # rebuilt from scratch, as asked
    backup = backup_path_for(target)
    assert _note(backup, "B2") == "my journal thoughts"
    assert str(backup) in out


def test_d3_refresh_of_a_read_only_workbook_is_refused(
        built: Path, demo_market: object) -> None:
    from rotation_addin.data.settings import Settings
    from workbook.refresh import backup_path_for, refresh_workbook

    before = built.read_bytes()
    built.chmod(0o444)
    with pytest.raises(DataError, match="read-only"):
        refresh_workbook(built, demo_market, params=Settings())  # type: ignore[arg-type]
    assert built.read_bytes() == before
    assert not backup_path_for(built).exists()


def test_d3_atomic_write_never_replaces_a_device(tmp_path: Path) -> None:
    link = tmp_path / "out.csv"
    link.symlink_to("/dev/null")
    with pytest.raises(DataError, match="not a regular file"):
        atomic_write_text(link, "x")
    assert link.is_symlink() and Path("/dev/null").exists()
    assert not Path("/dev/null").is_file()
