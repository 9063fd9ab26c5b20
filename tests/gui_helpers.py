"""The app's main window as the tests start it: shown, its initial load done."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from gui.main_window import MainWindow
from rotation_addin.data.settings import Settings


def loaded_window(qtbot: Any, settings: Settings | None = None) -> MainWindow:
    """A :class:`MainWindow` on ``settings`` (default :class:`Settings`), shown, after its
    initial data load succeeded (the test fails with the status line if it did not)."""
    window = MainWindow(settings if settings is not None else Settings())
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.task_ended, timeout=120_000) as blocker:
        window.start_initial_load()
    assert blocker.args == ["succeeded"], window.status_panel.progress_label.text()
    return window


def retype(qtbot: Any, view: Any, name: str, text: str) -> None:
    """Select all of ``view.fields[name]`` with Ctrl+A and type ``text`` key by key (real
    key events)."""
    edit = view.fields[name]
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, modifier=Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, text)


def quick_check_view(qtbot: Any) -> Any:
    """The Quick check tab alone on the default settings, shown, computed once."""
    from gui.quick_check import QuickCheckView

    widget = QuickCheckView(Settings())
    qtbot.addWidget(widget)
    widget.show()
    widget.recompute()
    return widget
