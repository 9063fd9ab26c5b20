"""The Sizing sheet: position size, margin, liquidation price and safe leverage in NATIVE formulas.

It works without Python (Excel, LibreOffice, a phone): only classic functions (ROUNDDOWN,
SUMPRODUCT, INDEX, MATCH, IFERROR, SQRT, ABS, MAX, MIN), no LET/XLOOKUP/FILTER/LAMBDA, so
LibreOffice 7.4 evaluates it too. The formulas are the engine's, cell for cell:

* size: ``rotation_addin.core.sizing.position_size`` --
  per-unit loss = |E − S| + E·fee + S·(fee + slip),
  quantity = ROUNDDOWN(budget/loss/step + 1e-9)·step;
* liquidation (isolated): ``rotation_addin.core.liquidation.liquidation_price`` --
  LP = (margin + cum − side·Q·E) / (Q·MMR − side·Q) for every bracket of the table on the sheet,
  and the bracket kept is the one whose own LP notional falls back into it (the engine's
  re-check at the liquidation price);
* safe leverage: ``rotation_addin.core.leverage.safe_leverage`` capped by
  ``min(entry bracket max, contract max)`` as ``rotation leverage --symbol`` caps it.

The tests recalculate this sheet in LibreOffice and compare every result with the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from rotation_addin.core import parameters as pdef
from rotation_addin.core.brackets import BracketTable
from workbook import layout as lay
from workbook import styles as st
from workbook.context import FillContext, Rows, banner_text, snapshot
from workbook.sheets.protection import protect, replace_validations
from workbook.sheets.sizing_leverage import SAFE_LEVERAGE_FORMULA

MAX_BRACKETS = 12
BRACKET_TOP = 6  # first bracket row (header on row 5)
BRACKET_BOTTOM = BRACKET_TOP + MAX_BRACKETS - 1


@dataclass(frozen=True)
class SizingInputs:
    """Values the Sizing sheet starts with (the user edits them in Excel).

    Attributes mirror ``position_size`` / ``liquidation_price`` / ``safe_leverage`` arguments;
    ``bracket_*`` are the contract's maintenance brackets (cum is computed on the sheet);
    ``contract_max_leverage`` is the contract's own maximum (ccxt ``limits.leverage.max``),
    which caps the safe leverage together with the entry bracket's, as the engine's callers
    (``rotation leverage --symbol``, ``=SAFE_LEVERAGE()``, the desktop quick check) do.
    """

    symbol: str = "RENDER"
    side: str = "long"
    equity_usd: float = pdef.EQUITY_USD.default
    risk_fraction: float = pdef.RISK_FRACTION.default
    max_risk_fraction: float = pdef.MAX_RISK_FRACTION.default
    entry_price_usd: float = 5.0
    stop_price_usd: float = 4.75
    leverage: float = 3.0
    taker_fee_rate: float = pdef.TAKER_FEE_RATE.default
    stop_slippage_rate: float = pdef.STOP_SLIPPAGE_RATE.default
    amount_step: float = 0.1
    min_amount: float = 0.1
    min_notional_usd: float = 5.0
    daily_vol: float = 0.05
    k_sigma: float = pdef.VOL_K_SIGMA.default
    holding_days: float = pdef.HOLDING_DAYS.default
    gap_buffer_fraction: float = pdef.GAP_BUFFER_FRACTION.default
    contract_max_leverage: float = 75.0
    bracket_floors_usd: Sequence[float] = field(default=(0.0,))
    bracket_rates: Sequence[float] = field(default=(0.0065,))
    bracket_max_leverages: Sequence[float] = field(default=(75.0,))
    bracket_source: str = ""
    price_tick: float | None = None

    def with_brackets(self, table: BracketTable) -> SizingInputs:
        """Copy with the floors/MMRs/max leverages of ``table``."""
        return replace(
            self,
            bracket_floors_usd=tuple(b.floor_notional_usd for b in table.brackets),
            bracket_rates=tuple(b.maintenance_margin_rate for b in table.brackets),
            bracket_max_leverages=tuple(b.max_leverage for b in table.brackets),
            bracket_source=table.source,
        )


RISK_CAP_LABEL = '="of equity (max "&ROUND($B$9*100,2)&" %)"'
"""Help text of the risk input: the hard cap typed in B9 (from the settings), not a constant."""

# (row, name, label, unit/help, number format, attribute of SizingInputs)
INPUT_ROWS: tuple[tuple[int, str, str, str, str, str], ...] = (
    (5, "Symbol", "Symbol", "base asset (text)", "@", "symbol"),
    (6, "Side", "Side", "long or short", "@", "side"),
    (7, "Equity", "Account equity", "", st.FMT_USD, "equity_usd"),
    (8, "RiskFraction", "Risk per trade", RISK_CAP_LABEL, st.FMT_PCT, "risk_fraction"),
    (9, "MaxRiskFraction", "Hard cap on risk", "of equity", st.FMT_PCT, "max_risk_fraction"),
    (10, "Entry", "Entry price", "USD", st.FMT_PRICE, "entry_price_usd"),
    (11, "Stop", "Stop price", "USD", st.FMT_PRICE, "stop_price_usd"),
    (12, "Leverage", "Leverage", "x (sets margin, not risk)", st.FMT_LEV, "leverage"),
    (13, "TakerFee", "Taker fee", "per fill, of notional", "0.000%", "taker_fee_rate"),
    (14, "Slippage", "Stop slippage", "of the stop price", "0.000%", "stop_slippage_rate"),
    (15, "AmountStep", "Amount step", "base units (LOT_SIZE)", st.FMT_QTY, "amount_step"),
    (16, "MinAmount", "Minimum amount", "base units", st.FMT_QTY, "min_amount"),
    (17, "MinNotional", "Minimum notional", "", st.FMT_USD, "min_notional_usd"),
    (18, "DailyVol", "Daily volatility σ", "of log returns", st.FMT_PCT, "daily_vol"),
    (19, "KSigma", "k (sigmas survived)", "safe leverage", st.FMT_RATIO, "k_sigma"),
    (20, "HoldingDays", "Holding days h", "safe leverage", st.FMT_RATIO, "holding_days"),
    (21, "GapBuffer", "Gap buffer", "weekend gap, of price", st.FMT_PCT, "gap_buffer_fraction"),
    (22, "ContractMaxLeverage", "Contract max leverage", "x, the symbol's exchange limit",
     st.FMT_LEV, "contract_max_leverage"),
)
INPUT_CELL = {name: f"$B${row}" for row, name, *_ in INPUT_ROWS}

_F = BRACKET_TOP
_L = BRACKET_BOTTOM
FLOORS = f"$E${_F}:$E${_L}"
MMRS = f"$G${_F}:$G${_L}"
MAXLEVS = f"$H${_F}:$H${_L}"
CUMS = f"$I${_F}:$I${_L}"
LPS = f"$J${_F}:$J${_L}"
CONSISTENT = f"$L${_F}:$L${_L}"

# (row, name, label, unit, number format, formula)
OUTPUT_ROWS: tuple[tuple[int, str, str, str, str, str], ...] = (
    (24, "SideSign", "Side sign", "+1 long / −1 short",
     "0", '=IF(LOWER(TRIM($B$6))="long",1,IF(LOWER(TRIM($B$6))="short",-1,0))'),
    (25, "RiskBudget", "Risk budget", "equity × risk", st.FMT_USD, "=$B$7*$B$8"),
    (26, "PerUnitLoss", "Loss per unit at stop", "|E−S| + E·fee + S·(fee+slip)",
     st.FMT_PRICE, "=ABS($B$10-$B$11)+$B$10*$B$13+$B$11*($B$13+$B$14)"),
    (27, "RawQuantity", "Quantity before rounding", "base units", st.FMT_QTY, "=$B$25/$B$26"),
    (28, "Quantity", "QUANTITY", "rounded DOWN to the step",
     st.FMT_QTY, "=ROUNDDOWN($B$27/$B$15+0.000000001,0)*$B$15"),
    (29, "Notional", "Notional", "quantity × entry", st.FMT_USD, "=$B$28*$B$10"),
    (30, "Margin", "Margin", "notional ÷ leverage", st.FMT_USD, "=$B$29/$B$12"),
    (31, "RiskUSD", "Risk at the stop", "after rounding and costs", st.FMT_USD, "=$B$28*$B$26"),
    (32, "RiskOfEquity", "Risk of equity", "", st.FMT_PCT, "=$B$31/$B$7"),
    (33, "StopDistance", "Stop distance", "of entry", st.FMT_PCT, "=ABS($B$10-$B$11)/$B$10"),
    (34, "Fees", "Fees (entry + stop exit)", "", st.FMT_USD, "=$B$28*$B$13*($B$10+$B$11)"),
    (35, "SlippageUSD", "Stop slippage", "", st.FMT_USD, "=$B$28*$B$11*$B$14"),
    (36, "EntryBracket", "Entry bracket #", "from the table",
     "0", f"=SUMPRODUCT(--({FLOORS}<=$B$29),--ISNUMBER({FLOORS}))"),
    (37, "EntryMMR", "Entry MMR", "maintenance margin rate",
     "0.000%", f"=INDEX({MMRS},$B$36)"),
    (38, "BracketMaxLeverage", "Bracket max leverage", "exchange limit",
     st.FMT_LEV, f"=INDEX({MAXLEVS},$B$36)"),
    (39, "MaintenanceMargin", "Maintenance margin", "notional·MMR − cum",
     st.FMT_USD, f"=$B$29*$B$37-INDEX({CUMS},$B$36)"),
    (40, "LiqBracket", "Liquidation bracket #", "re-checked at the LP",
     "0", f"=IFERROR(MATCH(1,{CONSISTENT},0),$B$36)"),
    (41, "LiqMMR", "MMR at liquidation", "", "0.000%", f"=INDEX({MMRS},$B$40)"),
    (42, "LiquidationPrice", "LIQUIDATION PRICE", "isolated; 0 = cannot be liquidated",
     st.FMT_PRICE, f"=MAX(0,INDEX({LPS},$B$40))"),
    (43, "LiqDistance", "Distance to liquidation", "of entry",
     st.FMT_PCT, "=$B$24*($B$10-$B$42)/$B$10"),
    (44, "StopCheck", "Stop vs liquidation", "",
     "@", '=IF($B$42=0,"OK: cannot be liquidated",IF($B$24*($B$11-$B$42)>0,'
          '"OK: stop fires before liquidation","REFUSED: stop at or beyond liquidation"))'),
    (45, "SafeLeverage", "SAFE LEVERAGE",
     "largest L: exact liq. distance for the side >= k·σ·√h + gap",
     st.FMT_LEV, "SAFE_LEVERAGE_FORMULA"),
    (46, "LeverageCheck", "Leverage check", "",
     "@", '=IF($B$12>MIN($B$38,$B$22),"REFUSED: above the bracket or contract maximum",'
          'IF($B$12>$B$45,"WARNING: above safe leverage","OK"))'),
    (47, "TradeCheck", "Trade check", "",
     "@", '=IF($B$24=0,"side must be long or short",IF($B$8>$B$9,"REFUSED: risk above the cap",'
          'IF($B$24*($B$10-$B$11)<=0,"stop on the wrong side of entry",'
          'IF($B$28<=0,"REFUSED: size rounds to 0",IF($B$28<$B$16*(1-0.000000001),'
          '"REFUSED: below minimum amount",IF($B$29<$B$17*(1-0.000000001),'
          '"REFUSED: below minimum notional","OK"))))))'),
)
OUTPUT_CELL = {name: f"$B${row}" for row, name, *_ in OUTPUT_ROWS}


def safe_leverage_formula() -> str:
    """Native formula of ``safe_leverage``: see :mod:`rotation_addin.core.leverage`."""
    return SAFE_LEVERAGE_FORMULA


def _bracket_formulas(row: int) -> dict[str, str]:
    first = row == BRACKET_TOP
    prev = row - 1
    has = f"ISNUMBER($E{row})"
    return {
        "F": f'=IF(AND({has},ISNUMBER($E{row + 1})),$E{row + 1},"")' if row < _L else '=""',
        "I": f'=IF({has},0,"")' if first
        else f'=IF({has},ROUND($I{prev}+$E{row}*($G{row}-$G{prev}),8),"")',
        "J": f'=IF(AND({has},$B$28>0),($B$30+$I{row}-$B$24*$B$28*$B$10)'
             f'/($B$28*$G{row}-$B$24*$B$28),0)',
        "K": f'=IF({has},SUMPRODUCT(--({FLOORS}<=$B$28*MAX($J{row},0)),--ISNUMBER({FLOORS})),0)',
        "L": f"=IF({has},IF($K{row}={row - BRACKET_TOP + 1},1,0),0)",
    }


def build(ws: Worksheet, inputs: SizingInputs) -> None:
    """Write labels, the user's inputs, the bracket table and every formula."""
    st.write_title(
        ws, "Position sizing (native formulas, no Python needed)",
        "Yellow cells are inputs; everything else is computed by Excel/LibreOffice itself. "
        "Isolated margin, one-way mode, USD-margined linear perpetuals.",
    )
    ws["A4"] = "Trade inputs"
    ws["A4"].font = st.SECTION_FONT
    for row, _name, label, unit, fmt, attr in INPUT_ROWS:
        ws.cell(row=row, column=1, value=label)
        cell = ws.cell(row=row, column=2, value=getattr(inputs, attr))
        cell.number_format = fmt
        cell.fill = st.INPUT_FILL
        cell.protection = st.UNLOCKED
        cell.border = st.BOX
        ws.cell(row=row, column=3, value=unit).font = st.NOTE_FONT
    ws["A23"] = "Results"
    ws["A23"].font = st.SECTION_FONT
    for row, _name, label, unit, fmt, formula in OUTPUT_ROWS:
        ws.cell(row=row, column=1, value=label)
        text = safe_leverage_formula() if formula == "SAFE_LEVERAGE_FORMULA" else formula
        cell = ws.cell(row=row, column=2, value=text)
        cell.number_format = fmt if fmt != "@" else "General"
        cell.fill = st.OUTPUT_FILL
        cell.border = st.BOX
        ws.cell(row=row, column=3, value=unit).font = st.NOTE_FONT
    _tick_formats(ws, inputs)
    for row in (28, 42, 45):
        ws.cell(row=row, column=1).font = st.BOLD
        ws.cell(row=row, column=2).font = st.BOLD
    _write_brackets(ws, inputs)
    format_market_block(ws)
    ws["A2"].font = st.DEMO_FONT
    st.set_widths(ws, {"A": 26, "B": 18, "C": 30, "D": 3, "E": 14, "F": 14, "G": 9, "H": 10,
                       "I": 12, "J": 14, "K": 10, "L": 11, "M": 3, "N": 22, "O": 16})
    ws.freeze_panes = "A4"
    st.print_one_page(ws)
    ws.print_area = "A1:O48"


