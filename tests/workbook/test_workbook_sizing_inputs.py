"""Sizing sheet inputs: the contract's maximum leverage is an input and every cap is bounded."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.data.settings import Settings
from workbook import layout as lay
from workbook.build import build_workbook
from workbook.sheets import sizing


def _validations(path: Path) -> dict[str, tuple[str | None, str | None, str | None]]:
    ws = load_workbook(path)[lay.SIZING]
    return {str(dv.sqref): (dv.operator, dv.formula1, dv.formula2)
            for dv in ws.data_validations.dataValidation}


def test_risk_cap_and_contract_max_are_bounded(tmp_path: Path) -> None:
    path = tmp_path / "wb.xlsx"
    build_workbook(path, params=Settings())
    rules = _validations(path)
    cap_row = next(r for r, name, *_ in sizing.INPUT_ROWS if name == "MaxRiskFraction")
    # the hard cap on risk: 0.01 % to 10 %, as the Settings sheet bounds max_risk_fraction
    assert rules[f"B{cap_row}"] == ("between", "0.0001", "0.1")
    contract_row = next(r for r, name, *_ in sizing.INPUT_ROWS if name == "ContractMaxLeverage")
    # the engine accepts max_leverage in [1, 1000] (core.leverage.safe_leverage)
    assert rules[f"B{contract_row}"] == ("between", "1", "1000")


def test_safe_leverage_formula_reads_the_contract_maximum(tmp_path: Path,
                                                          demo_market: MarketDataset) -> None:
    path = tmp_path / "wb.xlsx"
    build_workbook(path, dataset=demo_market, params=Settings())
    ws = load_workbook(path)[lay.SIZING]
    contract_cell = sizing.INPUT_CELL["ContractMaxLeverage"]
    assert contract_cell in str(ws[sizing.OUTPUT_CELL["SafeLeverage"].replace("$", "")].value)
    base = ws["B5"].value
    # the demo contract's own maximum (e.g. 50x for an alt whose brackets allow 75x)
    assert ws[contract_cell.replace("$", "")].value == demo_market.contracts[base].max_leverage
