"""openpyxl's save with a faster writer for the cells: the same bytes, a third of the time.

openpyxl serialises every cell through ``et_xmlfile`` (a pure-Python ElementTree writer:
an Element per cell, namespace bookkeeping per element), about two thirds of
``Workbook.save`` for the tool's workbook. :func:`save_workbook` is openpyxl's own save
(:func:`openpyxl.writer.excel.save_workbook`) with one change: the rows of plain cells (a
number, a string, a boolean, a naive date, a formula or nothing, with or without a style;
no comment, no hyperlink) are written as text by :func:`_plain_row`, in exactly the form
openpyxl writes them (``tests/workbook/test_fast_save.py`` compares every part of the saved
package byte for byte with openpyxl's). Any other row (rich text, times, array formulas,
comments, hyperlinks), and every row when openpyxl writes through lxml, goes through
openpyxl's own row writer. Everything else (styles, charts, names, validations, VBA parts)
is openpyxl's.

Measured with ``bench/bench_workbook.py``: see ``docs/benchmarks.md`` (Workbook build).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from xml.etree.ElementTree import _escape_attrib, _escape_cdata  # type: ignore[attr-defined]
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl.cell.cell import Cell
from openpyxl.compat.numbers import NUMERIC_TYPES
from openpyxl.compat.strings import safe_string
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from rotation_addin.data.atomic import WriteError

_PLAIN_TYPES = {"n", "s", "f", "b"}


def _excel_date(cell: Cell) -> str | None:
    """A naive date or datetime as openpyxl writes it by default (a serial number, t="n")."""
    value = cell._value
    if (type(value) not in (dt.datetime, dt.date) or getattr(value, "tzinfo", None) is not None
            or cell.parent.parent.iso_dates):
        return None  # aware datetimes (openpyxl refuses them), ISO dates, times: openpyxl's
    return str(safe_string(to_excel(value, cell.parent.parent.epoch)))


def _plain_cell(cell: Cell) -> str | None:
    """The ``<c>`` element openpyxl writes for ``cell``, or None if it is not a plain cell."""
    if cell._comment is not None or cell._hyperlink is not None:
        return None
    kind = cell.data_type
    value = cell._value
    head = f'<c r="{cell.coordinate}"'
    if cell.has_style:
        head += f' s="{cell.style_id}"'
    if kind == "d":
        serial = _excel_date(cell)
        return None if serial is None else f'{head} t="n"><v>{serial}</v></c>'
    if kind not in _PLAIN_TYPES or not (value is None or type(value) is str
                                        or isinstance(value, NUMERIC_TYPES)):
        return None
    if kind == "s":
        head += ' t="inlineStr"'
    elif kind != "f":
        head += f' t="{kind}"'
    if value is None or value == "":
        return head + " />"
    if kind == "f":
        if type(value) is not str or len(value) < 2:  # array / data-table formulas: openpyxl's
            return None
        return f"{head}><f>{_escape_cdata(value[1:])}</f><v /></c>"
    if kind == "s":
        stripped = value.strip()
        space = ' xml:space="preserve"' if stripped and stripped != value else ""
        return f"{head}><is><t{space}>{_escape_cdata(value)}</t></is></c>"
    text = safe_string(value)  # %.16g; NaN and infinities empty
    return f"{head}><v>{text}</v></c>" if text else f"{head}><v /></c>"


def _plain_row(attrs: dict[str, str], cells: list[Cell]) -> str | None:
    """The ``<row>`` element openpyxl writes, or None if a cell in it is not plain."""
    parts = ["<row"]
    parts.extend(f' {key}="{_escape_attrib(value)}"' for key, value in attrs.items())
    parts.append(">")
    for cell in cells:
        if cell._value is None and not cell.has_style and not cell._comment:
            continue  # openpyxl skips empty unstyled cells too
        text = _plain_cell(cell)
        if text is None:
            return None
        parts.append(text)
    parts.append("</row>")
    return "".join(parts)


class _PlainRowsWriter(WorksheetWriter):  # type: ignore[misc]
    """openpyxl's worksheet writer; rows of plain cells are written as text."""

    def write_rows(self) -> None:
        xf = self.xf.send(True)
        raw: Callable[[str], object] | None = getattr(xf, "_file", None)  # et_xmlfile only
        dims = self.ws.row_dimensions
        with xf.element("sheetData"):
            for row_idx, row in self.rows():
                attrs = {"r": f"{row_idx}"}
                attrs.update(dims.get(row_idx, {}))  # as openpyxl's write_row
                if raw is not None and (text := _plain_row(attrs, row)) is not None:
                    raw(text)
                else:
                    self.write_row(xf, row, row_idx)
        self.xf.send(None)


def _write_sheet(writer: WorksheetWriter) -> None:
    """``writer.write()``; on a failure the sheet's XML stream is closed and its temporary file
    removed here, and the failure raised once.

    openpyxl writes each sheet to a temporary file (``TMPDIR``) through a generator; a write
    that fails there (a full disk) left the generator open, and when it was collected its
    ``with xmlfile(...)`` tried to flush again and printed "Exception ignored in: <generator
    object WorksheetWriter.get_stream>" and a traceback after the one-line error. A failure
    that names no file is told about that folder, not the workbook (whose disk may have room).
    """
    try:
        writer.write()
    except BaseException as exc:
        with contextlib.suppress(OSError):
            writer.xf.close()  # its flush fails again on a full disk: the first error counts
        with contextlib.suppress(OSError, ValueError):
            writer.cleanup()
        if isinstance(exc, OSError) and not isinstance(exc, WriteError) and exc.filename is None:
            raise WriteError(exc.errno, f"{exc.strerror or exc} (the folder for temporary "
                                        "files, TMPDIR)", str(Path(writer.out).parent)) from None
        raise


class _Writer(ExcelWriter):  # type: ignore[misc]
    """openpyxl's package writer; each worksheet is written by :attr:`sheet_writer` through
    :func:`_write_sheet` (:class:`_PlainRowsWriter`, or openpyxl's own ``WorksheetWriter``)."""

    sheet_writer: type[WorksheetWriter] = _PlainRowsWriter

    def write_worksheet(self, ws: Worksheet) -> None:
        if self.workbook.write_only:  # not used by the tool; openpyxl's own path
            super().write_worksheet(ws)
            return
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = self.sheet_writer(ws)
        _write_sheet(writer)
        ws._rels = writer._rels
        self._archive.write(writer.out, ws.path[1:])
        self.manifest.append(ws)
        writer.cleanup()


class _OpenpyxlRowsWriter(_Writer):
    """:class:`_Writer` with openpyxl's own row writer (``Workbook.save`` exactly)."""

    sheet_writer = WorksheetWriter


def save_workbook(wb: Workbook, path: Path, *, plain_rows: bool = True) -> None:
    """Save ``wb`` to ``path`` as ``Workbook.save`` does (same parts, same bytes).

    ``plain_rows`` writes the rows of plain cells as text (faster); without it every row goes
    through openpyxl's writer. Either way a failed write (a full disk) is one exception, the
    zip closed and openpyxl's temporary files removed: nothing is printed later by a
    collected generator or ``ZipFile.__del__`` (:func:`_write_sheet`).
    """
    if wb.read_only:
        raise TypeError("Workbook is read-only")  # as Workbook.save
    writer_class = _Writer if plain_rows else _OpenpyxlRowsWriter
    with ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        wb.properties.modified = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)
        writer_class(wb, archive).save()
