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


def test_the_liquidation_example_says_what_the_command_prints(
        capsys: pytest.CaptureFixture[str]) -> None:
    """README: ``rotation liq --entry 100 --quantity 10 --leverage 20 --side long --mmr 0.4%
    # 20x: liquidated 4.6 % below``: the command's distance, and the isolated long's
    closed form with a flat MMR, E (1 - 1/L) / (1 - mmr)."""
    from tests.cli_helpers import run

    line = next(c for c in (REPO_ROOT / "README.md").read_text(encoding="utf-8").splitlines()
                if c.startswith("rotation liq "))
    command, comment = line.split("  #")
    said = re.search(r"(\d+)x: liquidated ([\d.]+) % below", comment)
    assert said is not None
    argv = command.split()[1:]
    flags = dict(zip(argv[1::2], argv[2::2], strict=True))
    assert flags["--side"] == "long" and int(said.group(1)) == int(flags["--leverage"])
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    printed = re.search(r"distance from entry\s+([\d.]+)%", out)
    assert printed is not None
    leverage = float(flags["--leverage"])
    mmr = float(flags["--mmr"].rstrip("%")) / 100
    closed_form = 100 * (1 - (1 - 1 / leverage) / (1 - mmr))
    assert float(printed.group(1)) == pytest.approx(closed_form, abs=0.005)
    assert f"{closed_form:.1f}" == said.group(2)
