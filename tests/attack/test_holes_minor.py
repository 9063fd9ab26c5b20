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
