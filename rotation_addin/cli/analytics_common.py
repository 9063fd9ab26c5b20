"""Shared pieces of the analytics commands (``rotation regime | sectors | corr | plan``):
the flags every one takes, the dataset through the desk session, data warnings, CSV output."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rotation_addin.cli import term
from rotation_addin.cli.quick_args import _in_range
from rotation_addin.core.constants import STALE_AFTER

if TYPE_CHECKING:
    from rotation_addin.core.dataset import MarketDataset
    from rotation_addin.core.report import DailyReport
    from rotation_addin.desk.session import DeskSession

__all__ = ["STALE_AFTER", "common_flags", "data_warnings"]

WINDOW_DAYS = (5, 365)
"""``--window``: the correlation window's range, days."""


_window = _in_range(*WINDOW_DAYS, "days", whole=True)
"""argparse type of ``--window``: a whole number of days in :data:`WINDOW_DAYS` (``quick_args``
reads and refuses it as every count flag)."""


def common_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", choices=("demo", "cache"), default=None,
                        help="demo = simulated market (no network); cache = last `rotation "
                             "refresh` (default: the data_source setting)")
    parser.add_argument("--exchange", metavar="ID", default=None,
                        help="exchange whose cached data to read (default: settings exchange_id)")
    parser.add_argument("--cache", type=Path, default=None, help=argparse.SUPPRESS)
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="machine-readable JSON")
    out.add_argument("--csv", action="store_true", help="CSV rows (source and as_of on each)")


def _desk() -> DeskSession:
    # Deferred on purpose (measured, docs/benchmarks.md): the desk imports pandas, and every
    # `rotation` command registers this module; `rotation size` starts without pandas.
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.desk.session import default_session

    return default_session()


def data_warnings(dataset: MarketDataset, now: datetime | None = None) -> list[str]:
    """Stale data, sectors without prices: :func:`rotation_addin.desk.analytics.data_warnings`."""
    from rotation_addin.desk import analytics  # deferred: see _desk

    return analytics.data_warnings(dataset, now)


def _load(args: argparse.Namespace) -> MarketDataset:
    """The dataset ``--source``/``--exchange`` name (defaults: the settings)."""
    desk = _desk()
    settings = desk.settings()
    return desk.dataset(args.source or settings.data_source,
                        args.exchange or settings.exchange_id, cache_file=args.cache)


def _print_data_warnings(dataset: MarketDataset) -> None:
    for warning in data_warnings(dataset):
        print(f"warning: {warning}")


def _stamp(dataset: MarketDataset) -> str:
    return dataset.as_of.isoformat()


def _header(dataset: MarketDataset) -> str:
    return f"source: {dataset.source}   as of: {dataset.as_of:%Y-%m-%d %H:%M} UTC"


def _pct(value: float) -> float:
    return value * 100.0 if math.isfinite(value) else math.nan


def _csv_cell(value: Any) -> Any:
    """An empty cell for a missing number: "nan"/"inf" text is not a value (JSON says null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    return value


def _emit_csv(
    dataset: MarketDataset, headers: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    prefix = [dataset.source, _stamp(dataset)]
    print(term.to_csv(["source", "as_of", *headers],
                      [[*prefix, *map(_csv_cell, row)] for row in rows]), end="")


def _rounded(row: Sequence[Any], digits: int = 3) -> list[Any]:
    return [round(v, digits) if isinstance(v, float) and math.isfinite(v) else v for v in row]


def _emit_csv_report(report: DailyReport, headers: Sequence[str],
                     rows: Sequence[Sequence[Any]]) -> None:
    prefix = [report.source, report.as_of.isoformat()]
    print(term.to_csv(["source", "as_of", *headers],
                      [[*prefix, *map(_csv_cell, row)] for row in rows]), end="")


