"""A typed quantity below the contract's minimum amount is refused naming ``--quantity``:
``trade open FIL --quantity 1e-12`` was journaled and printed ``paper: long 0.0 FIL filled
at 1.1286 ...`` -- a size no exchange takes, written as a zero position (the quantity to the
0.1 amount step); ``--risk`` sizing already refuses sizes below the minimum."""

from __future__ import annotations

from pathlib import Path

import pytest

from rotation_addin.journal.store import JournalStore
from tests.cli_helpers import one_line_error
from tests.journal.helpers import demo_market, trade_cli


@pytest.mark.parametrize("typed", ["1e-12", "0.05"])
def test_a_quantity_below_the_minimum_amount_is_refused_and_not_written(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, typed: str) -> None:
    minimum = demo_market().contracts["FIL"].min_amount
    assert float(typed) < minimum == 0.1
    journal = tmp_path / "j.sqlite3"
    assert trade_cli(capsys, journal, "note", "start")[0] == 0
    code, out, err = trade_cli(capsys, journal, "open", "FIL", "--side", "long", "--stop", "1",
                               "--quantity", typed, "--source", "demo")
    assert (code, out) == (2, "")
    assert one_line_error(err) == ("rotation: invalid input: --quantity: must be at least the "
                                   f"exchange's minimum amount 0.1 FIL (got {typed})")
    with JournalStore(journal) as store:
        assert [e.kind for e in store.events()] == ["note"]
    code, out, err = trade_cli(capsys, journal, "open", "FIL", "--side", "long", "--stop", "1",
                               "--quantity", "0.1", "--source", "demo")
    assert code == 0, err
    assert out.startswith("paper: long 0.1 FIL filled at ")
