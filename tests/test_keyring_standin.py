"""The suite's one in-memory keyring stand-in: behaves as an OS store at the boundary, and no
test file keeps a copy of its own."""

from __future__ import annotations

import re

import keyring.errors
import pytest

from rotation_addin.data import secrets
from tests import keyring_standin
from tests.conftest import REPO_ROOT
from tests.keyring_standin import MemoryKeyring

memory_keyring = keyring_standin.memory_keyring  # the shared fixture, used by name


def test_stored_keys_round_trip_and_a_missing_entry_cannot_be_deleted(
        memory_keyring: MemoryKeyring) -> None:
    assert secrets.delete_api_key("binanceusdm") is False  # nothing stored: nothing deleted
    secrets.set_api_key("binanceusdm", "k" * 24, "s" * 24)
    assert secrets.get_api_key("binanceusdm") is not None
    assert ("rotation-desk", "binanceusdm:api_key") in memory_keyring.store
    assert secrets.delete_api_key("binanceusdm") is True
    assert memory_keyring.store == {}
    with pytest.raises(keyring.errors.PasswordDeleteError):  # as the OS stores answer
        memory_keyring.delete_password("rotation-desk", "binanceusdm:api_key")


def test_no_other_in_memory_keyring_in_the_tests() -> None:
    # a working stand-in keeps passwords in a dict; failing backends (raising) are fine
    storing = re.compile(r"def set_password\(.*\n\s+self\.\w+\[", re.MULTILINE)
    copies = sorted(str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "tests").rglob("*.py")
                    if storing.search(p.read_text(encoding="utf-8")))
    assert copies == ["tests/keyring_standin.py"]