PRICE_ROWS = (10, 11, 42)
"""Entry, stop and liquidation price: to the contract's tick."""
QUANTITY_ROWS = (15, 16, 27, 28)
"""Amount step, minimum amount and the quantities: to the amount step."""


def _tick_formats(ws: Worksheet, inputs: SizingInputs) -> None:
    """The example trade's prices and quantities in the look of every surface."""
    for row in PRICE_ROWS:
        st.price_and_quantity_formats(ws, row, (2,), (), inputs.price_tick, None,
                                      inputs.entry_price_usd)
    for row in QUANTITY_ROWS:
        st.price_and_quantity_formats(ws, row, (), (2,), None, inputs.amount_step,
                                      inputs.entry_price_usd)


BRACKET_LOOKS = {
    **{col: st.Look(number_format=fmt, fill=st.INPUT_FILL, protection=st.UNLOCKED,
                    border=st.BOX)
       for col, fmt in zip("EGH", (st.FMT_USD0, "0.000%", "0"), strict=True)},
    **{col: st.Look(number_format={"F": st.FMT_USD0, "I": "#,##0.00",
                                   "J": st.FMT_PRICE}.get(col, "0"), border=st.BOX)
       for col in "FIJKL"},
}
"""Bracket table cells: editable inputs (floor, MMR, max leverage) and formula columns."""


