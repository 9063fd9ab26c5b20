"""Fixtures of the desktop-app tests: an in-memory keyring and windows on real data paths."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    """In-memory keyring backend.

    BOUNDARY THAT CANNOT RUN HERE: this machine has no OS credential store (no Secret Service,
    no D-Bus session, no Keychain/Credential Manager), so the tests register this backend
    through keyring's own public plug-in API (``keyring.set_keyring``). The code under test
    still goes through ``keyring.set_password``/``get_password``/``delete_password``.
    """

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise keyring.errors.PasswordDeleteError(f"no entry for {username}")
        del self.entries[(service, username)]


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Register an in-memory keyring for one test, then restore the previous backend."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
