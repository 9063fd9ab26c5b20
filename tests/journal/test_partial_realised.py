"""A partial close realises its share of P&L at its fill: account equity (``trade list``, the
risk sizing of the next trade), the review's realised P&L and equity curve, through the desk
and the CLI, on a real SQLite journal (docs/journal.md, "Realised P&L and equity").

The market: the demo market with RENDER's funding rate set to 0 (funding has its own tests),
then one hand-made candle per day: the partial close a day after the open at 1.05 x the
entry quote, the full close a day later at 0.98 x.
"""

from __future__ import annotations

import dataclasses
import json
import random
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from rotation_addin.cli import journal_cmds
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.ledger_fold import fold_ledger
from rotation_addin.core.paper import paper_fill
from rotation_addin.core.realised import bookings, realised_usd
from rotation_addin.core.sizing import position_size
from rotation_addin.core.types import Side
from rotation_addin.desk.journal import OrderRequest, check_trade, open_trade, read_ledger
from rotation_addin.desk.journal_market import current_quote
from rotation_addin.desk.journal_ops import close_trade, journal_view, review
from rotation_addin.journal import snapshot
from rotation_addin.journal.store import JournalStore
from tests.cli_helpers import run
from tests.journal.helpers import demo_market, inputs, with_candle

FEE, SLIP = 0.0005, 0.0005  # PlanParameters() defaults: taker fee and slippage
Q, Q_PART = 10.0, 4.0


def _markets() -> tuple[MarketDataset, MarketDataset, MarketDataset]:
    base = demo_market()
    tickers = dict(base.tickers)
    tickers["RENDER"] = dataclasses.replace(tickers["RENDER"], funding_rate=0.0)
    m0 = dataclasses.replace(base, tickers=tickers)
    p0 = current_quote(m0, "RENDER").price_usd
    m1 = with_candle(m0, {"RENDER": (p0, p0 * 1.06, p0 * 0.99, p0 * 1.05)})
    m2 = with_candle(m1, {"RENDER": (p0 * 1.05, p0 * 1.05, p0 * 0.97, p0 * 0.98)})
    return m0, m1, m2


def _hand(p0: float) -> dict[str, float]:
    """The P&L by hand: a long of Q bought at p0 x (1 + s), Q_PART sold at 1.05 p0 x (1 - s),
    the rest at 0.98 p0 x (1 - s); each fee = taker x fill x quantity (paper_fill)."""
    entry = paper_fill(p0, Q, buys=True, taker_fee_rate=FEE, slippage_rate=SLIP)
    part = paper_fill(p0 * 1.05, Q_PART, buys=False, taker_fee_rate=FEE, slippage_rate=SLIP)
    rest = paper_fill(p0 * 0.98, Q - Q_PART, buys=False, taker_fee_rate=FEE, slippage_rate=SLIP)
    assert entry.price_usd == pytest.approx(p0 * 1.0005)
    assert entry.fee_usd == pytest.approx(0.0005 * p0 * 1.0005 * Q)
    share = Q_PART * (part.price_usd - entry.price_usd) - part.fee_usd
    close = (Q - Q_PART) * (rest.price_usd - entry.price_usd) - rest.fee_usd
    return {"entry_fee": entry.fee_usd, "share": share, "close": close,
            "trade": -entry.fee_usd + share + close,
            "r0": Q * (entry.price_usd - p0 * 0.9) + entry.fee_usd}


