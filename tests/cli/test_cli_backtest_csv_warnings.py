"""``rotation backtest --csv`` / ``--csv-out`` (ranking and ``--strategy``): a CSV is data, so
it holds only its rows, and the warnings still reach the user: one ``warning: ...`` line each
on stderr when ``--csv`` prints the CSV on stdout, on the table when ``--csv-out`` writes a
file. On the gapped synthetic Coin Metrics folder (``tests.thin_sectors``), whose warnings
include the thin-sector caveat recomputed there with pandas; row counts recomputed from
the CSV files (ranking: one row per rebalance day) or read from ``--json`` (strategy: one row
per closed trade). Through the real entry point."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from rotation_addin.cli.backtest_cmd import DECISION_HEADERS
from rotation_addin.cli.strategy_cmd import TRADE_HEADERS
from tests.cli_helpers import run
from tests.thin_sectors import MARKER, closes, expected_warning, write_gappy

WARMUP, HORIZON, EVERY = 60, 7, 7  # the defaults
KINDS = {  # backtest -> (extra flags, CSV headers)
    "ranking": ((), DECISION_HEADERS),
    "strategy": (("--strategy",), TRADE_HEADERS),
}


@pytest.fixture(scope="module")
def gappy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The gapped folder (``tests.thin_sectors.write_gappy``)."""
    return write_gappy(tmp_path_factory.mktemp("gappy-csv") / "cm")


def _rows(text: str, headers: list[str]) -> list[dict[str, str]]:
    """The CSV's rows, after checking that its header is ``headers`` and nothing else."""
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    assert reader.fieldnames == headers
    return rows


def _expected(capsys, gappy: Path, kind: str) -> tuple[list[str], int]:
    """The warnings ``--json`` lists (with the thin-sector caveat the files call for) and
    how many CSV rows the run has."""
    extra, _ = KINDS[kind]
    code, out, err = run(capsys, "backtest", "--data-dir", str(gappy), *extra, "--json")
    assert code == 0, err
    data = json.loads(out)
    n = len(closes(gappy))
    rows = range(WARMUP, n - HORIZON, EVERY) if kind == "ranking" else range(WARMUP, n - 1)
    assert expected_warning(gappy, rows) in data["warnings"]
    count = len(rows) if kind == "ranking" else data["trades"]["trades"]
    assert count > 0
    return [f"warning: {w}" for w in data["warnings"]], count


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_csv_on_stdout_prints_its_warnings_on_stderr(capsys, gappy: Path, kind: str) -> None:
    warnings, count = _expected(capsys, gappy, kind)
    extra, headers = KINDS[kind]
    code, out, err = run(capsys, "backtest", "--data-dir", str(gappy), *extra, "--csv")
    assert code == 0, err
    assert len(_rows(out, headers)) == count and "warning" not in out
    assert err.splitlines() == warnings  # one line each, nothing else
    assert sum(MARKER in line for line in err.splitlines()) == 1


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_csv_out_keeps_the_file_data_and_the_warnings_on_the_terminal(
        capsys, gappy: Path, tmp_path: Path, kind: str) -> None:
    warnings, count = _expected(capsys, gappy, kind)
    extra, headers = KINDS[kind]
    table = tmp_path / "table.csv"
    code, out, err = run(capsys, "backtest", "--data-dir", str(gappy), *extra,
                         "--csv-out", str(table))
    assert code == 0, err
    written = table.read_text(encoding="utf-8")
    assert len(_rows(written, headers)) == count and "warning" not in written
    assert [line for line in out.splitlines() if line.startswith("warning: ")] == warnings
    both = tmp_path / "both.csv"
    code, out, err = run(capsys, "backtest", "--data-dir", str(gappy), *extra, "--csv",
                         "--csv-out", str(both))
    assert code == 0, err
    assert out == both.read_text(encoding="utf-8") == written  # the same rows, data only
    assert err.splitlines() == warnings
