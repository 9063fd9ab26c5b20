"""Acceptance: a scripted week on the demo market, through the CLI, the app and the workbook.

plan -> two paper trades -> a candle hits one stop -> a new entry in that sector inside the
cool-down is refused in the CLI, in the app (pytest-qt) and from a row typed into the
workbook's Journal sheet -> an override with a reason goes through and is recorded -> the
review's figures equal the hand computation below.

The demo simulator cannot be told to draw a stop-hitting candle, so the market is the demo
market plus one hand-made daily candle (:func:`tests.journal.helpers.with_candle`), and the
CLI's market loader and clock (``journal_cmds._market`` / ``_now``) are pointed at it and at
the test's clock. Everything else is the real code on a real SQLite journal file. The
trades are shorts: the regime gate (alt longs in risk-off) depends on the demo calibration,
and has its own test.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from gui.journal_view import JournalView
from rotation_addin.cli import journal_cmds
from rotation_addin.data.positions import load_book
from rotation_addin.data.settings import Settings
from rotation_addin.desk.journal_market import current_quote
from tests.cli_helpers import run
from tests.journal.helpers import demo_market, with_candle
from workbook.build import build_workbook
from workbook.refresh import refresh_workbook

FEE, SLIP = 0.0005, 0.0005  # Settings() defaults: taker fee and slippage


def test_scripted_week(qtbot, capsys, monkeypatch, tmp_path):
    market = demo_market()
    universe = market.universe
    first, second = "render", "gpu_compute"
    a, a2 = universe.sectors[first][0], universe.sectors[first][1]
    b = universe.sectors[second][0]
    t0 = market.as_of
    state = {"market": market, "now": t0}
    monkeypatch.setattr(journal_cmds, "_market", lambda args: state["market"])
    monkeypatch.setattr(journal_cmds, "_now", lambda: state["now"])

    # the plan reads the (empty) journal
    code, out, err = run(capsys, "plan", "--json")
    assert code == 0, err

    price_a, price_b = current_quote(market, a).price_usd, current_quote(market, b).price_usd
    q_a, q_b = round(50 / (price_a * 0.05), 3), round(50 / (price_b * 0.05), 3)
    stop_a = price_a * 1.05
    code, out, err = run(capsys, "trade", "open", a, "--side", "short", "--stop", f"{stop_a!r}",
                         "--quantity", str(q_a), "--reason", "over-extended")
    assert code == 0, err
    assert out.startswith("paper: short")
    code, _, err = run(capsys, "trade", "open", b, "--side", "short", "--stop",
                       f"{price_b * 1.05!r}", "--quantity", str(q_b), "--reason", "hedge")
    assert code == 0, err

    # one candle: A's high crosses its stop, B stays inside
    later = with_candle(market, {a: (price_a, price_a * 1.08, price_a * 0.99, price_a * 1.06),
                                 b: (price_b, price_b * 1.01, price_b * 0.99, price_b)})
    state.update(market=later, now=t0 + timedelta(days=1, hours=2))
    code, out, err = run(capsys, "trade", "list")
    assert code == 0, err
    assert f"paper {a}: stop" in out and "paper" in out.splitlines()[1]
    assert any(t.base == a and t.realised_pnl_usd < 0 for t in load_book().closed_trades)

    # a new entry in that sector inside the cool-down: refused in the CLI ...
    stop_a2 = current_quote(later, a2).price_usd * 1.05
    entry_args = ("trade", "open", a2, "--side", "short", "--stop", f"{stop_a2!r}",
                  "--quantity", "1")
    code, out, err = run(capsys, *entry_args)
    assert code == 3 and "cool-down" in err and len(err.strip().splitlines()) == 1
    # ... in the app, on the field ...
    view = JournalView()
    qtbot.addWidget(view)
    view.clock = lambda: state["now"]
    view.set_context(later, Settings(), [])
    view.edits["symbol"].setText(a2)
    view.edits["side"].setCurrentText("short")
    view.edits["stop"].setText(f"{stop_a2!r}")
    view.edits["quantity"].setText("1")
    assert view.open_typed() is False
    assert "cool-down" in view.errors["symbol"]
    assert view.error_labels["symbol"].isVisibleTo(view)
    # ... and from a row typed into the workbook's Journal sheet (kept and flagged)
    path = tmp_path / "rotation_desk.xlsx"
    build_workbook(path, dataset=later, params=Settings(), now=state["now"])
    wb = load_workbook(path)
    sheet = wb["Journal"]
    sheet["A6"], sheet["B6"], sheet["D6"] = later.as_of.replace(tzinfo=None), a2, "short"
    sheet["F6"], sheet["G6"], sheet["K6"] = stop_a2, 1, "typed in the sheet"
    wb.save(path)
    for _ in range(2):  # idempotent: a second refresh neither loses nor duplicates the row
        refresh_workbook(path, later, params=Settings(), now=state["now"])
        rows = load_workbook(path)["Journal"]
        flagged = [r for r in range(6, 206) if rows[f"B{r}"].value == a2]
        assert len(flagged) == 1
        assert str(rows[f"P{flagged[0]}"].value).startswith("REFUSED")
        assert "cool-down" in str(rows[f"P{flagged[0]}"].value)
        assert rows[f"K{flagged[0]}"].value == "typed in the sheet"

    # an override with a reason goes through and is recorded
    code, out, err = run(capsys, *entry_args, "--override", "planned rotation, size 1")
    assert code == 0, err
    assert "override recorded" in out and "planned rotation, size 1" in out

    code, out, err = run(capsys, "journal", "review", "--json")
    assert code == 0, err
    review = json.loads(out)

    # hand computation of trade A (short): sell fill, stop bought back, funding received
    entry = price_a * (1 - SLIP)
    exit_fill = stop_a * (1 + SLIP)
    fee_in, fee_out = FEE * entry * q_a, FEE * exit_fill * q_a
    rate = market.tickers[a].funding_rate
    last_close = float(market.close[a].iloc[-1])
    funding_paid = -q_a * rate * (2 * last_close + price_a * 1.06)  # 08:00, 16:00, 24:00
    pnl = -q_a * (exit_fill - entry) - fee_in - fee_out - funding_paid
    r0 = q_a * (stop_a - entry) + fee_in
    # B and A2 are still open: their entry fees (short: sold below the quote) are realised
    # at their fills, inside the window (docs/journal.md, "Realised P&L and equity")
    fee_b = FEE * price_b * (1 - SLIP) * q_b
    fee_a2 = FEE * current_quote(later, a2).price_usd * (1 - SLIP) * 1
    realised = pnl - fee_b - fee_a2
    assert review["account"] == "paper"
    assert review["trades"] == 1 and review["wins"] == 0 and review["win_rate"] == 0
    assert review["realised_pnl_usd"] == pytest.approx(realised, rel=1e-9)
    assert review["expectancy_usd"] == pytest.approx(pnl, rel=1e-9)  # per closed trade
    assert review["average_r"] == pytest.approx(pnl / r0, rel=1e-9)
    assert review["expectancy_r"] == pytest.approx(pnl / r0, rel=1e-9)
    assert review["pnl_by_sector"] == [[second, pytest.approx(-fee_b, rel=1e-9)],
                                       [first, pytest.approx(pnl - fee_a2, rel=1e-9)]]
    # every booking is a loss: the curve only falls from the settings' 10,000
    assert review["max_drawdown_usd"] == pytest.approx(-realised, rel=1e-9)
    assert review["max_drawdown_fraction"] == pytest.approx(-realised / 10_000, rel=1e-9)
    assert review["entries"] == 3 and review["entries_with_override"] == 1
    assert review["adherence"] == pytest.approx(2 / 3)
    assert [o[1:] for o in review["overrides"]] == [[a2, "planned rotation, size 1"]]
    # refused three times (CLI, app, workbook), each recorded once
    assert review["refusals_by_rule"] == [["cool-down", 3]]
    window = timedelta(days=7, milliseconds=1).total_seconds()
    in_market = (state["now"] - t0).total_seconds()  # B open since t0
    assert review["time_in_market"] == pytest.approx(in_market / window)
