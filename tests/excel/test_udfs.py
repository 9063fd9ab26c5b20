"""The UDFs as Excel calls them: plain Python functions fed Excel-shaped values.

On Linux xlwings' decorators are no-ops (no Excel), so each UDF here is exactly the function
the add-in would call on Windows. Expected numbers come from hand arithmetic in comments.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from rotation_addin import udfs
from rotation_addin.data.settings import Settings, save_settings
from rotation_addin.excel import context
from rotation_addin.excel.cell_errors import CellError


@pytest.fixture(autouse=True)
def fresh_context(isolated_home: Path) -> Iterator[None]:
    context.clear()
    yield
    context.clear()


def test_position_size_hand_example() -> None:
    # equity 10,000, risk 2 % -> budget 200 USD; long entry 100, stop 95;
    # per-unit loss = 5 + 100*0.0005 + 95*(0.0005+0.0005) = 5 + 0.05 + 0.095 = 5.145
    # quantity = 200 / 5.145 = 38.8726919... (no contract step given -> not rounded)
    assert udfs.POSITION_SIZE(10000.0, 0.02, 100.0, 95.0) == pytest.approx(200 / 5.145, 1e-12)
    # Excel passes percentages typed as text, numbers as text, and 1x1 ranges
    assert udfs.POSITION_SIZE("10,000", "2%", [[100.0]], "95") == pytest.approx(200 / 5.145)
    # short inferred from stop above entry: per-unit = 5 + 0.05 + 105*0.001 = 5.155
    assert udfs.POSITION_SIZE(10000.0, 0.02, 100.0, 105.0) == pytest.approx(200 / 5.155)
    assert udfs.POSITION_SIZE(10000.0, 0.02, 100.0, 95.0, None, None, 4, "margin") == \
        pytest.approx(200 / 5.145 * 100 / 4)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: udfs.POSITION_SIZE(None, 0.02, 100, 95), "equity"),
        (lambda: udfs.POSITION_SIZE(10000, 2, 100, 95), "risk"),
        (lambda: udfs.POSITION_SIZE(10000, 0.05, 100, 95), "risk"),
        (lambda: udfs.POSITION_SIZE(10000, 0.02, "abc", 95), "entry"),
        (lambda: udfs.POSITION_SIZE(10000, 0.02, 100, 105, "long"), "stop"),
        (lambda: udfs.POSITION_SIZE(10000, 0.02, 100, 100), "stop"),
        (lambda: udfs.POSITION_SIZE(10000, 0.02, 100, 95, "up"), "side"),
        (lambda: udfs.POSITION_SIZE(True, 0.02, 100, 95), "equity"),
        (lambda: udfs.POSITION_SIZE(10000, 0.02, datetime(2024, 1, 1), 95), "entry"),
        (lambda: udfs.LIQUIDATION_PRICE("long", 100, -1, 20), "quantity"),
        (lambda: udfs.HIST_VOL(12), "symbol_or_prices"),
        (lambda: udfs.CRYPTO_PRICE("NOT A SYMBOL!"), "symbol"),
        (lambda: udfs.CRYPTO_PRICE("RENDER", "bidd"), "field"),
        (lambda: udfs.OHLCV("BTC", "2h"), "interval"),
        (lambda: udfs.OHLCV("BTC", "1d", "2025-02-01", "2025-01-01"), "end"),
        (lambda: udfs.CORREL_MATRIX("BTC,RENDER", 2), "window"),
    ],
)
def test_bad_inputs_return_an_excel_error_naming_the_argument(call: object,
                                                              argument: str) -> None:
    result = call()  # type: ignore[operator]
    assert isinstance(result, CellError) and result.code == "#VALUE!", result
    assert result.reason.startswith("#INPUT") and f" {argument}:" in result.reason, result
    assert len(result.reason) <= 250


def test_liquidation_price_20x_mmr_04pct() -> None:
    # isolated long: LP = EP(1 - 1/L)/(1 - MMR) = 100*0.95/0.996 = 95.38152610...
    assert udfs.LIQUIDATION_PRICE("long", 100, 1, 20, None, "0.4%") == pytest.approx(95 / 0.996)
    # short mirror: LP = EP(1 + 1/L)/(1 + MMR) = 105/1.004
    assert udfs.LIQUIDATION_PRICE("short", 100, 1, 20, None, 0.004) == pytest.approx(105 / 1.004)


def test_hist_vol_from_a_range_matches_numpy() -> None:
    import numpy as np

    closes = [100.0, 101.0, 99.5, 102.0, 101.2, 103.3, 104.0]
    expected = float(np.std(np.diff(np.log(closes)), ddof=1))
    column = [[c] for c in closes] + [[None]]  # a column with a trailing empty cell
    assert udfs.HIST_VOL(column, "close") == pytest.approx(expected, rel=1e-12)
    assert udfs.HIST_VOL(column, "close", True) == pytest.approx(expected * math.sqrt(365))


def test_demo_backed_functions_spill_data_only() -> None:
    table = udfs.CORREL_MATRIX("BTC,RENDER,FET", 30)
    assert table[0][1:] == ["BTC", "RENDER", "FET"]
    # data rows only (column arithmetic on the spill works); the source is DATA_SOURCE()'s
    assert [row[0] for row in table[1:]] == ["BTC", "RENDER", "FET"]
    assert all(table[i][i] == pytest.approx(1.0) for i in range(1, 4))
    assert udfs.DATA_SOURCE() == "demo (simulated)"
    assert udfs.DATA_SOURCE("as_of") == context.dataset().as_of.replace(tzinfo=None)
    candles = udfs.OHLCV("btc")
    assert candles[0] == ["date", "open", "high", "low", "close", "volume_usd"]
    assert len(candles) == 31 and all(r[2] >= r[3] for r in candles[1:])
    assert all(isinstance(r[0], datetime) for r in candles[1:])
    assert isinstance(udfs.CRYPTO_PRICE("RENDER"), float)
    assert isinstance(udfs.FUNDING_RATE("RENDER/USDT:USDT"), float)


def test_ten_thousand_price_cells_cost_one_snapshot(tmp_path: Path) -> None:
    """10,000 CRYPTO_PRICE cells over 40 distinct symbols reach the exchange once per TTL."""
    import numpy as np
    import pandas as pd

    from tests.emulator.binance import BinanceEmulator
    from tests.emulator.fixture_market import FixtureMarket

    days = pd.date_range("2024-01-01", periods=40, freq="D", tz="UTC")
    bases = [f"T{i:02d}" for i in range(39)] + ["BTC"]
    prices = {b: pd.Series(np.linspace(10 + i, 12 + i, 40), index=days)
              for i, b in enumerate(bases)}
    with BinanceEmulator(FixtureMarket(prices)) as exchange:
        save_settings(Settings(data_source="cache", exchange_api_url=exchange.base_url,
                               quote_ttl_s=3600.0))
        context.clear()
        results = [udfs.CRYPTO_PRICE(bases[i % 40]) for i in range(10_000)]
        requests = [r.path for r in exchange.request_log]
    assert all(isinstance(v, float) and v > 0 for v in results), results[:3]
    # one snapshot = markets once (ccxt) + all tickers + all mark prices, whatever the cells
    assert requests.count("/fapi/v1/ticker/24hr") == 1
    assert requests.count("/fapi/v1/premiumIndex") == 1
    assert len(requests) <= 4, requests
    # the same symbol gives the same value within the TTL
    assert results[0] == results[40] == results[9960]


def test_safe_leverage_hand_example() -> None:
    # L = floor(1 / (k*sigma*sqrt(h) + buffer + MMR)) = floor(1 / (3*0.05*1 + 0.02 + 0.004))
    #   = floor(1 / 0.174) = floor(5.747) = 5
    assert udfs.SAFE_LEVERAGE(0.05, 3, 1, "2%", "0.4%") == 5
    # doubling volatility: floor(1 / (0.30 + 0.024)) = floor(3.086) = 3 -- lower, never higher
    assert udfs.SAFE_LEVERAGE("10%", 3, 1, 0.02, 0.004) == 3
    # a symbol: EWMA vol of its demo history, its own bracket table; an integer >= 1
    leverage = udfs.SAFE_LEVERAGE("RENDER")
    assert isinstance(leverage, float) and leverage >= 1 and leverage.is_integer()


def test_report_functions_match_the_engine() -> None:
    from rotation_addin.core.report import daily_report
    from rotation_addin.core.report_tables import ORDER_HEADERS, SECTOR_HEADERS, sector_rows
    from rotation_addin.core.rotation import PlanParameters
    from rotation_addin.data.loader import load_market
    from rotation_addin.data.settings import Settings

    report = daily_report(load_market("demo"), None, PlanParameters.from_settings(Settings()))
    table = udfs.SECTOR_TABLE()
    assert table[0] == list(SECTOR_HEADERS)
    assert [row[1] for row in table[1:]] == [row[1] for row in sector_rows(report)]
    assert udfs.REGIME() == report.regime.label
    votes = udfs.REGIME(True)
    assert [row[0] for row in votes[1:]] == [v.name for v in report.regime.votes]
    # fractions like HIST_VOL's: the engine's percent figure / 100 (-5.41 % -> -0.0541)
    for row, vote in zip(votes[1:], report.regime.votes, strict=True):
        assert row[1] == (None if vote.value is None else pytest.approx(vote.value / 100))
    orders = udfs.REBALANCE_ORDERS()
    if isinstance(orders, list):
        assert orders[0] == list(ORDER_HEADERS)
        assert len(orders) - 1 == len(report.plan.orders) + len(report.plan.refusals)
    else:
        assert orders.startswith("no orders today")
    assert udfs.REBALANCE_ORDERS(-5).startswith("#INPUT equity")
