"""API keys: stored through keyring only, never in files the app writes or in error text.

The keyring backend is the in-memory one from ``conftest.py`` (no OS credential store can
run on this machine: no Secret Service / D-Bus). Everything else is real: the settings file,
the SQLite cache, the workbook and the app's widgets.
"""

from __future__ import annotations

import logging
from pathlib import Path

import keyring.errors
import pytest
from keyring.backend import KeyringBackend

from rotation_addin.core.errors import DataError, InputError
from rotation_addin.data import secrets
from rotation_addin.data.demo import DemoMarket
from tests.emulator.binance import BinanceEmulator

KEY = "AKIAxTESTxKEYx9f3c1d2e"
SECRET = "sEcReTxValuex7b1e4c0ff33"


def _files_containing(root: Path, needles: tuple[str, ...]) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(n.encode() in data for n in needles):
                hits.append(path)
    return hits


def test_roundtrip_through_keyring(memory_keyring: object) -> None:
    assert secrets.get_api_key("binanceusdm") is None
    secrets.set_api_key("binanceusdm", KEY, SECRET)
    stored = secrets.get_api_key("binanceusdm")
    assert stored is not None
    assert (stored.key, stored.secret) == (KEY, SECRET)
    assert KEY not in repr(stored) and SECRET not in repr(stored) and KEY not in str(stored)
    assert stored.as_ccxt_config() == {"apiKey": KEY, "secret": SECRET}
    assert secrets.delete_api_key("binanceusdm") is True
    assert secrets.get_api_key("binanceusdm") is None
    assert secrets.delete_api_key("binanceusdm") is False


def test_bad_input_never_echoes_the_value(memory_keyring: object) -> None:
    with pytest.raises(InputError) as info:
        secrets.set_api_key("binanceusdm", KEY + " tail", SECRET)
    assert KEY not in str(info.value) and info.value.field == "api_key"
    with pytest.raises(InputError) as info:
        secrets.set_api_key("binanceusdm", KEY, "")
    assert info.value.field == "api_secret"
    with pytest.raises(InputError):
        secrets.set_api_key("not an id", KEY, SECRET)


class _ExplodingKeyring(KeyringBackend):
    """Backend whose errors quote the password (as a careless backend might)."""

    priority = 1  # type: ignore[assignment]

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError(f"refused to store {password}")

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.KeyringLocked("locked")


def test_backend_errors_do_not_leak_the_key() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(_ExplodingKeyring())
    try:
        with pytest.raises(DataError) as info:
            secrets.set_api_key("binanceusdm", KEY, SECRET)
        text = str(info.value)
        assert "binanceusdm" in text and "could not store" in text
        assert "PasswordSetError" not in text  # plain words, no exception class name
        assert KEY not in text and SECRET not in text
        assert info.value.__cause__ is None and info.value.__suppress_context__
        with pytest.raises(DataError):
            secrets.get_api_key("binanceusdm")
    finally:
        keyring.set_keyring(previous)


def test_settings_tab_sends_key_to_keyring_only(
    qtbot,
    memory_keyring,
    isolated_home: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Type a key in Settings, save, refresh from the emulator, export: scan every file."""
    from gui.main_window import MainWindow
    from rotation_addin.data.settings import Settings

    caplog.set_level(logging.DEBUG)
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    view = window.settings_view
    view.activate()
    qtbot.keyClicks(view.key_edit, KEY)
    qtbot.keyClicks(view.secret_edit, SECRET)
    assert view.store_api_key()
    assert memory_keyring.store[("rotation-desk", "binanceusdm:api_key")] == KEY
    assert view.key_edit.text() == "" and view.secret_edit.text() == ""
    assert KEY not in view.key_status.text()
    assert view.save()
    # a refresh from the loopback exchange writes the SQLite cache and its refresh log
    with BinanceEmulator(DemoMarket(days=120)) as exchange:
        window.api_base_url = exchange.base_url
        window.refresh_history_days = {"1d": 100, "1h": 1}
        qtbot.waitUntil(lambda: window.refresh_action.isEnabled(), timeout=60_000)
        with qtbot.waitSignal(window.task_ended, timeout=120_000) as blocker:
            window.refresh_exchange()
    assert blocker.args == ["succeeded"], window.status_panel.progress_label.text()
    with qtbot.waitSignal(window.task_ended, timeout=120_000) as blocker:
        window.export_workbook(open_after=False)
    assert blocker.args == ["succeeded"], window.status_panel.progress_label.text()
    written = window.last_workbook
    assert written is not None and written.exists() and written.stat().st_size > 0
    files = {p.name for p in isolated_home.rglob("*") if p.is_file()}
    assert {"settings.toml", "cache.sqlite3", written.name} <= files
    assert _files_containing(isolated_home, (KEY, SECRET)) == []
    assert KEY not in caplog.text and SECRET not in caplog.text
    out, err = capfd.readouterr()
    assert KEY not in out + err and SECRET not in out + err
    texts = [window.status_panel.progress_label.text(), view.key_status.text(),
             view.settings_error.text()]
    assert not any(KEY in t or SECRET in t for t in texts)
    window.close()


def test_no_credential_store_is_said_in_plain_words() -> None:
    """This machine's real situation: keyring's 'fail' backend (no OS credential store).
    The Settings tab showed a raw ``NoKeyringError``; it shows ``str()`` of this DataError
    (``SettingsView`` passes it to its key message), which now says what is missing."""
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        for action in (lambda: secrets.has_api_key("binanceusdm"),
                       lambda: secrets.set_api_key("binanceusdm", KEY, SECRET)):
            with pytest.raises(DataError) as info:
                action()
            shown = str(info.value)
            assert "no OS credential store" in shown and "rotation doctor" in shown
            assert "Error" not in shown  # no exception class name
            assert KEY not in shown and SECRET not in shown
    finally:
        keyring.set_keyring(previous)
