"""Hole T11 of issue #18: Ctrl-C during a live refresh prints one line, nothing else.

The real console script refreshes from the loopback Binance emulator (slow answers keep the
requests in flight); SIGINT arrives at moments spread from the imports to the fetches. The
stderr must hold only progress lines and ``rotation: interrupted`` -- no "Task exception was
never retrieved", no KeyboardInterrupt traceback.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGINT"), reason="POSIX signal test")

DELAYS_S = (0.25, 0.6, 1.0, 1.6, 2.4, 3.2)
"""From Python's imports (the command modules load pandas, ccxt) to requests in flight."""


def _universe(home: Path, bases: list[str]) -> None:
    (home / "config").mkdir(parents=True)
    (home / "config" / "universe.toml").write_text(
        f'quote = "USDT"\nbenchmark = "SYM00"\n\n[sectors]\nbenchmark = ["SYM00"]\n'
        f"alpha = {bases[1:]!r}\n".replace("'", '"'), encoding="utf-8")


def _unexpected(stderr: str) -> list[str]:
    lines = [ln.strip() for ln in stderr.replace("\r", "\n").splitlines() if ln.strip()]
    return [ln for ln in lines if not ln.startswith("refresh") and ln != "rotation: interrupted"]


def test_t11_ctrl_c_during_live_refresh_is_one_line(tmp_path: Path) -> None:
    from tests.emulator.binance import BinanceEmulator, Fault
    from tests.emulator.fixture_market import FixtureMarket, utc

    bases = [f"SYM{i:02d}" for i in range(8)]
    market = FixtureMarket.synthetic(8, end=utc(2024, 6, 1), days=60, seed=11)
    rng = random.Random(18)
    with BinanceEmulator(market, now=utc(2024, 5, 31, 12) + timedelta(minutes=30)) as emu:
        emu.faults += [Fault("latency", path="/fapi/v1/klines", symbol=b, count=None,
                             latency_s=0.4) for b in bases]
        results = []
        for trial, delay in enumerate(DELAYS_S):
            home = tmp_path / f"home{trial}"
            _universe(home, bases)
            env = {**os.environ, "ROTATION_DESK_HOME": str(home), "PYTHONUNBUFFERED": "1"}
            proc = subprocess.Popen(
                [str(Path(sys.executable).parent / "rotation"), "refresh", "--api-url",
                 emu.base_url, "--since", "2024-04-10"],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(delay + rng.uniform(0.0, 0.2))
            proc.send_signal(signal.SIGINT)
            _out, err = proc.communicate(timeout=60)
            results.append((delay, proc.returncode, err))
    for delay, code, err in results:
        assert code in (0, 4, 130), (delay, code, err)
        assert "Traceback" not in err and "never retrieved" not in err, (delay, err)
        assert _unexpected(err) == [], (delay, err)
    assert sum(code == 130 for _d, code, _e in results) >= len(DELAYS_S) - 1


LATE_CTRL_C = """
import atexit, os, signal, sys, time
from rotation_addin.cli.main import main

def late_ctrl_c():  # Ctrl-C while Python tears the process down, after the command printed
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.3)

atexit.register(late_ctrl_c)
sys.argv = ["rotation", "size", "--equity", "10000", "--entry", "7.50", "--stop", "7.05",
            "--side", "long"]
sys.exit(main())
"""


def test_ctrl_c_after_the_command_finished_keeps_its_exit_code() -> None:
    """The T11 flake, made deterministic: SIGINT during interpreter shutdown.

    Without the console entry ignoring late interrupts, the exit handler above dies with a
    ``KeyboardInterrupt`` traceback ("Exception ignored in atexit callback") or, once Python
    has reset its handler, the process is killed by SIGINT (exit -2) after printing its result.
    """
    proc = subprocess.run([sys.executable, "-c", LATE_CTRL_C], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, (proc.returncode, proc.stderr)
    assert proc.stderr == "", proc.stderr
    assert "quantity (base units)" in proc.stdout, proc.stdout


def test_main_called_in_process_leaves_ctrl_c_alone() -> None:
    """Only the console script (argv None) ignores late interrupts: a caller's process keeps
    its Ctrl-C (tests and embedders call ``main([...])``)."""
    from rotation_addin.cli.main import main

    before = signal.getsignal(signal.SIGINT)
    assert main(["size", "--equity", "10000", "--entry", "7.50", "--stop", "7.05",
                 "--side", "long"]) == 0
    assert signal.getsignal(signal.SIGINT) is before


CTRL_C_WHILE_IMPORTING = """
import importlib.abc, os, signal, sys, time

class CtrlCWhileImporting(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "rotation_addin.cli.main":  # the CLI's modules are being imported
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.5)
        return None

sys.meta_path.insert(0, CtrlCWhileImporting())
sys.argv = ["rotation", "size", "--equity", "10000", "--entry", "7.50", "--stop", "7.05",
            "--side", "long"]
from rotation_addin.cli.entry import main
sys.exit(main())
"""


def test_ctrl_c_while_the_cli_imports_is_one_line() -> None:
    """The T11 flake at 0.25 s under load, made deterministic: SIGINT while the console script
    imports the CLI (before ``main()`` can catch anything) prints the one line, exit 130."""
    proc = subprocess.run([sys.executable, "-c", CTRL_C_WHILE_IMPORTING], capture_output=True,
                          text=True, timeout=120)
    assert (proc.returncode, proc.stderr, proc.stdout) == (130, "rotation: interrupted\n", "")


def test_the_console_script_starts_at_the_quiet_entry() -> None:
    """pyproject's ``rotation`` script is the entry that installs the quiet handler first."""
    import tomllib

    repo = Path(__file__).resolve().parents[2]
    scripts = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert scripts["scripts"]["rotation"] == "rotation_addin.cli.entry:main"


def test_a_ctrl_c_the_parent_ignores_stays_ignored() -> None:
    """`rotation ... &` from a script: the shell ignores SIGINT for the command; the quiet
    start-up handler must not turn that ignored Ctrl-C into an exit."""
    ignored = "signal.signal(signal.SIGINT, signal.SIG_IGN)\nsys.meta_path.insert"
    script = CTRL_C_WHILE_IMPORTING.replace("sys.meta_path.insert", ignored)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, (proc.returncode, proc.stderr)
    assert "quantity (base units)" in proc.stdout
