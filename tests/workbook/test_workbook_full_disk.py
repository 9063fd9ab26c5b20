"""A full disk under openpyxl's temporary files is one error line, no late traceback.

openpyxl writes each worksheet to a temporary file (``TMPDIR``) through a generator. When a
write there failed, the generator stayed open; collected later, it flushed again and Python
printed "Exception ignored in: <generator object WorksheetWriter.get_stream>" and a traceback
after our one line. Seen with a 8-56 KB tmpfs as TMPDIR (``mount -t tmpfs -o size=24k``).

Mounting a tmpfs needs root, which a test run does not have: here the sheet's temporary
file is a link to ``/dev/full``, the Linux device whose every write fails with ENOSPC (a real
full-disk error from the kernel, not a simulated one). Only openpyxl's choice of the file's
name is replaced (``create_temporary_file``); its writer, the zip and our atomic save run.
"""

from __future__ import annotations

import errno
import gc
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl.worksheet import _writer as openpyxl_writer

from rotation_addin.data.atomic import WriteError
from tests.cli_helpers import one_line_error, run
from workbook import build

pytestmark = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")


@pytest.fixture
def full_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder whose every openpyxl temporary file is a link to /dev/full."""
    folder = tmp_path / "tmpdir"
    folder.mkdir()
    made: list[int] = []

    def temporary_file(suffix: str = "") -> str:
        made.append(1)
        link = folder / f"openpyxl.{len(made)}{suffix}"
        link.symlink_to("/dev/full")
        openpyxl_writer.ALL_TEMP_FILES.append(str(link))  # as openpyxl's own
        return str(link)

    monkeypatch.setattr(openpyxl_writer, "create_temporary_file", temporary_file)
    return folder


@pytest.fixture
def unraisable(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What Python would print as "Exception ignored in ..." during the test."""
    seen: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", seen.append)
    return seen


def _small_workbook() -> Workbook:
    wb = Workbook()
    sheet = wb.active
    for row in range(1, 200):
        sheet.append([row, f"text {row}", row * 1.5])
    return wb


@pytest.mark.parametrize("plain_rows", [True, False])
def test_a_full_temporary_folder_is_one_error_naming_it(
        tmp_path: Path, full_tmpdir: Path, unraisable: list[Any], plain_rows: bool) -> None:
    out = tmp_path / "out" / "book.xlsx"
    with pytest.raises(WriteError) as caught:
        build.save(_small_workbook(), out, macro_enabled=False, plain_rows_as_text=plain_rows)
    gc.collect()  # the open generator was reported when collected
    assert unraisable == []
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.filename == str(full_tmpdir)  # not the workbook: its disk has room
    assert list(out.parent.iterdir()) == []  # no workbook, no half-written temporary file
    assert list(full_tmpdir.iterdir()) == []  # openpyxl's temporary file removed too


def test_workbook_build_on_a_full_temporary_folder_says_one_line(
        tmp_path: Path, full_tmpdir: Path, unraisable: list[Any],
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "book.xlsx"
    code, stdout, err = run(capsys, "workbook", "build", "--out", str(out))
    gc.collect()
    assert unraisable == []
    assert (code, stdout) == (4, "")
    assert one_line_error(err) == (f"rotation: cannot write {full_tmpdir}: no space left on "
                                   "device (the folder for temporary files, TMPDIR)")
    assert not out.exists()
