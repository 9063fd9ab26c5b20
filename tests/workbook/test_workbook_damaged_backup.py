"""A damaged workbook: the refusal names a backup only when one is really beside it.

QA: ``rotation backtest --workbook bad.xlsx`` (a file that is not a zip) said ``restore
bad.bak.xlsx`` where no such file existed."""

from __future__ import annotations

from pathlib import Path

import pytest

from rotation_addin.core.errors import DataError
from rotation_addin.data.demo import demo_dataset
from tests.cli_helpers import one_line_error, run
from workbook.refresh import refresh_workbook


def test_no_backup_is_named_when_none_exists(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a zip", encoding="utf-8")
    code, _, err = run(capsys, "refresh", "--workbook", str(bad), "--demo")
    line = one_line_error(err.replace("\r", "\n").splitlines()[-1])
    assert code == 4
    assert line.endswith("nothing was changed; there is no backup bad.bak.xlsx beside it: "
                         f"rebuild it with `rotation workbook build --out {bad} --force`")
    assert not (tmp_path / "bad.bak.xlsx").exists()
    assert bad.read_text(encoding="utf-8") == "not a zip"  # left as it was


def test_an_existing_backup_is_named_with_its_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a zip", encoding="utf-8")
    backup = tmp_path / "bad.bak.xlsx"
    backup.write_bytes(b"PK")  # whatever it holds: it is there to restore
    with pytest.raises(DataError) as refused:
        refresh_workbook(bad, demo_dataset())
    assert str(refused.value).endswith(
        f"nothing was changed; restore its backup {backup} or rebuild it with "
        f"`rotation workbook build --out {bad} --force`")
