"""The Settings tab's counts (max open positions, cool-down days) take whole numbers only, and
say so on the field itself (``core.typed_numbers.whole_number_field``), naming it.

They were read as any number and left to the settings validation: ``2.5`` was refused later
as ``(got 2.5)``, ``1e1`` was taken as 10, and ``inf`` / ``nan`` raised out of the field's
check (``int(inf)``: a traceback, no message, the Save button left as it was).
"""

from __future__ import annotations

import pytest

from gui.settings_view import SettingsView
from rotation_addin.data.settings import Settings

COUNTS = ("max_open_positions", "cooldown_days")


@pytest.mark.parametrize("name", COUNTS)
@pytest.mark.parametrize("typed", ["2.5", "1e1", "inf", "nan", "-nan", "3.", "1,5"])
def test_a_count_field_refuses_a_non_whole_number_naming_the_field(
        qtbot, name: str, typed: str) -> None:
    view = SettingsView(Settings())
    qtbot.addWidget(view)
    edit = view.risk_edits[name]
    edit.clear()
    qtbot.keyClicks(edit, typed)
    reason = f"must be a whole number (got {typed!r})"
    said = view.settings_error.text()
    assert said == f"{name}: {reason}" or said.startswith(f"{name}: {reason}; ")  # 1,5: why
    assert edit.toolTip().startswith(reason) and edit.styleSheet() != ""
    assert not view.save_button.isEnabled()
    assert view.validate_settings() is None and not view.save()


@pytest.mark.parametrize("name", COUNTS)
def test_a_whole_count_still_reads_and_saves(qtbot, name: str) -> None:
    view = SettingsView(Settings())
    qtbot.addWidget(view)
    view.risk_edits[name].setText("1,000")
    assert view.settings_error.text() == "" and view.save_button.isEnabled()
    with qtbot.waitSignal(view.settings_saved) as saved:
        assert view.save()
    value = getattr(saved.args[0], name)
    assert value == 1000 and type(value) is int


def test_a_large_count_is_shown_in_digits_and_reads_back(qtbot) -> None:
    """Shown with ``:g`` it would be ``2e+06``, which the count field refuses."""
    view = SettingsView(Settings(max_open_positions=2_000_000))
    qtbot.addWidget(view)
    assert view.risk_edits["max_open_positions"].text() == "2000000"
    assert view.settings_error.text() == ""
    assert view.read_settings().max_open_positions == 2_000_000
