"""Formula injection: text from outside never becomes a formula in the workbook."""

from __future__ import annotations

import re
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.universe import BENCHMARK_SECTOR, Universe
from rotation_addin.data.settings import Settings
from workbook import layout as lay
from workbook.build import build_workbook
from workbook.safe_text import escape_text, needs_escape
from workbook.writer import cell_value

EVIL = ("=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", "\tTAB", "\rCR", '=HYPERLINK("http://x")')


@pytest.mark.parametrize("text", EVIL)
def test_dangerous_text_gets_a_quote_prefix(text: str) -> None:
    assert needs_escape(text)
    assert escape_text(text) == "'" + text


@pytest.mark.parametrize("text", ["RENDER", "ai_infra", "risk-on (score +3)", "5 %", ""])
def test_harmless_text_is_unchanged(text: str) -> None:
    assert escape_text(text) == text


def test_leading_spaces_do_not_hide_a_formula() -> None:
    assert escape_text("  =1+1") == "'  =1+1"


def test_control_characters_are_replaced() -> None:
    assert escape_text("a\x00b\x1fc") == "a\ufffdb\ufffdc"


@given(st.text())
def test_escaped_text_never_starts_a_formula(text: str) -> None:
    escaped = escape_text(text)
    assert not needs_escape(escaped)
    assert escaped.lstrip(" ")[:1] not in ("=", "+", "-", "@", "\t", "\r")
    cleaned = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "\ufffd", text)
    assert escaped in (cleaned, "'" + cleaned)


def test_cell_value_handles_numbers_and_nan() -> None:
    assert cell_value(float("nan")) is None
    assert cell_value(2.5) == 2.5
    assert cell_value(True) is True
    assert cell_value("=x") == "'=x"


def _evil_dataset(dataset: MarketDataset) -> tuple[MarketDataset, dict[str, str]]:
    names = iter(EVIL)
    renamed = {s: (next(names) if s != BENCHMARK_SECTOR else s)
               for s in dataset.universe.sectors}
    universe = Universe(sectors={renamed[s]: m for s, m in dataset.universe.sectors.items()},
                        quote=dataset.universe.quote, benchmark=dataset.universe.benchmark)
    return replace(dataset, universe=universe), renamed


def test_evil_sector_names_are_written_as_text(tmp_path: Path,
                                               demo_market: MarketDataset) -> None:
    evil, renamed = _evil_dataset(demo_market)
    path = tmp_path / "rotation_desk.xlsx"
    build_workbook(path, dataset=evil, params=Settings())
    wb = load_workbook(path)
    seen = 0
    for block in lay.BLOCKS:
        ws = wb[block.sheet]
        for row, col in block.cells():
            cell = ws.cell(row=row, column=col)
            if isinstance(cell.value, str):
                assert cell.data_type != "f", f"{block.sheet}!{cell.coordinate} is a formula"
                assert not needs_escape(cell.value), f"{block.sheet}!{cell.coordinate}"
                if cell.value in {"'" + n for n in renamed.values()}:
                    seen += 1
    assert seen >= len(EVIL) - 2  # sector table, correlation headers...
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        for sheet in ("sheet2.xml", "sheet3.xml"):  # Sectors, Correlation: no formulas at all
            xml = archive.read(f"xl/worksheets/{sheet}").decode()
            assert "<f>" not in xml and "<f " not in xml, sheet
        assert all(not n.startswith("xl/externalLinks") for n in names)
