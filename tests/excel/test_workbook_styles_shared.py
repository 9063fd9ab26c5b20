"""Styles applied per column or shared per range keep every cell's format and protection."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook, load_workbook

from rotation_addin.data.settings import Settings
from workbook import styles as st
from workbook.build import build_workbook
from workbook.sheets import journal


def test_journal_columns_carry_format_and_protection(tmp_path: Path) -> None:
    path = tmp_path / "rotation_desk.xlsx"
    build_workbook(path, params=Settings())
    ws = load_workbook(path)["Journal"]
    assert ws.protection.sheet
    for letter, _header, width, fmt in journal.COLUMNS:
        column = ws.column_dimensions[letter]
        assert column.width == width
        assert column.number_format == fmt, letter
        if letter in journal.FORMULA_COLUMNS:
            for row in (journal.FIRST_ROW, journal.LAST_ROW):
                cell = ws[f"{letter}{row}"]
                assert cell.data_type == "f" and cell.number_format == fmt
                assert cell.protection.locked
        else:
            assert not column.protection.locked, letter  # the user types here


def test_shared_range_style_is_a_copy_per_cell() -> None:
    ws = Workbook().active
    ws["B2"].font = st.BOLD  # already styled: keeps its font, gains the format
    st.format_cells(ws, [(r, 2) for r in range(1, 6)], st.FMT_PCT, fill=st.INPUT_FILL,
                    unlocked=True)
    for row in range(1, 6):
        cell = ws.cell(row=row, column=2)
        assert cell.number_format == st.FMT_PCT
        assert cell.fill.fgColor.rgb == st.INPUT_FILL.fgColor.rgb
        assert not cell.protection.locked
    assert ws["B2"].font.b and not ws["B3"].font.b
    ws["B4"].number_format = st.FMT_USD  # changing one cell leaves the others alone
    assert ws["B3"].number_format == st.FMT_PCT and ws["B5"].number_format == st.FMT_PCT
