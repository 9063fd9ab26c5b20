"""A daily candle fetched for a day the hourly candles leave incomplete is merged in order."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from rotation_addin.cli.main import main
from rotation_addin.data.cache import MarketCache
from tests.emulator.binance import BinanceEmulator, Fault
from tests.emulator.fixture_market import FixtureMarket, utc


def test_no_out_of_order_note_for_our_own_merge(isolated_home: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (isolated_home / "config").mkdir(exist_ok=True)
    (isolated_home / "config" / "universe.toml").write_text(
        'quote = "USDT"\nbenchmark = "SYM01"\n\n[sectors]\nalpha = ["SYM00"]\n'
        'benchmark = ["SYM01"]\n', encoding="utf-8")
    market = FixtureMarket.synthetic(2, end=utc(2024, 6, 1), days=40, seed=3)
    # five hourly candles of 05-10 never exist: that day is fetched from the daily klines
    gap = Fault("gap", path="/fapi/v1/klines", symbol="SYM00", interval="1h", count=None,
                start=utc(2024, 5, 10) + timedelta(hours=3),
                end=utc(2024, 5, 10) + timedelta(hours=8))
    with BinanceEmulator(market, now=utc(2024, 5, 30, 12) + timedelta(minutes=30),
                         faults=[gap]) as emu:
        code = main(["refresh", "--api-url", emu.base_url, "--since", "2024-05-01", "--json"])
    assert code == 0
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert "SYM00 1h: 5 candles missing in 1 gap(s) (reported, not filled)" in warnings
    assert [w for w in warnings if "out of order" in w] == []  # the exchange sent them in order
    with MarketCache() as cache:
        days = cache.read_candles("binanceusdm", "SYM00", "1d")
    assert len(days) == 29 and days.index.is_monotonic_increasing
