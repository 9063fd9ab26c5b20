"""``rotation trade export --out FILE`` does not overwrite a file the user has there: it
replaced any existing file silently (a user's CSV, notes, another export), unlike every
other command that writes a whole file (``backtest --report``, ``workbook build``), which
refuse without ``--force``. With ``--force`` the file is replaced atomically, its mode kept."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.cli_helpers import one_line_error, run
from tests.journal.helpers import trade_cli


def test_export_refuses_an_existing_out_file_unless_forced(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite3"
    code, _, err = trade_cli(capsys, journal, "note", "first note")
    assert code == 0, err
    out = tmp_path / "mine.csv"
    out.write_text("my own rows\n", encoding="utf-8")
    out.chmod(0o640)
    export = ("trade", "export", "--journal-file", str(journal), "--out", str(out))
    code, stdout, err = run(capsys, *export)
    assert code == 2 and stdout == ""
    assert one_line_error(err) == (f"rotation: invalid input: --out: {out} exists and is not "
                                   "replaced; --force replaces it")
    assert out.read_text(encoding="utf-8") == "my own rows\n"
    code, stdout, err = run(capsys, *export, "--force")
    assert code == 0, err
    assert stdout == f"journal exported to {out}\n"
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["kind"], r["reason"]) for r in rows] == [("note", "first note")]
    assert out.stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / "new.csv"
    code, _, err = run(capsys, "trade", "export", "--journal-file", str(journal), "--out",
                       str(fresh))
    assert code == 0 and fresh.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")