def test_a_partial_close_moves_equity_sizing_and_the_review_at_its_fill(tmp_path: Path) -> None:
    m0, m1, m2 = _markets()
    path = tmp_path / "journal.sqlite3"
    p0 = current_quote(m0, "RENDER").price_usd
    hand = _hand(p0)
    t0, t1, t2 = m0.as_of, m1.as_of + timedelta(hours=6), m2.as_of + timedelta(hours=6)
    open_trade(inputs(m0, path), OrderRequest("RENDER", "long", stop=p0 * 0.9, quantity=Q))
    assert journal_view(inputs(m0, path)).equity_usd == pytest.approx(
        10_000 - hand["entry_fee"], rel=1e-12)

    close_trade(inputs(m1, path, now=t1), "RENDER", quantity=Q_PART)
    after_part = 10_000 - hand["entry_fee"] + hand["share"]
    assert hand["share"] > 0  # a gain: the stale equity would be too low
    assert journal_view(inputs(m1, path, now=t1)).equity_usd == pytest.approx(after_part,
                                                                             rel=1e-12)
    # the next trade is sized on that equity: 1 % of it at risk
    check = check_trade(inputs(m1, path, now=t1),
                        OrderRequest("AKT", "short", stop=current_quote(m1, "AKT").price_usd
                                     * 1.05, risk_fraction=0.01))
    desk = inputs(m1, path, now=t1).params
    filled = check.entry_price_usd * (1 - desk.stop_slippage_rate)  # a paper short's fill
    sized = position_size(equity_usd=after_part, entry_price_usd=filled,
                          stop_price_usd=check.stop_price_usd, side=Side.SHORT,
                          risk_fraction=0.01, max_risk_fraction=desk.max_risk_fraction,
                          taker_fee_rate=desk.taker_fee_rate,
                          stop_slippage_rate=desk.stop_slippage_rate,
                          contract=m1.contracts.get("AKT"))
    assert check.quantity_base == sized.quantity_base

    # the review window takes the partial's share by its fill time
    now1 = inputs(m1, path, now=t1)
    with_part = review(now1, start=t0, end=t1 + timedelta(seconds=1))
    assert with_part.realised_pnl_usd == pytest.approx(after_part - 10_000, rel=1e-12)
    assert with_part.trades == 0  # per closed trade: none closed yet
    assert [e for _, e in with_part.equity_curve] == pytest.approx(
        [10_000, 10_000 - hand["entry_fee"], after_part], rel=1e-12)
    only_part = review(now1, start=t0 + timedelta(hours=1), end=t1 + timedelta(seconds=1))
    assert only_part.realised_pnl_usd == pytest.approx(hand["share"], rel=1e-9)
    assert only_part.equity_curve[0][1] == pytest.approx(10_000 - hand["entry_fee"], rel=1e-12)
    before_part = review(now1, start=t0, end=t1)  # [start, end): the fill at t1 is out
    assert before_part.realised_pnl_usd == pytest.approx(-hand["entry_fee"], rel=1e-12)

    close_trade(inputs(m2, path, now=t2), "RENDER")
    (trade,) = read_ledger(inputs(m2, path, now=t2)).closed_trades
    assert trade.realised_pnl_usd == pytest.approx(hand["trade"], rel=1e-12)
    assert journal_view(inputs(m2, path, now=t2)).equity_usd == pytest.approx(
        10_000 + hand["trade"], rel=1e-12)
    now2 = inputs(m2, path, now=t2)
    last = review(now2, start=t1 + timedelta(seconds=1), end=t2 + timedelta(seconds=1))
    assert last.realised_pnl_usd == pytest.approx(hand["close"], rel=1e-9)
    # win rate, R and expectancy stay per closed trade: the whole trade, partial included
    assert last.trades == 1 and last.wins == (hand["trade"] > 0)
    assert last.expectancy_usd == pytest.approx(hand["trade"], rel=1e-12)
    assert last.average_r == pytest.approx(hand["trade"] / hand["r0"], rel=1e-9)
    whole = review(now2, start=t0, end=t2 + timedelta(seconds=1))
    assert whole.realised_pnl_usd == pytest.approx(hand["trade"], rel=1e-9)
    assert whole.pnl_by_sector == ((trade.sector, pytest.approx(hand["trade"], rel=1e-9)),)
    assert whole.equity_curve[-1][1] == pytest.approx(10_000 + hand["trade"], rel=1e-12)


def _cli(capsys: pytest.CaptureFixture[str], path: Path, *argv: str) -> dict:
    code, out, err = run(capsys, *argv, "--journal-file", str(path), "--json")
    assert code == 0, err
    return json.loads(out)


