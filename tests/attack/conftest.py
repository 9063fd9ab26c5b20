"""Fixtures of the attack suite: a clean UDF context on the demo market (no network).

The demo cache (``demo_cache_file``, ``home_cache``) lives in ``tests/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.excel import context


@pytest.fixture
def demo_context() -> None:
    """Reset the UDF context so it reads the demo market of the isolated home."""
    context.clear()


@pytest.fixture(scope="session")
def demo_market() -> MarketDataset:
    """The embedded demo market (deterministic, no network; no user folder read)."""
    from rotation_addin.data.demo import demo_dataset

    return demo_dataset()


@pytest.fixture
def built(tmp_path: Path, demo_market: MarketDataset) -> Path:
    """A freshly built and filled demo workbook in a temporary folder."""
    from rotation_addin.data.settings import Settings
    from workbook.build import build_workbook

    path = tmp_path / "rotation_desk.xlsx"
    build_workbook(path, dataset=demo_market, params=Settings())
    return path
