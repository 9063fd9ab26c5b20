"""The checks of ``rotation doctor``: each says OK, WARN or FAIL, what it saw and the fix.

Every check is a small function returning a :class:`Check`; none raises (a check that
cannot run says so as its own result). FAIL means a part of the tool cannot work here
(``rotation doctor`` then exits 1); WARN means an optional part is missing.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import socket
import sqlite3
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from rotation_addin.data.cache_schema import SCHEMA_VERSION
from rotation_addin.diagnostics.qt_probe import apt_line, probe_platform

OK, WARN, FAIL = "OK", "WARN", "FAIL"
MIN_PYTHON = (3, 11)
#: Distribution names whose versions the doctor prints (a missing one is a FAIL).
PACKAGES = ("rotation-desk", "numpy", "pandas", "ccxt", "openpyxl", "xlwings",
            "PySide6-Essentials", "pyqtgraph", "keyring", "platformdirs")
DEFAULT_NETWORK_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Check:
    """One doctor line: ``status`` is OK / WARN / FAIL; ``fix`` is empty when OK."""

    name: str
    status: str
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def check_python() -> Check:
    """Python version against the supported minimum."""
    version = platform.python_version()
    if sys.version_info[:2] >= MIN_PYTHON:
        return Check("python", OK, f"{version} ({sys.executable})")
    return Check("python", FAIL, f"{version} is older than 3.11",
                 "install Python 3.11 or newer and recreate the virtual environment")


def check_packages() -> Check:
    """Installed versions of the package and its runtime dependencies."""
    versions, missing = [], []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    if missing:
        return Check("packages", FAIL, f"not installed: {', '.join(missing)}",
                     f"{sys.executable} -m pip install {' '.join(missing)}")
    return Check("packages", OK, ", ".join(versions))


def _writable(folder: Path) -> str | None:
    """None when a file can be created in ``folder``, else the reason."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-", delete=True):
            pass
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return None


def check_folder(name: str, folder_of: Callable[[], Path]) -> Check:
    """The config or data folder exists (or can be created) and is writable."""
    try:
        folder = folder_of()
    except OSError as exc:
        return Check(name, FAIL, f"cannot create it: {exc.strerror}",
                     "set ROTATION_DESK_HOME to a folder you can write")
    problem = _writable(folder)
    if problem:
        return Check(name, FAIL, f"{folder} is not writable ({problem})",
                     f"chmod u+w '{folder}' (or set ROTATION_DESK_HOME to a writable folder)")
    return Check(name, OK, f"{folder} (writable)")


def check_cache(path: Path) -> Check:
    """SQLite ``PRAGMA integrity_check`` and the schema version of the market-data cache."""
    if not path.exists():
        return Check("cache", OK, f"none yet at {path} (created by the first refresh)")
    rebuild = f"move '{path}' away; `rotation refresh --demo` (or a live refresh) rebuilds it"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=2.0)
        try:
            verdict = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return Check("cache", FAIL, f"{path} is not a readable SQLite file ({exc})", rebuild)
    if verdict != "ok":
        return Check("cache", FAIL, f"{path} failed the integrity check: {verdict[:120]}", rebuild)
    if version > SCHEMA_VERSION:
        return Check("cache", FAIL, f"schema {version} is newer than this version "
                     f"({SCHEMA_VERSION})", "upgrade Rotation Desk (pip install -U rotation-desk)")
    note = "" if version == SCHEMA_VERSION else f", upgraded to {SCHEMA_VERSION} on next open"
    return Check("cache", OK, f"{path}: integrity ok, schema {version}{note}")


def check_workbook(path: Path, *copies: Path) -> Check:
    """Where the generated workbook is (or will be); ``copies`` are other places it may be
    (the installer's copy in Documents)."""
    found = [str(p) for p in (path, *copies) if p.is_file()]
    if found:
        return Check("workbook", OK, ", ".join(found))
    return Check("workbook", WARN, f"not built yet (will be {path})", "rotation demo")


