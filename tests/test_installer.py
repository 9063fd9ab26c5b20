"""installer/install.sh on a clean copy of the repository, as a new user would run it.

This builds and installs the package with pip into a brand-new virtual environment (so it
takes a minute or two), then runs the installed commands with no network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT


def _copy_tracked_tree(destination: Path) -> None:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=REPO_ROOT, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_install_script_then_commands_work(tmp_path: Path) -> None:
    source = tmp_path / "src"
    _copy_tracked_tree(source)
    env = {**os.environ, "PREFIX": str(tmp_path / "prefix"), "BIN": str(tmp_path / "bin"),
           "PYTHON": sys.executable, "ROTATION_DESK_HOME": str(tmp_path / "home"),
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    install = subprocess.run(["bash", "installer/install.sh"], cwd=source, env=env,
                             capture_output=True, text=True, timeout=840)
    assert install.returncode == 0, install.stdout + install.stderr
    rotation = tmp_path / "bin" / "rotation"
    assert rotation.is_symlink() and (tmp_path / "bin" / "rotation-desk").is_symlink()

    size = subprocess.run([str(rotation), "size", "--equity", "10000", "--entry", "100",
                           "--stop", "95", "--side", "long", "--json"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert size.returncode == 0, size.stderr
    assert '"quantity_base"' in size.stdout

    demo = subprocess.run([str(rotation), "demo"], env=env, capture_output=True, text=True,
                          timeout=300)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "demo (simulated)" in demo.stdout
