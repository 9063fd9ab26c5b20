"""A status line longer than the window is still readable: its tooltip holds the whole line
and the text can be selected (a sweep's summary was cut at "deflated Sha")."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui.status import StatusPanel


def test_a_long_message_is_whole_in_the_tooltip_and_selectable(qtbot) -> None:
    panel = StatusPanel()
    qtbot.addWidget(panel)
    panel.show()
    line = "sweep: 18 settings; best Sharpe 2.56 with atr_stop_multiple=2; " * 4 + \
        "deflated Sharpe ratio of that best setting: 1.00"
    panel.show_message(line, error=True)
    QApplication.processEvents()
    label = panel.progress_label
    assert label.toolTip() == line and label.text() == line
    assert label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    panel.show_message("")
    assert label.toolTip() == "" and not label.isVisible()
