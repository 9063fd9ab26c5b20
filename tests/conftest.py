"""Shared fixtures: isolated user folders, the real Coin Metrics data beside the repo.

Tests that check findings on the real data take ``coinmetrics_dir``: without
``../shared/data/coinmetrics`` beside the clone they are skipped with one reason (and listed
at the end of the run); with ``ROTATION_REQUIRE_REAL_DATA=1`` (set by ``.ci/run``) a missing
folder fails them instead, so CI always runs them. Tests that only need prices in that layout
take ``coinmetrics_like_dir`` (a synthetic folder written by the tests).
"""

from __future__ import annotations

import gc
import os
import shutil
import signal
import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rotation_addin.data.demo.simulator import DEMO_END_ENV
from tests.coinmetrics_like import write_coinmetrics_like

REPO_ROOT = Path(__file__).resolve().parents[1]
COINMETRICS_DIR = REPO_ROOT.parent / "shared" / "data" / "coinmetrics"
REQUIRE_REAL_DATA_ENV = "ROTATION_REQUIRE_REAL_DATA"
REAL_DATA_SKIP_REASON = (
    f"real data absent: these tests need the Coin Metrics extracts in {COINMETRICS_DIR} "
    f"(../shared beside the clone, as in CI; {REQUIRE_REAL_DATA_ENV}=1 makes this a failure)"
)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# One demo calendar for the whole session (and every command it starts): the demo ends
# yesterday UTC, read each time it is built, so a run that crossed midnight UTC mixed two runs
# -- the session's cached demo refresh (``demo_cache_file``) against a demo built after
# midnight, a date a test took from ``demo_dataset()`` against the CLI's later build. Pinned
# to the day the session starts; tests of the default itself unset it (tests/data/
# test_demo_end.py).
os.environ.setdefault(DEMO_END_ENV, f"{datetime.now(UTC) - timedelta(days=1):%Y-%m-%d}")
if hasattr(signal, "SIGINT") and signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    # A suite started in the background (`bash tests/run.sh &` from a script) inherits an
    # ignored Ctrl-C, and so would every command it starts; the Ctrl-C tests need the default.
    signal.signal(signal.SIGINT, signal.default_int_handler)
INSTALLER_TEST = "test_installer.py::test_install_twice_then_uninstall_leaves_home_as_before"


@pytest.fixture(scope="session", autouse=True)
def installer_scenario_in_background(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Start the installer test's scenario when the session starts, if that test was collected.

    It spends minutes waiting on pip in child processes (one core) while the suite runs
    on the other; the test itself waits for it and re-raises its failure
    (``tests/test_installer.py``). Not under an xdist worker (each would start its own).
    """
    items = [item for item in request.session.items if item.nodeid.endswith(INSTALLER_TEST)]
    if not items or hasattr(request.config, "workerinput"):
        yield
        return
    module = items[0].module  # type: ignore[attr-defined]
    module.BACKGROUND["scenario"] = module.BackgroundScenario(
        tmp_path_factory.mktemp("installer-scenario"))
    yield
    module.stop_background()  # the test did not wait for it (-x, a stop): end its children
    module.BACKGROUND["scenario"].thread.join(60)


@pytest.fixture(scope="module", autouse=True)
def long_lived_heap_frozen() -> None:
    """Before each test module, what is still alive (modules, session fixtures, caches) is
    moved out of the cycle collector's passes (``gc.collect`` then ``gc.freeze``).

    By the suite's middle the heap holds pandas, Qt, openpyxl, vectorbt and their kin, and
    every full collection walked all of it again (~0.5 s each, 134 of them, ~70 s of a
    ~500 s run; most from ``restore_automatic_collection`` after each GUI test). Objects a
    test makes are collected as before: only what outlived the previous module is frozen.
    The app's own freezes (``gui.gui_thread_gc.long_lived_imports``, ``core.sweep``) see a
    frozen heap and leave it as it is, as they do under any caller that froze first; the
    fresh-process tests (``tests/gui/test_gui_live_start.py``) still run their freeze.
    """
    if gc.isenabled():  # never inside the app's policy (collection off): it owns the timing
        gc.collect()
        gc.freeze()


@pytest.fixture(autouse=True)
def gui_thread_collection_undone() -> Iterator[None]:
    """After a test that started app workers, cycles are collected now and automatic
    collection is back on (the app switches it off for its life: ``gui/gui_thread_gc.py``)."""
    yield
    policy = sys.modules.get("gui.gui_thread_gc")
    if policy is not None and not gc.isenabled():
        policy.restore_automatic_collection()


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Point ROTATION_DESK_HOME at a fresh folder so no test touches the real user folders."""
    home = tmp_path_factory.mktemp("rotation-home")
    monkeypatch.setenv("ROTATION_DESK_HOME", str(home))
    yield home


@pytest.fixture(scope="session")
def demo_cache_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache holding one real demo refresh (default universe), folded into one file.

    Made once per session with a private home (no user folder read); copy it (``home_cache``),
    never edit it. Tests of the refresh itself still refresh; this is for tests that need
    "a cache after ``rotation refresh --demo``".
    """
    from rotation_addin.data.refresh import refresh_demo

    path = tmp_path_factory.mktemp("demo-cache") / "cache.sqlite3"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ROTATION_DESK_HOME", str(tmp_path_factory.mktemp("demo-cache-home")))
        assert refresh_demo(cache=path).ok
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def home_cache(demo_cache_file: Path, isolated_home: Path) -> Path:
    """The user's cache file (in the isolated home) as a copy of the session's demo refresh."""
    target = isolated_home / "data" / "cache.sqlite3"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(demo_cache_file, target)
    return target


def real_data_required() -> bool:
    """True when a missing real-data folder must fail the run (CI) instead of skipping."""
    return os.environ.get(REQUIRE_REAL_DATA_ENV, "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def coinmetrics_dir() -> Path:
    """Folder of the real Coin Metrics daily prices (tests of findings on the real data)."""
    if not COINMETRICS_DIR.is_dir():
        if real_data_required():
            pytest.fail(f"{REQUIRE_REAL_DATA_ENV} is set but {COINMETRICS_DIR} is missing")
        pytest.skip(REAL_DATA_SKIP_REASON)
    return COINMETRICS_DIR


@pytest.fixture(scope="session")
def coinmetrics_like_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic folder in the Coin Metrics layout (see ``tests/coinmetrics_like.py``)."""
    return write_coinmetrics_like(tmp_path_factory.mktemp("coinmetrics-like"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """List every real-data test skipped for the missing folder under its one reason."""
    skipped = [
        report.nodeid
        for report in terminalreporter.stats.get("skipped", [])
        if isinstance(report.longrepr, tuple) and REAL_DATA_SKIP_REASON in str(report.longrepr[2])
    ]
    if skipped:
        terminalreporter.section(f"real-data tests skipped ({len(skipped)})")
        terminalreporter.write_line(REAL_DATA_SKIP_REASON)
        for nodeid in skipped:
            terminalreporter.write_line(f"  {nodeid}")
