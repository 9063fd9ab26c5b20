"""``rotation backtest`` (the ranking walk-forward) on CSV prices with gaps: the decisions that
ranked a sector on a single priced coin are counted in one warning, on the table and in
``--json``, and the count, the sectors and the dates are those the CSV files give (computed
here with pandas from the files, not by the tool's code). The demo market, which prices every
coin on every day, gets no such warning. Through the real entry point, on the synthetic Coin
Metrics folder the tests write."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.cli_helpers import run
from tests.coinmetrics_like import write_coinmetrics_like

#: the universe's trading sectors as CSV file stems (``rndr.csv`` holds RENDER), universe order
SECTOR_FILES = {"render": ("rndr", "theta"), "gpu_compute": ("akt", "glm", "rlc"),
                "ai_inference": ("fet", "wld", "arkm"), "ai_infra": ("fil", "ar", "grt"),
                "mining": ("bch", "ltc")}
WARMUP, HORIZON, EVERY, LONG_WINDOW = 60, 7, 7, 30  # the backtest's defaults
MARKER = "ranked a sector on a single priced coin"


def _drop_days(path: Path, first: str, last: str) -> None:
    """Remove the rows of ``path`` dated ``first`` .. ``last`` (a gap in the file)."""
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([header, *(r for r in rows if not first <= r[:10] <= last)])
                    + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def gappy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2022 only, no AI-inference files (WLD and ARKM list late); THETA missing for May, and
    six of the ten altcoins missing from 10 September to 5 October (AI-infra wholly)."""
    folder = write_coinmetrics_like(tmp_path_factory.mktemp("gappy") / "cm")
    for stem in ("fet", "wld", "arkm"):
        (folder / f"{stem}.csv").unlink()
    for path in folder.glob("*.csv"):
        _drop_days(path, "2023-01-01", "9999-12-31")
    _drop_days(folder / "theta.csv", "2022-05-01", "2022-05-31")
    for stem in ("theta", "akt", "glm", "fil", "ar", "grt"):
        _drop_days(folder / f"{stem}.csv", "2022-09-10", "2022-10-05")
    return folder


def _expected_warning(folder: Path) -> tuple[str, list[str]]:
    """The warning the files call for, and the decision days, from the CSVs with pandas.

    A decision day is row ``60 + 7k`` of the calendar while ``row + 7`` is within it. A sector
    is ranked on a day when its BTC-relative index (the mean log return of its members with a
    return) has a value on each of the 30 days up to it; it is thin when fewer than two of
    its coins have a price that day.
    """
    close = pd.DataFrame({p.stem: pd.read_csv(p, index_col="date", parse_dates=True)["price_usd"]
                          for p in folder.glob("*.csv") if p.stem != "stablecoin_supply"})
    logs = np.log(close).diff()
    relative = logs.sub(logs["btc"], axis=0)
    rows = range(WARMUP, len(close) - HORIZON, EVERY)
    thin: dict[pd.Timestamp, list[str]] = {}
    for sector, stems in SECTOR_FILES.items():
        present = [s for s in stems if s in close.columns]
        if not present:
            continue
        index = relative[present].mean(axis=1)
        ranked = index.notna().astype(int).rolling(LONG_WINDOW).sum() == LONG_WINDOW
        priced = close[present].notna().sum(axis=1)
        for row in rows:
            if ranked.iloc[row] and priced.iloc[row] < 2:
                thin.setdefault(close.index[row], []).append(sector)
    days = sorted(thin)
    named = [s for s in SECTOR_FILES if any(s in v for v in thin.values())]
    assert len(days) >= 2 and len(named) >= 2  # the folder has the gaps it means to have
    return (f"{len(days)} of {len(rows)} decisions {MARKER} ({', '.join(named)}; "
            f"{days[0]:%Y-%m-%d} to {days[-1]:%Y-%m-%d}): its other members had no price "
            "that day", [f"{close.index[r]:%Y-%m-%d}" for r in rows])


def test_the_table_and_json_count_the_decisions_ranked_on_one_coin(capsys, gappy: Path) -> None:
    expected, days = _expected_warning(gappy)
    code, out, err = run(capsys, "backtest", "--data-dir", str(gappy), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["skipped_days"] == 0  # so the decisions are the rebalance days above
    assert [d["day"] for d in data["decisions"]] == days
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
