"""The Functions sheet in a real LibreOffice: native fallbacks equal the engine, live cells fall
back through IFERROR (no add-in here), every function has its example.

LibreOffice knows none of the add-in's functions (they answer #NAME?), which is exactly a
workbook opened without the add-in.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook, load_workbook

from rotation_addin import udfs
from rotation_addin.core.liquidation import liquidation_price
from rotation_addin.core.sizing import position_size
from rotation_addin.core.volatility import close_to_close_vol
from workbook import layout as lay
from workbook.render import recalculated_copy
from workbook.sheets import functions

VALUES = {key: value for key, _label, value, _fmt in functions.INPUTS}


@pytest.fixture(scope="module")
def sheet(tmp_path_factory: pytest.TempPathFactory, lo_profile: Path) -> object:
    folder = tmp_path_factory.mktemp("functions")
    wb = Workbook()
    wb.active.title = lay.FUNCTIONS
    functions.build(wb.active)
    path = folder / "functions.xlsx"
    wb.save(path)
    recalculated = recalculated_copy(path, folder / "recalc", profile_dir=lo_profile)
    return load_workbook(recalculated, data_only=True)[lay.FUNCTIONS]


def _row_of(ws: object, address: str) -> int:
    return int("".join(ch for ch in address if ch.isdigit()))


def test_every_function_has_a_live_example() -> None:
    wb = Workbook()
    functions.build(wb.active)
    names = {wb.active.cell(row=r, column=1).value
             for r in range(functions.HEADER_ROW + 1, functions.HEADER_ROW + 40)}
    assert set(udfs.UDF_NAMES) <= names
    for r in range(functions.HEADER_ROW + 1, functions.HEADER_ROW + 1 + len(udfs.UDF_NAMES)):
        live = wb.active.cell(row=r, column=2).value
        assert live.startswith("=IFERROR(") and wb.active.cell(row=r, column=1).value in live


def test_native_fallbacks_equal_the_engine(sheet: object) -> None:
    cells = functions.fallback_cells()
    ws = sheet
    size = position_size(equity_usd=VALUES["equity"], risk_fraction=VALUES["risk"],
                         entry_price_usd=VALUES["entry"], stop_price_usd=VALUES["stop"],
                         side="long", taker_fee_rate=VALUES["fee"],
                         stop_slippage_rate=VALUES["slip"])
    assert ws[cells["POSITION_SIZE"]].value == pytest.approx(size.quantity_base, rel=1e-9)
    # the same figure the add-in's function gives for these inputs (hand example: 38.87)
    assert ws[cells["POSITION_SIZE"]].value == pytest.approx(
        udfs.POSITION_SIZE(VALUES["equity"], VALUES["risk"], VALUES["entry"], VALUES["stop"]))
    isolated = liquidation_price(side="long", entry_price_usd=VALUES["entry"],
                                 quantity_base=VALUES["quantity"], leverage=VALUES["leverage"],
                                 maintenance_margin_rate=VALUES["mmr"])
    assert ws[cells["LIQUIDATION_PRICE"]].value == pytest.approx(
        isolated.liquidation_price_usd, rel=1e-9)
    cross = liquidation_price(side="long", entry_price_usd=VALUES["entry"],
                              quantity_base=VALUES["quantity"], mode="cross",
                              wallet_balance_usd=VALUES["wallet"],
                              maintenance_margin_rate=VALUES["mmr"])
    assert ws[cells["LIQUIDATION_PRICE cross"]].value == pytest.approx(
        cross.liquidation_price_usd, rel=1e-9)
    from rotation_addin.core.brackets import default_bracket_table
    from rotation_addin.core.leverage import safe_leverage

    # the cap typed on the sheet is the default table's first bracket (what the UDF applies)
    assert VALUES["cap"] == default_bracket_table("default").for_notional(0).max_leverage
    safe = safe_leverage(daily_vol=VALUES["vol"], k_sigma=VALUES["k"],
                         holding_days=VALUES["days"], gap_buffer_fraction=VALUES["buffer"],
                         maintenance_margin_rate=VALUES["mmr"])
    assert ws[cells["SAFE_LEVERAGE"]].value == safe.leverage
    assert safe.leverage == udfs.SAFE_LEVERAGE(VALUES["vol"], VALUES["k"], VALUES["days"],
                                               VALUES["buffer"], VALUES["mmr"])
    vol = float(close_to_close_vol(list(functions.PRICES)))
    assert ws[cells["HIST_VOL"]].value == pytest.approx(vol, rel=1e-9)
    assert vol == pytest.approx(float(np.std(np.diff(np.log(functions.PRICES)), ddof=1)))


def test_live_cells_fall_back_without_the_add_in(sheet: object) -> None:
    ws = sheet
    cells = functions.fallback_cells()
    native_rows = {_row_of(ws, address) for address in cells.values()}
    for r in range(functions.HEADER_ROW + 1, functions.HEADER_ROW + 1 + len(udfs.UDF_NAMES) + 1):
        live = ws.cell(row=r, column=2).value
        if r in native_rows:  # IFERROR caught the missing function: the native number shows
            assert isinstance(live, int | float) and math.isfinite(live), (r, live)
            assert live == pytest.approx(ws.cell(row=r, column=3).value)
        else:
            assert live == functions.NO_ADDIN, (r, live)
