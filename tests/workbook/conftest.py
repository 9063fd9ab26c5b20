"""Fixtures of the workbook tests: the demo dataset and one LibreOffice profile per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rotation_addin.core.dataset import MarketDataset


@pytest.fixture(scope="session")
def demo_market() -> MarketDataset:
    """The embedded demo market with the bundled universe (deterministic, no network).

    Built directly (not through ``load_market``) so this session fixture never reads the
    user's config folder before the per-test ``ROTATION_DESK_HOME`` is set.
    """
    from rotation_addin.data.demo import demo_dataset

    return demo_dataset()


@pytest.fixture(scope="session")
def lo_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private LibreOffice user profile for this test session (no profile locks)."""
    if shutil.which("soffice") is None:
        pytest.fail("LibreOffice (soffice) is required: apt-get install libreoffice-calc "
                    "(tests/run.sh installs it)")
    return tmp_path_factory.mktemp("lo-profile")
