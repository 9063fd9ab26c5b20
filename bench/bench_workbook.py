"""Workbook build against XlsxWriter writing the same cells and formats.

* measured: ``build_workbook(path, dataset=demo, report=report)`` (openpyxl: every sheet,
  formula, format, name, chart, validation and protection, filled from the demo report);
* baseline: XlsxWriter writing the same workbook's cells -- every value and formula with its
  number format, font, fill, alignment, border and protection, the column widths and
  column formats, and the defined names -- read back from the built file beforehand
  (untimed). Charts, data validation and conditional formats are not in the baseline, so
  the ratio is conservative.

Both write a file to disk; they alternate (``--repeat`` times, in one process after one
untimed warm-up of each) so machine load hits both alike. Target: build <= 1.5x baseline.
Run: ``.venv/bin/python bench/bench_workbook.py [--repeat 7]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TARGET = 1.5


@dataclass(frozen=True)
class CellCopy:
    """One cell to write: position, value and its format key."""

    row: int
    col: int
    value: Any
    style: tuple[Any, ...]


def _style_key(cell: Any) -> tuple[Any, ...]:
    font, fill, align, border = cell.font, cell.fill, cell.alignment, cell.border
    fill_color = fill.fgColor.rgb if fill is not None and fill.fill_type == "solid" else None
    return (cell.number_format, bool(font.b), bool(font.i), font.sz,
            font.color.rgb if font.color is not None and font.color.type == "rgb" else None,
            fill_color if isinstance(fill_color, str) else None,
            align.horizontal, bool(align.wrap_text),
            border.left.style if border.left is not None else None,
            bool(cell.protection.locked))


def snapshot(path: Path) -> dict[str, Any]:
    """Cells, widths, names and protection of a built workbook (read with openpyxl)."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    sheets: dict[str, Any] = {}
    for ws in wb.worksheets:
        cells = [CellCopy(c.row, c.column, c.value, _style_key(c))
                 for row in ws.iter_rows() for c in row
                 if c.value is not None or c.has_style]
        widths = {k: (v.width, (v.number_format, bool(v.protection.locked)) if v.has_style
                      else None) for k, v in ws.column_dimensions.items() if v.width}
        sheets[ws.title] = (cells, widths, bool(ws.protection.sheet))
    names = {name: dn.attr_text for name, dn in wb.defined_names.items()}
    return {"sheets": sheets, "names": names}


def _format(book: Any, key: tuple[Any, ...]) -> Any:
    fmt, bold, italic, size, color, fill, horizontal, wrap, border, locked = key
    spec: dict[str, Any] = {"num_format": fmt, "bold": bold, "italic": italic,
                            "locked": locked, "text_wrap": wrap}
    if size:
        spec["font_size"] = size
    if color:
        spec["font_color"] = "#" + color[-6:]
    if fill:
        spec["bg_color"] = "#" + fill[-6:]
        spec["pattern"] = 1
    if horizontal:
        spec["align"] = horizontal
    if border:
        spec["border"] = 1
    return book.add_format(spec)


def write_xlsxwriter(copy: dict[str, Any], path: Path) -> None:
    """The baseline: the same cells and formats written with XlsxWriter."""
    import datetime as dt

    import xlsxwriter
    from openpyxl.utils import column_index_from_string

    book = xlsxwriter.Workbook(str(path))
    formats: dict[tuple[Any, ...], Any] = {}
    for title, (cells, widths, protected) in copy["sheets"].items():
        sheet = book.add_worksheet(title)
        for letter, (width, column_style) in widths.items():
            index = column_index_from_string(letter) - 1
            column_format = None if column_style is None else book.add_format(
                {"num_format": column_style[0], "locked": column_style[1]})
            sheet.set_column(index, index, width, column_format)
        for cell in cells:
            style = formats.get(cell.style)
            if style is None:
                style = formats[cell.style] = _format(book, cell.style)
            r, c, value = cell.row - 1, cell.col - 1, cell.value
            if value is None:
                sheet.write_blank(r, c, None, style)
            elif isinstance(value, str) and value.startswith("="):
                sheet.write_formula(r, c, value, style)
            elif isinstance(value, str):
                sheet.write_string(r, c, value, style)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value, style)
            elif isinstance(value, dt.datetime | dt.date):
                sheet.write_datetime(r, c, value, style)
            else:
                sheet.write_number(r, c, float(value), style)
        if protected:
            sheet.protect()
    for name, text in copy["names"].items():
        book.define_name(name, "=" + text)
    book.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7, help="runs of each (default 7)")
    args = parser.parse_args()
    os.environ["ROTATION_DESK_HOME"] = tempfile.mkdtemp(prefix="bench-workbook-")
    from rotation_addin.core.report import daily_report
    from rotation_addin.data.demo import demo_dataset
    from workbook.build import build_workbook

    dataset = demo_dataset()
    report = daily_report(dataset)
    folder = Path(tempfile.mkdtemp(prefix="bench-workbook-out-"))

    def ours(k: int) -> float:
        start = time.perf_counter()
        build_workbook(folder / f"ours{k}.xlsx", dataset=dataset, report=report)
        return time.perf_counter() - start

    ours(-1)
    copy = snapshot(folder / "ours-1.xlsx")

    def baseline(k: int) -> float:
        start = time.perf_counter()
        write_xlsxwriter(copy, folder / f"xw{k}.xlsx")
        return time.perf_counter() - start

    baseline(-1)
    mine: list[float] = []
    theirs: list[float] = []
    for k in range(args.repeat):
        mine.append(ours(k))
        theirs.append(baseline(k))
    ratios = [a / b for a, b in zip(mine, theirs, strict=True)]
    cells = sum(len(c) for c, _, _ in copy["sheets"].values())
    formulas = sum(1 for c, _, _ in copy["sheets"].values() for x in c
                   if isinstance(x.value, str) and x.value.startswith("="))
    print(f"{cells} cells written ({formulas} formulas); {args.repeat} alternating runs; "
          f"python {sys.version.split()[0]}")
    for name, values in (("build_workbook", mine), ("XlsxWriter", theirs), ("ratio", ratios)):
        print(f"{name:15s}: median {statistics.median(values):.3f}  "
              f"(min {min(values):.3f}, max {max(values):.3f})")
    ok = statistics.median(ratios) <= TARGET
    print(f"build / XlsxWriter median {statistics.median(ratios):.2f}x vs <= {TARGET}x:",
          "OK" if ok else "OVER TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
