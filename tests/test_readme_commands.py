"""The README's command-line block works as written after the install: each line runs in
bash after ``source <venv>/bin/activate`` (how the README says ``rotation`` gets on PATH),
in an empty folder. Lines that need the internet are listed here and not run (no network)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

#: README lines that talk to the exchange or the data providers (or, doctor, to both).
NEEDS_NETWORK = {
    "rotation refresh",
    "rotation providers refresh",
    "rotation providers set-key santiment && rotation providers refresh --sentiment",
    "rotation doctor",
    "rotation platforms RENDER --notional 20000 --side long",  # asks each venue's live book
    "rotation plan --venues binanceusdm,bybit,okx --quarterlies",  # live books per order
    "rotation refresh --workbook FILE --venues binanceusdm,bybit",  # exchange + live books
    "rotation watch",  # streams the exchange's websocket until Ctrl-C
    "rotation watch --once",  # one REST snapshot of the exchange
}
POSITIONS = ("symbol,side,quantity,entry_price,stop_price,take_profit_price,opened_at\n"
             "RENDER,long,100,1.60,1.40,,2026-11-20T00:00:00+00:00\n")


def readme_commands() -> list[str]:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Command line", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    assert block is not None
    lines = [line.split("  #")[0].strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line]


def test_readme_says_how_rotation_gets_on_path() -> None:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "source .venv/bin/activate" in text and ".venv/bin/rotation" in text
    activate = Path(sys.executable).parent / "activate"
    assert activate.is_file() or os.name == "nt"


@pytest.mark.skipif(os.name == "nt", reason="the README block is bash")
def test_readme_commands_work_as_written(tmp_path: Path) -> None:
    commands = readme_commands()
    assert set(commands) >= NEEDS_NETWORK  # the list above stays in step with the README
    (tmp_path / "my_positions.csv").write_text(POSITIONS, encoding="utf-8")
    activate = Path(sys.executable).parent / "activate"
    env = {**os.environ, "ROTATION_DESK_HOME": str(tmp_path / "home")}
    env.pop("VIRTUAL_ENV", None)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep)
                                  if Path(p) != Path(sys.executable).parent)
    for command in commands:
        if command in NEEDS_NETWORK:
            continue
        done = subprocess.run(["bash", "-c", f"source '{activate}' && {command}"],
                              cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
        assert done.stdout.strip(), command
        assert "Traceback" not in done.stderr, command
