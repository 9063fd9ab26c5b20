"""Can Qt open a window here? A cheap pre-flight check and a real one in a subprocess.

Qt aborts the whole process (exit 134) when its platform plugin cannot load or connect, and
blames whichever library it tried last. So the desktop app asks :func:`display_problem`
first (environment variables, the X11 socket, ``ldd`` of the xcb plugin: no Qt import), and
``rotation doctor`` runs :func:`probe_platform`, which creates a ``QGuiApplication`` in a
child process with the platform the user would get and explains a failure.

``ROTATION_QT_PLUGIN_DIR`` points both at another Qt ``plugins`` folder (its
``platforms/libqxcb.so`` is inspected and loaded); the tests use it to simulate a missing
system library.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

PLUGIN_DIR_ENV = "ROTATION_QT_PLUGIN_DIR"
HEADLESS_PLATFORMS = frozenset({"offscreen", "minimal", "minimalegl", "vnc", "linuxfb", "eglfs"})
#: Debian package names that do not follow ``lib<name><soversion>`` (see debian_package).
_DEBIAN_EXCEPTIONS = {
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libstdc++.so.6": "libstdc++6",
}
_PROBE_CODE = (
    "import sys\n"
    "from PySide6.QtGui import QGuiApplication\n"
    "app = QGuiApplication(['rotation-doctor'])\n"
    "print('platform=' + app.platformName())\n"
)


@dataclass(frozen=True)
class QtProbe:
    """Outcome of a platform check: ``ok``, the platform, why not, and what to install."""

    ok: bool
    platform: str
    problem: str = ""
    missing_libraries: tuple[str, ...] = field(default=())

    @property
    def one_line(self) -> str:
        """The problem plus the install command when libraries are missing."""
        if self.apt_packages:
            return f"{self.problem} (install: {apt_line(self.apt_packages)})"
        return self.problem

    @property
    def apt_packages(self) -> tuple[str, ...]:
        """Debian/Ubuntu packages that provide the missing libraries (deduplicated)."""
        return tuple(dict.fromkeys(debian_package(name) for name in self.missing_libraries))


def debian_package(soname: str) -> str:
    """Debian package of a shared library by the policy name (``libxcb-icccm.so.4`` ->
    ``libxcb-icccm4``; a name ending in a digit gets a hyphen: ``libxkbcommon-x11-0``)."""
    if soname in _DEBIAN_EXCEPTIONS:
        return _DEBIAN_EXCEPTIONS[soname]
    match = re.fullmatch(r"(.+?)\.so\.(\d+)(?:\.\d+)*", soname)
    if match is None:
        return soname.lower()
    stem, version = match.group(1).lower(), match.group(2)
    return f"{stem}-{version}" if stem[-1].isdigit() else f"{stem}{version}"


def user_platform() -> str:
    """The Qt platform this user would get: ``QT_QPA_PLATFORM`` or the OS default."""
    requested = os.environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if requested:
        return requested
    if sys.platform == "darwin":
        return "cocoa"
    if sys.platform == "win32":
        return "windows"
    return "wayland" if os.environ.get("WAYLAND_DISPLAY") else "xcb"


def plugin_dir() -> Path | None:
    """Qt's ``plugins`` folder (``ROTATION_QT_PLUGIN_DIR`` overrides), without importing Qt."""
    override = os.environ.get(PLUGIN_DIR_ENV)
    if override:
        return Path(override)

    spec = importlib.util.find_spec("PySide6")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "Qt" / "plugins"


