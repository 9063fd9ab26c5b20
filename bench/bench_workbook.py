"""Workbook build against XlsxWriter writing the same cells and formats.

* measured: ``build_workbook(path, dataset=demo, report=report)`` (openpyxl: every sheet,
  formula, format, name, chart, validation and protection, filled from the demo report);
* baseline: XlsxWriter writing the same workbook's cells -- every value and formula with its
  number format, font, fill, alignment, border and protection, the column widths and
  column formats, row heights, freeze panes, page setup (orientation, paper, fit to one
  page, margins, print area), sheet protection and the defined names -- read back from the
  built file beforehand (untimed), every sheet the build writes. Charts, data validation
  and conditional formats are not in the baseline, so the ratio is conservative.

Both write a file to disk (the build atomically, with fsync; XlsxWriter plainly); they
alternate (``--repeat`` times, in one process after one untimed warm-up of each) so machine
load hits both alike. Wall time is the measure (target: build <= 1.5x baseline); the
process CPU time of each call is printed too (steadier on a loaded machine, no disk wait).
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
        sheets[ws.title] = (cells, widths, bool(ws.protection.sheet), _layout(ws))
    names = {name: dn.attr_text for name, dn in wb.defined_names.items()}
    return {"sheets": sheets, "names": names}


def _layout(ws: Any) -> dict[str, Any]:
    """Row heights, freeze panes and page setup of a sheet (what XlsxWriter can mirror)."""
    fit = ws.sheet_properties.pageSetUpPr
    area = (ws.print_area or "").rsplit("!", 1)[-1].replace("$", "")
    return {"heights": {r: d.height for r, d in ws.row_dimensions.items() if d.height},
            "freeze": ws.freeze_panes, "landscape": ws.page_setup.orientation == "landscape",
            "paper": ws.page_setup.paperSize, "fit": bool(fit is not None and fit.fitToPage),
            "margins": (ws.page_margins.left, ws.page_margins.right, ws.page_margins.top,
                        ws.page_margins.bottom), "area": area}


def _write_layout(sheet: Any, layout: dict[str, Any]) -> None:
    for row, height in layout["heights"].items():
        sheet.set_row(row - 1, height)
    if layout["freeze"]:
        sheet.freeze_panes(layout["freeze"])
    if layout["landscape"]:
        sheet.set_landscape()
    if layout["paper"]:
        sheet.set_paper(int(layout["paper"]))
    if layout["fit"]:
        sheet.fit_to_pages(1, 1)
    left, right, top, bottom = layout["margins"]
    sheet.set_margins(left=left, right=right, top=top, bottom=bottom)
    if layout["area"]:
        sheet.print_area(layout["area"])


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
    for title, (cells, widths, protected, layout) in copy["sheets"].items():
        sheet = book.add_worksheet(title)
        _write_layout(sheet, layout)
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

    def ours(k: int) -> tuple[float, float]:
        start, cpu = time.perf_counter(), time.process_time()
        build_workbook(folder / f"ours{k}.xlsx", dataset=dataset, report=report)
        return time.perf_counter() - start, time.process_time() - cpu

    ours(-1)
    copy = snapshot(folder / "ours-1.xlsx")

    def baseline(k: int) -> tuple[float, float]:
        start, cpu = time.perf_counter(), time.process_time()
        write_xlsxwriter(copy, folder / f"xw{k}.xlsx")
        return time.perf_counter() - start, time.process_time() - cpu

    baseline(-1)
    mine: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    for k in range(args.repeat):
        mine.append(ours(k))
        theirs.append(baseline(k))
    ratios = [a[0] / b[0] for a, b in zip(mine, theirs, strict=True)]
    cpu_ratios = [a[1] / b[1] for a, b in zip(mine, theirs, strict=True)]
    sheets = copy["sheets"].values()
    cells = sum(len(c) for c, *_ in sheets)
    formulas = sum(1 for c, *_ in sheets for x in c
                   if isinstance(x.value, str) and x.value.startswith("="))
    print(f"{len(copy['sheets'])} sheets, {cells} cells written ({formulas} formulas); "
          f"{args.repeat} alternating runs; python {sys.version.split()[0]}; "
          f"load average {os.getloadavg()[0]:.1f}")
    for name, values in (("build_workbook", [m[0] for m in mine]),
                         ("XlsxWriter", [t[0] for t in theirs]), ("ratio", ratios),
                         ("build CPU", [m[1] for m in mine]),
                         ("XlsxWriter CPU", [t[1] for t in theirs]), ("CPU ratio", cpu_ratios)):
        print(f"{name:15s}: median {statistics.median(values):.3f}  "
              f"(min {min(values):.3f}, max {max(values):.3f})")
    ok = statistics.median(ratios) <= TARGET
    print(f"build / XlsxWriter median {statistics.median(ratios):.2f}x vs <= {TARGET}x:",
          "OK" if ok else "OVER TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
