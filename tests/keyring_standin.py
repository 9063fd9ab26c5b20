"""The one in-memory keyring stand-in of the test suite (CLI, attack, app and doctor tests).

BOUNDARY THAT CANNOT RUN HERE: these headless CI machines have no OS credential store (no
Secret Service over D-Bus, no Keychain, no Windows Credential Locker), so this real
``keyring`` backend class stands in for it at the keyring boundary; everything above it (our
code, the keyring package's API) is real. Tests in-process use the :func:`memory_keyring`
fixture (``keyring.set_keyring``); a subprocess selects it with
``PYTHON_KEYRING_BACKEND=tests.keyring_standin.MemoryKeyring`` (``tests`` on PYTHONPATH).
"""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    """In-memory keyring backend: passwords in ``store`` for the life of one test (or process).

    Deleting an entry that is not there raises ``PasswordDeleteError``, as the OS stores do.
    """

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            raise keyring.errors.PasswordDeleteError(f"no entry for {username}")
        del self.store[(service, username)]


@pytest.fixture()
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Register a fresh :class:`MemoryKeyring` for one test, then restore the previous one."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
