"""A user save racing a workbook refresh, with SIGKILLs at random moments: no edit is lost.

A child process imports everything once and forks, per trial, a refresher that refreshes the
workbook over and over (so a kill lands anywhere: loading, filling, writing the temporary
file, checking, renaming). Meanwhile this process saves the workbook the way Excel does (the
whole file beside it, renamed over it) with a new marker, then SIGKILLs the refresher at a
random moment. After every trial the file must open and hold every marker saved so far.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from rotation_addin.data.demo import demo_dataset
from rotation_addin.data.settings import Settings
from workbook.refresh import refresh_workbook

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX fork/kill test")

TRIALS = 20
NOTES = "My notes"

FORK_SERVER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from rotation_addin.data.demo import demo_dataset
    from rotation_addin.data.settings import Settings
    from workbook.refresh import refresh_workbook

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # killed refreshers are reaped for us
    path, dataset, settings = Path(sys.argv[1]), demo_dataset(), Settings()
    print("READY", flush=True)
    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            while True:
                try:
                    refresh_workbook(path, dataset, params=settings)
                except Exception as exc:  # e.g. refused after saves kept coming: try again
                    print("REFUSED", type(exc).__name__, exc, file=sys.stderr, flush=True)
        print(pid, flush=True)
""")


def _user_save(path: Path, marker: int) -> None:
    wb = load_workbook(path)
    sheet = wb[NOTES] if NOTES in wb.sheetnames else wb.create_sheet(NOTES)
    sheet.cell(row=marker + 1, column=1).value = f"edit {marker}"
    temporary = path.with_name(f"~$user-{marker}.tmp")
    wb.save(temporary)
    os.replace(temporary, path)


def _markers(path: Path) -> set[int]:
    wb = load_workbook(path)
    if NOTES not in wb.sheetnames:
        return set()
    return {int(str(c.value).split()[1]) for c in wb[NOTES]["A"] if c.value}


def test_attack_sigkill_during_refresh_with_concurrent_user_save(built: Path) -> None:
    rng = random.Random(2018)
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo), "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen([sys.executable, "-c", FORK_SERVER, str(built)], cwd=repo, env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    assert server.stdin is not None and server.stdout is not None
    lost: list[tuple[int, set[int]]] = []
    try:
        assert server.stdout.readline().strip() == "READY"
        for trial in range(TRIALS):
            server.stdin.write("go\n")
            server.stdin.flush()
            refresher = int(server.stdout.readline())
            time.sleep(rng.uniform(0.0, 0.5))
            _user_save(built, trial)
            time.sleep(rng.uniform(0.0, 0.5))
            os.kill(refresher, signal.SIGKILL)
            time.sleep(0.05)
            missing = set(range(trial + 1)) - _markers(built)
            if missing:
                lost.append((trial, missing))
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    assert lost == []
    # Under load every refresher may have been killed before it finished one refresh (then no
    # backup exists yet): one refresh that runs to the end keeps every marker and a backup.
    refresh_workbook(built, demo_dataset(), params=Settings())
    assert _markers(built) == set(range(TRIALS))
    load_workbook(built.with_name(f"{built.stem}.bak{built.suffix}"))  # the backup opens too
