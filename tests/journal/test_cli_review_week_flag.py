"""``rotation journal review --week --from D`` is refused: the review took --from and dropped
--week without a word (``--week --from 2026-11-01`` reviewed 37 days under a flag that says
7). ``--week --to D`` stays the week ending D, as ``--to D`` alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import one_line_error, run
from tests.journal.helpers import trade_cli


def test_week_with_from_is_refused_and_week_with_to_is_the_week_ending_there(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite3"
    assert trade_cli(capsys, journal, "note", "start")[0] == 0
    review = ("journal", "review", "--source", "demo", "--journal-file", str(journal))
    code, out, err = run(capsys, *review, "--week", "--from", "2026-01-01")
    assert code == 2 and out == ""
    assert one_line_error(err) == (
        "rotation: invalid input: --week: is the 7 days up to --to (default now), which "
        "--from contradicts: give --week or --from, not both")
    code, week, err = run(capsys, *review, "--week", "--to", "2026-01-10")
    assert code == 0, err
    assert week.splitlines()[0] == ("review of the paper account, 2026-01-04 00:00 to "
                                    "2026-01-11 00:00 UTC")
    assert week == run(capsys, *review, "--to", "2026-01-10")[1]
