"""``rotation trade close|move|note --account real`` with no such open trade: the one line
names the account the user chose (an empty real ledger once said "no open paper position"),
and lists what that account holds, not the other's. Real entry point, a real SQLite journal
in ``tmp_path`` on the demo market, the clock pinned an hour after its last candle."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from rotation_addin.cli import journal_cmds
from rotation_addin.desk.journal_market import current_quote
from rotation_addin.journal.store import JournalStore
from tests.cli_helpers import one_line_error, run
from tests.journal.helpers import demo_market


@pytest.fixture()
def journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> Path:
    """A journal holding one paper RENDER long (row 1), the clock pinned."""
    market = demo_market()
    monkeypatch.setattr(journal_cmds, "_now", lambda: market.as_of + timedelta(hours=1))
    path = tmp_path / "j.sqlite3"
    price = current_quote(market, "RENDER").price_usd
    code, _, err = run(capsys, "trade", "open", "RENDER", "--side", "long", "--stop",
                       f"{price * 0.9!r}", "--quantity", "10", "--journal-file", str(path))
    assert code == 0, err
    return path


def _refused(capsys: pytest.CaptureFixture[str], journal: Path, *argv: str) -> str:
    """The one line of a refused ``rotation trade *argv`` (which writes nothing)."""
    with JournalStore(journal) as store:
        before = store.count()
    code, out, err = run(capsys, "trade", *argv, "--journal-file", str(journal))
    with JournalStore(journal) as store:
        assert store.count() == before
    assert code == 2 and out == ""
    return one_line_error(err)


NONE_REAL = "no open real position in RENDER (held: none)"


@pytest.mark.parametrize(("argv", "said"), [
    (("close", "RENDER", "--account", "real"), f"symbol: {NONE_REAL}"),
    (("close", "RENDER", "--account", "real", "--price", "2"), f"symbol: {NONE_REAL}"),
    (("move", "RENDER", "--stop", "1", "--account", "real"), f"symbol: {NONE_REAL}"),
    (("note", "why", "--symbol", "RENDER", "--account", "real"), f"--symbol: {NONE_REAL}"),
])
def test_an_empty_real_account_is_named_real(capsys, journal: Path, argv: tuple[str, ...],
                                             said: str) -> None:
    assert _refused(capsys, journal, *argv) == f"rotation: invalid input: {said}"


def test_each_account_names_itself_and_what_it_holds(capsys, journal: Path) -> None:
    code, _, err = run(capsys, "trade", "open", "FET", "--side", "long", "--stop", "1.9",
                       "--quantity", "5", "--account", "real", "--price", "2",
                       "--journal-file", str(journal))
    assert code == 0, err
    assert _refused(capsys, journal, "close", "RENDER", "--account", "real") == (
        "rotation: invalid input: symbol: no open real position in RENDER (held: FET)")
    assert _refused(capsys, journal, "close", "FET") == (
        "rotation: invalid input: symbol: no open paper position in FET (held: RENDER)")
