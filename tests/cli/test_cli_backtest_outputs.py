"""``rotation backtest --report`` / ``--csv-out``: a user's file is never replaced unless
``--force`` is given (as ``rotation workbook build --out``); ``--force`` replaces it
atomically and keeps its mode. Through the real entry point, and the data layer's
no-replace write for a file that appears while the backtest runs."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from rotation_addin.data.atomic import TargetExists, atomic_path, atomic_write_text
from tests.cli_helpers import one_line_error, run

DEMO = ("backtest", "--source", "demo")
OUTPUTS = [  # (flag, file name, the rest of the command, the line that says it was written)
    ("--report", "bt.html", ("--strategy",), "report written to {}"),
    ("--csv-out", "trades.csv", ("--strategy",), "trades written to {} (one CSV row per "
                                                 "closed trade)"),
    ("--csv-out", "decisions.csv", ("--every", "30"), "decisions written to {} (one CSV row "
                                                      "per decision)"),
]
MINE = "my own numbers, saved by hand\n"


@pytest.mark.parametrize(("flag", "name", "rest", "_written"), OUTPUTS)
def test_an_existing_output_is_refused_before_anything_runs(
        capsys, tmp_path: Path, flag: str, name: str, rest: tuple[str, ...],
        _written: str) -> None:
    target = tmp_path / name
    target.write_text(MINE, encoding="utf-8")
    code, out, err = run(capsys, *DEMO, *rest, flag, str(target))
    assert code == 2 and out == ""  # nothing ran: no table, no progress
    assert one_line_error(err) == (f"rotation: invalid input: {flag}: {target} exists and is "
                                   "not replaced; --force replaces it")
    assert target.read_text(encoding="utf-8") == MINE
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temporary file left


@pytest.mark.parametrize(("flag", "name", "rest", "written"), OUTPUTS)
def test_force_replaces_it_atomically_and_keeps_its_mode(
        capsys, tmp_path: Path, flag: str, name: str, rest: tuple[str, ...],
        written: str) -> None:
    target = tmp_path / name
    target.write_text(MINE, encoding="utf-8")
    target.chmod(0o640)
    code, out, err = run(capsys, *DEMO, *rest, flag, str(target), "--force")
    assert code == 0, err
    assert written.format(target) in out.splitlines()
    text = target.read_text(encoding="utf-8")
    assert text != MINE and (text.startswith("<!DOCTYPE html>") if flag == "--report"
                             else text.startswith(("base,", "day,")))
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_a_new_file_needs_no_force(capsys, tmp_path: Path) -> None:
    target = tmp_path / "new.csv"
    code, out, err = run(capsys, *DEMO, "--every", "30", "--csv-out", str(target))
    assert code == 0, err
    assert target.is_file() and f"decisions written to {target}" in out


def test_the_help_says_what_force_replaces(capsys) -> None:
    code, out, _ = run(capsys, *DEMO, "--help")
    assert code == 0
    assert "replace an existing --report or --csv-out file" in " ".join(out.split())


def test_a_file_saved_while_the_output_is_written_is_kept(tmp_path: Path) -> None:
    """Without replace, the rename itself refuses a file that appeared after the check."""
    target = tmp_path / "bt.html"
    with pytest.raises(TargetExists) as refused, atomic_path(target, replace=False) as tmp:
        tmp.write_text("the report", encoding="utf-8")
        target.write_text(MINE, encoding="utf-8")  # the user saves meanwhile
    assert refused.value.filename == str(target)
    assert target.read_text(encoding="utf-8") == MINE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bt.html"]
    with pytest.raises(TargetExists):
        atomic_write_text(target, "again", replace=False)
    assert target.read_text(encoding="utf-8") == MINE
    atomic_write_text(tmp_path / "fresh.html", "new", replace=False)
    assert (tmp_path / "fresh.html").read_text(encoding="utf-8") == "new"
