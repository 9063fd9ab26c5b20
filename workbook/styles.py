"""Fonts, fills, number formats and small cell helpers shared by every sheet module."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from rotation_addin.core import formats

__all__ = ["Alignment", "Font"]

BOLD = Font(bold=True)
BOLD_BLUE = Font(bold=True, color="1F3864")
TITLE_FONT = Font(bold=True, size=16, color="1F3864")
SUBTITLE_FONT = Font(italic=True, size=10, color="595959")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
SECTION_FONT = Font(bold=True, size=12, color="1F3864")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
OUTPUT_FILL = PatternFill("solid", fgColor="E2EFDA")
DEMO_FONT = Font(bold=True, color="C00000")
NOTE_FONT = Font(italic=True, size=9, color="595959")
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNLOCKED = Protection(locked=False)
LOCKED = Protection(locked=True)
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass(frozen=True, eq=False)
class Look:
    """Style parts applied to a cell together (``None``: that part is left as it is).

    Compared and hashed by identity: :func:`apply` caches, per workbook, the style a cell
    ends up with for each (look, style the cell had before), so the parts are looked up in
    the workbook's style lists once instead of once per cell (openpyxl's attribute setters
    hash every part again for every cell, which was most of the sheets' layout time).
    """

    number_format: str | None = None
    font: Font | None = None
    fill: PatternFill | None = None
    border: Border | None = None
    alignment: Alignment | None = None
    protection: Protection | None = None


_APPLIED: WeakKeyDictionary[Workbook, dict[tuple[Look, tuple[int, ...]], StyleArray]] = (
    WeakKeyDictionary())
"""Per workbook: (look, style before) -> style after (indices into that workbook's lists)."""


def apply(cell: Cell, look: Look) -> None:
    """Give ``cell`` the parts of ``look``: the same result as setting each part in turn."""
    apply_all((cell,), look)


def apply_all(cells: Iterable[Cell], look: Look) -> None:
    """:func:`apply` to every cell (of one workbook)."""
    applied: dict[tuple[Look, tuple[int, ...]], StyleArray] | None = None
    for cell in cells:
        if applied is None:
            applied = _APPLIED.setdefault(cell.parent.parent, {})
        before = cell._style  # None until the cell is first styled
        key = (look, () if before is None else tuple(before))
        done = applied.get(key)
        if done is not None:
            cell._style = StyleArray(done)  # a copy: openpyxl's StyleArray.__copy__
            continue
        if look.number_format is not None:
            cell.number_format = look.number_format
        if look.font is not None:
            cell.font = look.font
        if look.fill is not None:
            cell.fill = look.fill
        if look.border is not None:
            cell.border = look.border
        if look.alignment is not None:
            cell.alignment = look.alignment
        if look.protection is not None:
            cell.protection = look.protection
        applied[key] = StyleArray(cell._style)


HEADER = Look(font=HEADER_FONT, fill=HEADER_FILL, border=BOX,
              alignment=HEADER_ALIGNMENT)
"""A table's header cell: white bold on dark blue, centred, wrapped, boxed."""

SERIES_COLORS = ("1F77B4", "FF7F0E", "2CA02C", "D62728", "9467BD", "8C564B", "E377C2",
                 "7F7F7F", "BCBD22", "17BECF", "393B79", "637939")
"""Distinct line colours (matplotlib tab10 + two), one per sector."""

# Number formats: the look of rotation_addin.core.formats (every surface writes the same)
FMT_USD = formats.excel_money_format("USD", 2)
FMT_USD0 = formats.excel_money_format("USD", 0)
FMT_PRICE = formats.excel_price_format(None)
"""A price without a known tick (the typical tick of a ~1 USD contract, 4 decimals)."""
FMT_QTY = formats.excel_quantity_format(None)
FMT_PCT = formats.excel_pct_format(2)
FMT_PCT1 = formats.excel_pct_format(1)
FMT_PCT1_SIGNED = formats.excel_pct_format(1, signed=True)
FMT_RATIO = formats.excel_number_format(2)
FMT_CORR = formats.excel_number_format(formats.CORRELATION_DECIMALS)
# a sector's figures, with the decimals of rotation sectors and the app (core.formats)
FMT_SCORE = formats.excel_number_format(formats.SCORE_DECIMALS, signed=True)
"""A sector score or divergence D: ``+1.30``."""
FMT_SECTOR_RATIO = formats.excel_number_format(formats.RATIO_DECIMALS)
"""A beta to BTC or a volume trend: ``1.04``."""
FMT_MOMENTUM = formats.excel_pct_format(formats.PCT_DECIMALS, signed=True)
"""A momentum vs BTC: ``+13.7%``."""
FMT_SHARE = formats.excel_pct_format(formats.PCT_DECIMALS)
"""The share of a sector's variance BTC explains: ``64.7%``."""
FMT_DATE = formats.EXCEL_DATE
FMT_LEV = formats.EXCEL_LEVERAGE


def set_widths(ws: Worksheet, widths: dict[str, float]) -> None:
    """Set column widths (characters) by column letter."""
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width


def write_title(ws: Worksheet, title: str, subtitle: str) -> None:
    """Title in A1 and a one-line explanation in A3 (row 2 is the data-source banner)."""
    ws["A1"] = title
    ws["A1"].font = TITLE_FONT
    ws["A3"] = subtitle
    ws["A3"].font = SUBTITLE_FONT


def write_header(ws: Worksheet, row: int, col: int, names: Sequence[str]) -> None:
    """Write a styled header row starting at (row, col)."""
    for offset, name in enumerate(names):
        apply(ws.cell(row=row, column=col + offset, value=name), HEADER)


def format_cells(
    ws: Worksheet,
    cells: Iterable[tuple[int, int]],
    number_format: str | None = None,
    *,
    fill: PatternFill | None = None,
    unlocked: bool = False,
) -> None:
    """Apply a number format / fill / unlocked protection to (row, col) cells (one
    :class:`Look` for the whole range, see :func:`apply`)."""
    look = Look(number_format=number_format or None, fill=fill,
                protection=UNLOCKED if unlocked else None)
    apply_all((ws.cell(row=row, column=col) for row, col in cells), look)


def column_formats(
    ws: Worksheet, first_row: int, last_row: int, formats: dict[int, str]
) -> None:
    """Number formats by column index over a row span (for tables refresh fills)."""
    for col, number_format in formats.items():
        format_cells(ws, ((row, col) for row in range(first_row, last_row + 1)), number_format)


def print_one_page(ws: Worksheet, *, landscape: bool = True) -> None:
    """Fit the sheet on one printed page (used by the PDF/PNG rendering)."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5


def signed_colours(ws: Worksheet, ref: str) -> None:
    """Colour a range's changes as every surface does: green above 0, red below
    (:data:`rotation_addin.core.formats.POSITIVE_HEX` / ``NEGATIVE_HEX``)."""
    for operator, colour in (("greaterThan", formats.POSITIVE_HEX),
                             ("lessThan", formats.NEGATIVE_HEX)):
        ws.conditional_formatting.add(ref, CellIsRule(operator=operator, formula=["0"],
                                                      font=Font(color=colour)))


def price_and_quantity_formats(ws: Worksheet, row: int, price_cols: Iterable[int],
                               quantity_cols: Iterable[int], tick: float | None,
                               step: float | None, price: float) -> None:
    """One order row's prices to its contract's tick and quantities to its amount step."""
    price_format = formats.excel_price_format(tick, price)
    for col in price_cols:
        ws.cell(row=row, column=col).number_format = price_format
    quantity_format = formats.excel_quantity_format(step)
    for col in quantity_cols:
        ws.cell(row=row, column=col).number_format = quantity_format
