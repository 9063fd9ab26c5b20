"""Journal use cases: moved stops, partial closes, corrections in the review, accounts kept
apart, the plan's book from the journal and the CSV files, CLI import/export."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rotation_addin.data.positions import load_book
from rotation_addin.desk.journal import OrderRequest, open_trade, read_ledger
from rotation_addin.desk.journal_corrections import correct_event
from rotation_addin.desk.journal_market import current_quote
from rotation_addin.desk.journal_ops import (
    close_trade,
    look,
    move_levels,
    review,
)
from rotation_addin.journal.store import JournalStore
from tests.cli_helpers import run
from tests.journal.helpers import demo_market, inputs, with_candle

FEE, SLIP = 0.0005, 0.0005


def test_a_moved_stop_is_the_one_the_candles_are_checked_against(tmp_path):
    market = demo_market()
    desk = inputs(market, tmp_path / "j.sqlite3")
    price = current_quote(market, "LPT").price_usd
    open_trade(desk, OrderRequest("LPT", "short", stop=price * 1.10, quantity=5.0))
    # moved before the next candle opens: that candle is checked against the new stop (a
    # level moved while a candle is under way applies from the next one: the candle's high
    # and low may come from before the move)
    move_levels(desk, "LPT", stop=price * 1.02, reason="tighten")
    later = with_candle(market, {"LPT": (price, price * 1.03, price * 0.99, price)})
    (sentence,) = look(inputs(later, desk.path))
    assert f"stop {price * 1.02:g} hit" in sentence
    (trade,) = read_ledger(inputs(later, desk.path)).closed_trades
    assert trade.exit_price_usd == pytest.approx(price * 1.02 * (1 + SLIP))


def test_partial_close_then_close_by_hand(tmp_path):
    market = demo_market()
    desk = inputs(market, tmp_path / "j.sqlite3")
    price = current_quote(market, "AKT").price_usd
    open_trade(desk, OrderRequest("AKT", "short", stop=price * 1.05, quantity=10.0))
    close_trade(desk, "AKT", quantity=4.0)
    (held,) = read_ledger(desk).open_trades
    assert held.quantity_base == pytest.approx(6.0)
    close_trade(desk, "AKT")
    (trade,) = read_ledger(desk).closed_trades
    entry, leave = price * (1 - SLIP), price * (1 + SLIP)  # sell, then buy back (no funding)
    expected = -10 * (leave - entry) - FEE * entry * 10 - FEE * leave * 4 - FEE * leave * 6
    assert trade.realised_pnl_usd == pytest.approx(expected)
    assert trade.quantity_base == 10.0 and trade.exit_price_usd == pytest.approx(leave)


def test_a_correction_is_used_by_the_review_and_the_row_is_kept(tmp_path):
    market = demo_market()
    desk = inputs(market, tmp_path / "j.sqlite3")
    price = current_quote(market, "AKT").price_usd
    open_trade(desk, OrderRequest("AKT", "short", stop=price * 1.05, quantity=10.0))
    close = close_trade(desk, "AKT")
    before = review(desk).realised_pnl_usd
    correct_event(desk, close.id, reason="the fill was better",
                  changes={"price_usd": close.price_usd - 0.01})
    after = review(desk).realised_pnl_usd
    assert after - before == pytest.approx(10 * 0.01)  # a short bought back 0.01 lower
    with JournalStore(desk.path) as store:
        assert store.event(close.id).price_usd == close.price_usd
        assert [e.kind for e in store.events()] == ["open", "close", "correction"]


def test_real_trades_never_enter_paper_figures(tmp_path):
    market = demo_market()
    desk = inputs(market, tmp_path / "j.sqlite3", now=market.as_of + timedelta(hours=5))
    price = current_quote(market, "FIL").price_usd
    real = open_trade(desk, OrderRequest("FIL", "short", stop=price * 1.1, quantity=3.0,
                                         entry=price, account="real",
                                         at=market.as_of + timedelta(hours=1)))
    assert real.label == "real" and real.fill.price_usd == price  # typed price, no slippage
    close_trade(desk, "FIL", account="real", price=price * 0.9)
    assert review(desk).trades == 0
    real_review = review(desk, account="real")
    assert real_review.trades == 1
    assert real_review.realised_pnl_usd == pytest.approx(
        3 * price * 0.1 - FEE * price * 3 - FEE * price * 0.9 * 3)


def test_plan_book_merges_csv_and_journal_once(tmp_path, capsys):
    from rotation_addin.data.paths import config_dir

    market = demo_market()
    (config_dir() / "positions.csv").write_text(
        "symbol,side,quantity,entry_price,stop_price,take_profit_price,opened_at\n"
        "RENDER,long,10,1.5,1.2,,2026-11-20T00:00:00+00:00\n")
    assert [p.base for p in load_book().positions] == ["RENDER"]
    desk = inputs(market, None)
    price = current_quote(market, "AKT").price_usd
    open_trade(desk, OrderRequest("AKT", "short", stop=price * 1.05, quantity=1.0))
    assert sorted(p.base for p in load_book().positions) == ["AKT", "RENDER"]
    code, out, err = run(capsys, "trade", "import")
    assert code == 0 and "1 new journal row" in out, err
    code, out, _ = run(capsys, "trade", "import")
    assert "0 new journal row" in out
    assert sorted(p.base for p in load_book().positions) == ["AKT", "RENDER"]  # once each
    code, out, _ = run(capsys, "trade", "export")
    assert code == 0 and len(out.strip().splitlines()) == 1 + 2


def test_review_cli_window_table_and_csv(capsys, monkeypatch):
    from rotation_addin.cli import journal_cmds

    market = demo_market()
    monkeypatch.setattr(journal_cmds, "_now", lambda: market.as_of + timedelta(hours=1))
    desk = inputs(market, None, now=market.as_of)
    price = current_quote(market, "AKT").price_usd
    open_trade(desk, OrderRequest("AKT", "short", stop=price * 1.05, quantity=2.0))
    close_trade(desk, "AKT")
    code, out, err = run(capsys, "journal", "review", "--source", "demo")
    assert code == 0, err
    assert out.startswith("review of the paper account") and "trades closed" in out
    code, out, _ = run(capsys, "journal", "review", "--source", "demo", "--csv")
    rows = dict(line.split(",", 1) for line in out.strip().splitlines()[1:])
    assert rows["trades closed"] == "1" and rows["account"] == "paper"
    day = market.as_of - timedelta(days=3)
    code, out, _ = run(capsys, "journal", "review", "--source", "demo", "--csv",
                       "--from", f"{day:%Y-%m-%d}", "--to", f"{day:%Y-%m-%d}")
    assert dict(line.split(",", 1) for line in out.strip().splitlines()[1:])[
        "trades closed"] == "0"
    code, _, err = run(capsys, "journal", "review", "--from", "2026-11-10", "--to", "2026-11-01")
    assert code == 2 and "--to: must be on or after --from 2026-11-10 (got 2026-11-01)" in err


def test_a_real_position_beyond_its_stop_is_flagged_not_silently_listed(tmp_path, capsys):
    """A real trade stays open until its exit is recorded: when the price is already beyond
    its stop, the listing says so (the exchange has probably closed it)."""
    from rotation_addin.core.entry_check import crossed_levels_warning
    from rotation_addin.core.types import Side
    from rotation_addin.desk.journal_ops import journal_view

    market = demo_market()
    desk = inputs(market, tmp_path / "j.sqlite3", now=market.as_of + timedelta(hours=5))
    price = current_quote(market, "FIL").price_usd
    open_trade(desk, OrderRequest("FIL", "long", stop=price * 1.1, quantity=3.0,
                                  entry=price * 1.2, account="real",
                                  at=market.as_of + timedelta(hours=1)))
    open_trade(desk, OrderRequest("AKT", "long", stop=current_quote(market, "AKT").price_usd
                                  * 0.9, quantity=3.0, account="real",
                                  entry=current_quote(market, "AKT").price_usd,
                                  at=market.as_of + timedelta(hours=1)))
    view = journal_view(desk, "real")
    fil = next(m for m in view.open_trades if m.trade.base == "FIL")
    assert fil.mark_usd < fil.trade.stop_price_usd  # the case: the mark is below the stop
    assert view.warnings == (
        f"warning: FIL long: price {fil.mark_usd:g} is at or below the stop "
        f"{price * 1.1:g}: this position was probably closed by its stop; record its exit "
        "(rotation trade close FIL)",)  # AKT, above its stop, is not flagged
    code, out, _err = run(capsys, "trade", "list", "--account", "real", "--journal-file",
                          str(tmp_path / "j.sqlite3"))  # the CLI's own demo prices, now
    assert code == 0 and "warning: FIL long: price " in out and "warning: AKT" not in out
    # a short beyond both levels, and nothing when the price is not finite
    both = crossed_levels_warning("ETH", Side.SHORT, 120.0, stop_usd=110.0,
                                  liquidation_usd=118.0)
    assert both == ("warning: ETH short: price 120 is at or above the stop 110 and the "
                    "liquidation price 118: this position was probably closed by its stop "
                    "or liquidated; record its exit (rotation trade close ETH)")
    assert crossed_levels_warning("ETH", Side.SHORT, float("nan"), 110.0, 118.0) is None
    assert crossed_levels_warning("ETH", Side.LONG, 100.0, None, 99.0) is None
