"""The first build's faster save writes the same package, byte for byte, as openpyxl's save.

The reference is openpyxl's own ``Workbook.save`` of the same workbook object; every part of
the zip is compared (only the modification time in ``docProps/core.xml`` is left out).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.comments import Comment
from openpyxl.worksheet.formula import ArrayFormula

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.data.settings import Settings
from workbook import fast_save
from workbook import styles as st
from workbook.build import build_workbook

OTHER_TOP = 50
"""First row of the edge workbook's cells that are not plain (rows above it all are)."""
MODIFIED = re.compile(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>")


def _parts(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        return [(name, MODIFIED.sub(b"", archive.read(name))) for name in archive.namelist()]


def _assert_same_package(wb: Workbook, tmp_path: Path) -> None:
    reference, ours = tmp_path / "openpyxl.xlsx", tmp_path / "fast.xlsx"
    wb.save(reference)
    fast_save.save_workbook(wb, ours)
    expected, got = _parts(reference), _parts(ours)
    assert [name for name, _ in got] == [name for name, _ in expected]
    for (name, want), (_, have) in zip(expected, got, strict=True):
        assert have == want, name


@pytest.mark.parametrize("macro_enabled", [False, True])
def test_built_workbook_is_the_package_openpyxl_writes(
        tmp_path: Path, demo_market: MarketDataset, monkeypatch: pytest.MonkeyPatch,
        macro_enabled: bool) -> None:
    seen: list[Workbook] = []
    real = fast_save.save_workbook

    def spy(wb: Workbook, path: Path) -> None:
        seen.append(wb)
        real(wb, path)

    monkeypatch.setattr(fast_save, "save_workbook", spy)
    suffix = ".xlsm" if macro_enabled else ".xlsx"
    build_workbook(tmp_path / f"book{suffix}", dataset=demo_market, params=Settings(),
                   macro_enabled=macro_enabled)
    assert len(seen) == 1, "build_workbook saves through fast_save"
    _assert_same_package(seen[0], tmp_path)


def _edge_workbook(*, iso_dates: bool = False) -> Workbook:
    wb = Workbook(iso_dates=iso_dates)
    ws = wb.active
    values: list[object] = [
        "plain", " leading", "trailing ", "   ", "", "a & b < c > d \"q\" 'a'", "two\nlines",
        "tab\there", 0, -0.0, 1.5, 1e-300, -1e300, 2**60, math.nan, math.inf, -math.inf,
        True, False, np.float64(0.1), np.int64(7), np.float32(0.25), Decimal("1.10"),
        dt.date(2024, 2, 29), dt.datetime(2024, 2, 29, 13, 45, 10, 123456),
        '=IF(A1<2,"a&b",A2)', "=SUM(A1:A3)", "#N/A",
    ]
    for row, value in enumerate(values, start=1):
        ws.cell(row=row, column=1, value=value)
        styled = ws.cell(row=row, column=2, value=value)
        st.apply(styled, st.HEADER)
        ws.cell(row=row, column=3).number_format = "0.00%"  # a styled blank cell
    ws.row_dimensions[2].height = 30
    ws.row_dimensions[3].hidden = True
    ws.row_dimensions[40].height = 12  # a row with a height and no cells
    # rows openpyxl writes itself (each beside a plain cell)
    for row in range(OTHER_TOP, OTHER_TOP + 6):
        ws.cell(row=row, column=1, value=row)
    ws[f"D{OTHER_TOP}"] = dt.time(9, 30)
    ws[f"D{OTHER_TOP + 1}"] = dt.timedelta(hours=36)
    ws[f"D{OTHER_TOP + 2}"] = ArrayFormula(f"D{OTHER_TOP + 2}", "=SUM(A1:A2*2)")
    ws[f"D{OTHER_TOP + 3}"] = CellRichText("plain ", TextBlock(InlineFont(b=True), "bold"))
    ws[f"D{OTHER_TOP + 4}"] = "commented"
    ws[f"D{OTHER_TOP + 4}"].comment = Comment("a note", "tester")
    ws[f"D{OTHER_TOP + 5}"] = "link"
    ws[f"D{OTHER_TOP + 5}"].hyperlink = "https://example.invalid/"
    other = wb.create_sheet("Second sheet")
    other.append(["x", 1, 2.5, None, "=B1*C1"])
    return wb


@pytest.mark.parametrize("iso_dates", [False, True])
def test_edge_cells_are_written_as_openpyxl_writes_them(tmp_path: Path,
                                                        iso_dates: bool) -> None:
    _assert_same_package(_edge_workbook(iso_dates=iso_dates), tmp_path)


def test_plain_rows_take_the_text_path_and_the_others_openpyxl_s() -> None:
    wb = _edge_workbook()
    ws = wb.active
    for row in range(1, OTHER_TOP):
        cells = [ws.cell(row=row, column=c) for c in (1, 2, 3)]
        plain = fast_save._plain_row({"r": str(row)}, cells) is not None
        assert plain == (cells[0].data_type != "e"), row  # an error value: openpyxl's
    for row in range(OTHER_TOP, OTHER_TOP + 6):  # time, duration, array, rich, note, link
        cells = [ws.cell(row=row, column=1), ws.cell(row=row, column=4)]
        assert fast_save._plain_row({"r": str(row)}, cells) is None, row


def test_aware_datetime_is_refused_as_openpyxl_refuses_it(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active["A1"] = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(TypeError) as reference:
        wb.save(tmp_path / "openpyxl.xlsx")
    with pytest.raises(TypeError) as ours:
        fast_save.save_workbook(wb, tmp_path / "fast.xlsx")
    assert str(ours.value) == str(reference.value)
