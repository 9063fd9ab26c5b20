"""Real-data check, inputs: the Coin Metrics folder read through the CSV import, and formatting.

Part of :mod:`tools.real_data_check`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rotation_addin.core.constants import HEDGE_THRESHOLD as HEDGE_THRESHOLD  # the app's
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.returns import log_returns, relative_returns, sector_index_returns
from rotation_addin.core.universe import Universe

ATTRIBUTION = "Source: Coin Metrics Community Data (CC BY-NC 4.0)"
COMMAND = (".venv/bin/python -m tools.real_data_check "
           "../shared/data/coinmetrics > docs/real-data-check.md")
RENDER, COMPUTE = "render", "gpu_compute"
FORWARD_DAYS = 30
ROTATION_LOOKBACK_DAYS, ROTATION_HOLD_DAYS = 30, 7


@dataclass(frozen=True)
class Inputs:
    """The real data, cut to the period where the altcoin prices exist."""

    dataset: MarketDataset
    returns: pd.DataFrame
    universe: Universe
    macro: pd.DataFrame
    warnings: tuple[str, ...]


# ----------------------------------------------------------------------------- formatting
def fmt_num(value: float, digits: int = 2) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.{digits}f}"


def fmt_pct(value: float, digits: int = 1) -> str:
    return "n/a" if not math.isfinite(value) else f"{100 * value:.{digits}f} %"


def fmt_day(stamp: object) -> str:
    return pd.Timestamp(stamp).strftime("%Y-%m-%d")  # type: ignore[arg-type]


def matrix_cell(matrix: pd.DataFrame, row: str, column: str) -> float:
    return float(matrix.to_numpy()[matrix.index.get_loc(row), matrix.columns.get_loc(column)])


def md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- loading
def load_inputs(folder: Path) -> Inputs:
    """Import the folder with the product's CSV import and cut to the altcoin period."""
    from rotation_addin.data.csv_import import import_csv_folder
    from rotation_addin.data.universe_io import load_universe

    supply = folder / "stablecoin_supply.csv"
    imported = import_csv_folder(folder, load_universe(),
                                 macro_csv=supply if supply.is_file() else None)
    dataset = imported.dataset
    close = dataset.close
    alts = [c for c in close.columns if c != dataset.universe.benchmark]
    enough = close[alts].notna().sum(axis=1) > len(alts) / 2
    end = close.index[np.flatnonzero(enough.to_numpy())[-1]]
    returns = log_returns(close.loc[:end])
    present = {s: tuple(b for b in m if b in close.columns)
               for s, m in dataset.universe.sectors.items()}
    universe = Universe({s: m for s, m in present.items() if m},
                        quote=dataset.universe.quote, benchmark=dataset.universe.benchmark)
    return Inputs(dataset, returns, universe, dataset.macro, tuple(imported.warnings))


def sector_returns(inputs: Inputs, relative: bool) -> pd.DataFrame:
    """Daily returns of each trading sector's index (USD, or BTC-relative when ``relative``)."""
    source = relative_returns(inputs.returns) if relative else \
        inputs.returns.drop(columns=[inputs.universe.benchmark])
    index = sector_index_returns(source, inputs.universe)
    return index[[s for s in inputs.universe.trading_sectors() if s in index.columns]]
