"""``rotation backtest --workers``: how many processes a sweep runs on.

The default is the cores this process may use (at most
``core.constants.SWEEP_WORKERS_DEFAULT_MAX``); the figures do not depend on it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rotation_addin.core.constants import SWEEP_WORKERS_DEFAULT_MAX
from rotation_addin.data.demo import demo_dataset
from rotation_addin.desk.backtest import sweep_workers
from tests.cli_helpers import one_line_error, run


def test_the_default_is_the_usable_cores_up_to_the_cap() -> None:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else os.cpu_count() or 1
    assert sweep_workers() == max(1, min(usable, SWEEP_WORKERS_DEFAULT_MAX))


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity on this OS")
def test_a_process_held_to_one_core_sweeps_on_one() -> None:
    """``taskset``-like: a child process allowed one CPU reads 1 (not the machine's count)."""
    code = ("import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
            "from rotation_addin.desk.backtest import sweep_workers; print(sweep_workers())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    assert out.strip() == "1"


@pytest.mark.parametrize(("argv", "said"), [
    (["--strategy", "--workers", "2"], "--workers: only applies to a sweep (--sweep or --grid)"),
    (["--workers", "2"], "--workers: only applies to a sweep"),
    (["--sweep", "--workers", "0"], "--workers: must be at least 1 and at most 64 (got 0)"),
    (["--sweep", "--workers", "1.5"],
     "--workers: must be a whole number at least 1 and at most 64 (got '1.5')"),
])
def test_bad_or_idle_workers_give_one_line(capsys: pytest.CaptureFixture[str], argv: list[str],
                                           said: str) -> None:
    code, out, err = run(capsys, "backtest", "--source", "demo", *argv)
    assert code == 2 and out == ""
    assert said in one_line_error(err)


def test_one_process_and_two_give_the_same_sweep(capsys: pytest.CaptureFixture[str]) -> None:
    start = demo_dataset().close.index[-90]
    sweeps = []
    for workers in ("1", "2"):
        code, out, err = run(capsys, "backtest", "--source", "demo", "--start",
                             f"{start:%Y-%m-%d}", "--grid", "atr_stop_multiple=1.5,2,3",
                             "--workers", workers, "--json")
        assert code == 0, err
        sweeps.append(json.loads(out)["sweep"])
    assert len(sweeps[0]["settings"]) == 3
    assert sweeps[0] == sweeps[1]
