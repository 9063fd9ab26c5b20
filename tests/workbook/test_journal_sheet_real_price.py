"""A real trade typed on the workbook's Journal sheet without its entry price is refused on
its row, not filled: the desk's open took the session's price (on the demo market a
simulated one) moved by a paper slippage, as ``trade open --account real`` did before it
was made to need ``--price``. The rule now lives in the desk, so every surface has it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook

from rotation_addin.data.settings import Settings
from rotation_addin.desk.journal import REAL_NEEDS_PRICE
from rotation_addin.desk.journal_market import current_quote
from rotation_addin.journal.store import JournalStore
from rotation_addin.journal.store import journal_path as trade_journal_path
from tests.journal.helpers import demo_market
from workbook.build import build_workbook
from workbook.refresh import refresh_workbook


def test_a_real_row_without_its_entry_is_refused_and_not_journaled(
        tmp_path: Path, isolated_home: Path) -> None:
    market = demo_market()
    path = tmp_path / "wb.xlsx"
    build_workbook(path, dataset=market, params=Settings(), now=market.as_of)
    book = load_workbook(path)
    sheet = book["Journal"]
    stop = round(current_quote(market, "RENDER").price_usd * 0.9, 4)
    for row, entry in ((6, None), (7, stop / 0.9)):
        sheet[f"A{row}"], sheet[f"B{row}"], sheet[f"D{row}"] = datetime(2026, 11, 1), \
            "RENDER", "long"
        sheet[f"E{row}"], sheet[f"F{row}"], sheet[f"G{row}"] = entry, stop, 10
        sheet[f"N{row}"] = "real"
    book.save(path)
    refresh_workbook(path, market, params=Settings(), now=market.as_of)
    sheet = load_workbook(path)["Journal"]
    status = {str(sheet[f"P{r}"].value) for r in range(6, 9)}
    assert any(REAL_NEEDS_PRICE in s for s in status), status
    assert any(s.startswith("journal real ") for s in status), status  # the priced row
    with JournalStore(trade_journal_path()) as store:
        opens = [e for e in store.events() if e.kind == "open"]
    assert [(e.account, e.price_source) for e in opens] == [("real", "typed")]
