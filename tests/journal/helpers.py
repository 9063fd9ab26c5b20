"""Test helpers: the demo market, moved forward by hand-made daily candles."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.data.settings import Settings
from rotation_addin.desk.journal import JournalInputs

if TYPE_CHECKING:
    from gui.journal_view import JournalView

DAY = timedelta(days=1)


@lru_cache(maxsize=1)
def demo_market() -> MarketDataset:
    """The embedded demo market (loaded once per test process)."""
    from rotation_addin.data.loader import load_market

    return load_market("demo")


def with_candle(dataset: MarketDataset, candles: dict[str, tuple[float, float, float, float]],
                ) -> MarketDataset:
    """``dataset`` plus one daily candle: ``candles[base] = (open, high, low, close)``; the
    other bases stay flat at their last close. Tickers move to the new closes."""
    day = dataset.close.index[-1] + pd.Timedelta(days=1)
    frames = {}
    for name in ("open", "high", "low", "close"):
        frame = getattr(dataset, name)
        row = dataset.close.iloc[-1].copy()
        for base, values in candles.items():
            row[base] = values[("open", "high", "low", "close").index(name)]
        frames[name] = pd.concat([frame, pd.DataFrame([row], index=pd.DatetimeIndex(
            [day], name=frame.index.name))])
    volume = pd.concat([dataset.volume_usd, dataset.volume_usd.iloc[[-1]].set_axis(
        pd.DatetimeIndex([day], name=dataset.volume_usd.index.name))])
    tickers = {b: dataclasses.replace(t, last_price_usd=float(frames["close"][b].iloc[-1]),
                                      mark_price_usd=float(frames["close"][b].iloc[-1]))
               for b, t in dataset.tickers.items()}
    return dataclasses.replace(dataset, as_of=dataset.as_of + DAY, volume_usd=volume,
                               tickers=tickers, **frames)


def inputs(dataset: MarketDataset, path, now=None, **params: object) -> JournalInputs:
    """JournalInputs on ``dataset`` with a journal at ``path`` and the clock at ``now``.

    The regime gate is off unless a test asks for it (the demo market's regime may change
    with its calibration; the gate has its own test).
    """
    params.setdefault("rotation_in_risk_off", True)
    return JournalInputs(params=PlanParameters(**params), dataset=dataset,
                         now=now or dataset.as_of, path=path)


def trade_cli(capsys, journal, *argv: str) -> tuple[int, str, str]:
    """``rotation trade ARGV --journal-file JOURNAL`` through the real entry point:
    (exit code, stdout, stderr)."""
    from tests.cli_helpers import run

    return run(capsys, "trade", *argv, "--journal-file", str(journal))


def journal_rows(journal) -> int:
    """How many rows the journal file holds."""
    from rotation_addin.journal.store import JournalStore

    with JournalStore(journal) as store:
        return store.count()


def journal_view_on_demo(qtbot: Any, tmp_path: Path) -> JournalView:
    """The app's Journal tab on the demo market, default settings, its journal file in
    ``tmp_path`` (Qt is imported here: the other helpers serve non-GUI tests too)."""
    from gui.journal_view import JournalView

    view = JournalView()
    qtbot.addWidget(view)
    view.journal_path = tmp_path / "journal.sqlite3"
    view.set_context(demo_market(), Settings(), [])
    return view
