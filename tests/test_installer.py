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


def _home_files(home: Path) -> list[str]:
    """Every path under ``home`` (the venv's content summarised as the venv folder)."""
    listed = []
    for path in sorted(home.rglob("*")):
        relative = path.relative_to(home)
        if "venv" in relative.parts[:-1]:
            continue
        listed.append(f"{relative}{'/' if path.is_dir() and not path.is_symlink() else ''}")
    return listed


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_install_twice_then_uninstall_leaves_home_as_before(tmp_path: Path) -> None:
    source = tmp_path / "src"
    _copy_tracked_tree(source)
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)  # the user's own things: never touched
    (home / ".config" / "other-app").mkdir(parents=True)
    (home / ".config" / "other-app" / "keep.toml").write_text("x = 1\n", encoding="utf-8")
    before = _home_files(home)
    env = {k: v for k, v in os.environ.items()
           if k not in ("ROTATION_DESK_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "PREFIX",
                        "BIN", "WHEEL")}
    env.update(HOME=str(home), PYTHON=sys.executable, PIP_DISABLE_PIP_VERSION_CHECK="1",
               ROTATION_NO_APT="1", QT_QPA_PLATFORM="offscreen",
               # no network: the doctor's reachability checks go to a closed loopback port
               ROTATION_DOCTOR_ARGS="--api-url http://127.0.0.1:9 --provider-url "
                                    "http://127.0.0.1:9",
               # this machine's rustup (called by build tools) keeps its own home, not ours
               RUSTUP_HOME=os.environ.get("RUSTUP_HOME", str(Path.home() / ".rustup")),
               CARGO_HOME=os.environ.get("CARGO_HOME", str(Path.home() / ".cargo")))

    def installer(*args: str) -> str:
        done = subprocess.run(["bash", "installer/install.sh", *args], cwd=source, env=env,
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    first = installer()
    assert "creating the virtual environment" in first and "rotation doctor:" in first
    installed = _home_files(home)
    bin_dir, data = home / ".local" / "bin", home / ".local" / "share"
    rotation = bin_dir / "rotation"
    assert rotation.is_symlink() and (bin_dir / "rotation-desk").is_symlink()
    entry = (data / "applications" / "rotation-desk.desktop").read_text(encoding="utf-8")
    assert f"Exec={data / 'rotation-desk' / 'venv' / 'bin' / 'rotation-desk'}" in entry
    workbook = home / "Documents" / "Rotation Desk" / "rotation_desk.xlsx"
    assert workbook.is_file() and workbook.stat().st_size > 10_000
    size = subprocess.run([str(rotation), "size", "--equity", "10000", "--entry", "100",
                           "--stop", "95", "--side", "long", "--json"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert size.returncode == 0, size.stderr
    assert '"quantity_base"' in size.stdout

    second = installer()  # idempotent: reuses the venv, adds nothing new
    assert "reusing the virtual environment" in second
    assert _home_files(home) == installed

    gone = installer("--uninstall")
    assert "uninstalled" in gone
    assert _home_files(home) == before
    assert (home / ".config" / "other-app" / "keep.toml").read_text(encoding="utf-8") == "x = 1\n"
