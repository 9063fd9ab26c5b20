"""Without a usable display the app prints one line and exits 1 -- never a Qt abort (134).

The children run the real entry points with the user's environment minus the display;
``QT_QPA_PLATFORM`` is removed so the app picks the platform a desktop user would get.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.diagnostics.fake_qt import SIMULATED_MISSING, SIMULATED_PACKAGE, fake_plugin_dir

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="DISPLAY / xcb are the Linux desktop's")


def run_app(argv: list[str], **env_changes: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update(env_changes, PYTHONPATH=str(REPO_ROOT))
    return subprocess.run([sys.executable, *argv], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("argv", [["-m", "gui.main"], ["-m", "rotation_addin.cli.main", "gui"]])
def test_no_display_variable_is_one_line_and_exit_1(argv: list[str]) -> None:
    child = run_app(argv)
    assert child.returncode == 1, child.stderr
    lines = child.stderr.strip().splitlines()
    assert len(lines) == 1, child.stderr
    assert lines[0].startswith("rotation-desk: cannot open a window: no display: DISPLAY is "
                               "not set")
    assert lines[0].endswith("Run `rotation doctor`.")
    assert child.stdout == ""


def test_a_display_with_no_x_server_is_named() -> None:
    display = next(f":{n}" for n in range(97, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    child = run_app(["-m", "gui.main"], DISPLAY=display)
    assert child.returncode == 1
    assert f"no X server answers on DISPLAY={display}" in child.stderr
    assert len(child.stderr.strip().splitlines()) == 1


def test_missing_xcb_library_is_named_with_the_install_line(tmp_path: Path) -> None:
    plugins = fake_plugin_dir(tmp_path / "fake")
    child = run_app(["-m", "gui.main"], QT_QPA_PLATFORM="xcb",
                    ROTATION_QT_PLUGIN_DIR=str(plugins))
    assert child.returncode == 1
    line = child.stderr.strip()
    assert "\n" not in line
    assert "missing " in line and SIMULATED_MISSING in line
    assert "apt-get install -y " in line and SIMULATED_PACKAGE in line
    assert "Run `rotation doctor`." in line


def test_wayland_requested_without_a_compositor() -> None:
    child = run_app(["-m", "gui.main"], QT_QPA_PLATFORM="wayland")
    assert child.returncode == 1
    assert "WAYLAND_DISPLAY is not set" in child.stderr
