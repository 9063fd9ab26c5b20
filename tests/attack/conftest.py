"""Fixtures of the attack suite: a clean UDF context on the demo market (no network)."""

from __future__ import annotations

import pytest

from rotation_addin.excel import context


@pytest.fixture
def demo_context() -> None:
    """Reset the UDF context so it reads the demo market of the isolated home."""
    context.clear()
