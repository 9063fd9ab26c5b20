"""``rotation trade correct``: a corrected stop or take-profit obeys the rule ``trade open``
applies (``core.entry_check.check_level_side``), refused in one line naming ``--set FIELD``
before anything is written; the row's earlier corrections and voids are found by an indexed
look-up of its own rows, not by reading the whole journal.

The real entry point runs in-process on a real SQLite journal in ``tmp_path`` on the demo
market, the clock pinned an hour after its last candle.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from rotation_addin.cli import journal_cmds
from rotation_addin.desk.journal_market import current_quote
from rotation_addin.journal import store as store_module
from rotation_addin.journal.store import JournalStore
from tests.cli_helpers import one_line_error, run_json
from tests.journal.helpers import demo_market
from tests.journal.helpers import journal_rows as _rows
from tests.journal.helpers import trade_cli as _trade

SLIP = 0.0005  # Settings() default slippage: a buy fills this much above the price


@pytest.fixture()
def journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    market = demo_market()
    monkeypatch.setattr(journal_cmds, "_now", lambda: market.as_of + timedelta(hours=1))
    return tmp_path / "j.sqlite3"


def _open(capsys: pytest.CaptureFixture[str], journal: Path, base: str, side: str,
          stop: float, take_profit: float) -> float:
    """Row 1: the entry (overridden: the rules depend on the demo calibration); returns its
    fill price (the price moved by the slippage against the trader)."""
    code, _, err = _trade(capsys, journal, "open", base, "--side", side, "--stop", f"{stop!r}",
                          "--take-profit", f"{take_profit!r}", "--quantity", "10",
                          "--override", "test")
    assert code == 0, err
    price = current_quote(demo_market(), base).price_usd
    fill = price * (1 + SLIP) if side == "long" else price * (1 - SLIP)
    with JournalStore(journal) as store:
        row = store.event(1)
    assert row is not None and row.kind == "open" and row.price_usd == pytest.approx(fill)
    return row.price_usd


def _correct(capsys: pytest.CaptureFixture[str], journal: Path, *flags: str) -> tuple[int, str]:
    code, out, err = _trade(capsys, journal, "correct", "1", *flags, "--reason", "typo")
    return code, (out if code == 0 else one_line_error(err))


def test_a_long_entry_row_keeps_its_stop_below_and_take_profit_above_entry(capsys, journal):
    price = current_quote(demo_market(), "RENDER").price_usd
    entry = _open(capsys, journal, "RENDER", "long", price * 0.9, price * 1.2)
    before = _rows(journal)  # the entry (and an override row if a rule refused it)
    cases = [
        (f"stop_price_usd={entry * 1.1!r}", "stop_price_usd",
         f"must be below entry {entry:g} for a long (got {entry * 1.1:g})"),
        (f"stop_price_usd={entry!r}", "stop_price_usd",  # at entry: it would fire at once
         f"must be below entry {entry:g} for a long (got {entry:g})"),
        (f"take_profit_price_usd={entry * 0.8!r}", "take_profit_price_usd",
         f"must be above entry {entry:g} for a long (got {entry * 0.8:g})"),
        # a new price below the kept stop: the stop would be above entry
        (f"price_usd={price * 0.85!r}", "price_usd",
         f"leaves the row's stop_price_usd {price * 0.9:g} on the wrong side: it must be "
         f"below entry {price * 0.85:g} for a long (got {price * 0.85:g})"),
    ]
    for change, field, reason in cases:
        code, line = _correct(capsys, journal, "--set", change)
        assert code == 2 and line == f"rotation: invalid input: --set {field}: {reason}", line
    assert _rows(journal) == before  # no correction written
    held = run_json(capsys, "trade", "list", "--journal-file", str(journal))["open"][0]
    assert held["stop"] == price * 0.9 and held["take_profit"] == price * 1.2


def test_a_short_entry_row_is_checked_on_the_other_side(capsys, journal):
    price = current_quote(demo_market(), "AKT").price_usd
    entry = _open(capsys, journal, "AKT", "short", price * 1.1, price * 0.8)
    before = _rows(journal)
    code, line = _correct(capsys, journal, "--set", f"stop_price_usd={entry * 0.95!r}")
    assert code == 2 and line == (f"rotation: invalid input: --set stop_price_usd: must be "
                                  f"above entry {entry:g} for a short (got {entry * 0.95:g})")
    code, line = _correct(capsys, journal, "--set", f"take_profit_price_usd={entry * 1.05!r}")
    assert code == 2 and line == (f"rotation: invalid input: --set take_profit_price_usd: "
                                  f"must be below entry {entry:g} for a short "
                                  f"(got {entry * 1.05:g})")
    assert _rows(journal) == before


def test_a_correction_is_checked_against_the_row_as_corrected_before(capsys, journal):
    price = current_quote(demo_market(), "RENDER").price_usd
    _open(capsys, journal, "RENDER", "long", price * 0.9, price * 1.2)
    before = _rows(journal)
    # price and stop together: checked against each other, accepted
    code, out = _correct(capsys, journal, "--set", f"price_usd={price * 1.1!r}", "--set",
                         f"stop_price_usd={price * 1.05!r}")
    assert code == 0 and f"journaled (row {before + 1})" in out, out
    # the next stop is checked against the corrected price 1.1 x, not the fill
    code, line = _correct(capsys, journal, "--set", f"stop_price_usd={price * 1.15!r}")
    assert code == 2 and f"must be below entry {price * 1.1:g} for a long" in line, line
    code, out = _correct(capsys, journal, "--set", f"stop_price_usd={price * 1.08!r}")
    assert code == 0 and f"journaled (row {before + 2})" in out, out
    held = run_json(capsys, "trade", "list", "--journal-file", str(journal))["open"][0]
    assert held["entry"] == price * 1.1 and held["stop"] == price * 1.08


def test_a_moved_stop_row_may_trail_beyond_entry(capsys, journal):
    # trade move checks a stop against the current price; a correction of that row is not
    # an entry, so a stop above entry (profit locked in) stays possible
    price = current_quote(demo_market(), "RENDER").price_usd
    entry = _open(capsys, journal, "RENDER", "long", price * 0.9, price * 1.2)
    code, _, err = _trade(capsys, journal, "move", "RENDER", "--stop", f"{price * 0.95!r}")
    assert code == 0, err
    moved = _rows(journal)  # the stop-moved row
    code, out, err = _trade(capsys, journal, "correct", str(moved), "--set",
                            f"stop_price_usd={entry * 1.01!r}", "--reason", "trailed")
    assert code == 0 and f"journaled (row {moved + 1})" in out, err


def test_an_empty_reason_names_the_reason_flag(capsys, journal):
    price = current_quote(demo_market(), "RENDER").price_usd
    _open(capsys, journal, "RENDER", "long", price * 0.9, price * 1.2)
    before = _rows(journal)
    code, _, err = _trade(capsys, journal, "correct", "1", "--void", "--reason", " ")
    assert code == 2 and one_line_error(err) == (
        "rotation: invalid input: --reason: a correction needs a non-empty reason "
        "(got an empty text)")
    assert _rows(journal) == before


def _damaged_row(journal: Path) -> None:
    """A row of another trade whose details are not JSON, as a file edited outside the
    desk holds (an INSERT: the triggers refuse only UPDATE and DELETE)."""
    conn = sqlite3.connect(journal)
    columns = store_module.COLUMNS
    taken = {"trade_id": "'other'", "details_json": "'not json'", "import_key": "NULL"}
    picked = ", ".join(taken.get(c, c) for c in columns)
    conn.execute(f"INSERT INTO events ({', '.join(columns)}) SELECT {picked} FROM events "
                 "WHERE id = 1")
    conn.commit()
    conn.close()


def test_correcting_a_row_reads_only_that_trades_rows(capsys, journal):
    price = current_quote(demo_market(), "RENDER").price_usd
    _open(capsys, journal, "RENDER", "long", price * 0.9, price * 1.2)
    _damaged_row(journal)  # reading the whole journal would stop on it
    damaged = _rows(journal)
    code, _, err = _trade(capsys, journal, "list")
    assert code == 4 and f"row {damaged} is damaged" in err  # the whole-journal read stops
    code, out = _correct(capsys, journal, "--void")
    assert code == 0 and f"journaled (row {damaged + 1})" in out, out
    code, line = _correct(capsys, journal, "--set", f"stop_price_usd={price * 0.8!r}")
    assert code == 2 and line == (f"rotation: invalid input: id: row 1 was voided by row "
                                  f"{damaged + 1}: a voided row no longer counts and cannot "
                                  "be corrected again (got 1)")
    assert _rows(journal) == damaged + 1


def test_the_corrections_look_up_uses_the_trade_index(tmp_path):
    path = tmp_path / "j.sqlite3"
    with JournalStore(path):
        pass
    conn = sqlite3.connect(path)
    plan = conn.execute(f"EXPLAIN QUERY PLAN SELECT id FROM events "
                        f"{store_module.CORRECTIONS_WHERE}", ("t", "correction", 1)).fetchall()
    conn.close()
    assert any("USING INDEX events_trade" in str(step[-1]) for step in plan), plan
