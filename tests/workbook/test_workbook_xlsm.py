"""The macro-enabled variant: xlwings' own template, VBA byte-identical, button wired to it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import InputError
from rotation_addin.data.settings import Settings
from workbook import layout as lay
from workbook import xlsm
from workbook.build import build_workbook
from workbook.button import sheet_button_macros
from workbook.sheets import xlwings_conf


@pytest.fixture()
def macro_book(tmp_path: Path, demo_market: MarketDataset) -> Path:
    path = tmp_path / "rotation_desk.xlsm"
    build_workbook(path, dataset=demo_market, params=Settings(), macro_enabled=True)
    return path


def test_vba_project_is_byte_identical_to_xlwings_template(macro_book: Path) -> None:
    with zipfile.ZipFile(xlsm.template_path()) as template:
        original = template.read("xl/vbaProject.bin")
    assert xlsm.vba_bytes(macro_book) == original


def test_template_macro_imports_the_module_named_like_the_workbook() -> None:
    """The template's SampleCall builds ``import <workbook name>; <name>.main()`` from
    ThisWorkbook.Name; the strings are visible in the (compressed) VBA stream."""
    vba = xlsm.vba_bytes(xlsm.template_path())
    assert b"SampleCall" in vba and b"RunPython" in vba and b"InStrRev" in vba


def test_button_on_sectors_runs_samplecall(macro_book: Path) -> None:
    assert sheet_button_macros(macro_book, lay.SECTORS) == [xlsm.REFRESH_BUTTON.macro]
    assert xlsm.REFRESH_BUTTON.macro == "SampleCall"
    with zipfile.ZipFile(macro_book) as archive:
        types = archive.read("[Content_Types].xml").decode()
        assert 'Extension="vml"' in types
        assert "macroEnabled.main+xml" in types


def test_shim_module_is_written_beside_the_workbook(macro_book: Path) -> None:
    shim = macro_book.parent / f"{lay.WORKBOOK_BASENAME}.py"
    assert macro_book.stem == lay.WORKBOOK_BASENAME
    assert "from workbook.rotation_desk import main" in shim.read_text()
    compile(shim.read_text(), str(shim), "exec")


def test_template_sheets_keep_their_vba_code_names(macro_book: Path) -> None:
    wb = load_workbook(macro_book, keep_vba=True)
    codes = {ws.title: ws.sheet_properties.codeName for ws in wb.worksheets}
    assert codes[lay.DASHBOARD] == "Sheet1"  # the template's Sheet1
    assert codes[lay.XLWINGS_CONF] == "Sheet2"  # the template's _xlwings.conf
    assert len(set(codes.values())) == len(codes)
    assert wb.sheetnames == list(lay.SHEET_ORDER)


def test_xlwings_conf_sheet_points_at_the_udf_module(macro_book: Path) -> None:
    wb = load_workbook(macro_book, keep_vba=True)
    config = xlwings_conf.read_config(wb[lay.XLWINGS_CONF])
    assert config["UDF MODULES"] == "rotation_addin.udfs"
    assert config["INTERPRETER_WIN"].endswith(r"rotation-desk\venv\Scripts\pythonw.exe")
    assert config["ADD_WORKBOOK_TO_PYTHONPATH"] is True


def test_config_keys_are_ones_xlwings_reads() -> None:
    """Every key of the sheet appears in xlwings' own VBA (GetConfig("...")), upper-cased."""
    bas = (Path(xlsm.template_path()).parent / "xlwings.bas").read_text(errors="replace")
    read_keys = {k.upper() for k in re.findall(r'GetConfig\("([^"]+)"', bas)}
    for key, _value in xlwings_conf.CONFIG_ROWS:
        assert key.upper() in read_keys, key


def test_plain_xlsx_has_conf_sheet_but_no_vba(tmp_path: Path) -> None:
    path = tmp_path / "rotation_desk.xlsx"
    build_workbook(path, params=Settings())
    with zipfile.ZipFile(path) as archive:
        assert "xl/vbaProject.bin" not in archive.namelist()
    wb = load_workbook(path)
    assert xlwings_conf.read_config(wb[lay.XLWINGS_CONF])["UDF MODULES"] == "rotation_addin.udfs"


def test_wrong_suffix_and_existing_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="xlsm"):
        build_workbook(tmp_path / "book.xlsx", macro_enabled=True)
    build_workbook(tmp_path / "book.xlsx", params=Settings())
    with pytest.raises(InputError, match="exists"):
        build_workbook(tmp_path / "book.xlsx", params=Settings())


def test_udf_module_named_in_the_config_sheet_imports() -> None:
    import importlib

    module = importlib.import_module(xlwings_conf.UDF_MODULE)
    assert hasattr(module, "POSITION_SIZE")


def test_libreoffice_reads_the_button_after_a_refresh(macro_book: Path, lo_profile: Path,
                                                      demo_market: MarketDataset) -> None:
    """A second, independent parser of the VML: LibreOffice turns the form control into a
    command button bound to SampleCall — also after notes were added and a refresh ran."""
    from openpyxl.comments import Comment

    from workbook.refresh import refresh_workbook
    from workbook.render import convert

    wb = load_workbook(macro_book, keep_vba=True)
    wb[lay.SECTORS]["P30"].comment = Comment("a note beside the button", "me")
    wb.save(macro_book)
    refresh_workbook(macro_book, demo_market, params=Settings())
    ods = convert(macro_book, macro_book.parent / "ods", "ods", profile_dir=lo_profile)
    with zipfile.ZipFile(ods) as archive:
        content = archive.read("content.xml").decode()
    buttons = re.findall(r"<form:button [^>]*>", content)
    assert len(buttons) == 1
    assert f'form:label="{xlsm.REFRESH_BUTTON.caption}"' in buttons[0]
    assert "SampleCall" in content
