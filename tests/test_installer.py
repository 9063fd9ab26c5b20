"""installer/install.sh on a clean copy of the repository, as a new user would run it.

This builds and installs the package with pip into a brand-new virtual environment (so it
takes a minute or two), then runs the installed commands with no network. The scenario waits on
pip most of that time, so ``tests/conftest.py`` starts it in a background thread when the
session's first test starts (only if this test was collected); the test waits for it and
re-raises whatever it raised, assertion messages included. Run alone, it runs in the test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT


def _copy_tracked_tree(destination: Path, environ: dict[str, str]) -> None:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=REPO_ROOT, check=True, env=environ,
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


SCENARIO_TIMEOUT_S = 1500
_running: list[subprocess.Popen[str]] = []


class BackgroundScenario:
    """The install scenario run in a daemon thread; ``result`` re-raises what it raised."""

    def __init__(self, tmp_path: Path) -> None:
        self.error: BaseException | None = None
        environ = dict(os.environ)  # read here: tests in the main thread patch os.environ
        self.thread = threading.Thread(target=self._run, args=(tmp_path, environ),
                                       daemon=True, name="installer-scenario")
        self.thread.start()

    def _run(self, tmp_path: Path, environ: dict[str, str]) -> None:
        try:
            install_scenario(tmp_path, environ)
        except BaseException as exc:  # re-raised in the test's own thread
            self.error = exc

    def result(self, timeout_s: float = SCENARIO_TIMEOUT_S) -> None:
        self.thread.join(timeout_s)
        if self.thread.is_alive():
            stop_background()
            pytest.fail(f"the install scenario did not finish within {timeout_s} s")
        if self.error is not None:
            raise self.error


def stop_background() -> None:
    """Kill the scenario's running subprocess (session end without the test, -x)."""
    for proc in list(_running):
        if proc.poll() is None:
            proc.kill()


def _run_tracked(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """subprocess.run, with the child listed so that the session's end can stop it."""
    timeout = float(kwargs.pop("timeout"))  # type: ignore[arg-type]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          **kwargs) as proc:  # type: ignore[call-overload]
        _running.append(proc)
        try:
            out, err = proc.communicate(timeout=timeout)
        finally:
            proc.kill()
            _running.remove(proc)
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


BACKGROUND: dict[str, BackgroundScenario] = {}
"""Set by tests/conftest.py when it started the scenario at the session's start."""


@pytest.mark.slow
@pytest.mark.timeout(SCENARIO_TIMEOUT_S + 60)
def test_install_twice_then_uninstall_leaves_home_as_before(tmp_path: Path) -> None:
    started = BACKGROUND.get("scenario")
    if started is None:
        install_scenario(tmp_path, dict(os.environ))
    else:
        started.result()


def install_scenario(tmp_path: Path, environ: dict[str, str]) -> None:
    """Install, check, install again, uninstall: every step asserted (see the module doc).

    ``environ`` is the environment to start from (a copy: never ``os.environ`` itself, which
    the tests running meanwhile in the main thread patch); every child gets ``env`` and ``cwd``.
    """
    source = tmp_path / "src"
    _copy_tracked_tree(source, environ)
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)  # the user's own things: never touched
    (home / ".config" / "other-app").mkdir(parents=True)
    (home / ".config" / "other-app" / "keep.toml").write_text("x = 1\n", encoding="utf-8")
    before = _home_files(home)
    user_home = Path(environ.get("HOME") or Path.home())  # this machine's, for rustup/cargo
    env = {k: v for k, v in environ.items()
           if k not in ("ROTATION_DESK_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "PREFIX",
                        "BIN", "WHEEL")}
    env.update(HOME=str(home), PYTHON=sys.executable, PIP_DISABLE_PIP_VERSION_CHECK="1",
               ROTATION_NO_APT="1", QT_QPA_PLATFORM="offscreen",
               # no network: the doctor's reachability checks go to a closed loopback port
               ROTATION_DOCTOR_ARGS="--api-url http://127.0.0.1:9 --provider-url "
                                    "http://127.0.0.1:9",
               # this machine's rustup (called by build tools) keeps its own home, not ours
               RUSTUP_HOME=environ.get("RUSTUP_HOME", str(user_home / ".rustup")),
               CARGO_HOME=environ.get("CARGO_HOME", str(user_home / ".cargo")))

    def installer(*args: str) -> str:
        done = _run_tracked(["bash", "installer/install.sh", *args], cwd=source, env=env,
                            timeout=900)
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
    size = _run_tracked([str(rotation), "size", "--equity", "10000", "--entry", "100",
                         "--stop", "95", "--side", "long", "--json"], env=env, cwd=source,
                        timeout=120)
    assert size.returncode == 0, size.stderr
    assert '"quantity_base"' in size.stdout

    second = installer()  # idempotent: reuses the venv, adds nothing new
    assert "reusing the virtual environment" in second
    assert _home_files(home) == installed

    gone = installer("--uninstall")
    assert "uninstalled" in gone
    assert _home_files(home) == before
    assert (home / ".config" / "other-app" / "keep.toml").read_text(encoding="utf-8") == "x = 1\n"
