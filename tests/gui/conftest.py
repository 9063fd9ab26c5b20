"""Fixtures of the desktop-app tests: an in-memory keyring and windows on real data paths."""

from __future__ import annotations

from tests import keyring_standin

memory_keyring = keyring_standin.memory_keyring  # the shared stand-in, used by name
