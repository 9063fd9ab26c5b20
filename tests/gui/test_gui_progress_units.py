"""The status bar's progress counts say what they count: symbols for a refresh or a load,
settings for a sweep."""

from __future__ import annotations

from gui.main_window import MainWindow
from rotation_addin.data.settings import Settings


def test_the_sweeps_progress_counts_settings_not_symbols(qtbot) -> None:
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.task_ended, timeout=120_000):
        window.start_initial_load()
    bar = window.status_panel.progress_bar
    seen: list[str] = []
    with qtbot.waitSignal(window.task_ended, timeout=300_000) as blocker:
        window.backtest.sweep_button.click()
        window.current_task.signals.progress.connect(lambda _r: seen.append(bar.text()))
    assert blocker.args == ["succeeded"], window.status_panel.progress_label.text()
    settings = len(window.backtest.sweep.rows)
    assert seen and seen[-1] == f"{settings}/{settings} settings"
    assert all(text.endswith(" settings") for text in seen)
    with qtbot.waitSignal(window.task_ended, timeout=120_000):
        window.demo_action.trigger()
    assert bar.format() == "%v/%m symbols"
