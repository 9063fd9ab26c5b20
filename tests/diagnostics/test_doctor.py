"""``rotation doctor`` as a user runs it (a child process), on a healthy install and on each
broken part: read-only data dir, corrupt cache, no keyring backend, a missing Qt plugin
library (simulated, see ``fake_qt.py``) and no network (a closed 127.0.0.1 port)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.diagnostics.fake_qt import SIMULATED_MISSING, SIMULATED_PACKAGE, fake_plugin_dir

MEMORY_KEYRING = "tests.keyring_standin.MemoryKeyring"


@pytest.fixture
def listening_url() -> Iterator[str]:
    """http://127.0.0.1:<port> of a socket that accepts connections (a reachable host)."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                server.accept()[0].close()
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    server.close()


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there any more


def doctor(home: Path, url: str, *extra_env: tuple[str, str],
           prefix: tuple[str, ...] = ()) -> tuple[int, dict[str, dict[str, str]], str]:
    env = {**os.environ, "ROTATION_DESK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen",
           "PYTHON_KEYRING_BACKEND": MEMORY_KEYRING, "PYTHONPATH": str(REPO_ROOT)}
    env.update(dict(extra_env))
    started = time.monotonic()
    child = subprocess.run([*prefix, sys.executable, "-m", "rotation_addin.cli.main", "doctor",
                            "--json", "--api-url", url, "--provider-url", url],
                           cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - started
    body = json.loads(child.stdout)
    checks = {c["name"]: c for c in body["checks"]}
    assert body["ok"] is (child.returncode == 0) and elapsed < 60
    return child.returncode, checks, child.stderr


def statuses(checks: dict[str, dict[str, str]]) -> dict[str, str]:
    return {name: c["status"] for name, c in checks.items()}


def test_healthy_install_is_all_ok(tmp_path: Path, listening_url: str) -> None:
    code, checks, err = doctor(tmp_path / "home", listening_url)
    assert code == 0, err
    got = statuses(checks)
    assert got.pop("workbook") == "WARN"  # not built yet, and the fix says how
    assert checks["workbook"]["fix"] == "rotation demo"
    assert set(got.values()) == {"OK"}, checks
    assert checks["python"]["detail"].startswith(".".join(map(str, sys.version_info[:3])))
    assert "numpy " in checks["packages"]["detail"] and "PySide6-Essentials" in \
        checks["packages"]["detail"]
    assert checks["keyring"]["detail"] == MEMORY_KEYRING
    assert checks["qt"]["detail"] == "platform plugin 'offscreen' loads"
    if sys.platform.startswith("linux"):
        assert "not applicable on Linux" in checks["xlwings add-in"]["detail"]
    assert "reachable" in checks["exchange binanceusdm"]["detail"]


def test_built_workbook_and_valid_cache_report_location_and_schema(
    tmp_path: Path, listening_url: str, demo_cache_file: Path
) -> None:
    from rotation_addin.data.cache_schema import SCHEMA_VERSION

    home = tmp_path / "home"
    (home / "data").mkdir(parents=True)  # the cache of a real `rotation refresh --demo`
    shutil.copyfile(demo_cache_file, home / "data" / "cache.sqlite3")
    workbook = home / "data" / "workbooks" / "rotation_desk.xlsx"
    workbook.parent.mkdir(parents=True, exist_ok=True)
    workbook.write_bytes(b"placeholder")  # the check reports where it is, not its content
    code, checks, _ = doctor(home, listening_url)
    assert code == 0
    cache = home / "data" / "cache.sqlite3"
    assert checks["cache"]["detail"] == f"{cache}: integrity ok, schema {SCHEMA_VERSION}"
    assert checks["workbook"] == {"name": "workbook", "status": "OK", "detail": str(workbook),
                                  "fix": ""}


def test_read_only_data_dir_fails_with_the_fix(listening_url: str) -> None:
    # root ignores file modes, so as root the doctor runs as "nobody" (setpriv)
    base = Path(tempfile.mkdtemp(prefix="doctor-ro-"))
    try:
        base.chmod(0o755)
        home = base / "home"
        (home / "config").mkdir(parents=True)
        (home / "data").mkdir()
        (home / "config").chmod(0o777)
        home.chmod(0o755)
        (home / "data").chmod(0o555)
        prefix: tuple[str, ...] = ()
        if os.geteuid() == 0:
            prefix = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
        code, checks, _ = doctor(home, listening_url, prefix=prefix)
    finally:
        (base / "home" / "data").chmod(0o755)
        subprocess.run(["rm", "-rf", str(base)], check=True)
    assert code == 1
    assert checks["data dir"]["status"] == "FAIL"
    assert "is not writable (Permission denied)" in checks["data dir"]["detail"]
    assert checks["data dir"]["fix"].startswith(f"chmod u+w '{home / 'data'}'")
    assert checks["config dir"]["status"] == "OK"


@pytest.mark.parametrize("damage", ["garbage", "torn page"])
def test_corrupt_cache_fails_with_the_fix(tmp_path: Path, listening_url: str,
                                         damage: str) -> None:
    cache = tmp_path / "home" / "data" / "cache.sqlite3"
    cache.parent.mkdir(parents=True)
    if damage == "garbage":
        cache.write_bytes(b"this is not an SQLite database" * 200)
    else:
        with sqlite3.connect(cache) as conn:  # a real database, then one page overwritten
            conn.execute("CREATE TABLE t (x TEXT)")
            conn.execute("CREATE INDEX t_x ON t (x)")
            conn.executemany("INSERT INTO t VALUES (?)", [(f"row {i}" * 20,) for i in range(2000)])
        conn.close()
        raw = bytearray(cache.read_bytes())
        page = 4096
        raw[3 * page: 4 * page] = b"\xff" * page
        cache.write_bytes(bytes(raw))
    code, checks, _ = doctor(tmp_path / "home", listening_url)
    assert code == 1
    assert checks["cache"]["status"] == "FAIL"
    assert str(cache) in checks["cache"]["detail"]
    assert "rotation refresh --demo" in checks["cache"]["fix"]


def test_no_keyring_backend_warns_and_names_what_to_install(tmp_path: Path,
                                                            listening_url: str) -> None:
    code, checks, _ = doctor(tmp_path / "home", listening_url,
                             ("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring"))
    assert code == 0  # keys are optional: a warning, not a failure
    assert checks["keyring"]["status"] == "WARN"
    assert "no OS credential store" in checks["keyring"]["detail"]
    if sys.platform.startswith("linux"):
        assert "gnome-keyring" in checks["keyring"]["fix"]
        assert "keyrings.alt" in checks["keyring"]["fix"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xcb and ldd are Linux's")
def test_missing_qt_plugin_library_is_named_with_its_package(tmp_path: Path,
                                                             listening_url: str) -> None:
    plugins = fake_plugin_dir(tmp_path / "fake")
    code, checks, _ = doctor(tmp_path / "home", listening_url, ("QT_QPA_PLATFORM", "xcb"),
                             ("ROTATION_QT_PLUGIN_DIR", str(plugins)))
    assert code == 1
    qt = checks["qt"]
    assert qt["status"] == "FAIL"
    assert "the Qt xcb platform plugin cannot load: missing" in qt["detail"]
    assert SIMULATED_MISSING in qt["detail"]
    install_line = qt["fix"].split(";")[0]
    assert install_line.startswith(("apt-get install -y ", "sudo apt-get install -y "))
    assert SIMULATED_PACKAGE in install_line.split()


def test_no_network_is_a_quick_warning(tmp_path: Path) -> None:
    url = closed_port_url()
    started = time.monotonic()
    code, checks, _ = doctor(tmp_path / "home", url)
    assert time.monotonic() - started < 30
    assert code == 0
    for name in ("exchange binanceusdm", "provider coingecko", "provider defillama",
                 "provider fred", "provider santiment"):
        assert checks[name]["status"] == "WARN", name
        assert "unreachable (Connection refused)" in checks[name]["detail"]
        assert "demo market works offline" in checks[name]["fix"]


def test_table_output_and_bad_timeout(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      listening_url: str) -> None:
    from rotation_addin.cli.main import main

    code = main(["doctor", "--api-url", listening_url, "--provider-url", listening_url])
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if ln and not ln.startswith(" ")]
    assert lines[0].startswith("OK    python")
    assert out.strip().splitlines()[-1].endswith("warnings")
    assert code in (0, 1)
    with pytest.raises(SystemExit) as refused:  # refused as the flag is parsed
        main(["doctor", "--timeout", "0"])
    assert refused.value.code == 2
    assert "--timeout: must be above 0" in capsys.readouterr().err


@pytest.mark.parametrize("timeout", ["nan", "NaN", "inf", "0", "31"])
def test_timeout_out_of_range_or_nan_is_bad_input(timeout: str, listening_url: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """NaN passed every comparison and reached socket.create_connection ("Invalid value NaN")."""
    from tests.cli_helpers import one_line_error, run

    code, out, err = run(capsys, "doctor", "--timeout", timeout, "--api-url", listening_url,
                         "--provider-url", listening_url, "--json")
    assert code == 2
    assert one_line_error(err).startswith(
        "rotation: invalid input: --timeout: must be above 0 and at most 30 s (got ")
    assert json.loads(out)["error"]["exit_code"] == 2


@pytest.mark.parametrize(("flag", "url"), [("--api-url", "notaurl"), ("--api-url", "http://"),
                                           ("--provider-url", "127.0.0.1:80"),
                                           ("--api-url", "http://127.0.0.1:notaport")])
def test_url_without_scheme_or_host_is_bad_input(flag: str, url: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """``notaurl`` used to be checked as a host named "" (": name not found")."""
    from tests.cli_helpers import one_line_error, run

    code, _, err = run(capsys, "doctor", flag, url)
    assert code == 2
    assert one_line_error(err) == (f"rotation: invalid input: {flag}: must be a URL like "
                                   f"http://host:port (got {url!r})")


def test_reachable_check_of_an_address_without_host_says_so() -> None:
    from rotation_addin.diagnostics.checks import FAIL, check_reachable

    result = check_reachable("exchange x", "notaurl", 1.0)
    assert (result.status, result.detail) == (FAIL, "'notaurl' is not a URL like http://host:port")
