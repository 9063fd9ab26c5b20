"""docs/workbook.md's sheet table: every sheet of the built workbook has a row, and its
*Refresh writes* column names exactly the ranges a refresh owns (``workbook.layout.BLOCKS``,
and the Journal sheet's columns in ``workbook.sheets.journal_sync``). The page once left out
the Dashboard's alerts panel and orders table, the Alerts, Review and Backtest sheets, and
said a refresh writes nothing on the Journal sheet, which it rewrites from the journal: a
trader trusting "touches nothing else" would have lost what they typed there."""

from __future__ import annotations

import re
from itertools import groupby
from pathlib import Path

import openpyxl
from openpyxl.utils import column_index_from_string, get_column_letter

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.data.settings import Settings
from tests.conftest import REPO_ROOT
from workbook import layout as lay
from workbook.build import build_workbook
from workbook.refresh import refresh_workbook
from workbook.sheets import journal as journal_sheet
from workbook.sheets import journal_sync

DOC = REPO_ROOT / "docs" / "workbook.md"
RANGE = re.compile(r"\b[A-Z]{1,2}\d+(?::[A-Z]{1,2}\d+)?\b")


def _table() -> dict[str, str]:
    """Sheet -> its *Refresh writes* cell."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("| Sheet | What it shows | Refresh writes |"):]
    rows: dict[str, str] = {}
    for line in section.splitlines()[2:]:
        if not line.startswith("| "):
            break
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        rows[cells[0]] = cells[-1]
    return rows


def _ref(top: int, left: int, bottom: int, right: int) -> str:
    first, last = f"{get_column_letter(left)}{top}", f"{get_column_letter(right)}{bottom}"
    return first if first == last else f"{first}:{last}"


def _owned() -> dict[str, set[str]]:
    owned: dict[str, set[str]] = {}
    for b in lay.BLOCKS:
        owned.setdefault(b.sheet, set()).add(
            _ref(b.top, b.left, b.top + b.rows - 1, b.left + b.cols - 1))
    columns = [column_index_from_string(x) for x in journal_sync.INPUT_LETTERS]
    runs = [[c for _, c in g] for _, g in groupby(enumerate(columns), lambda p: p[1] - p[0])]
    owned["Journal"] = {_ref(journal_sheet.FIRST_ROW, run[0], journal_sheet.LAST_ROW, run[-1])
                        for run in runs}
    return owned


def test_every_sheet_has_a_row(tmp_path: Path, demo_market: MarketDataset) -> None:
    path = tmp_path / "rotation_desk.xlsx"
    build_workbook(path, dataset=demo_market, params=Settings())
    refresh_workbook(path, demo_market)  # the first refresh adds the Review sheet
    assert set(_table()) == set(openpyxl.load_workbook(path).sheetnames)


def test_refresh_writes_names_the_owned_ranges() -> None:
    table = _table()
    for sheet, ranges in _owned().items():
        assert set(RANGE.findall(table[sheet])) == ranges, sheet
    for sheet in set(table) - set(_owned()):
        assert not RANGE.findall(table[sheet]), sheet  # "nothing" or the whole sheet
