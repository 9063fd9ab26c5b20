"""One thin check per surface: the UDF, the CLI, the app and the workbook give the desk's numbers.

The composition itself is tested against hand calculations in ``test_quick_check.py``; the
older cross-surface checks stay in ``tests/qa/test_qa_surfaces_agree.py``.
"""

from __future__ import annotations

import pytest

from rotation_addin import udfs
from rotation_addin.data.loader import load_market
from rotation_addin.data.settings import Settings
from rotation_addin.desk.market import ewma_daily_vol
from rotation_addin.desk.quick_check import brackets_for, quick_check, request_from_settings
from rotation_addin.excel import context
from tests.cli_helpers import run_json

TRADE = dict(equity_usd=25_000.0, entry_price_usd=7.5, stop_price_usd=7.05, side="long",
             risk_fraction=0.015, leverage=5.0)


@pytest.fixture(autouse=True)
def _fresh_udf_context() -> None:
    context.clear()


def _desk_check() -> object:
    dataset = load_market("demo")
    return quick_check(request_from_settings(
        Settings(), contract=dataset.contracts["RENDER"],
        brackets=brackets_for(dataset, "RENDER"), **TRADE))  # type: ignore[arg-type]


def test_udf_position_size_is_the_desk_quick_check() -> None:
    checked = _desk_check()
    assert udfs.POSITION_SIZE(25000, "1.5%", 7.5, 7.05, "long", "RENDER", 5) == \
        checked.size.quantity_base  # type: ignore[attr-defined]


def test_cli_size_is_the_desk_quick_check(capsys: pytest.CaptureFixture[str]) -> None:
    checked = _desk_check()
    body = run_json(capsys, "size", "--equity", "25000", "--risk", "1.5%", "--entry", "7.5",
                    "--stop", "7.05", "--side", "long", "--leverage", "5", "--symbol", "RENDER")
    assert body["position"]["quantity_base"] == checked.size.quantity_base  # type: ignore[attr-defined]
    assert body["liquidation"]["liquidation_price_usd"] == \
        checked.liquidation.liquidation_price_usd  # type: ignore[attr-defined]


def test_app_quick_check_is_the_desk_quick_check() -> None:
    from gui.quick_check_logic import QuickCheckInputs, compute_quick_check

    dataset = load_market("demo")
    inputs = QuickCheckInputs(symbol="RENDER", side="long", equity_usd=25_000.0,
                              entry_price_usd=7.5, stop_price_usd=7.05, risk_fraction=0.015,
                              leverage=5.0, daily_vol=None)
    result = compute_quick_check(inputs, Settings(), dataset)
    daily_vol = ewma_daily_vol(dataset, "RENDER", minimum_closes=30)
    desk = quick_check(request_from_settings(
        Settings(), contract=dataset.contracts["RENDER"], brackets=brackets_for(dataset, "RENDER"),
        daily_vol=daily_vol, **TRADE))  # type: ignore[arg-type]
    assert result.size == desk.size and result.liquidation == desk.liquidation
    assert result.safe_leverage == desk.safe_leverage and result.warnings == desk.warnings


def test_workbook_sizing_start_is_a_trade_the_desk_accepts() -> None:
    from workbook.build import sizing_inputs_for

    dataset = load_market("demo")
    inputs = sizing_inputs_for(dataset, Settings())
    checked = quick_check(request_from_settings(
        Settings(), equity_usd=inputs.equity_usd, entry_price_usd=inputs.entry_price_usd,
        stop_price_usd=inputs.stop_price_usd, side=inputs.side, leverage=inputs.leverage,
        contract=dataset.contracts.get(inputs.symbol), brackets=brackets_for(dataset,
                                                                               inputs.symbol)))
    assert checked.size.quantity_base > 0
    assert inputs.bracket_source == checked.brackets.source
