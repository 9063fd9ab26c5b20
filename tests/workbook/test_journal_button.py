"""The Refresh button syncs the Journal sheet as the headless refresh does (one home).

Excel cannot run here: the workbook open in Excel is the stand-in of
:mod:`tests.workbook.excel_standin` (xlwings' ``Book`` API as the refresh uses it; numbers read
back as floats, protected sheets refuse writes). The journal is a real SQLite file in the
test's data folder and every rule is the real one: a loss journaled an hour ago puts its
sector in the cool-down, so a row typed in that sector is refused and must stay in the sheet,
flagged; a row in another sector goes into the journal.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.data.settings import Settings
from rotation_addin.desk.journal import JournalInputs, OrderRequest, open_trade, read_ledger
from rotation_addin.desk.journal_market import current_quote
from rotation_addin.desk.journal_ops import close_trade
from rotation_addin.journal.store import JournalStore, journal_path
from tests.workbook.excel_standin import StandInBook
from workbook.build import build_workbook
from workbook.refresh import refresh_workbook
from workbook.rotation_desk import main
from workbook.sheets import journal as sheet
from workbook.sheets.journal_excel import FLAG_COLOR
from workbook.sheets.journal_sync import INPUT_LETTERS, REVIEW_SHEET

LETTERS = INPUT_LETTERS  # A..H, K..Q: what the sync reads and writes


def _loss_an_hour_ago(market: MarketDataset, now: datetime) -> tuple[str, str, str]:
    """Journal a losing paper short in one sector; return (its base, a base of the same
    sector, a base of another sector)."""
    universe = market.universe
    sector_a, sector_b = "render", "gpu_compute"
    a, a2 = universe.sectors[sector_a][0], universe.sectors[sector_a][1]
    b = universe.sectors[sector_b][0]
    inputs = JournalInputs(params=PlanParameters(), dataset=market, now=now - timedelta(hours=2))
    price = current_quote(market, a).price_usd
    open_trade(inputs, OrderRequest(a, "short", stop=price * 1.05, quantity=1.0))
    later = dataclasses.replace(inputs, now=now - timedelta(hours=1))
    close_trade(later, a, price=price * 1.03, reason="stopped")
    return a, a2, b


def _typed_rows(market: MarketDataset, a2: str, b: str, day: datetime) -> list[dict[str, Any]]:
    rows = []
    for symbol, reason in ((a2, "typed: inside the cool-down"), (b, "typed: other sector")):
        price = current_quote(market, symbol).price_usd
        rows.append({"A": day, "B": symbol, "D": "short", "F": price * 1.05, "G": 1,
                     "K": reason})
    return rows


def _column(letter: str) -> int:
    return ord(letter) - ord("A") + 1


def _book_rows(book: StandInBook) -> list[dict[str, Any]]:
    cells = book.sheets["Journal"].cells
    rows = [{x: cells.get((r, _column(x))) for x in LETTERS}
            for r in range(sheet.FIRST_ROW, sheet.LAST_ROW + 1)]
    return [r for r in rows if r["B"] is not None]


def _file_rows(path: Path) -> list[dict[str, Any]]:
    ws = load_workbook(path)["Journal"]
    rows = [{x: ws[f"{x}{r}"].value for x in LETTERS}
            for r in range(sheet.FIRST_ROW, sheet.LAST_ROW + 1)]
    return [r for r in rows if r["B"] is not None]


def _comparable(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows without the random trade ids, numbers rounded, dates as dates."""
    out = []
    for row in rows:
        values = []
        for x in LETTERS:
            v = row[x]
            if isinstance(v, datetime):
                v = v.date()
            if isinstance(v, int | float) and not isinstance(v, bool):
                v = round(float(v), 9)
            if isinstance(v, str):
                v = re.sub(r"journal (\w+) [0-9a-f]{32}", r"journal \1 <id>", v)
            values.append(v)
        out.append(tuple(values))
    return out


def _type_into_book(book: StandInBook, rows: list[dict[str, Any]]) -> None:
    cells = book.sheets["Journal"].cells
    for offset, row in enumerate(rows):
        for letter, value in row.items():
            cells[(sheet.FIRST_ROW + offset, _column(letter))] = value


def _refusals() -> int:
    with JournalStore(journal_path()) as store:
        return sum(1 for e in store.events() if e.kind == "refusal")


