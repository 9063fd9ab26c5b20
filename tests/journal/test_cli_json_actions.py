"""``--json`` on every ``rotation trade`` action that takes it: ``move``, ``note``,
``correct`` and ``import`` accepted the flag and printed their sentence anyway, so a script
asking for JSON got text it could not parse (and no row id)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rotation_addin.journal.store import JournalStore
from tests.journal.helpers import trade_cli


def _json(capsys: pytest.CaptureFixture[str], journal: Path, *argv: str) -> dict:
    code, out, err = trade_cli(capsys, journal, *argv, "--source", "demo", "--json")
    assert code == 0, err
    return json.loads(out)


def test_move_note_correct_and_import_print_json_naming_their_rows(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite3"
    opened = _json(capsys, journal, "open", "FIL", "--side", "long", "--stop", "1",
                   "--quantity", "10")
    moved = _json(capsys, journal, "move", "FIL", "--stop", "1.01")
    note = _json(capsys, journal, "note", "ünïcode 🚀", "--symbol", "FIL")
    fixed = _json(capsys, journal, "correct", str(opened["event_ids"][0]),
                  "--set", "reason=typo fixed", "--reason", "typo")
    imported = _json(capsys, journal, "import")  # the config folder has neither file
    with JournalStore(journal) as store:
        kinds = {e.id: e.kind for e in store.events()}
    assert moved == {"account": "paper", "symbol": "FIL", "rows": [2]}
    assert kinds[2] == "stop-moved"
    assert note == {"account": "paper", "row": 3} and kinds[3] == "note"
    assert fixed == {"account": "paper", "corrects_id": 1, "row": 4}
    assert kinds[4] == "correction"
    assert imported == {"account": "paper", "imported_rows": 0}
