"""A CSV export to a file that cannot be written says why in the window, never a traceback:
the Plan tab's button, File > Export table as CSV and a table's context-menu export."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QMessageBox

from gui.main_window import TAB_NAMES, MainWindow
from tests.gui_helpers import loaded_window


@pytest.fixture
def loaded(qtbot) -> MainWindow:
    window = loaded_window(qtbot)
    window.tabs.setCurrentIndex(TAB_NAMES.index("Plan"))
    return window


def _unwritable(tmp_path: Path) -> Path:
    """A CSV path whose folder is a file: no platform can write it."""
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    return tmp_path / "a-file" / "orders.csv"


def _answer_save_dialog(path: Path) -> QTimer:
    """Type ``path`` into the next save dialog (Qt's own, offscreen) and press Save."""
    timer = QTimer()

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QFileDialog):
            timer.stop()
            dialog.findChild(QLineEdit, "fileNameEdit").setText(str(path))
            dialog.accept()

    timer.timeout.connect(answer)
    timer.start(50)
    return timer


def test_the_plans_export_button_says_why_it_could_not_write(qtbot, loaded, tmp_path) -> None:
    target = _unwritable(tmp_path)
    timer = _answer_save_dialog(target)
    loaded.plan.export_button.click()
    timer.stop()
    message = loaded.plan.message.text()
    assert message == (f"Could not export: cannot write {target}: a file stands where its "
                       f"folder should be")
    loaded.plan.copy_button.click()  # the next message is not left in the error's red
    assert loaded.plan.message.text().startswith("Copied")


def test_file_export_table_says_why_it_could_not_write(qtbot, loaded, tmp_path) -> None:
    target = _unwritable(tmp_path)
    timer = _answer_save_dialog(target)
    loaded.menu_actions["export_csv"].trigger()
    timer.stop()
    assert loaded.status_panel.progress_label.text().startswith(
        f"Could not export: cannot write {target}")


def test_a_tables_own_export_says_why_in_a_message_box(qtbot, loaded, tmp_path) -> None:
    target = _unwritable(tmp_path)
    timer = _answer_save_dialog(target)
    assert loaded.plan.orders.ask_export() is None
    timer.stop()
    box = loaded.plan.orders.findChild(QMessageBox, "exportProblem")
    assert box is not None and box.isVisible()
    assert box.text().startswith(f"Could not export: cannot write {target}")
    box.close()
