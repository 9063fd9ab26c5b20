"""The Settings sheet: the risk parameters refresh uses, editable in the workbook.

Column B holds the values (unlocked, yellow); refresh reads them back (validated through
:class:`rotation_addin.data.settings.Settings`) unless the caller passes explicit params.
The status block (E5:F10) says where the data came from and when it was refreshed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from rotation_addin.core.errors import InputError
from rotation_addin.data.settings import DATA_SOURCES, Settings
from workbook import styles as st
from workbook.context import FillContext, Rows, utc_text
from workbook.layout import LAYOUT_VERSION, SETTINGS
from workbook.sheets.protection import protect, replace_validations

FIRST_ROW = 5

# (Settings field, label, help, number format)
FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("equity_usd", "Account equity", "", st.FMT_USD),
    ("risk_fraction", "Risk per trade", "of equity", st.FMT_PCT),
    ("max_risk_fraction", "Hard cap on risk per trade", "of equity", st.FMT_PCT),
    ("taker_fee_rate", "Taker fee", "per fill", "0.000%"),
    ("stop_slippage_rate", "Stop slippage", "of stop price", "0.000%"),
    ("min_equity_usd", "Minimum equity warning", "", st.FMT_USD0),
    ("max_open_positions", "Max open positions", "discipline rule", "0"),
    ("cooldown_days", "Cool-down after a loss", "days", "0"),
    ("vol_k_sigma", "Safe leverage k", "sigmas", st.FMT_RATIO),
    ("holding_days", "Safe leverage holding days", "days", st.FMT_RATIO),
    ("gap_buffer_fraction", "Gap buffer", "of price", st.FMT_PCT),
    ("exchange_id", "Exchange (ccxt id)", "live data", "@"),
    ("data_source", "Data source", "demo or cache", "@"),
)
ROW_OF = {name: FIRST_ROW + i for i, (name, *_rest) in enumerate(FIELDS)}


def build(ws: Worksheet, settings: Settings) -> None:
    """Write every setting with its label and help."""
    st.write_title(ws, "Settings", "Yellow cells are yours: refresh reads them on every run.")
    ws["A4"] = "Parameter"
    st.write_header(ws, 4, 1, ["Parameter", "Value", "Meaning"])
    for name, label, help_text, fmt in FIELDS:
        row = ROW_OF[name]
        ws.cell(row=row, column=1, value=label)
        cell = ws.cell(row=row, column=2, value=getattr(settings, name))
        cell.number_format = fmt
        cell.fill = st.INPUT_FILL
        cell.protection = st.UNLOCKED
        cell.border = st.BOX
        ws.cell(row=row, column=3, value=help_text).font = st.NOTE_FONT
    st.write_header(ws, 4, 5, ["Status", ""])
    st.set_widths(ws, {"A": 28, "B": 16, "C": 16, "D": 3, "E": 22, "F": 44})
    ws.freeze_panes = "A5"
    st.print_one_page(ws)


def add_names(wb: Workbook, sheet_title: str) -> None:
    """Names ``Settings_<field>`` for every value cell."""
    for name, row in ROW_OF.items():
        full = f"Settings_{name}"
        if full in wb.defined_names:
            del wb.defined_names[full]
        wb.defined_names[full] = DefinedName(full, attr_text=f"'{sheet_title}'!$B${row}")


def validations() -> list[DataValidation]:
    """Validation rules of the value cells."""
    def dv(sqref: str, **kwargs: object) -> DataValidation:
        rule = DataValidation(showErrorMessage=True, errorTitle="Rotation Desk", **kwargs)
        rule.add(sqref)
        return rule

    r = ROW_OF
    return [
        dv(f"B{r['risk_fraction']}", type="decimal", operator="between", formula1="0.0001",
           formula2=f"$B${r['max_risk_fraction']}",
           error="Risk per trade: 0.01 % up to the hard cap on risk per trade."),
        dv(f"B{r['max_risk_fraction']}", type="decimal", operator="between", formula1="0.0001",
           formula2="0.1", error="Risk cap: 0.01 % to 10 %."),
        dv(f"B{r['data_source']}", type="list", formula1='"' + ",".join(DATA_SOURCES) + '"',
           error="demo or cache"),
        dv(f"B{r['equity_usd']}", type="decimal", operator="greaterThan", formula1="0",
           error="Equity must be > 0."),
    ]


def decorate(ws: Worksheet) -> None:
    """Re-apply validation and protection."""
    replace_validations(ws, validations())
    protect(ws)


def read_settings(ws: Worksheet, fallback: Settings) -> Settings:
    """Settings typed in the sheet (``fallback`` for empty cells), validated."""
    values = [ws.cell(row=ROW_OF[name], column=2).value for name, *_ in FIELDS]
    return settings_from_values(values, fallback)


def read_settings_file(path: Path, fallback: Settings) -> Settings:
    """The Settings sheet of the saved workbook ``path`` as :func:`read_settings` reads it
    (``fallback`` for empty cells), without loading the rest of the book's cells.

    Raises
    ------
    InputError
        A value on the sheet is invalid (``Settings!B<row> (<name>)``); openpyxl's own
        errors for a file that is no workbook or has no Settings sheet.
    """
    book = load_workbook(path, read_only=True)
    try:
        return read_settings(book[SETTINGS], fallback)
    finally:
        book.close()


def settings_from_values(values: Sequence[object], fallback: Settings) -> Settings:
    """Settings from the value column B5:B17 as read from Excel (``fallback`` for empties).

    Raises
    ------
    InputError
        A value is invalid; the field is named ``Settings!B<row> (<name>)``.
    """
    changes: dict[str, object] = {}
    types = {f.name: str(f.type) for f in dataclasses.fields(Settings)}
    for (name, *_rest), value in zip(FIELDS, values, strict=False):
        if value is None or value == "":
            continue
        where = f"Settings!B{ROW_OF[name]} ({name})"
        kind = types[name]
        try:
            if kind == "int":
                number = float(value)  # type: ignore[arg-type]
                if number != int(number):
                    raise ValueError
                changes[name] = int(number)
            elif kind == "float":
                changes[name] = float(value)  # type: ignore[arg-type]
            else:
                changes[name] = str(value).strip()
        except (TypeError, ValueError, OverflowError):  # int(inf) overflows
            raise InputError(where, f"must be a finite {kind} (got {value!r})") from None
    try:
        return fallback.replace(**changes)
    except InputError as exc:
        raise InputError(f"Settings sheet: {exc.field}", exc.reason) from None


def content(ctx: FillContext) -> dict[str, Rows]:
    """The status block: data source, as-of, refresh time, layout version."""
    return {"settings_status": [
        ["Data source", ctx.dataset.source],
        ["As of", utc_text(ctx.dataset.as_of)],
        ["Last refresh", utc_text(ctx.refreshed_at)],
        ["Missing symbols", ", ".join(ctx.dataset.missing_symbols) or "none"],
        ["Layout version", LAYOUT_VERSION],
        ["Refresh", "button on Sectors (Excel) / rotation refresh --workbook FILE"],
    ]}