def _write_brackets(ws: Worksheet, inputs: SizingInputs) -> None:
    ws["E4"] = "Maintenance brackets (edit for your contract)"
    ws["E4"].font = st.SECTION_FONT
    st.write_header(ws, 5, 5, ["Floor USD", "Cap USD", "MMR", "Max lev.", "cum USD",
                               "LP in this bracket", "Bracket at LP", "Consistent"])
    ws.row_dimensions[5].height = 30
    n = len(inputs.bracket_floors_usd)
    if n > MAX_BRACKETS:
        raise ValueError(f"bracket table has {n} rows; the sheet holds {MAX_BRACKETS}")
    for i in range(MAX_BRACKETS):
        row = BRACKET_TOP + i
        values = (
            (inputs.bracket_floors_usd[i], inputs.bracket_rates[i],
             inputs.bracket_max_leverages[i]) if i < n else (None, None, None)
        )
        for col, value in zip("EGH", values, strict=True):
            cell = ws[f"{col}{row}"]
            cell.value = value
            st.apply(cell, BRACKET_LOOKS[col])
        for col, formula in _bracket_formulas(row).items():
            cell = ws[f"{col}{row}"]
            cell.value = formula
            st.apply(cell, BRACKET_LOOKS[col])
    note_row = BRACKET_BOTTOM + 1
    ws[f"E{note_row}"] = (
        "Source: " + (inputs.bracket_source or "user") +
        ". cum_n = cum_(n−1) + floor_n·(MMR_n − MMR_(n−1))."
    )
    ws[f"E{note_row}"].font = st.NOTE_FONT