def test_the_cli_shows_the_partial_close_in_equity_and_review(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    m0, m1, m2 = _markets()
    path = tmp_path / "journal.sqlite3"
    p0 = current_quote(m0, "RENDER").price_usd
    hand = _hand(p0)
    state = {"market": m0, "now": m0.as_of}
    monkeypatch.setattr(journal_cmds, "_market", lambda args: state["market"])
    monkeypatch.setattr(journal_cmds, "_now", lambda: state["now"])
    _cli(capsys, path, "trade", "open", "RENDER", "--side", "long", "--stop", f"{p0 * 0.9!r}",
         "--quantity", str(Q))
    state.update(market=m1, now=m1.as_of + timedelta(hours=6))
    _cli(capsys, path, "trade", "close", "RENDER", "--quantity", str(Q_PART))
    after_part = 10_000 - hand["entry_fee"] + hand["share"]
    assert _cli(capsys, path, "trade", "list")["equity_usd"] == pytest.approx(after_part,
                                                                             rel=1e-12)
    day0, day1 = f"{m0.as_of:%Y-%m-%d}", f"{m1.as_of:%Y-%m-%d}"
    week = _cli(capsys, path, "journal", "review")
    assert week["realised_pnl_usd"] == pytest.approx(after_part - 10_000, rel=1e-12)
    assert week["trades"] == 0
    on_day1 = _cli(capsys, path, "journal", "review", "--from", day1)
    assert on_day1["realised_pnl_usd"] == pytest.approx(hand["share"], rel=1e-9)
    on_day0 = _cli(capsys, path, "journal", "review", "--from", day0, "--to", day0)
    assert on_day0["realised_pnl_usd"] == pytest.approx(-hand["entry_fee"], rel=1e-12)

    state.update(market=m2, now=m2.as_of + timedelta(hours=6))
    _cli(capsys, path, "trade", "close", "RENDER")
    assert _cli(capsys, path, "trade", "list")["equity_usd"] == pytest.approx(
        10_000 + hand["trade"], rel=1e-12)
    week = _cli(capsys, path, "journal", "review")
    assert week["realised_pnl_usd"] == pytest.approx(hand["trade"], rel=1e-9)
    assert week["trades"] == 1
    assert week["expectancy_usd"] == pytest.approx(hand["trade"], rel=1e-12)
    on_day2 = _cli(capsys, path, "journal", "review", "--from", f"{m2.as_of:%Y-%m-%d}")
    assert on_day2["realised_pnl_usd"] == pytest.approx(hand["close"], rel=1e-9)
    assert on_day2["expectancy_usd"] == pytest.approx(hand["trade"], rel=1e-12)


def test_a_fold_saved_before_partials_were_kept_is_replayed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    m0, m1, _ = _markets()
    path = tmp_path / "journal.sqlite3"
    monkeypatch.setattr(snapshot, "SNAPSHOT_MIN_ROWS", 1)
    p0 = current_quote(m0, "RENDER").price_usd
    open_trade(inputs(m0, path), OrderRequest("RENDER", "long", stop=p0 * 0.9, quantity=Q))
    close_trade(inputs(m1, path, now=m1.as_of), "RENDER", quantity=Q_PART)
    with JournalStore(path) as store:
        (held,) = store.ledger().open_trades  # saves the fold
    assert [at for at, _ in held.partials] == [m1.as_of]
    conn = sqlite3.connect(path)
    with conn:  # as a version-1 fold (no partials) would have saved it
        conn.execute("UPDATE fold_snapshots SET fold_version = 1")
    conn.close()
    with JournalStore(path) as store:
        (again,) = store.ledger().open_trades
    assert again.partials == held.partials and again.realised_usd == held.realised_usd
    version = sqlite3.connect(path).execute("SELECT fold_version FROM fold_snapshots")
    assert version.fetchone()[0] == 2  # replayed and saved again by this fold


@pytest.mark.parametrize("seed", range(20))
def test_the_bookings_add_up_to_what_the_ledger_realised(seed: int) -> None:
    """Random journals (adds, partial reduces, trade ids used again, ties in time): the
    fills' bookings (one per entry row, partial reduce and close: none counted twice) sum
    to the closed trades' P&L plus the open trades' realised part, in time order."""
    from tests.journal.test_snapshot import _journal

    ledger = fold_ledger(_journal(random.Random(seed), 300), "paper")
    total = sum(t.realised_pnl_usd for t in ledger.closed_trades) \
        + sum(t.realised_usd for t in ledger.open_trades)
    booked = bookings(ledger)
    assert len(booked) == len(ledger.entries) + len(ledger.closed_trades) + sum(
        len(t.partials) for t in (*ledger.closed_trades, *ledger.open_trades))
    assert sum(amount for _, _, amount in booked) == pytest.approx(total, abs=1e-9)
    assert realised_usd(ledger) == total
    assert [at for at, _, _ in booked] == sorted(at for at, _, _ in booked)
