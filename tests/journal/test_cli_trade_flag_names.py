"""A refused trade names the flag the trader typed: ``--at 2030-01-01`` said ``date: must
not be after now``, a bad close ``--price -5`` said ``price: ...`` and ``--at`` on a paper
trade was blamed on ``price``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import one_line_error
from tests.journal.helpers import trade_cli

BAD = "rotation: invalid input: "
PAPER = ("a paper trade fills at the current price and time (omit --price/--at, or use "
         "--account real)")
REAL = ("--account", "real", "--source", "demo")


def test_real_trade_date_and_price_errors_name_at_and_price(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite3"
    code, out, err = trade_cli(capsys, journal, "open", "LTC", "--side", "long", "--stop",
                               "45", "--quantity", "10", "--price", "50", "--at",
                               "2030-01-01", *REAL)
    assert (code, out) == (2, "")
    assert one_line_error(err).startswith(f"{BAD}--at: must not be after now ")
    assert one_line_error(err).endswith("(got 2030-01-01 00:00)")
    code, _, err = trade_cli(capsys, journal, "open", "LTC", "--side", "long", "--stop", "45",
                             "--quantity", "10", "--price", "50", *REAL)
    assert code == 0, err
    code, out, err = trade_cli(capsys, journal, "close", "LTC", "--price", "-5", *REAL)
    assert (code, out, one_line_error(err)) == (
        2, "", f"{BAD}--price: must be a finite price > 0 (got -5)")


@pytest.mark.parametrize(("flags", "named"), [(("--at", "2026-12-01"), "--at"),
                                              (("--price", "2"), "--price"),
                                              (("--price", "2", "--at", "2026-12-01"),
                                               "--price")])
def test_a_paper_trade_with_a_price_or_time_names_what_was_typed(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, flags: tuple[str, ...],
        named: str) -> None:
    code, out, err = trade_cli(capsys, tmp_path / "j.sqlite3", "open", "FIL", "--side", "long",
                               "--stop", "1", "--quantity", "1", "--source", "demo", *flags)
    assert (code, out, one_line_error(err)) == (2, "", f"{BAD}{named}: {PAPER}")
