"""Shared fixtures: isolated user folders, the real Coin Metrics data beside the repo."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
COINMETRICS_DIR = REPO_ROOT.parent / "shared" / "data" / "coinmetrics"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Point ROTATION_DESK_HOME at a fresh folder so no test touches the real user folders."""
    home = tmp_path_factory.mktemp("rotation-home")
    monkeypatch.setenv("ROTATION_DESK_HOME", str(home))
    yield home


@pytest.fixture(scope="session")
def coinmetrics_dir() -> Path:
    """Folder of the real Coin Metrics daily prices (tests and calibration only)."""
    if not COINMETRICS_DIR.is_dir():
        pytest.fail(f"real data missing: expected {COINMETRICS_DIR} (shared/ beside the repo)")
    return COINMETRICS_DIR
