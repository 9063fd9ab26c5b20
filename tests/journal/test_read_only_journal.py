"""A read-only version-1 journal (0444 file or read-only folder) is not migrated: one line
naming the file and what to do, and the file is left exactly as it was."""

from __future__ import annotations

import os
import random
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from rotation_addin.core.errors import DataError
from rotation_addin.journal.store import JournalStore
from tests.journal.test_snapshot import _journal


def _version_1_journal(path: Path) -> bytes:
    """A journal with rows, taken back to schema version 1 (no snapshot table)."""
    with JournalStore(path) as store:
        store.append(_journal(random.Random(5), 6))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TABLE fold_snapshots")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for side in ("-wal", "-shm"):
        Path(f"{path}{side}").unlink(missing_ok=True)
    return path.read_bytes()


@pytest.fixture()
def immutable() -> Iterator[list[Path]]:
    """Paths to make immutable (``chattr +i``) where mode bits do not bind (root)."""
    locked: list[Path] = []
    yield locked
    for target in locked:
        subprocess.run(["chattr", "-i", str(target)], check=False)


def _lock(target: Path, mode: int, immutable: list[Path], *, always: bool = False) -> None:
    target.chmod(mode)
    if os.geteuid() == 0 or always:  # root writes through mode bits: make SQLite meet a wall
        if os.geteuid() != 0:
            pytest.skip("chattr +i needs root; mode bits already cover this case")
        done = subprocess.run(["chattr", "+i", str(target)], capture_output=True, check=False)
        if done.returncode:
            pytest.skip(f"chattr +i not available here: {done.stderr!r}")
        immutable.append(target)


def _assert_one_line(caught: pytest.ExceptionInfo[DataError], path: Path, part: str) -> None:
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"journal {path} cannot be written: {part} is read-only")
    assert "chmod u+w" in message and "nothing was changed" in message
    assert "not a readable SQLite database" not in message  # the old, misleading line


def test_a_0444_version_1_journal_is_refused_in_one_line_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    before = _version_1_journal(path)
    path.chmod(0o444)
    with pytest.raises(DataError) as caught:
        JournalStore(path)
    _assert_one_line(caught, path, "the file")
    assert path.read_bytes() == before and stat.S_IMODE(path.stat().st_mode) == 0o444
    path.chmod(0o644)
    with JournalStore(path) as store:  # made writable: migrated, every row still there
        assert store.schema_version == 2 and store.count() == 6


def test_sqlite_refusing_to_write_the_file_names_the_file(
        tmp_path: Path, immutable: list[Path]) -> None:
    path = tmp_path / "journal.sqlite3"
    before = _version_1_journal(path)
    _lock(path, 0o644, immutable, always=True)  # writable by mode, not by the file system
    with pytest.raises(DataError) as caught:
        JournalStore(path)
    _assert_one_line(caught, path, "the file")
    assert path.read_bytes() == before


def test_a_read_only_folder_is_named_as_the_read_only_part(
        tmp_path: Path, immutable: list[Path]) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "journal.sqlite3"
    before = _version_1_journal(path)
    _lock(folder, 0o555, immutable)
    try:
        with pytest.raises(DataError) as caught:
            JournalStore(path)
        _assert_one_line(caught, path, f"its folder {folder}")
        assert path.read_bytes() == before and sorted(os.listdir(folder)) == [path.name]
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=False, capture_output=True)
        folder.chmod(0o755)  # so tmp_path can be cleaned up


def test_a_journal_from_a_newer_version_asks_to_upgrade_the_tool_and_is_left_as_is(
        tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with JournalStore(path) as store:
        store.append(_journal(random.Random(7), 3))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DataError) as refused:
        JournalStore(path).__enter__()
    assert "schema version 99, newer than this Rotation Desk understands (up to 2)" \
        in str(refused.value)
    assert "upgrade Rotation Desk (the journal is left as it is)" in str(refused.value)
    assert path.read_bytes() == before
