"""The app's Journal tab in the real main window (offscreen, pytest-qt): "Paper-trade this
order" from the plan, P&L per position, close, and the equity curve against a hand sum."""

from __future__ import annotations

import dataclasses

import pytest

from gui.main_window import TAB_NAMES, MainWindow
from rotation_addin.core.orders import RebalanceOrder
from rotation_addin.core.types import Side
from rotation_addin.desk.journal_market import current_quote
from rotation_addin.desk.journal_ops import review
from tests.gui_helpers import loaded_window


@pytest.fixture
def window(qtbot) -> MainWindow:
    return loaded_window(qtbot)


def _short_order(market, base: str) -> RebalanceOrder:
    """An order shaped like the plan's (a hedge short), for when today's plan has none."""
    price = current_quote(market, base).price_usd
    return RebalanceOrder(symbol=f"{base}/USDT:USDT", base=base, sector="render",
                          side=Side.SHORT, action="open", quantity_base=10.0,
                          entry_price_usd=price, notional_usd=10 * price, margin_usd=5 * price,
                          leverage=2.0, stop_price_usd=price * 1.05, take_profit_price_usd=None,
                          liquidation_price_usd=None, risk_usd=0.6, conviction=1.0,
                          role="hedge", reason="hedge the over-extended sector")


def test_journal_tab_paper_trades_a_plan_order_and_closes_it(window: MainWindow):
    assert TAB_NAMES.index("Journal") == window.tabs.indexOf(window.journal)
    journal = window.journal
    plan = [o for o in window.snapshot.report.plan.orders if o.adds_risk]
    assert journal.plan_box.count() == len(plan)  # the plan's orders are offered
    market = window.snapshot.dataset
    if not plan or window.snapshot.report.regime.rotation_enabled is False:
        # today's plan offers nothing the rules would take: use a plan-shaped short
        journal.set_context(market, window.settings, [_short_order(market, "RENDER")])
    assert journal.trade_plan_order(), journal.errors or journal.message.text()
    assert "paper:" in journal.message.text()
    assert journal.open_table.row_count() == 1
    model = journal.open_table.table_model
    names = model.column_names()
    assert model.raw_value(0, names.index("account")) == "paper"
    # P&L right after the fill: -(fee + slippage), the mark being the fill's reference price
    (trade,) = [m for m in _view(journal).open_trades]
    entry_cost = trade.trade.fees_usd + abs(trade.trade.entry_price_usd - trade.mark_usd) \
        * trade.trade.quantity_base
    assert model.raw_value(0, names.index("pnl_usd")) == pytest.approx(-entry_cost)
    entry_fee = trade.trade.fees_usd
    assert journal.close_typed()
    assert journal.open_table.row_count() == 0 and journal.closed_table.row_count() == 1
    view = _view(journal)
    points = journal.equity_points(review(journal.inputs_factory()), journal.inputs_factory())
    # the week's start, the entry fee booked at the open, the close, now
    after = 10_000.0 + view.closed_trades[0].realised_pnl_usd
    assert [p[1] for p in points] == pytest.approx([10_000.0, 10_000.0 - entry_fee, after,
                                                    after])
    assert journal.plot is not None and len(journal.plot.listDataItems()) == 1
    # the review panel writes money to the cent, signed (the terminal's rows): the round
    # trip's P&L is the closed trade's
    pnl = view.closed_trades[0].realised_pnl_usd
    assert f"realised P&L USD: {pnl:+,.2f}<br>" in journal.review_label.text()


def _view(journal):
    from rotation_addin.desk.journal_ops import journal_view

    return journal_view(journal.inputs_factory())


def test_refused_plan_order_is_shown_on_the_field(window: MainWindow):
    journal = window.journal
    market = window.snapshot.dataset
    huge = dataclasses.replace(_short_order(market, "RENDER"), quantity_base=1e6)
    journal.set_context(market, window.settings, [huge])
    assert journal.trade_plan_order() is False
    assert "risk-cap" in journal.errors["quantity"]
