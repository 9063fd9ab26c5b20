"""Read-only targets: every writer refuses a 0444 file in one line and leaves it untouched."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from rotation_addin.core.errors import DataError
from tests.cli_helpers import one_line_error, run


def _lock(path: Path, content: bytes) -> bytes:
    path.write_bytes(content)
    path.chmod(0o444)
    return content


@pytest.mark.parametrize("argv_for", [
    lambda p: ["backtest", "--every", "30", "--force", "--csv-out",
               str(p.with_suffix(".csv"))],  # --force: past the refusal of any existing file
    lambda p: ["workbook", "build", "--force", "--out", str(p)],
])
def test_attack_cli_writers_refuse_read_only_targets(
        argv_for: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = argv_for(tmp_path / "locked.xlsx")  # type: ignore[operator]
    target = Path(argv[-1])
    before = _lock(target, b"my own numbers")
    code, _out, err = run(capsys, *argv)
    line = one_line_error(err)
    assert code == 4 and "read-only" in line and str(target) in line, err
    assert target.read_bytes() == before
    assert stat.S_IMODE(target.stat().st_mode) == 0o444


def test_attack_demo_refresh_refuses_a_read_only_workbook(
        built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = built.read_bytes()
    built.chmod(0o444)
    code, _out, err = run(capsys, "demo", "--out", str(built))
    assert code == 4 and "read-only" in one_line_error(err), err
    assert built.read_bytes() == before


def test_attack_settings_positions_journal_writers_refuse_read_only(tmp_path: Path) -> None:
    from rotation_addin.data.positions import write_journal, write_positions
    from rotation_addin.data.settings import Settings, save_settings

    for name, write in (("settings.toml", lambda p: save_settings(Settings(), p)),
                        ("positions.csv", lambda p: write_positions([], p)),
                        ("trade_journal.csv", lambda p: write_journal([], p))):
        target = tmp_path / name
        before = _lock(target, b"# mine\n")
        with pytest.raises(DataError, match="read-only"):
            write(target)
        assert target.read_bytes() == before
