"""The gapped synthetic Coin Metrics folder of the thin-sector tests, and the thin-sector
caveat its files call for, recomputed here with pandas from the CSV files (not by the tool's
code): the ranking backtest's test and the strategy backtest's test share both.

A sector is *ranked* on a day when its BTC-relative index (the mean log return of its members
with a return) has a value on each of the 30 days up to it (the long momentum window); a
ranked sector is *thin* when fewer than two of its coins have a price that day.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from tests.coinmetrics_like import write_coinmetrics_like

#: the universe's trading sectors as CSV file stems (``rndr.csv`` holds RENDER), universe order
SECTOR_FILES = {"render": ("rndr", "theta"), "gpu_compute": ("akt", "glm", "rlc"),
                "ai_inference": ("fet", "wld", "arkm"), "ai_infra": ("fil", "ar", "grt"),
                "mining": ("bch", "ltc")}
LONG_WINDOW = 30  # the sector score's long momentum window (days)
MARKER = "ranked a sector on a single priced coin"


def drop_days(path: Path, first: str, last: str) -> None:
    """Remove the rows of ``path`` dated ``first`` .. ``last`` (a gap in the file)."""
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([header, *(r for r in rows if not first <= r[:10] <= last)])
                    + "\n", encoding="utf-8")


def write_gappy(folder: Path) -> Path:
    """2022 only, no AI-inference files (WLD and ARKM list late); THETA missing for May, and
    six of the ten altcoins missing from 10 September to 5 October (AI-infra wholly)."""
    folder = write_coinmetrics_like(folder)
    for stem in ("fet", "wld", "arkm"):
        (folder / f"{stem}.csv").unlink()
    for path in folder.glob("*.csv"):
        drop_days(path, "2023-01-01", "9999-12-31")
    drop_days(folder / "theta.csv", "2022-05-01", "2022-05-31")
    for stem in ("theta", "akt", "glm", "fil", "ar", "grt"):
        drop_days(folder / f"{stem}.csv", "2022-09-10", "2022-10-05")
    return folder


def closes(folder: Path) -> pd.DataFrame:
    """The price files' USD closes, one column per file stem, on the union of their days."""
    return pd.DataFrame({p.stem: pd.read_csv(p, index_col="date", parse_dates=True)["price_usd"]
                         for p in folder.glob("*.csv") if p.stem != "stablecoin_supply"})


def expected_warning(folder: Path, rows: Sequence[int]) -> str:
    """The caveat the files call for when the decisions are the calendar rows ``rows``."""
    close = closes(folder)
    logs = np.log(close).diff()
    relative = logs.sub(logs["btc"], axis=0)
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
            "that day")