def add_names(wb: Workbook, sheet_title: str) -> None:
    """Workbook-level names ``Sizing_<Input>`` / ``Sizing_<Result>`` for every row."""
    for name, cell in {**INPUT_CELL, **OUTPUT_CELL}.items():
        full = f"Sizing_{name}"
        if full in wb.defined_names:
            del wb.defined_names[full]
        wb.defined_names[full] = DefinedName(full, attr_text=f"'{sheet_title}'!{cell}")
    for full, ref in (("Sizing_BracketFloors", FLOORS), ("Sizing_BracketMMR", MMRS)):
        if full in wb.defined_names:
            del wb.defined_names[full]
        wb.defined_names[full] = DefinedName(full, attr_text=f"'{sheet_title}'!{ref}")


def validations() -> list[DataValidation]:
    """Data validation of the inputs (Excel shows the message on a bad entry)."""
    def rule(sqref: str, kind: str, op: str | None, f1: str, f2: str | None,
             msg: str) -> DataValidation:
        dv = DataValidation(type=kind, operator=op, formula1=f1, formula2=f2, allow_blank=False,
                            showErrorMessage=True, errorTitle="Rotation Desk", error=msg)
        for part in sqref.split():
            dv.add(part)
        return dv

    def fraction(cell: str, parameter: pdef.Parameter, high: float | None = None,
                 what: str | None = None) -> DataValidation:
        # the range of the one parameter definition (core/parameters.py), in per cent
        low = parameter.smallest if parameter.smallest is not None else parameter.low
        top = parameter.high if high is None else high
        return rule(cell, "decimal", "between", f"{low:g}", f"{top:g}",
                    f"{what or parameter.label}: {low * 100:g} % to {top * 100:g} %.")

    def above(cell: str, parameter: pdef.Parameter) -> DataValidation:
        return rule(cell, "decimal", "greaterThan", f"{parameter.low:g}", None,
                    f"{parameter.label}: must be > {parameter.low:g}.")

    risk = pdef.RISK_FRACTION
    risk_low = risk.smallest if risk.smallest is not None else risk.low
    return [
        rule("B6", "list", None, '"long,short"', None, "Side must be long or short."),
        # the cap is the sheet's own B9 (from the settings), not a number written here
        rule("B8", "decimal", "between", f"{risk_low:g}", "$B$9",
             f"{risk.label}: {risk_low * 100:g} % up to the hard cap on risk (B9)."),
        fraction("B9", pdef.MAX_RISK_FRACTION, what="Risk cap"),
        rule("B12", "decimal", "between", "1", "125", "Leverage: 1 to 125."),
        rule("B7 B10 B11 B15 B16", "decimal", "greaterThan", "0", None, "Must be > 0."),
        fraction("B13", pdef.TAKER_FEE_RATE),
        fraction("B14", pdef.STOP_SLIPPAGE_RATE),
        rule("B18", "decimal", "between", "0", "1", "Daily volatility: 0 to 100 %."),
        above("B19", pdef.VOL_K_SIGMA),
        above("B20", pdef.HOLDING_DAYS),
        fraction("B21", pdef.GAP_BUFFER_FRACTION),
        rule("B22", "decimal", "between", "1", "1000", "Contract max leverage: 1 to 1000."),
    ]


