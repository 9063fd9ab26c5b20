"""Leverage tiers a refresh cached reach the dataset and every surface; defaults otherwise."""

from __future__ import annotations

import dataclasses

import pytest

from rotation_addin.core.brackets import bracket_table_from_ccxt, default_bracket_table
from rotation_addin.data.cache import MarketCache
from rotation_addin.data.loader import cached_brackets, load_market
from rotation_addin.desk.analytics import data_status
from rotation_addin.desk.quick_check import QuickCheckRequest, brackets_for, quick_check

# two tiers as ccxt's Binance fetch_leverage_tiers gives them: MMR 1 % up to 5,000 USD, 2 % above
TIERS = [
    {"tier": 1, "minNotional": 0, "maxNotional": 5000, "maintenanceMarginRate": 0.01,
     "maxLeverage": 20, "info": {"cum": "0.0"}},
    {"tier": 2, "minNotional": 5000, "maxNotional": 25000, "maintenanceMarginRate": 0.02,
     "maxLeverage": 10, "info": {"cum": "50.0"}},
]


def test_cached_tiers_are_read_and_used_by_the_quick_check(tmp_path: object) -> None:
    demo = load_market("demo")
    with MarketCache(None) as cache:
        cache.write_brackets("binanceusdm", "RENDER", TIERS, "binanceusdm")
        cache.write_brackets("binanceusdm", "FET", [{"nonsense": 1}], "binanceusdm")
        tables, notes = cached_brackets(cache, "binanceusdm", demo.universe, ["RENDER", "FET",
                                                                                "BTC"])
    assert set(tables) == {"RENDER"}  # BTC: nothing stored -> bundled defaults
    assert "cached by the last refresh" in tables["RENDER"].source
    assert len(notes) == 1 and notes[0].startswith("FET: cached leverage tiers not usable")
    dataset = dataclasses.replace(demo, brackets=tables)
    assert brackets_for(dataset, "RENDER") is tables["RENDER"]
    assert brackets_for(dataset, "BTC").source == default_bracket_table("BTC").source
    # 10x long from 100, 1 unit (100 USD notional, tier 1): LP = 100 x 0.9 / (1 - 0.01)
    checked = quick_check(QuickCheckRequest(
        equity_usd=10_000.0, entry_price_usd=100.0, stop_price_usd=95.0, side="long",
        brackets=brackets_for(dataset, "RENDER"), risk_fraction=0.0005, leverage=10.0))
    assert checked.size.notional_usd < 5000
    assert checked.liquidation.liquidation_price_usd == pytest.approx(
        100 * (1 - 0.1) / (1 - 0.01), rel=1e-9)
    assert "cached" in data_status(dataset).brackets_source
    assert data_status(demo).brackets_source == "bundled defaults"
    assert bracket_table_from_ccxt("RENDER/USDT:USDT", TIERS).max_leverage == 20
