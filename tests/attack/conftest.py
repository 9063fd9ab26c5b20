"""Fixtures of the attack suite: a clean UDF context on the demo market (no network)."""

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


@pytest.fixture(scope="session")
def demo_cache_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache holding one demo refresh, checkpointed into the main file (copy it, never edit)."""
    import sqlite3

    from rotation_addin.data.refresh import refresh_demo

    path = tmp_path_factory.mktemp("demo-cache") / "cache.sqlite3"
    refresh_demo(cache=path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def home_cache(demo_cache_file: Path, isolated_home: Path) -> Path:
    """The user's cache file (in the isolated home) as a copy of the demo refresh."""
    import shutil

    target = isolated_home / "data" / "cache.sqlite3"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(demo_cache_file, target)
    return target


@pytest.fixture
def built(tmp_path: Path, demo_market: MarketDataset) -> Path:
    """A freshly built and filled demo workbook in a temporary folder."""
    from rotation_addin.data.settings import Settings
    from workbook.build import build_workbook

    path = tmp_path / "rotation_desk.xlsx"
    build_workbook(path, dataset=demo_market, params=Settings())
    return path
