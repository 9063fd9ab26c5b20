"""The ``xlwings.conf`` sheet: tells the xlwings add-in where Python and the UDFs are.

Keys are the ones xlwings' VBA reads with ``GetConfig`` (``xlwings.bas``): the add-in reads
column A from A1 down (case-insensitive) and uses column B as the value; a key present with an
empty value falls back to the add-in / user ``xlwings.conf`` file. Environment variables are
expanded (``%LOCALAPPDATA%`` on Windows, a leading ``$HOME`` on macOS).
"""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from workbook.styles import NOTE_FONT, set_widths

UDF_MODULE = "rotation_addin.udfs"
"""Python module whose ``@xw.func`` functions the add-in imports (``=POSITION_SIZE(...)``)."""

INTERPRETER_WIN = r"%LOCALAPPDATA%\rotation-desk\venv\Scripts\pythonw.exe"
"""Interpreter ``installer/install.ps1`` creates (its venv)."""

INTERPRETER_MAC = "$HOME/.local/share/rotation-desk/venv/bin/python"
"""Interpreter ``installer/install.sh`` creates on macOS (RunPython only; no UDFs on macOS)."""

CONFIG_ROWS: tuple[tuple[str, object], ...] = (
    ("Interpreter_Win", INTERPRETER_WIN),
    ("Interpreter_Mac", INTERPRETER_MAC),
    ("PYTHONPATH", ""),
    ("Conda Path", ""),
    ("Conda Env", ""),
    ("UDF Modules", UDF_MODULE),
    ("Debug UDFs", False),
    ("Use UDF Server", False),
    ("Show Console", False),
    ("ADD_WORKBOOK_TO_PYTHONPATH", True),
)
"""(key, value) rows written from A1 down: the layout xlwings' ``GetConfigFromSheet`` reads."""

NOTES: tuple[str, ...] = (
    "Settings for the xlwings Excel add-in "
    "(Windows: UDFs and the Refresh button; macOS: the button).",
    "Interpreter_Win / Interpreter_Mac: the Python of your Rotation Desk install "
    "(installer/install.ps1 prints it). Empty = use the add-in's setting.",
    "UDF Modules: the module Excel imports for =POSITION_SIZE(), =CRYPTO_PRICE() ... "
    "(ribbon: xlwings > Import Functions).",
    "Keep the keys in column A starting at A1 with no blank row in between.",
)


def build(ws: Worksheet) -> None:
    """Write the config rows from A1 and the explanation below them."""
    ws.delete_rows(1, ws.max_row)
    for row, (key, value) in enumerate(CONFIG_ROWS, start=1):
        ws.cell(row=row, column=1, value=key)
        ws.cell(row=row, column=2, value=value)
    first_note = len(CONFIG_ROWS) + 3
    for offset, note in enumerate(NOTES):
        cell = ws.cell(row=first_note + offset, column=1, value=note)
        cell.font = NOTE_FONT
    set_widths(ws, {"A": 28, "B": 60})


def read_config(ws: Worksheet) -> dict[str, object]:
    """Config dict the way xlwings reads it (A1 down until the first empty key, keys upper-case)."""
    config: dict[str, object] = {}
    row = 1
    while (key := ws.cell(row=row, column=1).value) not in (None, ""):
        config[str(key).upper()] = ws.cell(row=row, column=2).value
        row += 1
    return config
