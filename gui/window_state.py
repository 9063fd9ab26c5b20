"""Window geometry and last tab, remembered between sessions (``QSettings``).

Stored as an INI file under the app's config folder (``<config dir>/desktop.ini``), not in
the OS registry, so it sits beside ``settings.toml`` and the tests can point it anywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from rotation_addin.data.paths import config_dir

STATE_FILE = "desktop.ini"
GEOMETRY_KEY = "window/geometry"
TAB_KEY = "window/tab"


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
    geometry = store.value(GEOMETRY_KEY)
    if isinstance(geometry, bytes):
        geometry = QByteArray(geometry)
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        window.restoreGeometry(geometry)
    tab = store.value(TAB_KEY)
    try:
        index = int(str(tab)) if tab is not None else -1
    except ValueError:
        index = -1
    if 0 <= index < window.tabs.count():
        window.tabs.setCurrentIndex(index)


def save_window(window: Any, store: QSettings) -> None:
    """Write the window's geometry and current tab now."""
    store.setValue(GEOMETRY_KEY, window.saveGeometry())
    store.setValue(TAB_KEY, window.tabs.currentIndex())
    store.sync()
