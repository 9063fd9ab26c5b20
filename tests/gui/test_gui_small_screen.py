"""The window fits a 1366x768 laptop screen: the Settings tab (a ~680 px form) made the
whole window at least ~780 px high; it now scrolls inside its tab, and every button on it
can still be reached."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QScrollArea

from gui.main_window import TAB_NAMES, MainWindow
from rotation_addin.data.settings import Settings

SCREEN = (1366, 768)
TITLE_AND_TASKBAR_PX = 70
"""What a desktop keeps of a 768 px screen for itself (a title bar and a taskbar)."""


def test_the_window_fits_a_laptop_screen_and_settings_scroll(qtbot) -> None:
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    window.show()
    QApplication.processEvents()
    least = window.minimumSizeHint()
    assert least.width() <= SCREEN[0]
    assert least.height() <= SCREEN[1] - TITLE_AND_TASKBAR_PX, least
    window.resize(SCREEN[0], SCREEN[1] - TITLE_AND_TASKBAR_PX)
    window.tabs.setCurrentIndex(TAB_NAMES.index("Settings"))
    QApplication.processEvents()
    area = window.tabs.currentWidget()
    assert isinstance(area, QScrollArea) and area.widget() is window.settings_view
    area.ensureWidgetVisible(window.settings_view.universe_save)
    QApplication.processEvents()
    spot = window.settings_view.universe_save.mapTo(area.viewport(),
                                                     window.settings_view.universe_save.rect()
                                                     .center())
    assert area.viewport().rect().contains(spot)
