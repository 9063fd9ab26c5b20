"""``rotation trade list --csv`` holds every trade the table and ``--json`` show: it printed
only the closed trades (its ``status`` column was always ``closed``), so a script reading the
CSV saw no open position at all."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.cli_helpers import run, run_json
from tests.journal.helpers import trade_cli


def test_list_csv_has_the_open_trades_and_the_closed_ones(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite3"
    for argv in (("open", "FIL", "--side", "long", "--stop", "1", "--quantity", "10"),
                 ("open", "BTC", "--side", "long", "--stop", "70000", "--quantity", "0.01"),
                 ("close", "BTC")):
        code, _, err = trade_cli(capsys, journal, *argv, "--source", "demo")
        assert code == 0, err
    shown = run_json(capsys, "trade", "list", "--source", "demo", "--journal-file",
                     str(journal))
    code, out, err = run(capsys, "trade", "list", "--source", "demo", "--csv",
                         "--journal-file", str(journal))
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["status"], r["symbol"]) for r in rows] == [("open", "FIL"), ("closed", "BTC")]
    held, = shown["open"]
    assert float(rows[0]["quantity"]) == held["quantity"] == 10
    for key in ("entry", "stop", "liquidation", "mark", "pnl_usd"):
        assert float(rows[0][key]) == held[key], key
    done, = shown["closed"]
    assert float(rows[1]["pnl_usd"]) == done["pnl_usd"]
    assert rows[1]["stop"] == "" and rows[0]["exit"] == ""
