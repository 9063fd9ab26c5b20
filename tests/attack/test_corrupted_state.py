"""Corrupted settings, universe, positions, journal, cache and workbook files: one line each.

Every file the tool keeps or reads is damaged in seeded random ways (truncated, bytes flipped,
zeroed, replaced by binary garbage, re-encoded, replaced by a folder) and the command that
reads it runs: exit 0 (the damage was harmless, e.g. a flipped byte in a comment) or one
line with exit 2/4, never a traceback; a damaged workbook is left exactly as it was.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli_helpers import run

MUTATIONS_PER_FILE = 5


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(max(len(data), 1))]


def _flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(max(1, len(out) // 50)):
        if out:
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _zero_block(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    start = rng.randrange(max(len(out), 1))
    size = rng.randint(16, 64 * 1024)
    out[start: start + size] = bytes(min(size, len(out) - start))
    return bytes(out)


def _garbage(data: bytes, rng: random.Random) -> bytes:
    return bytes(rng.randrange(256) for _ in range(rng.randint(0, 2048)))


def _latin1(data: bytes, rng: random.Random) -> bytes:
    return data.decode("utf-8", "replace").replace("e", "\xe9").encode("latin-1", "replace")


MUTATORS: list[Callable[[bytes, random.Random], bytes]] = [_truncate, _flip, _zero_block,
                                                          _garbage, _latin1]

SETTINGS = b'equity_usd = 25000.0\nrisk_fraction = 0.01\nexchange_id = "binanceusdm"\n'
UNIVERSE = (b'quote = "USDT"\nbenchmark = "BTC"\n\n[sectors]\nbenchmark = ["BTC"]\n'
            b'ai = ["RENDER", "FET", "TAO"]\nl1 = ["ETH", "SOL"]\n')
POSITIONS = (b"symbol,side,quantity,entry_price,stop_price,take_profit_price,opened_at\n"
             b"RENDER,long,10,5.0,4.5,,2026-11-01T00:00:00Z\n")
JOURNAL = (b"symbol,side,quantity,entry_price,exit_price,opened_at,closed_at,fees_usd\n"
           b"FET,long,100,1.0,1.2,2026-10-01T00:00:00Z,2026-10-05T00:00:00Z,0.1\n")


def _check(code: int, err: str, what: str) -> None:
    assert "Traceback" not in err, (what, err)
    assert code in (0, 2, 3, 4), (what, code, err)
    if code != 0:
        lines = [ln for ln in err.strip().splitlines()
                 if not ln.startswith(("refresh [", "warning:", "note:"))]
        assert len(lines) == 1, (what, err)


@pytest.mark.parametrize("name, content, argv", [
    ("settings.toml", SETTINGS, ["regime"]),
    ("universe.toml", UNIVERSE, ["sectors"]),
    ("positions.csv", POSITIONS, ["plan"]),
    ("trade_journal.csv", JOURNAL, ["plan"]),
])
def test_attack_corrupted_config_files(name: str, content: bytes, argv: list[str],
                                       isolated_home: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    target = isolated_home / "config" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(name)
    for mutate in rng.sample(MUTATORS, MUTATIONS_PER_FILE):
        target.write_bytes(mutate(content, rng))
        _check(*run(capsys, *argv)[::2], what=f"{name} {mutate.__name__}")
    target.unlink()
    target.mkdir()
    _check(*run(capsys, *argv)[::2], what=f"{name} is a folder")


def test_attack_corrupted_cache(demo_cache_file: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random("cache")
    original = demo_cache_file.read_bytes()
    for trial, mutate in enumerate(rng.sample(MUTATORS, MUTATIONS_PER_FILE)):
        damaged = tmp_path / f"cache{trial}.sqlite3"
        damaged.write_bytes(mutate(original, rng))
        for argv in (["data", "status", "--cache", str(damaged)],
                     ["sectors", "--source", "cache", "--exchange", "demo", "--cache",
                      str(damaged)]):
            _check(*run(capsys, *argv)[::2], what=f"cache {mutate.__name__} {argv[0]}")


def test_attack_corrupted_workbook_left_unchanged(built: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random("workbook")
    original = built.read_bytes()
    for trial, mutate in enumerate(rng.sample(MUTATORS, MUTATIONS_PER_FILE)):
        damaged = tmp_path / f"book{trial}.xlsx"
        damaged.write_bytes(mutate(original, rng))
        before = damaged.read_bytes()
        code, _out, err = run(capsys, "demo", "--out", str(damaged))
        _check(code, err, what=f"workbook {mutate.__name__}")
        if code != 0:
            assert damaged.read_bytes() == before
    shutil.rmtree(tmp_path, ignore_errors=True)
