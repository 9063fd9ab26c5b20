"""The macro-enabled variant, made from xlwings' own ``quickstart.xlsm``.

* The template's ``xl/vbaProject.bin`` is carried byte-identical (openpyxl ``keep_vba=True``):
  its ``Module1.SampleCall`` runs ``RunPython "import <workbook name>; <workbook name>.main()"``.
* The workbook is therefore saved as ``rotation_desk.xlsm`` and a one-line module
  ``rotation_desk.py`` is written beside it; xlwings puts the workbook's folder on
  ``sys.path`` (``ADD_WORKBOOK_TO_PYTHONPATH``), so the import finds it and ``main()`` runs
  :func:`workbook.rotation_desk.main` -> :func:`workbook.refresh.refresh_workbook`.
* The template's sheets are reused (``Sheet1`` -> Dashboard, ``_xlwings.conf`` ->
  ``xlwings.conf``) so the VBA document modules ``Sheet1``/``Sheet2`` keep their sheets.
* The Refresh button on the Sectors sheet is a form control calling ``SampleCall``
  (:mod:`workbook.button`); the xlwings ribbon's "Run main" does the same thing.
"""

from __future__ import annotations

import zipfile
from importlib import resources
from pathlib import Path

from openpyxl import Workbook, load_workbook

from rotation_addin.data.atomic import atomic_write_text
from workbook import layout as lay
from workbook.button import ButtonSpec, ensure_button, has_button

VBA_PART = "xl/vbaProject.bin"
TEMPLATE_NAME = "quickstart.xlsm"
REFRESH_BUTTON = ButtonSpec(sheet=lay.SECTORS, caption="Refresh sectors (Python)",
                            left_col=11, top_row=0, right_col=14, bottom_row=2)
"""Button over L1:N2 of the Sectors sheet (0-based VML anchor: columns 11-14, rows 0-2)."""

SHIM_TEXT = (
    '"""Entry point xlwings runs from rotation_desk.xlsm (SampleCall / ribbon "Run main").\n\n'
    "Keep this file beside the workbook. It only forwards to the installed package.\n"
    '"""\n\n'
    "from workbook.rotation_desk import main  # noqa: F401\n\n"
    'if __name__ == "__main__":\n'
    "    main()\n"
)


def template_path() -> Path:
    """Path of xlwings' ``quickstart.xlsm`` inside the installed xlwings package."""
    return Path(str(resources.files("xlwings").joinpath(TEMPLATE_NAME)))


def vba_bytes(path: Path) -> bytes:
    """The raw ``xl/vbaProject.bin`` member of an ``.xlsm`` package."""
    with zipfile.ZipFile(path) as archive:
        return archive.read(VBA_PART)


def load_template() -> Workbook:
    """xlwings' quickstart workbook with its sheets renamed for Rotation Desk (VBA kept)."""
    wb = load_workbook(template_path(), keep_vba=True)
    renames = {"Sheet1": lay.DASHBOARD, "_xlwings.conf": lay.XLWINGS_CONF}
    for old, new in renames.items():
        if old in wb.sheetnames:
            wb[old].title = new
    return wb


def assign_code_names(wb: Workbook) -> None:
    """Give sheets without a VBA code name a free ``SheetN`` one (the template owns 1 and 2)."""
    used = {ws.sheet_properties.codeName for ws in wb.worksheets if ws.sheet_properties.codeName}
    n = 1
    for ws in wb.worksheets:
        if ws.sheet_properties.codeName:
            continue
        while f"Sheet{n}" in used:
            n += 1
        ws.sheet_properties.codeName = f"Sheet{n}"
        used.add(f"Sheet{n}")


def ensure_refresh_button(path: Path) -> bool:
    """Add the Refresh button to the saved package at ``path`` unless present."""
    return ensure_button(path, REFRESH_BUTTON)


def has_refresh_button(path: Path) -> bool:
    """True if the Sectors sheet carries the button wired to ``SampleCall``."""
    return has_button(path, REFRESH_BUTTON)


def write_module_shim(folder: Path) -> Path:
    """Write ``rotation_desk.py`` (the module ``SampleCall`` imports) into ``folder``."""
    target = Path(folder) / f"{lay.WORKBOOK_BASENAME}.py"
    atomic_write_text(target, SHIM_TEXT)
    return target
