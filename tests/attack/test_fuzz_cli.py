"""Every flag of every ``rotation`` command with hostile values: one line, never a traceback.

The parser is walked, so a new flag is attacked without editing this file. Quick commands
run every hostile value on every flag; the heavier ones (they build the demo market) run a
seeded sample of values per flag; the commands that would leave this machine (``refresh``,
``providers refresh``) or start a GUI or LibreOffice are attacked at the parser, where their
values are validated (``refresh --demo`` itself runs in tests/attack/test_holes_*.py).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import pytest

from rotation_addin.cli.main import build_parser
from tests.cli_helpers import run

HOSTILE = ["", " ", "-1", "0", "nan", "inf", "-inf", "1e400", "1e-400", "-", "e5", "$-", "2%",
           "%", "1,", "../../x", "x" * 5000, "\u202e", "🚀", "99999999999999999999",
           "/proc/nope/x", "--json", "=1+1"]
BASE: dict[str, list[str]] = {
    "size": ["--equity", "10000", "--entry", "100", "--stop", "95", "--side", "long"],
    "liq": ["--side", "long", "--entry", "100", "--quantity", "1", "--leverage", "5"],
    "leverage": ["--daily-vol", "0.05"],
    "data status": [],
    "providers status": [],
    "regime": [],
    "sectors": [],
    "corr": [],
    "plan": [],
    "backtest": ["--every", "30"],
    "workbook build": ["--force"],
    "demo": [],
    "refresh": ["--demo"],
    "data import-csv": ["FOLDER"],
    "trade list": [],
    "journal review": [],
    "trade open": ["RENDER", "--side", "long", "--stop", "1", "--quantity", "1"],
    "alerts list": [],
    "alerts add": ["price_above", "BTC", "--threshold", "1"],
    "alerts remove": ["1"],
    "alerts history": [],
    "completion": ["bash"],
}
QUICK = {"size", "liq", "leverage", "data status", "providers status"}
SAMPLED_PER_FLAG = 1
PARSE_ONLY = {"providers refresh", "providers set-key", "workbook render", "gui", "refresh",
              # these reach the network (doctor, platforms) or need an existing trade id;
              # their handlers are attacked in tests/journal/test_bad_input.py and
              # tests/data/test_platforms.py
              "doctor", "platforms", "trade close", "trade correct", "trade export",
              "trade import", "trade move", "trade note",
              # streams until stopped (its bad flags: tests/cli/test_cli_watch.py)
              "watch"}
OFFLINE_ONLY_FLAGS: set[tuple[str, str]] = set()


def _commands() -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}

    def walk(parser: argparse.ArgumentParser, prefix: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, [*prefix, name])
        if prefix and not any(isinstance(a, argparse._SubParsersAction)
                              for a in parser._actions):
            found[" ".join(prefix)] = parser

    walk(build_parser(), [])
    return found


def _value_flags(parser: argparse.ArgumentParser) -> list[str]:
    return [a.option_strings[-1] for a in parser._actions
            if a.option_strings and a.nargs != 0 and not isinstance(a, argparse._HelpAction)]


COMMANDS = _commands()
CASES = [(command, flag) for command, parser in COMMANDS.items()
         for flag in _value_flags(parser)]


def _non_progress(err: str) -> list[str]:
    lines = [ln.strip() for ln in err.replace("\r", "\n").splitlines() if ln.strip()]
    return [ln for ln in lines if not ln.startswith(("refresh [", "warning:", "note:"))]


def test_attack_cli_every_command_is_covered() -> None:
    assert set(COMMANDS) <= set(BASE) | PARSE_ONLY, set(COMMANDS) - set(BASE) - PARSE_ONLY
    assert len(CASES) > 60


@pytest.mark.parametrize("command, flag", CASES, ids=[f"{c}:{f}" for c, f in CASES])
def test_attack_cli_hostile_flag_values(command: str, flag: str, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a hostile value may be a relative output path ("0", "🚀")
    rng = random.Random(f"{command} {flag}")
    values = HOSTILE if command in QUICK else rng.sample(HOSTILE, SAMPLED_PER_FLAG)
    base = [a if a != "FOLDER" else str(tmp_path) for a in BASE.get(command, [])]
    for value in values:
        argv = [*command.split(), *[a for a in base if a != flag], flag, value]
        if command in PARSE_ONLY or (command, flag) in OFFLINE_ONLY_FLAGS:
            _parse_only(argv, capsys)
            continue
        code, _out, err = run(capsys, *argv)
        assert "Traceback" not in err, (argv, err)
        assert code in (0, 2, 3, 4), (argv, code, err)
        if code != 0:
            assert len(_non_progress(err)) == 1, (argv, err)


def _parse_only(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    try:
        build_parser().parse_args(argv)
    except SystemExit as exc:
        err = capsys.readouterr().err
        assert exc.code == 2 and len(err.strip().splitlines()) == 1, (argv, err)
