"""``rotation backtest`` (the ranking walk-forward) on CSV prices with gaps: the decisions that
ranked a sector on a single priced coin are counted in one warning, on the table and in
``--json``, and the count, the sectors and the dates are those the CSV files give (computed
with pandas from the files by ``tests.thin_sectors``, not by the tool's code). The demo
market, which prices every coin on every day, gets no such warning. Through the real entry
point, on the synthetic Coin Metrics folder the tests write; on it the CSV loader's own gap
warnings name dates, not timestamps."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.cli_helpers import run
from tests.thin_sectors import MARKER, closes, expected_warning, write_gappy

WARMUP, HORIZON, EVERY = 60, 7, 7  # the backtest's defaults


@pytest.fixture(scope="module")
def gappy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The gapped folder (``tests.thin_sectors.write_gappy``)."""
    return write_gappy(tmp_path_factory.mktemp("gappy") / "cm")


def test_the_table_and_json_count_the_decisions_ranked_on_one_coin(capsys, gappy: Path) -> None:
    close = closes(gappy)
    rows = range(WARMUP, len(close) - HORIZON, EVERY)  # row 60 + 7k while row + 7 is data
    expected = expected_warning(gappy, rows)
    code, out, err = run(capsys, "backtest", "--data-dir", str(gappy), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["skipped_days"] == 0  # so the decisions are the rebalance days above
    assert [d["day"] for d in data["decisions"]] == [f"{close.index[r]:%Y-%m-%d}" for r in rows]
    assert [w for w in data["warnings"] if MARKER in w] == [expected]
    code, out, err = run(capsys, "backtest", "--data-dir", str(gappy))
    assert code == 0, err
    assert [line for line in out.splitlines() if MARKER in line] == [f"warning: {expected}"]


def test_the_demo_market_gets_no_thin_sector_warning(capsys) -> None:
    code, out, err = run(capsys, "backtest", "--source", "demo", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["decisions"] and not any(MARKER in w for w in data["warnings"])
    code, out, err = run(capsys, "backtest", "--source", "demo")
    assert code == 0, err
    assert MARKER not in out and "priced coin" not in out


def test_the_loaders_gap_warnings_name_the_days_either_side(capsys, gappy: Path) -> None:
    """The CSV loader's own warnings about the gaps, on daily files: dates, not timestamps
    (``2022-09-09``, not ``2022-09-09T00:00:00+00:00``); recomputed from the files."""
    expected = []
    for path in sorted(gappy.glob("*.csv")):
        days = pd.to_datetime(pd.read_csv(path)["date"])
        for before, after in itertools.pairwise(days):
            if (after - before).days > 1:
                expected.append(f"{path.name}: gap of {(after - before).days - 1} missing "
                                f"row(s) between {before:%Y-%m-%d} and {after:%Y-%m-%d}")
    assert len(expected) == 7  # theta twice, five altcoins in September
    code, out, err = run(capsys, "backtest", "--data-dir", str(gappy), "--json")
    assert code == 0, err
    assert sorted(w for w in json.loads(out)["warnings"] if "gap of" in w) == sorted(expected)
    code, out, err = run(capsys, "backtest", "--data-dir", str(gappy))
    assert sorted(line for line in out.splitlines() if "gap of" in line) == \
        sorted(f"warning: {w}" for w in expected)
