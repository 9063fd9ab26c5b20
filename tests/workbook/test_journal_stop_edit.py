"""A stop typed on a journal row of the Journal sheet goes through the same level rules as
``rotation trade move``: one the rules refuse is flagged on its row and never journaled as a
new trade, however often the workbook is refreshed (the headless refresh on a real file and a
real SQLite journal in the test's data folder)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from openpyxl import load_workbook

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.data.settings import Settings
from rotation_addin.desk.journal import JournalInputs, OrderRequest, open_trade
from rotation_addin.desk.journal_market import current_quote
from rotation_addin.journal.store import JournalStore, journal_path
from workbook.build import build_workbook
from workbook.refresh import refresh_workbook
from workbook.sheets import journal as sheet

SLIP = 0.0005  # Settings() default slippage


def _rows(path: Path) -> list[tuple[int, float, str]]:
    ws = load_workbook(path)["Journal"]
    return [(r, ws[f"F{r}"].value, str(ws[f"P{r}"].value))
            for r in range(sheet.FIRST_ROW, sheet.LAST_ROW + 1) if ws[f"B{r}"].value]


def test_a_refused_stop_edit_is_flagged_on_its_row_and_never_a_new_trade(
        tmp_path: Path, demo_market: MarketDataset) -> None:
    now = demo_market.as_of + timedelta(hours=1)
    inputs = JournalInputs(params=PlanParameters(rotation_in_risk_off=True),
                           dataset=demo_market, now=now)
    price = current_quote(demo_market, "AKT").price_usd
    open_trade(inputs, OrderRequest("AKT", "short", stop=price * 1.05, quantity=1.0))
    path = tmp_path / "rotation_desk.xlsx"
    build_workbook(path, dataset=demo_market, params=Settings(), now=now)
    refresh_workbook(path, demo_market, params=Settings(), now=now)
    [(row, _stop, status)] = _rows(path)
    assert status.endswith("(open)")
    # above the short's fill (price x (1 - slippage)) but below the current price: the
    # entry's rule would take it as a new entry's stop, the move refuses it
    typed = price * (1 - SLIP / 2)
    wb = load_workbook(path)
    wb["Journal"][f"F{row}"] = typed
    wb.save(path)
    for _ in range(2):
        refresh_workbook(path, demo_market, params=Settings(), now=now)
        journal_row, flagged = _rows(path)
        assert journal_row[2] == status  # the journal's own row, its stop unchanged
        assert flagged[1] == typed  # the typed stop is kept, flagged after the status
        assert flagged[2] == (f"{status} -- edit not applied: INPUT stop: must be above the "
                              f"current price {price:g} for a short (got {typed:g})")
    with JournalStore(journal_path()) as store:
        assert [e.kind for e in store.events()] == ["open"]