def decorate(ws: Worksheet) -> None:
    """Re-apply validation and protection (idempotent; refresh calls it after loading)."""
    replace_validations(ws, validations())
    protect(ws)


MARKET_LABELS = ("Market reference (refresh)", "Symbol", "Price (mark)", "Daily vol (EWMA)",
                 "ATR", "Amount step", "Min notional USD", "Funding rate / 8h", "Sector")


def content(ctx: FillContext) -> dict[str, Rows]:
    """Banner and the market reference of the symbol typed in ``Sizing!B5``.

    The inputs themselves are the user's and are never overwritten.
    """
    base = ctx.sizing_symbol.strip().upper()
    rows: Rows = [[MARKET_LABELS[0], ""], [MARKET_LABELS[1], base or "(type a symbol in B5)"]]
    snap = None
    if base and base in ctx.dataset.close.columns:
        snap = snapshot(ctx.dataset, base, ctx.settings)
    if snap is None:
        rows.append(["", f"no data for {base!r} in {ctx.dataset.source}" if base else ""])
    else:
        ticker = ctx.dataset.tickers.get(base)
        contract = snap.contract
        rows.extend([
            [MARKET_LABELS[2], snap.price_usd],
            [MARKET_LABELS[3], snap.daily_vol],
            [MARKET_LABELS[4], snap.atr_usd],
            [MARKET_LABELS[5], contract.amount_step if contract else None],
            [MARKET_LABELS[6], contract.min_notional_usd if contract else None],
            [MARKET_LABELS[7], ticker.funding_rate if ticker else None],
            [MARKET_LABELS[8], snap.sector],
        ])
    return {"sizing_banner": [[banner_text(ctx)]], "sizing_market": rows}


def format_market_block(ws: Worksheet) -> None:
    """Number formats of the market reference cells."""
    b = lay.block("sizing_market")
    ws.cell(row=b.top, column=b.left).font = st.SECTION_FONT
    for offset, fmt in ((2, st.FMT_PRICE), (3, st.FMT_PCT), (4, st.FMT_PRICE), (5, st.FMT_QTY),
                        (6, st.FMT_USD), (7, "0.0000%")):
        ws.cell(row=b.top + offset, column=b.left + 1).number_format = fmt
