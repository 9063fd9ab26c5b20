"""Every formula the builder writes uses classic functions LibreOffice 7.4 and Excel 2010 know."""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import load_workbook

from rotation_addin.data.settings import Settings
from workbook.build import build_workbook

CLASSIC = {"ABS", "AND", "IF", "IFERROR", "INDEX", "ISNUMBER", "LN", "LOWER", "MATCH", "MAX",
           "MIN", "OR", "ROUND", "ROUNDDOWN", "SQRT", "SUMPRODUCT", "TRIM"}
"""Functions evaluated by LibreOffice 7.4 and Excel 2007+ without an ``_xlfn.`` prefix."""


def test_formulas_use_only_classic_functions(tmp_path: Path) -> None:
    path = tmp_path / "rotation_desk.xlsx"
    build_workbook(path, params=Settings())
    used: set[str] = set()
    count = 0
    for ws in load_workbook(path).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    count += 1
                    text = re.sub(r'"[^"]*"', "", str(cell.value))  # drop string literals
                    used |= set(re.findall(r"([A-Z][A-Z0-9._]*)\(", text))
    assert count > 400  # Sizing + bracket table + 200 journal rows
    # the Functions sheet calls the add-in's own functions (inside IFERROR, with fallbacks)
    from rotation_addin.udfs import UDF_NAMES

    assert set(UDF_NAMES) <= used
    used -= set(UDF_NAMES)
    assert used <= CLASSIC, used - CLASSIC
    assert not any(name.startswith("_XLFN") or name in ("LET", "XLOOKUP", "FILTER", "LAMBDA")
                   for name in used)
