"""A write that fails names the file the user asked for (and the flag), not the temporary
file beside it: ``rotation: cannot write /x/y.xlsx (--out): no space left on device``.

QA saw ``system error: [Errno 28] No space left on device`` (no file at all) on a full disk
and ``cannot use /tmp/qa3/.x.html.z45syatx.tmp: Operation not permitted`` for a folder that
refuses new files. The full disk is a real 64 KiB tmpfs (root only: ``mount``); a write cut
short by the file-size limit (``RLIMIT_FSIZE``, any user) fails the same way, in write()."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rotation_addin.data.atomic import WriteError, atomic_write_text
from tests.cli_helpers import one_line_error, run
from tests.conftest import REPO_ROOT


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs (a workbook is about 50 KiB: the second one does not fit)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tiny tmpfs needs root; test_write_cut_short covers any user")
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                          capture_output=True, check=False)
    if done.returncode:
        pytest.skip(f"mount -t tmpfs refused here: {done.stderr!r}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_full_disk_names_the_target_and_the_flag(full_disk: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    first, second = full_disk / "a.xlsx", full_disk / "b.xlsx"
    assert run(capsys, "workbook", "build", "--out", str(first), "--empty")[0] == 0
    code, out, err = run(capsys, "workbook", "build", "--out", str(second), "--empty", "--json")
    assert code == 4
    line = f"cannot write {second} (--out): no space left on device"
    assert one_line_error(err) == f"rotation: {line}"
    assert json.loads(out) == {"error": {"kind": "system error", "message": line,
                                         "exit_code": 4}}
    assert sorted(p.name for p in full_disk.iterdir()) == ["a.xlsx"]  # no temporary left


CUT_SHORT = """
import resource, sys
from pathlib import Path
from rotation_addin.data.atomic import WriteError, atomic_write_text
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))  # files may not grow past 4 KiB
try:
    atomic_write_text(Path(sys.argv[1]), "x" * 10_000)
except WriteError as exc:
    print(exc.filename, exc.strerror, sep="|")
"""


def test_write_cut_short_names_the_target(tmp_path: Path) -> None:
    # a child process: the limit must not touch this one (Python ignores SIGXFSZ, so the
    # write() fails with EFBIG, naming no file, as on a full disk)
    target = tmp_path / "x.html"
    child = subprocess.run([sys.executable, "-c", CUT_SHORT, str(target)], capture_output=True,
                           text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == f"{target}|File too large"
    assert os.listdir(tmp_path) == []  # neither the target nor the temporary file


@pytest.fixture
def closed_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder that refuses new files: mode 0555, and immutable for root (who ignores modes)."""
    folder = tmp_path / "qa3"
    folder.mkdir()
    folder.chmod(0o555)
    locked = False
    if os.geteuid() == 0:
        done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
        if done.returncode:
            folder.chmod(0o755)
            pytest.skip(f"root ignores 0555 and chattr +i is not available: {done.stderr!r}")
        locked = True
    try:
        yield folder
    finally:
        if locked:
            subprocess.run(["chattr", "-i", str(folder)], check=False)
        folder.chmod(0o755)


def test_a_folder_that_refuses_files_names_the_target(closed_folder: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    target = closed_folder / "x.html"
    with pytest.raises(WriteError) as refused:
        atomic_write_text(target, "<html></html>")
    assert refused.value.filename == str(target)
    reason = refused.value.strerror
    assert reason in ("Operation not permitted", "Permission denied")
    book = closed_folder / "x.xlsx"
    code, _, err = run(capsys, "workbook", "build", "--out", str(book), "--empty")
    assert code == 4
    assert one_line_error(err) == f"rotation: cannot write {book} (--out): {reason.lower()}"
    assert os.listdir(closed_folder) == []


def test_another_files_error_in_the_body_is_left_as_it_is(tmp_path: Path) -> None:
    from rotation_addin.data.atomic import atomic_path

    elsewhere = tmp_path / "missing" / "template.xlsx"
    with pytest.raises(FileNotFoundError) as failed, atomic_path(tmp_path / "x.xlsx"):
        elsewhere.read_bytes()  # the writer reads a file that is not there
    assert not isinstance(failed.value, WriteError)
    assert failed.value.filename == str(elsewhere)
    assert os.listdir(tmp_path) == []
