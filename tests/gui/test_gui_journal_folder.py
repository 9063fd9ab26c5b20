"""Journal tab: a journal file the system cannot open is said on the tab, never raised out
of the button's slot (a traceback on the terminal and nothing in the window)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from tests.journal.helpers import journal_view_on_demo


def test_a_journal_whose_folder_is_a_file_is_said_on_the_tab(qtbot, tmp_path: Path) -> None:
    view = journal_view_on_demo(qtbot, tmp_path)
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    view.journal_path = tmp_path / "a-file" / "journal.sqlite3"
    view.edits["symbol"].setText("BTC")  # type: ignore[attr-defined]
    view.edits["quantity"].setText("0.01")  # type: ignore[attr-defined]
    said = f"could not open the journal: File exists ({tmp_path / 'a-file'})"
    qtbot.mouseClick(view.open_button, Qt.MouseButton.LeftButton)
    assert view.message.text() == said
    qtbot.mouseClick(view.close_button, Qt.MouseButton.LeftButton)
    assert view.message.text() == said
