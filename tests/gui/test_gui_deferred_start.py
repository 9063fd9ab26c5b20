"""The start-up path ``rotation-desk`` runs (``gui.main``): a window shell paints first, the
tabs, status panel, Live toggle and menus are built right after, and the last session's tab
and scheduled refresh come back. Offscreen, real QSettings INI file, real demo load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from gui import window_state
from gui.main import open_window
from gui.main_window import TAB_NAMES, MainWindow

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "numpy", "pyqtgraph", "ccxt", "gui.journal_view", "gui.backtest_view",
         "gui.quick_check", "gui.window_tabs", "gui.palette", "rotation_addin.cli.journal_cmds")
"""Modules that must not be loaded when the window first paints."""

FIRST_PAINT_SPY = r"""
import json, sys
HEAVY = {heavy!r}

class Spy:
    def __init__(self, out):
        self.out, self.at_paint = out, None
    def write(self, text):
        if "first-paint" in text and self.at_paint is None:
            self.at_paint = [name for name in HEAVY if name in sys.modules]
        return self.out.write(text)
    def flush(self):
        self.out.flush()

spy = Spy(sys.stdout)
sys.stdout = spy
from gui.main import main
code = main(["--exit-after-paint"])
sys.stdout = spy.out
print(json.dumps({{"code": code, "at_paint": spy.at_paint,
                  "at_exit": [name for name in HEAVY if name in sys.modules]}}))
"""
"""Runs ``gui.main.main(['--exit-after-paint'])`` (the bench's and ``rotation-desk``'s path)
and lists which heavy modules were loaded when ``first-paint`` was printed and at exit."""


def test_nothing_heavy_is_loaded_when_the_window_first_paints(isolated_home: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ROTATION_DESK_HOME=str(isolated_home))
    done = subprocess.run(
        [sys.executable, "-c", FIRST_PAINT_SPY.format(heavy=HEAVY)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "first-paint"
    report = json.loads(lines[-1])
    assert report["code"] == 0
    assert report["at_paint"] == []
    # the tabs were built after the paint, before the quit (so the spy sees real imports)
    assert {"gui.window_tabs", "gui.journal_view", "gui.quick_check"} <= set(report["at_exit"])
    assert "pandas" not in report["at_exit"]  # no data loaded with --exit-after-paint


def test_entry_path_builds_every_tab_after_the_first_paint(
    qtbot: Any, isolated_home: Path
) -> None:
    store = window_state.open_state()  # the default <config dir>/desktop.ini, in the tmp home
    store.setValue(window_state.TAB_KEY, TAB_NAMES.index("Regime"))
    store.setValue(window_state.SCHEDULE_KEY, 240)
    store.sync()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    window = open_window(app)
    qtbot.addWidget(window)
    at_paint: dict[str, Any] = {}

    def seen_at_paint() -> None:
        at_paint.update(title=window.windowTitle(), tabs=window.tabs.count(),
                        ready=window.tabs_ready, menus=len(window.menuBar().actions()),
                        demo_enabled=window.demo_action.isEnabled())

    window.first_painted.connect(seen_at_paint)
    window.show()
    qtbot.waitUntil(lambda: bool(at_paint), timeout=10_000)
    # the shell painted: the real window, its tabs not built yet, its actions not usable yet
    assert at_paint == {"title": "Rotation Desk", "tabs": 0, "ready": False, "menus": 0,
                        "demo_enabled": False}
    qtbot.waitUntil(lambda: window.tabs_ready, timeout=10_000)
    names = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert names == [*TAB_NAMES, "Live"]
    assert window.tabs.currentIndex() == TAB_NAMES.index("Regime")
    assert window.tabs.currentWidget() is window.regime
    assert [a.text() for a in window.menuBar().actions()] == ["&File", "&Edit", "&Help"]
    assert window.refresh_action.shortcut() == QKeySequence("F5")
    assert window.menu_actions["copy"].shortcut() == QKeySequence(QKeySequence.StandardKey.Copy)
    assert window.live.view.schedule.currentData() == 240
    assert window.live.scheduled_at is not None
    assert window.live.action.isCheckable() and not window.live.action.isChecked()
    # the initial load was started after the build: the demo market fills the tabs
    qtbot.waitUntil(lambda: window.snapshot is not None and not window.busy, timeout=120_000)
    assert window.status_panel.source_label.text() != "Data: none"
    assert window.demo_action.isEnabled()
    window.tabs.setCurrentIndex(TAB_NAMES.index("Plan"))
    window.close()
    assert QSettings(str(window_state.state_path()), QSettings.Format.IniFormat).value(
        window_state.TAB_KEY) in (TAB_NAMES.index("Plan"), str(TAB_NAMES.index("Plan")))


def test_a_shell_closed_before_its_tabs_keeps_the_remembered_tab(
    qtbot: Any, tmp_path: Path, isolated_home: Path
) -> None:
    state = tmp_path / "desktop.ini"
    store = window_state.open_state(state)
    store.setValue(window_state.TAB_KEY, TAB_NAMES.index("Journal"))
    store.sync()
    shell = MainWindow(state_path=state, deferred_tabs=True)
    qtbot.addWidget(shell)
    assert shell.tabs.count() == 0 and not shell.tabs_ready
    shell.close()
    again = MainWindow(state_path=state)
    qtbot.addWidget(again)
    assert again.tabs_ready
    assert again.tabs.currentIndex() == TAB_NAMES.index("Journal")
    again.build_tabs()  # a second call builds nothing twice
    assert again.tabs.count() == len(TAB_NAMES) + 1