def test_button_journals_typed_rows_and_keeps_refused_ones_flagged(tmp_path: Path,
                                                                   demo_market: MarketDataset,
                                                                   ) -> None:
    now = max(datetime.now().astimezone(), demo_market.as_of)
    _a, a2, b = _loss_an_hour_ago(demo_market, now)
    path = tmp_path / "rotation_desk.xlsm"
    build_workbook(path, params=Settings(), macro_enabled=True)
    book = StandInBook(path)
    day = demo_market.as_of.replace(tzinfo=None)
    _type_into_book(book, _typed_rows(demo_market, a2, b, day))
    for attempt in range(2):  # the real entry point, twice: nothing lost, nothing doubled
        main(book)
        rows = _book_rows(book)
        refused = [r for r in rows if r["B"] == a2]
        taken = [r for r in rows if r["B"] == b]
        assert len(refused) == 1 and len(taken) == 1, (attempt, rows)
        status = str(refused[0]["P"])
        assert status.startswith("REFUSED") and "cool-down" in status
        assert refused[0]["K"] == "typed: inside the cool-down"  # the user's cells are kept
        number = sheet.FIRST_ROW + rows.index(refused[0])
        assert book.sheets["Journal"].fonts[(number, _column("P"))] == {
            "bold": True, "color": FLAG_COLOR}
        assert str(taken[0]["P"]).startswith("journal paper ")
        assert book.sheets["Journal"].api.ProtectContents  # protected again after the write
        ledger = read_ledger(JournalInputs(params=PlanParameters(), dataset=demo_market,
                                           now=now), "paper")
        assert [t.base for t in ledger.open_trades] == [b]
        assert ledger.open_trades[0].quantity_base == 1.0
        assert _refusals() == 1  # the retried refused row is recorded once
    review = book.sheets[REVIEW_SHEET].cells
    figures = {review.get((r, 1)): review.get((r, 2)) for r in range(5, 60)}
    assert figures["refused by cool-down"] == 1 and figures["trades closed"] == 1


def test_button_and_headless_refresh_write_the_same_journal_sheet(
        tmp_path: Path, demo_market: MarketDataset, monkeypatch: Any) -> None:
    now = demo_market.as_of + timedelta(hours=5)
    sheets = []
    for name in ("button", "headless"):
        monkeypatch.setenv("ROTATION_DESK_HOME", str(tmp_path / f"home-{name}"))
        _a, a2, b = _loss_an_hour_ago(demo_market, now)
        typed = _typed_rows(demo_market, a2, b, demo_market.as_of.replace(tzinfo=None))
        suffix = ".xlsm" if name == "button" else ".xlsx"
        path = tmp_path / f"{name}{suffix}"
        build_workbook(path, params=Settings(), macro_enabled=name == "button")
        if name == "button":
            book = StandInBook(path)
            _type_into_book(book, typed)
            refresh_workbook(book, demo_market, params=Settings(), now=now)
            sheets.append(_comparable(_book_rows(book)))
        else:
            wb = load_workbook(path)
            for offset, row in enumerate(typed):
                for letter, value in row.items():
                    wb["Journal"][f"{letter}{sheet.FIRST_ROW + offset}"] = value
            wb.save(path)
            refresh_workbook(path, demo_market, params=Settings(), now=now)
            sheets.append(_comparable(_file_rows(path)))
    assert sheets[0] == sheets[1]
    assert len(sheets[0]) == 3  # the loss, the journaled row, the refused row


def test_an_exit_typed_on_an_open_journal_row_closes_it(tmp_path: Path,
                                                        demo_market: MarketDataset) -> None:
    """Both paths: the row the sync wrote for an open trade says ``(open)`` at the end; an
    Exit typed on it closes the trade at that price (it used to be ignored, then erased)."""
    now = demo_market.as_of + timedelta(hours=5)
    _a, a2, b = _loss_an_hour_ago(demo_market, now)
    path = tmp_path / "rotation_desk.xlsm"
    build_workbook(path, params=Settings(), macro_enabled=True)
    book = StandInBook(path)
    _type_into_book(book, _typed_rows(demo_market, a2, b, demo_market.as_of.replace(tzinfo=None)))
    refresh_workbook(book, demo_market, params=Settings(), now=now)
    rows = _book_rows(book)
    number = sheet.FIRST_ROW + next(i for i, r in enumerate(rows) if r["B"] == b)
    assert str(book.sheets["Journal"].cells[(number, _column("P"))]).endswith("(open)")
    exit_price = current_quote(demo_market, b).price_usd * 0.98
    book.sheets["Journal"].cells[(number, _column("H"))] = exit_price
    refresh_workbook(book, demo_market, params=Settings(), now=now)
    ledger = read_ledger(JournalInputs(params=PlanParameters(), dataset=demo_market, now=now),
                         "paper")
    assert not ledger.open_trades
    closed = next(t for t in ledger.closed_trades if t.base == b)
    assert closed.exit_price_usd == exit_price  # typed: no slippage added
    row = next(r for r in _book_rows(book) if r["B"] == b)
    assert row["H"] == exit_price and not str(row["P"]).endswith("(open)")