def missing_libraries(library: Path) -> tuple[str, ...]:
    """Shared libraries ``ldd`` reports as ``not found`` for ``library`` (empty if no ldd)."""
    ldd = shutil.which("ldd")
    if ldd is None or not library.is_file():
        return ()
    try:
        listing = subprocess.run([ldd, str(library)], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ()
    found = re.findall(r"^\s*(\S+)\s+=>\s+not found", listing.stdout, flags=re.MULTILINE)
    return tuple(dict.fromkeys(found))


def _x11_socket_missing(display: str) -> bool:
    """True when ``DISPLAY`` names a local X server whose socket does not exist."""
    match = re.fullmatch(r"(?:unix)?:(\d+)(?:\.\d+)?", display.strip())
    return match is not None and not Path(f"/tmp/.X11-unix/X{match.group(1)}").exists()


def _xcb_problem() -> QtProbe | None:
    plugins = plugin_dir()
    xcb = plugins / "platforms" / "libqxcb.so" if plugins else None
    missing = missing_libraries(xcb) if xcb else ()
    if missing:
        return QtProbe(False, "xcb", "the Qt xcb platform plugin cannot load: missing "
                       f"{', '.join(missing)}", missing)
    return None


def display_problem() -> QtProbe:
    """Cheap pre-flight check (no Qt import): is a window possible with the user's platform?"""
    platform = user_platform()
    if platform in HEADLESS_PLATFORMS or not sys.platform.startswith("linux"):
        return QtProbe(True, platform)
    display, wayland = os.environ.get("DISPLAY", ""), os.environ.get("WAYLAND_DISPLAY", "")
    if platform == "xcb":
        problems = []
        if not display:
            problems.append("no display: DISPLAY is not set (no X11 session; WAYLAND_DISPLAY "
                            "is not set either)")
        elif _x11_socket_missing(display):
            problems.append(f"no display: no X server answers on DISPLAY={display}")
        libs = _xcb_problem()
        if libs is not None:
            problems.append(libs.problem)
        if problems:
            return QtProbe(False, platform, "; ".join(problems),
                           libs.missing_libraries if libs else ())
        return QtProbe(True, platform)
    if platform == "wayland" and not wayland:
        return QtProbe(False, platform, "no display: QT_QPA_PLATFORM=wayland but WAYLAND_DISPLAY "
                       "is not set")
    return QtProbe(True, platform)


def apt_line(packages: tuple[str, ...]) -> str:
    """The one command that installs ``packages`` (``sudo`` unless already root)."""
    sudo = "" if hasattr(os, "geteuid") and os.geteuid() == 0 else "sudo "
    return f"{sudo}apt-get install -y {' '.join(packages)}"


def probe_platform(timeout_s: float = 20.0) -> QtProbe:
    """Create a ``QGuiApplication`` in a child process with the user's platform; explain."""
    platform = user_platform()
    env = dict(os.environ)
    override = os.environ.get(PLUGIN_DIR_ENV)
    if override:
        env["QT_QPA_PLATFORM_PLUGIN_PATH"] = str(Path(override) / "platforms")
    try:
        child = subprocess.run([sys.executable, "-c", _PROBE_CODE], capture_output=True,
                               text=True, timeout=timeout_s, env=env)
    except subprocess.TimeoutExpired:
        return QtProbe(False, platform, f"creating a Qt application took over {timeout_s:g} s")
    if child.returncode == 0:
        return QtProbe(True, platform)
    cheap = display_problem()
    if not cheap.ok:
        return cheap
    if platform == "xcb":
        xcb = _xcb_problem()
        if xcb is not None:
            return xcb
    last = next((ln for ln in reversed(child.stderr.splitlines()) if ln.strip()), "")
    return QtProbe(False, platform, f"Qt could not start the {platform} platform "
                   f"(exit {child.returncode}): {last.strip()[:200]}")


def main(argv: list[str] | None = None) -> int:
    """``python -m rotation_addin.diagnostics.qt_probe --apt-packages`` (used by install.sh):
    print the Debian packages the xcb plugin is missing, space-separated (nothing if none)."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["--apt-packages"]:
        print("usage: python -m rotation_addin.diagnostics.qt_probe --apt-packages",
              file=sys.stderr)
        return 2
    plugins = plugin_dir()
    missing = missing_libraries(plugins / "platforms" / "libqxcb.so") if plugins else ()
    print(" ".join(QtProbe(False, "xcb", "", missing).apt_packages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
