"""An error names the flag the user typed, not the engine's or the loader's field.

``rotation plan --risk-fraction 5%`` used to say ``risk_fraction: ...``, ``--macro missing.csv``
``missing.csv: file not found``, ``--positions <folder>`` ``<folder>: ... is a directory``. The
one mapping is :mod:`rotation_addin.cli.flag_errors` (called by the CLI's error handler).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import one_line_error, run

BAD = "rotation: invalid input: "


@pytest.mark.parametrize(("argv", "line"), [
    (["--risk-fraction", "5%"], "--risk-fraction: must be above 0 % and at most 3 % (got 5 %)"),
    (["--risk-fraction=0.05"], "--risk-fraction: must be above 0 % and at most 3 % (got 5 %)"),
    (["--top", "0"], "--top: must be at least 1 (got 0)"),
    (["--portfolio-cap", "200%"],
     "--portfolio-cap: must be above 0 % and at most 50 % (got 200 %)"),
])
def test_plan_parameters_are_named_by_their_flags(argv: list[str], line: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    # the ranges are core.parameters': risk per trade (0, 3 %] (the default hard cap),
    # stressed-loss cap (0, 50 %]; at least one long sector
    code, out, err = run(capsys, "plan", *argv)
    assert code == 2 and out == ""
    assert one_line_error(err) == BAD + line


def test_positions_that_is_a_folder_names_the_flag(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "qa5"
    folder.mkdir()
    code, _, err = run(capsys, "plan", "--positions", str(folder))
    assert code == 2
    assert one_line_error(err) == f"{BAD}--positions: {folder} is a directory, not a file"
    code, _, err = run(capsys, "plan", "--journal", str(folder))
    assert one_line_error(err) == f"{BAD}--journal: {folder} is a directory, not a file"


def test_a_bad_line_of_the_positions_file_keeps_file_and_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "pos.csv"
    book.write_text("symbol,side,quantity,entry_price,stop_price,take_profit_price,opened_at\n"
                    "FET,long,abc,1,0.9,,2024-01-01T00:00:00Z\n", encoding="utf-8")
    code, _, err = run(capsys, "plan", "--positions", str(book))
    assert code == 2
    assert one_line_error(err) == (f"{BAD}--positions: {book} line 2: quantity: must be a "
                                   "number (got 'abc')")


def test_missing_positions_file_names_the_flag(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "plan", "--positions", str(tmp_path / "nothere.csv"))
    assert code == 2
    assert one_line_error(err).startswith(
        f"{BAD}--positions: file {tmp_path / 'nothere.csv'} does not exist")


def test_backtest_data_dir_and_macro_name_their_flags(tmp_path: Path, coinmetrics_like_dir: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(capsys, "backtest", "--data-dir", str(empty))
    assert code == 2
    assert one_line_error(err) == \
        f"{BAD}--data-dir: no candle CSV for any universe symbol in {empty}"
    missing = tmp_path / "missing.csv"
    code, _, err = run(capsys, "backtest", "--data-dir", str(coinmetrics_like_dir),
                       "--macro", str(missing))
    assert code == 2
    assert one_line_error(err) == f"{BAD}--macro: file not found: {missing}"


def test_workbook_build_over_a_file_names_out_and_force(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "x.xlsx"
    assert run(capsys, "workbook", "build", "--out", str(book), "--empty")[0] == 0
    code, _, err = run(capsys, "workbook", "build", "--out", str(book), "--empty")
    assert code == 2
    assert one_line_error(err) == (f"{BAD}--out: {book} exists; pass --force to overwrite it, "
                                   f"or refresh it: rotation refresh --workbook {book}")
    assert run(capsys, "workbook", "build", "--out", str(book), "--empty", "--force")[0] == 0


def test_a_value_that_is_not_a_path_is_not_taken_for_a_file() -> None:
    from rotation_addin.cli.flag_errors import describe
    from rotation_addin.core.errors import InputError

    # `--reason leader` typed, a loader field "leader": not a file, so not relabelled
    error = InputError("leader", "unknown")
    assert describe(error, "trade", ["trade", "open", "--reason", "leader"]) == "leader: unknown"
