"""A real LibreOffice recalculates the built workbook: no errors, and Sizing == the engine.

One LibreOffice conversion for the whole module: the demo-filled workbook gets extra copies
of the Sizing sheet ("Sizing 2", ...) written by the same sheet builder with other inputs
(long/short, steps 0.001 / 0.1 / 1, alt, BTC and custom brackets, a bracket change at the
liquidation price, a 1x long that cannot be liquidated, a contract maximum below the
bracket's). LibreOffice evaluates every native
formula; each result must equal the risk engine's for the same inputs to 1e-9 relative.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook

from rotation_addin.core.brackets import BracketTable, build_bracket_table, default_bracket_table
from rotation_addin.core.leverage import safe_leverage
from rotation_addin.core.liquidation import liquidation_price
from rotation_addin.core.sizing import position_size
from rotation_addin.core.types import ContractSpec
from rotation_addin.data.settings import Settings
from workbook import layout as lay
from workbook.build import build_workbook
from workbook.render import recalculated_copy
from workbook.sheets import sizing
from workbook.sheets.sizing import SizingInputs

REL = 1e-9

CUSTOM = build_bracket_table("DOGE", [0, 5_000, 25_000, 100_000], [0.01, 0.015, 0.025, 0.05],
                             [50, 25, 20, 10], source="test table")

SCENARIOS: dict[str, tuple[SizingInputs, BracketTable]] = {
    "long alt step 0.1": (SizingInputs(
        symbol="RENDER", side="long", equity_usd=10_000, risk_fraction=0.02,
        entry_price_usd=5.0, stop_price_usd=4.6, leverage=5, amount_step=0.1, min_amount=0.1,
        min_notional_usd=5, daily_vol=0.06, contract_max_leverage=50),
        default_bracket_table("RENDER")),
    "short btc step 0.001": (SizingInputs(
        symbol="BTC", side="short", equity_usd=250_000, risk_fraction=0.03,
        max_risk_fraction=0.03, entry_price_usd=60_000, stop_price_usd=61_500, leverage=20,
        taker_fee_rate=0.0004, stop_slippage_rate=0.001, amount_step=0.001,
        min_amount=0.001, min_notional_usd=100, daily_vol=0.03, k_sigma=2.5,
        holding_days=2, gap_buffer_fraction=0.01, contract_max_leverage=125),
        default_bracket_table("BTC")),
    "long eth bracket re-check": (SizingInputs(
        # notional ~251,955 USD: bracket 3 (>= 250k) at entry, bracket 2 at the LP (~229k)
        symbol="ETH", side="long", equity_usd=270_600, risk_fraction=0.02,
        entry_price_usd=3_000, stop_price_usd=2_940, leverage=10, amount_step=0.001,
        min_amount=0.001, min_notional_usd=20, daily_vol=0.04, contract_max_leverage=100),
        default_bracket_table("ETH")),
    "short custom step 1": (SizingInputs(
        symbol="DOGE", side="short", equity_usd=20_000, risk_fraction=0.01,
        entry_price_usd=0.2, stop_price_usd=0.215, leverage=3, amount_step=1, min_amount=1,
        min_notional_usd=5, daily_vol=0.08, k_sigma=3, holding_days=3,
        gap_buffer_fraction=0.03, contract_max_leverage=50), CUSTOM),
    "long 1x cannot be liquidated": (SizingInputs(
        symbol="LTC", side="long", equity_usd=7_500, risk_fraction=0.015,
        entry_price_usd=80.0, stop_price_usd=72.5, leverage=1, amount_step=0.01,
        min_amount=0.01, min_notional_usd=5, daily_vol=0.05, contract_max_leverage=75),
        default_bracket_table("LTC")),
    "long alt contract cap": (SizingInputs(
        # sigma 0.4 %, k 3, h 1, no gap, MMR 0.65 %: 1/(0.012 + 0.0065) = 54.05 -> 54x by
        # volatility; the bracket allows 75x, the contract only 20x: safe leverage 20x
        symbol="RENDER", side="long", equity_usd=10_000, risk_fraction=0.01,
        entry_price_usd=5.0, stop_price_usd=4.9, leverage=5, amount_step=0.1, min_amount=0.1,
        min_notional_usd=5, daily_vol=0.004, gap_buffer_fraction=0.0,
        contract_max_leverage=20), default_bracket_table("RENDER")),
}


BAD_INPUTS: dict[str, tuple[SizingInputs, str]] = {
    # typed past the validation (paste): the sheet must explain, never show #VALUE!/#DIV/0!
    "Sizing bad side": (SizingInputs(side="sideways"), "side must be long or short"),
    "Sizing bad stop": (SizingInputs(side="short", entry_price_usd=5.0, stop_price_usd=4.5),
                        "stop on the wrong side of entry"),
    "Sizing bad risk": (SizingInputs(risk_fraction=0.05), "REFUSED: risk above the cap"),
    "Sizing too small": (SizingInputs(equity_usd=50, entry_price_usd=5.0, stop_price_usd=4.0,
                                      amount_step=1, min_amount=1), "REFUSED: size rounds to 0"),
}
OVER_CONTRACT_MAX = "Sizing over contract max"
"""30x typed for a contract that allows 25x (its brackets allow 75x)."""


HIGH_CAP = "Sizing high cap"
"""5 % risk under a 6 % cap (the settings allow up to 10 %): accepted, label says 6 %."""


def _sheet_name(i: int) -> str:
    return f"Sizing {i + 2}"


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory, demo_market: object,
                 lo_profile: Path) -> Path:
    """Build the demo workbook + scenario sheets and let LibreOffice recalculate it."""
    folder = tmp_path_factory.mktemp("lo")
    path = folder / "rotation_desk.xlsx"
    build_workbook(path, dataset=demo_market, params=Settings())  # type: ignore[arg-type]
    wb = load_workbook(path)
    for i, (inputs, table) in enumerate(SCENARIOS.values()):
        ws = wb.create_sheet(_sheet_name(i))
        sizing.build(ws, inputs.with_brackets(table))
    for name, (inputs, _message) in BAD_INPUTS.items():
        sizing.build(wb.create_sheet(name), inputs.with_brackets(default_bracket_table("X")))
    sizing.build(wb.create_sheet(HIGH_CAP),
                 SizingInputs(risk_fraction=0.05, max_risk_fraction=0.06).with_brackets(
                     default_bracket_table("X")))
    sizing.build(wb.create_sheet(OVER_CONTRACT_MAX),
                 SizingInputs(leverage=30, contract_max_leverage=25).with_brackets(
                     default_bracket_table("X")))
    wb.save(path)
    return recalculated_copy(path, folder / "recalc", profile_dir=lo_profile)


@pytest.fixture(scope="module")
def values(recalculated: Path) -> object:
    return load_workbook(recalculated, data_only=True)


def test_no_cell_evaluates_to_an_error(values: object) -> None:
    errors = []
    for ws in values.worksheets:  # type: ignore[attr-defined]
        for row in ws.iter_rows():
            for cell in row:
                text = cell.value
                if isinstance(text, str) and text.startswith("#") and text.rstrip("!?0/").isupper():
                    errors.append(f"{ws.title}!{cell.coordinate}={text}")
                if isinstance(text, str) and text.startswith(("#N/A", "#VALUE", "#DIV", "#REF",
                                                              "#NAME", "#NUM", "Err:")):
                    errors.append(f"{ws.title}!{cell.coordinate}={text}")
    assert errors == []


def test_every_sizing_formula_was_evaluated(values: object) -> None:
    ws = values[lay.SIZING]  # type: ignore[index]
    for row, name, *_ in sizing.OUTPUT_ROWS:
        assert ws.cell(row=row, column=2).value is not None, f"Sizing!B{row} ({name}) empty"


def _close(actual: object, expected: float, what: str) -> None:
    assert isinstance(actual, int | float), f"{what}: got {actual!r}"
    assert math.isclose(float(actual), expected, rel_tol=REL, abs_tol=1e-12), (
        f"{what}: sheet {actual!r} != engine {expected!r}")


def _out(ws: object, name: str) -> object:
    cell = sizing.OUTPUT_CELL[name].replace("$", "")
    return ws[cell].value  # type: ignore[index]


@pytest.mark.parametrize("index,label", list(enumerate(SCENARIOS)))
def test_sizing_sheet_equals_engine(values: object, index: int, label: str) -> None:
    inputs, table = SCENARIOS[label]
    ws = values[_sheet_name(index)]  # type: ignore[index]
    contract = ContractSpec(symbol=inputs.symbol, base=inputs.symbol,
                            amount_step=inputs.amount_step, min_amount=inputs.min_amount,
                            min_notional_usd=inputs.min_notional_usd,
                            taker_fee_rate=inputs.taker_fee_rate,
                            max_leverage=inputs.contract_max_leverage)
    size = position_size(
        equity_usd=inputs.equity_usd, entry_price_usd=inputs.entry_price_usd,
        stop_price_usd=inputs.stop_price_usd, side=inputs.side,
        risk_fraction=inputs.risk_fraction, max_risk_fraction=inputs.max_risk_fraction,
        taker_fee_rate=inputs.taker_fee_rate, stop_slippage_rate=inputs.stop_slippage_rate,
        leverage=inputs.leverage, contract=contract)
    liq = liquidation_price(side=inputs.side, entry_price_usd=inputs.entry_price_usd,
                            quantity_base=size.quantity_base, leverage=inputs.leverage,
                            brackets=table)
    # the cap `rotation leverage --symbol` / =SAFE_LEVERAGE() pass: the contract's maximum
    # never lifts the (entry) bracket's, nor the reverse
    cap = min(inputs.contract_max_leverage, table.for_notional(size.notional_usd).max_leverage)
    safe = safe_leverage(daily_vol=inputs.daily_vol, k_sigma=inputs.k_sigma,
                         holding_days=inputs.holding_days,
                         gap_buffer_fraction=inputs.gap_buffer_fraction, brackets=table,
                         notional_usd=size.notional_usd, max_leverage=cap, side=inputs.side)
    expected = {
        "RiskBudget": size.risk_budget_usd,
        "PerUnitLoss": size.per_unit_loss_usd,
        "RawQuantity": size.unrounded_quantity_base,
        "Quantity": size.quantity_base,
        "Notional": size.notional_usd,
        "Margin": size.margin_usd,
        "RiskUSD": size.risk_usd,
        "RiskOfEquity": size.risk_fraction_of_equity,
        "StopDistance": size.stop_distance_fraction,
        "Fees": size.fees_usd,
        "SlippageUSD": size.slippage_usd,
        "EntryBracket": table.index_of(liq.entry_bracket) + 1,
        "EntryMMR": liq.entry_bracket.maintenance_margin_rate,
        "BracketMaxLeverage": liq.entry_bracket.max_leverage,
        "MaintenanceMargin": liq.maintenance_margin_usd,
        "LiqBracket": table.index_of(liq.bracket) + 1,
        "LiqMMR": liq.bracket.maintenance_margin_rate,
        "LiquidationPrice": liq.liquidation_price_usd,
        "LiqDistance": liq.distance_fraction,
        "SafeLeverage": float(safe.leverage),
    }
    for name, value in expected.items():
        _close(_out(ws, name), value, f"{label}: {name}")
    cums = [ws[f"I{sizing.BRACKET_TOP + i}"].value for i in range(len(table.brackets))]
    for i, bracket in enumerate(table.brackets):
        _close(cums[i], bracket.maintenance_amount_usd, f"{label}: cum[{i}]")
    assert _out(ws, "TradeCheck") == "OK"
    stop_ok = liq.liquidation_price_usd == 0 or (
        size.side.sign * (inputs.stop_price_usd - liq.liquidation_price_usd) > 0)
    assert str(_out(ws, "StopCheck")).startswith("OK") == stop_ok


def test_risk_cap_label_and_check_follow_the_cap_cell(values: object) -> None:
    ws = values[HIGH_CAP]  # type: ignore[index]
    assert ws["C8"].value == "of equity (max 6 %)"
    assert ws["B47"].value == "OK"
    default = values["Sizing"]  # type: ignore[index]
    cap = float(default["B9"].value)
    assert default["C8"].value == f"of equity (max {round(cap * 100, 2):g} %)"


def test_scenarios_cover_what_they_claim(values: object) -> None:
    """The scenario list really holds a bracket change at the LP and an unliquidatable 1x."""
    labels = list(SCENARIOS)
    recheck = values[_sheet_name(labels.index("long eth bracket re-check"))]  # type: ignore[index]
    assert _out(recheck, "LiqBracket") != _out(recheck, "EntryBracket")
    onex = values[_sheet_name(labels.index("long 1x cannot be liquidated"))]  # type: ignore[index]
    assert _out(onex, "LiquidationPrice") == 0
    capped = values[_sheet_name(labels.index("long alt contract cap"))]  # type: ignore[index]
    assert _out(capped, "BracketMaxLeverage") == 75  # the bracket alone would allow 54x
    assert _out(capped, "SafeLeverage") == 20


def test_leverage_above_the_contract_maximum_is_refused(values: object) -> None:
    ws = values[OVER_CONTRACT_MAX]  # type: ignore[index]
    assert _out(ws, "BracketMaxLeverage") == 75
    assert _out(ws, "LeverageCheck") == "REFUSED: above the bracket or contract maximum"


def test_hand_computed_long_example(values: object) -> None:
    """Scenario 1 by hand: budget 200; loss/unit = 0.4 + 5·0.0005 + 4.6·0.001 = 0.4071;
    200 / 0.4071 = 491.28... -> 491.2 at step 0.1; notional 2456; margin at 5x 491.2."""
    ws = values[_sheet_name(0)]  # type: ignore[index]
    _close(_out(ws, "PerUnitLoss"), 0.4071, "loss per unit")
    _close(_out(ws, "Quantity"), 491.2, "quantity")
    _close(_out(ws, "Notional"), 2456.0, "notional")
    _close(_out(ws, "Margin"), 491.2, "margin")


def test_demo_sizing_starts_from_the_dataset(values: object, demo_market: object) -> None:
    ws = values[lay.SIZING]  # type: ignore[index]
    base = ws["B5"].value
    assert base in demo_market.close.columns  # type: ignore[attr-defined]
    tick = demo_market.contracts[base].price_tick  # type: ignore[attr-defined]
    assert ws["B10"].value == pytest.approx(  # the mark price on the tick grid
        demo_market.tickers[base].mark_price_usd, abs=tick / 2 + 1e-12)  # type: ignore[attr-defined]
    assert _out(ws, "TradeCheck") == "OK"


def test_scenario_inputs_are_valid_for_the_sheet_validation() -> None:
    for inputs, _table in SCENARIOS.values():
        assert 0 < inputs.risk_fraction <= 0.03
        assert inputs.side in ("long", "short")
        assert replace(inputs).leverage >= 1
        assert 1 <= inputs.contract_max_leverage <= 1000


@pytest.mark.parametrize("sheet", list(BAD_INPUTS))
def test_bad_inputs_are_explained_not_errors(values: object, sheet: str) -> None:
    """The error scan above covers these sheets too; here: the check says what is wrong."""
    ws = values[sheet]  # type: ignore[index]
    assert _out(ws, "TradeCheck") == BAD_INPUTS[sheet][1]
