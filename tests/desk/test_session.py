"""The desk session memoises and invalidates on what changes the numbers."""

from __future__ import annotations

import dataclasses
import os
from datetime import UTC, datetime
from pathlib import Path

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.rotation import Position
from rotation_addin.core.types import Side
from rotation_addin.data.loader import load_market
from rotation_addin.data.paths import cache_path
from rotation_addin.data.positions import write_positions
from rotation_addin.data.settings import Settings, save_settings, settings_path
from rotation_addin.desk.session import DeskSession


def _counting_loader(calls: list[str]):  # type: ignore[no-untyped-def]
    def load(source: str, **kwargs: object) -> MarketDataset:
        calls.append(source)
        return dataclasses.replace(load_market("demo"))  # a new object per load
    return load


def test_settings_are_read_once_and_again_after_a_save() -> None:
    desk = DeskSession(settings_poll_s=3600.0)
    assert desk.settings() == Settings()
    save_settings(Settings(risk_fraction=0.01))  # this process: seen at once
    assert desk.settings().risk_fraction == 0.01
    # another process edits the file: seen once the poll interval has passed
    settings_path().write_text("risk_fraction = 0.015\n", encoding="utf-8")
    stamp = settings_path().stat().st_mtime_ns + 10**9
    os.utime(settings_path(), ns=(stamp, stamp))
    assert desk.settings().risk_fraction == 0.01  # within the interval: no stat
    desk.settings_poll_s = 0.0
    assert desk.settings().risk_fraction == 0.015


def test_dataset_is_memoised_until_the_cache_run_changes() -> None:
    calls: list[str] = []
    desk = DeskSession(loader=_counting_loader(calls))
    first = desk.dataset("cache", "demo")
    assert desk.dataset("cache", "demo") is first and calls == ["cache"]
    path: Path = cache_path()
    path.write_bytes(b"")  # a refresh wrote the cache file: a new run
    assert desk.dataset("cache", "demo") is not first and calls == ["cache", "cache"]
    desk.dataset("demo", "binanceusdm")
    assert calls == ["cache", "cache", "demo"]


def test_report_follows_the_positions_file_and_the_parameters() -> None:
    desk = DeskSession()
    dataset = desk.dataset("demo", "binanceusdm")
    empty = desk.report()
    assert desk.report() is empty
    price = float(dataset.close["RENDER"].dropna().iloc[-1])
    write_positions([Position(base="RENDER", side=Side.LONG, quantity_base=500.0,
                              entry_price_usd=price * 1.2, stop_price_usd=price * 1.1,
                              take_profit_price_usd=None,
                              opened_at=datetime(2026, 11, 20, tzinfo=UTC))])
    held = desk.report()
    assert held is not empty
    assert any(o.symbol == "RENDER/USDT:USDT" and o.action == "close" for o in held.plan.orders)
    richer = desk.report(desk.plan_parameters(equity_usd=20_000.0))
    assert richer.parameters.equity_usd == 20_000.0 and richer is not held
