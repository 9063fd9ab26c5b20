"""The minor holes of issue #18: exchange ids, a read-only cache, the universe size bound."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import one_line_error, run

HOSTILE_IDS = ["../../x", "a b", "x;rm", "1abc", "binance/../usdm", "x\u202e"]


@pytest.mark.parametrize("hostile", HOSTILE_IDS)
@pytest.mark.parametrize("argv", [
    ["size", "--equity", "10000", "--entry", "100", "--stop", "95", "--side", "long",
     "--symbol", "RENDER", "--source", "cache"],
    ["leverage", "--symbol", "RENDER", "--source", "cache"],
    ["sectors", "--source", "cache"],
    ["corr", "--source", "cache"],
    ["data", "status"],
])
def test_minor_exchange_ids_are_validated_everywhere(
        argv: list[str], hostile: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, *argv, "--exchange", hostile)
    line = one_line_error(err)
    assert code == 2, err
    assert "exchange" in line and "refresh --exchange" not in line, line


def _without_root_override(argv: list[str]) -> list[str]:
    """Run ``argv`` so file modes bind even for root (CI containers often run as root)."""
    if os.geteuid() != 0:
        return argv
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only file cannot be made binding")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search",
            "--inh-caps=-dac_override,-dac_read_search", *argv]


@pytest.mark.parametrize("lock", ["file", "folder"])
def test_minor_read_only_valid_cache_serves_read_commands(
        lock: str, home_cache: Path, isolated_home: Path) -> None:
    cache = home_cache
    for extra in cache.parent.glob("cache.sqlite3-*"):
        extra.unlink()
    before = cache.read_bytes()
    cache.chmod(0o444)
    if lock == "folder":
        cache.parent.chmod(0o555)
    env = {**os.environ, "ROTATION_DESK_HOME": str(isolated_home)}
    rotation = str(Path(sys.executable).parent / "rotation")
    try:
        status = subprocess.run(_without_root_override([rotation, "data", "status"]), env=env,
                                capture_output=True, text=True, timeout=120)
        sectors = subprocess.run(_without_root_override(
            [rotation, "sectors", "--source", "cache", "--exchange", "demo"]), env=env,
            capture_output=True, text=True, timeout=120)
        write = subprocess.run(_without_root_override([rotation, "refresh", "--demo"]), env=env,
                               capture_output=True, text=True, timeout=120)
    finally:
        cache.parent.chmod(0o755)
        cache.chmod(0o644)
    assert status.returncode == 0, status.stderr
    assert "demo" in status.stdout and "move it away" not in status.stderr
    assert sectors.returncode == 0, sectors.stderr
    assert write.returncode == 4 and "Traceback" not in write.stderr, write.stderr
    last = write.stderr.strip().splitlines()[-1]
    assert str(cache) in last and "read-only" in last, write.stderr
    assert cache.read_bytes() == before
