"""The Live tab's scheduled-refresh choice survives a restart (QSettings INI beside the
window geometry), read back here with configparser as an independent reader."""

from __future__ import annotations

import configparser
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gui.main_window import MainWindow
from gui.notify import SCHEDULE_CHOICES
from rotation_addin.data.settings import Settings


def _window(qtbot: Any, state: Path) -> MainWindow:
    window = MainWindow(Settings(), state_path=state)
    qtbot.addWidget(window)
    return window


def test_scheduled_refresh_choice_survives_a_restart(qtbot: Any, tmp_path: Path) -> None:
    state = tmp_path / "desktop.ini"
    first = _window(qtbot, state)
    choice = first.live.view.schedule
    assert choice.currentData() == 0  # a first start: off
    label, minutes = next((lab, m) for lab, m in SCHEDULE_CHOICES if m == 240)
    choice.setCurrentIndex(choice.findData(minutes))
    assert first.live.scheduled_at is not None
    first.close()

    ini = configparser.ConfigParser()
    ini.read(state)
    assert ini.get("live", "schedule_minutes") == "240"

    second = _window(qtbot, state)
    assert second.live.view.schedule.currentText() == label
    at = second.live.scheduled_at
    assert at is not None and at > datetime.now(UTC)
    assert at.hour % 4 == 0 and at.minute == 0  # UTC-aligned to the 4-hour period
    assert second.live.view.next_run.text() == f"next refresh {at:%Y-%m-%d %H:%M} UTC"
    # switched off again: the next start is off too
    second.live.view.schedule.setCurrentIndex(second.live.view.schedule.findData(0))
    second.close()
    third = _window(qtbot, state)
    assert third.live.view.schedule.currentData() == 0 and third.live.scheduled_at is None


def test_an_unknown_stored_period_starts_off(qtbot: Any, tmp_path: Path) -> None:
    state = tmp_path / "desktop.ini"
    for stored in ("abc", "7"):
        state.write_text(f"[live]\nschedule_minutes={stored}\n", encoding="utf-8")
        window = _window(qtbot, state)
        assert window.live.view.schedule.currentData() == 0, stored
        assert window.live.scheduled_at is None
        window.close()
