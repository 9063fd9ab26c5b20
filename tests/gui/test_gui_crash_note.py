"""An exception that escapes a slot is said on the status line and logged, not lost.

pytest-qt normally captures such exceptions itself (it fails the test); this module turns
that off (``qt_no_exception_capture``) so the app's own hook, the one ``gui.main`` installs,
is what sees them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from gui import crash_note
from gui.main_window import MainWindow
from rotation_addin.data.settings import Settings

pytestmark = pytest.mark.qt_no_exception_capture


def _raise_in_a_slot(qtbot, message: str) -> None:
    def broken() -> None:
        raise ValueError(message)

    QTimer.singleShot(0, broken)
    qtbot.wait(50)
    QApplication.processEvents()


def test_a_slots_exception_is_said_and_logged_without_secrets(qtbot, isolated_home: Path,
                                                              capsys) -> None:
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    previous = crash_note.install(window)
    try:
        _raise_in_a_slot(qtbot, "column mismatch; Authorization: Bearer abcdef123456")
    finally:
        sys.excepthook = previous
    line = window.status_panel.progress_label.text()
    log = crash_note.error_log_path()
    assert line.startswith("Something went wrong: unexpected problem: column mismatch")
    assert f"details in {log}" in line and "abcdef123456" not in line
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "in broken" in text
    assert "ValueError: column mismatch" in text and "abcdef123456" not in text
    assert "Traceback" not in capsys.readouterr().err  # nothing went to the terminal


def test_the_log_keeps_one_old_file_past_its_size(qtbot, isolated_home: Path) -> None:
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    log = crash_note.error_log_path()
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("x" * (crash_note.MAX_LOG_BYTES + 1), encoding="utf-8")
    previous = crash_note.install(window)
    try:
        _raise_in_a_slot(qtbot, "second")
    finally:
        sys.excepthook = previous
    assert log.with_name(crash_note.LOG_NAME + ".1").stat().st_size > crash_note.MAX_LOG_BYTES
    assert "ValueError: second" in log.read_text(encoding="utf-8")
    assert log.stat().st_size < 10_000
