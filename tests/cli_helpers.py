"""Run the real ``rotation`` entry point in-process and capture what a user would see."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rotation_addin.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``rotation *argv``."""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse errors leave through parser.exit
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    """Parsed ``--json`` output of a command that must succeed."""
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def one_line_error(err: str) -> str:
    """The single stderr line of a refused command (no traceback)."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]
