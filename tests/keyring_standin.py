"""The in-memory keyring the CLI and attack tests share (one copy, not one per test file).

The OS credential store (Secret Service over D-Bus, Keychain, Windows Credential Locker)
cannot run on these headless CI machines, so this stands in for it at the keyring boundary;
everything above it (our code, the keyring package's API) is real.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


class MemoryKeyring:
    """In-memory keyring backend: passwords in ``store`` for the life of one test."""

    priority = 1

    def __init__(self) -> None:
        self.store: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture()
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Register a fresh :class:`MemoryKeyring` for one test, then restore the previous one."""
    import keyring
    from keyring.backend import KeyringBackend

    backend_cls = type("TestMemoryKeyring", (MemoryKeyring, KeyringBackend), {})
    previous = keyring.get_keyring()
    backend = backend_cls()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
