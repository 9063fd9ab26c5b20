"""The Journal sheet: one row per trade, typed by the user; P&L and R multiple are formulas.

Refresh never writes here (the whole sheet below the header is the user's), so a trade
journal survives every refresh. Formula columns are locked; input columns are not.
"""

from __future__ import annotations

from copy import copy

from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from workbook import styles as st
from workbook.sheets.protection import protect, replace_validations

HEADER_ROW = 5
FIRST_ROW = 6
ROWS = 200
LAST_ROW = FIRST_ROW + ROWS - 1

COLUMNS: tuple[tuple[str, str, float, str], ...] = (
    # letter, header, width, number format
    ("A", "Date", 12, st.FMT_DATE),
    ("B", "Symbol", 10, "@"),
    ("C", "Sector", 14, "@"),
    ("D", "Side", 8, "@"),
    ("E", "Entry", 12, st.FMT_PRICE),
    ("F", "Stop", 12, st.FMT_PRICE),
    ("G", "Quantity", 12, st.FMT_QTY),
    ("H", "Exit", 12, st.FMT_PRICE),
    ("I", "P&L USD", 12, st.FMT_USD),
    ("J", "R multiple", 10, st.FMT_RATIO),
    ("K", "Reason (why this trade)", 40, "@"),
    ("L", "Lesson / notes", 40, "@"),
)
FORMULA_COLUMNS = ("I", "J")


def _formulas(row: int) -> dict[str, str]:
    sign = f'IF(LOWER(TRIM($D{row}))="short",-1,1)'
    return {
        "I": f'=IF(OR($E{row}="",$G{row}="",$H{row}=""),"",{sign}*($H{row}-$E{row})*$G{row})',
        "J": f'=IF(OR($I{row}="",$F{row}="",$E{row}=$F{row}),"",'
             f'$I{row}/(ABS($E{row}-$F{row})*$G{row}))',
    }


def build(ws: Worksheet) -> None:
    """Header, formula columns and input formatting for ``ROWS`` trades."""
    st.write_title(
        ws, "Trade journal",
        "Every trade with its reason (discipline rule). P&L and R are computed; "
        "refresh never writes on this sheet.",
    )
    st.write_header(ws, HEADER_ROW, 1, [c[1] for c in COLUMNS])
    for letter, _header, width, fmt in COLUMNS:
        # One style per column, not per cell: the user's typing cells exist only once typed
        # and take the column's format and (unlocked) protection.
        column = ws.column_dimensions[letter]
        column.width = width
        column.number_format = fmt
        if letter not in FORMULA_COLUMNS:
            column.protection = st.UNLOCKED
    for letter in FORMULA_COLUMNS:  # formula cells exist: one shared style, assigned once each
        shared = ws[f"{letter}{FIRST_ROW}"]
        shared.number_format = next(c[3] for c in COLUMNS if c[0] == letter)
        for row in range(FIRST_ROW, LAST_ROW + 1):
            ws[f"{letter}{row}"]._style = copy(shared._style)  # openpyxl's style copy idiom
    for row in range(FIRST_ROW, LAST_ROW + 1):
        for letter, formula in _formulas(row).items():
            ws[f"{letter}{row}"] = formula
    ws.freeze_panes = ws[f"A{FIRST_ROW}"]
    st.print_one_page(ws)


def validations() -> list[DataValidation]:
    """Side must be long/short; date must be a date."""
    side = DataValidation(type="list", formula1='"long,short"', allow_blank=True,
                          showErrorMessage=True, error="long or short")
    side.add(f"D{FIRST_ROW}:D{LAST_ROW}")
    prices = DataValidation(type="decimal", operator="greaterThan", formula1="0",
                            allow_blank=True, showErrorMessage=True, error="must be > 0")
    prices.add(f"E{FIRST_ROW}:H{LAST_ROW}")
    return [side, prices]


def decorate(ws: Worksheet) -> None:
    """Re-apply validation and protection."""
    replace_validations(ws, validations())
    protect(ws)