def check_keyring() -> Check:
    """The OS credential store that keeps exchange / provider API keys."""
    try:
        # deferred: keyring (~40 ms, -X importtime) off CLI start-up (bench/bench_cli_start.py);
        # its import failing is a finding here
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception as exc:  # keyring probes OS services; any failure is a finding here
        return Check("keyring", WARN, f"keyring could not start ({type(exc).__name__})",
                     f"{sys.executable} -m pip install --force-reinstall keyring")
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if isinstance(backend, fail.Keyring):
        fix = {"linux": "install a Secret Service (sudo apt-get install gnome-keyring) or "
                        f"`{sys.executable} -m pip install keyrings.alt` (file-based, less safe)",
               "darwin": "the macOS Keychain should be available: pip install -U keyring",
               "win32": "Windows Credential Manager should be available: pip install -U keyring"}
        return Check("keyring", WARN, "no OS credential store: API keys cannot be saved "
                     "(public market data needs none)", fix.get(sys.platform, fix["linux"]))
    return Check("keyring", OK, name)


def check_qt() -> Check:
    """Creates a Qt application with the platform the user would get (child process)."""
    probe = probe_platform()
    if probe.ok:
        return Check("qt", OK, f"platform plugin {probe.platform!r} loads")
    fix = "start the app inside a desktop session (X11 or Wayland)"
    if probe.apt_packages:
        fix = apt_line(probe.apt_packages) + (
            "; then start it inside a desktop session" if "no display" in probe.problem else "")
    return Check("qt", FAIL, probe.problem, fix)


def check_libreoffice() -> Check:
    """LibreOffice (``soffice``) renders workbooks to PNG/PDF; optional."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return Check("libreoffice", OK, found)
    return Check("libreoffice", WARN, "not found (only `rotation workbook render` needs it)",
                 "sudo apt-get install libreoffice-calc (Linux) or install LibreOffice")


def check_xlwings_addin() -> Check:
    """The xlwings Excel add-in and its UDF configuration (Windows with Excel only)."""
    if sys.platform != "win32":
        return Check("xlwings add-in", OK, f"not applicable on {platform.system()} (Excel UDFs "
                     "need Windows; refresh workbooks with `rotation refresh --workbook`)")
    appdata = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
    addin = appdata / "Microsoft" / "Excel" / "XLSTART" / "xlwings.xlam"
    conf = Path.home() / ".xlwings" / "xlwings.conf"
    if not addin.is_file():
        return Check("xlwings add-in", WARN, f"not installed ({addin} missing)",
                     "xlwings addin install (or run installer/install.ps1)")
    text = conf.read_text(encoding="utf-8", errors="replace") if conf.is_file() else ""
    if "rotation_addin.udfs" not in text:
        return Check("xlwings add-in", WARN, f"installed; {conf} does not name "
                     "rotation_addin.udfs", "run installer/install.ps1 again")
    return Check("xlwings add-in", OK, f"{addin}; UDF module rotation_addin.udfs")


def check_reachable(name: str, url: str, timeout_s: float) -> Check:
    """TCP connection to the host of ``url`` within ``timeout_s`` (DNS failure is immediate)."""
    parts = urllib.parse.urlsplit(url)
    try:
        host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # a port that is not a number or out of range
        host = ""
    if not host:  # e.g. a settings exchange_api_url without scheme: nothing to connect to
        return Check(name, FAIL, f"{url!r} is not a URL like http://host:port",
                     "correct the address (settings exchange_api_url or the flag)")
    started = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except socket.gaierror:
        return Check(name, WARN, f"{host}: name not found (no network or DNS)",
                     "check the connection; the demo market works offline")
    except OSError as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        return Check(name, WARN, f"{host}:{port} unreachable ({reason})",
                     "check the connection, proxy or firewall; the demo market works offline")
    elapsed_ms = (time.monotonic() - started) * 1000.0
    return Check(name, OK, f"{host}:{port} reachable ({elapsed_ms:.0f} ms)")


def run_checks(checks: Sequence[Callable[[], Check]]) -> list[Check]:
    """Run each check; one that raises becomes a FAIL line naming the problem."""
    results = []
    for check in checks:
        try:
            results.append(check())
        except Exception as exc:  # the doctor must finish and report, whatever it meets
            name = getattr(check, "__name__", "check").removeprefix("check_")
            results.append(Check(name, FAIL, f"the check itself failed: {exc}",
                                 "report this with the output of `rotation doctor --json`"))
    return results


__all__ = ["FAIL", "OK", "WARN", "Check", "check_cache", "check_folder", "check_keyring",
           "check_libreoffice", "check_packages", "check_python", "check_qt",
           "check_reachable", "check_workbook", "check_xlwings_addin", "run_checks"]
