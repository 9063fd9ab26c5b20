"""Window geometry, last tab and the Live tab's scheduled refresh, remembered between sessions
(``QSettings``).

Stored as an INI file under the app's config folder (``<config dir>/desktop.ini``), not in
the OS registry, so it sits beside ``settings.toml`` and the tests can point it anywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QComboBox

from rotation_addin.data.paths import config_dir

STATE_FILE = "desktop.ini"
GEOMETRY_KEY = "window/geometry"
TAB_KEY = "window/tab"
SCHEDULE_KEY = "live/schedule_minutes"
"""Scheduled-refresh period chosen in the Live tab, minutes (0 = off)."""


def state_path() -> Path:
    """``<config dir>/desktop.ini``."""
    return config_dir() / STATE_FILE


def open_state(path: Path | None = None) -> QSettings:
    """The ``QSettings`` store (INI format) at ``path`` (default :func:`state_path`)."""
    target = Path(path) if path is not None else state_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(target), QSettings.Format.IniFormat)


def restore_window(window: Any, store: QSettings) -> None:
    """Geometry and tab of the last session (nothing happens on a first start or bad data)."""
    restore_geometry(window, store)
    restore_tab(window, store)


def restore_geometry(window: Any, store: QSettings) -> None:
    """The last session's window geometry (before the window shows; bad data is ignored)."""
    geometry = store.value(GEOMETRY_KEY)
    if isinstance(geometry, bytes):
        geometry = QByteArray(geometry)
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        window.restoreGeometry(geometry)


def restore_tab(window: Any, store: QSettings) -> None:
    """Select the last session's tab (once the tabs exist; a bad or missing index is ignored)."""
    tab = store.value(TAB_KEY)
    try:
        index = int(str(tab)) if tab is not None else -1
    except ValueError:
        index = -1
    if 0 <= index < window.tabs.count():
        window.tabs.setCurrentIndex(index)


def save_window(window: Any, store: QSettings) -> None:
    """Write the window's geometry and current tab now (the tab only once the tabs exist, so
    a window closed before its tabs were built keeps the remembered one)."""
    store.setValue(GEOMETRY_KEY, window.saveGeometry())
    if window.tabs.count() > 0:
        store.setValue(TAB_KEY, window.tabs.currentIndex())
    store.sync()


def restore_schedule(choice: QComboBox, store: QSettings) -> None:
    """Select the scheduled-refresh period of the last session in ``choice`` (whose items
    carry their period in minutes); a missing or unknown value leaves it off."""
    try:
        minutes = int(str(store.value(SCHEDULE_KEY, 0)))
    except ValueError:
        return
    index = choice.findData(minutes)
    if index >= 0:
        choice.setCurrentIndex(index)


def remember_schedule(choice: QComboBox, store: QSettings) -> None:
    """Select the last session's period (:func:`restore_schedule`), then write the period to
    ``store`` each time the user picks another one."""
    restore_schedule(choice, store)

    def save(_index: int) -> None:
        store.setValue(SCHEDULE_KEY, int(choice.currentData() or 0))
        store.sync()

    choice.currentIndexChanged.connect(save)
