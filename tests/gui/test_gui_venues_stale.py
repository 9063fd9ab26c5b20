"""A refused comparison takes the last answer off the Venues tab: after a good Compare, a bad
notional showed its error beside the old table and "Cheapest round trip: ..." line, which
then read as the answer to what was typed now."""

from __future__ import annotations

from gui.venues_view import VenuesView
from rotation_addin.data.demo import demo_dataset


def test_a_refused_compare_clears_the_previous_answer(qtbot) -> None:
    view = VenuesView()
    qtbot.addWidget(view)
    view.set_dataset(demo_dataset())
    view.symbol_box.setCurrentText("RENDER")
    view.edits["venues"].setText("")
    view.edits["notional"].setText("20000")
    task = view.compare()
    assert task is not None
    qtbot.waitUntil(task.done.is_set, timeout=60_000)
    qtbot.waitUntil(lambda: len(view.rows) == 1, timeout=10_000)
    assert view.table.row_count() == 1
    assert view.summary.text().startswith("Cheapest round trip:")
    view.edits["notional"].setText("-5")
    assert view.compare() is None
    assert view.error_text("notional") != ""
    assert view.rows == [] and view.table.row_count() == 0 and view.summary.text() == ""
