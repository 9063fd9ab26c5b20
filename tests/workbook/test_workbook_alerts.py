"""The Alerts sheet: rules typed there are read back, validated and stored; refused rows stay
flagged; firings are listed (demo-labelled) and flagged on the Dashboard; LibreOffice opens
the refreshed file with the Alerts sheet intact."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.data.settings import Settings
from rotation_addin.desk import alerts
from workbook import layout as lay
from workbook.build import build_workbook
from workbook.refresh import refresh_workbook
from workbook.render import recalculated_copy

FIRST = 6


def _type(path: Path, rows: dict[int, list[object]]) -> None:
    wb = load_workbook(path)
    ws = wb[lay.ALERTS]
    for row, values in rows.items():
        for col, value in enumerate(values, start=1):
            ws.cell(row, col).value = value  # None clears the cell
    wb.save(path)


def _rules_table(path: Path) -> list[list[object]]:
    ws = load_workbook(path)[lay.ALERTS]
    table = [[ws.cell(r, c).value for c in range(1, 9)] for r in range(FIRST, FIRST + 40)]
    return [row for row in table if any(v is not None for v in row)]


@pytest.fixture()
def built(tmp_path: Path, demo_market: MarketDataset) -> Path:
    path = tmp_path / "rotation_desk.xlsx"
    build_workbook(path, dataset=demo_market, params=Settings())
    return path


def test_typed_rules_are_stored_refused_rows_flagged_and_firings_listed(
        built: Path, demo_market: MarketDataset) -> None:
    btc = demo_market.tickers["BTC"].mark_price_usd
    _type(built, {
        FIRST: [None, "price_above", "btc", btc * 0.9, None, None, "breakout"],
        FIRST + 1: [None, "stop_near", "*", "1,5", "sigma", None, None],
        FIRST + 3: [None, "funding_beyond", "BTC", -5, None, None, "bad level"],
    })
    result = refresh_workbook(built, demo_market, params=Settings())
    stored = alerts.list_rules()
    assert [(r.kind, r.subject, r.threshold, r.unit) for r in stored] == [
        ("price_above", "BTC", pytest.approx(btc * 0.9), "usd"),
        ("stop_near", "*", 1.5, "sigma")]
    table = _rules_table(built)
    assert table[0][:7] == [None, "funding_beyond", "BTC", -5, None, None, "bad level"]
    assert table[0][7] == "REFUSED threshold: must be in (0, 5] (got -5)"
    assert [row[0] for row in table[1:]] == [r.rule_id for r in stored]
    assert all(row[7] == "active" for row in table[1:])
    assert [f.kind for f in result.alerts] == ["price_above"]
    assert any("flagged: REFUSED threshold" in w for w in result.warnings)

    wb = load_workbook(built)
    firings = wb[lay.ALERTS]
    assert firings["M6"].value == "price_above" and firings["O6"].value == DEMO_SOURCE_LABEL
    assert "BTC" in firings["P6"].value
    dash = wb[lay.DASHBOARD]
    assert (dash["D11"].value, dash["E11"].value) == ("Alerts", "1 FIRED on this data · 2 rules")
    assert (dash["D12"].value, dash["E12"].value, dash["F12"].value) == ("!", "price_above",
                                                                          "BTC")
    assert DEMO_SOURCE_LABEL in dash["G12"].value

    again = refresh_workbook(built, demo_market, params=Settings())  # same data: no re-fire
    assert again.alerts == () and len(alerts.history()) == 1
    assert [r.rule_id for r in alerts.list_rules()] == [r.rule_id for r in stored]
    assert _rules_table(built) == table  # nothing duplicated, the refused row still there
    dash = load_workbook(built)[lay.DASHBOARD]
    assert dash["E11"].value == "1 FIRED on this data · 2 rules"  # still true of this data
    later = replace(demo_market, as_of=demo_market.as_of + timedelta(days=1))
    assert refresh_workbook(built, later, params=Settings()).alerts == ()
    dash = load_workbook(built)[lay.DASHBOARD]
    assert dash["E11"].value == "none fired on this data · 2 rules"
    assert dash["D12"].value is None and dash["G12"].value.startswith("last fired")


def test_edit_replaces_a_rule_and_a_cleared_kind_removes_it(built: Path,
                                                            demo_market: MarketDataset) -> None:
    first = alerts.add_rule("price_below", "RENDER", 0.5)
    second = alerts.add_rule("regime_change")
    refresh_workbook(built, demo_market, params=Settings())
    table = _rules_table(built)
    assert [row[0] for row in table] == [first.rule_id, second.rule_id]
    _type(built, {FIRST: [first.rule_id, "price_below", "RENDER", 0.4, None, 1.0, None],
                  FIRST + 1: [second.rule_id, None, None, None, None, None, None]})
    refresh_workbook(built, demo_market, params=Settings())
    (replaced,) = alerts.list_rules()
    assert replaced.rule_id not in (first.rule_id, second.rule_id)
    assert (replaced.kind, replaced.threshold, replaced.hysteresis) == ("price_below", 0.4, 1.0)
    assert [row[0] for row in _rules_table(built)] == [replaced.rule_id]


def test_a_workbook_without_the_alerts_sheet_gets_it(built: Path,
                                                     demo_market: MarketDataset) -> None:
    wb = load_workbook(built)
    del wb[lay.ALERTS]
    wb.save(built)
    alerts.add_rule("correlation_rise", threshold=0.5)
    refresh_workbook(built, demo_market, params=Settings())
    wb = load_workbook(built)
    assert wb.sheetnames.index(lay.ALERTS) == wb.sheetnames.index(lay.JOURNAL) + 1
    assert wb[lay.ALERTS]["B6"].value == "correlation_rise"


def test_libreoffice_reads_the_alerts_sheet(built: Path, demo_market: MarketDataset,
                                            lo_profile: Path) -> None:
    alerts.add_rule("price_above", "BTC", 1.0, note="always")
    refresh_workbook(built, demo_market, params=Settings())
    copy = recalculated_copy(built, built.parent / "lo", profile_dir=lo_profile)
    wb = load_workbook(copy, data_only=True)
    ws = wb[lay.ALERTS]
    assert (ws["B6"].value, ws["C6"].value, ws["G6"].value, ws["H6"].value) == (
        "price_above", "BTC", "always", "active")
    assert ws["M6"].value == "price_above" and ws["O6"].value == DEMO_SOURCE_LABEL
    assert wb[lay.DASHBOARD]["E11"].value == "1 FIRED on this data · 1 rule"
    errors = [c.coordinate for row in ws.iter_rows() for c in row
              if c.value in ("#VALUE!", "#NAME?", "#REF!", "#DIV/0!", "#N/A", "#NUM!",
                             "#NULL!", "Err:502", "Err:504")]
    assert errors == []
