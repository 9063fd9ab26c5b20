"""Venues tab: validated fields, the comparison on a worker thread, the same rows as the desk.

Live venues are the loopback Binance USDⓈ-M and Bybit v5 emulators serving the demo market
(the real ccxt classes); okx points at a closed loopback port (no OKX dialect exists), so its
row must say "unavailable"; a symbol Bybit does not list says "not listed".
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel

from gui.main_window import TAB_NAMES, MainWindow
from gui.quick_check import QuickCheckView
from gui.venues_view import VenuesView
from rotation_addin.data.demo import demo_dataset, demo_market
from rotation_addin.data.settings import Settings
from tests.emulator.binance import BinanceEmulator, Fault
from tests.emulator.bybit import BybitEmulator

SYMBOL = "RENDER"


@pytest.fixture
def view(qtbot) -> VenuesView:
    widget = VenuesView()
    qtbot.addWidget(widget)
    widget.set_dataset(demo_dataset())
    widget.show()
    return widget


def _type(view: VenuesView, **texts: str) -> None:
    for name, text in texts.items():
        if name == "symbol":
            view.symbol_box.setCurrentText(text)
        else:
            view.edits[name].setText(text)


@pytest.mark.parametrize(("field", "text", "words"), [
    ("notional", "abc", "must be a number"),
    ("notional", "0", "(0, 1e+12]"),
    ("notional", "-5000", "(0, 1e+12]"),
    ("notional", "1e15", "(0, 1e+12]"),
    ("symbol", "", "must be a base like RENDER"),
    ("symbol", "BTC/$", "must be a base like RENDER"),
    ("holding_days", "-1", "[0, 3650]"),
])
def test_bad_input_is_shown_on_its_field_and_nothing_runs(view: VenuesView, field: str,
                                                          text: str, words: str) -> None:
    _type(view, **{"symbol": SYMBOL, "venues": "", field: text})
    assert view.compare() is None
    shown = view.error_text(field)
    assert words in shown and shown.count("\n") == 0, shown
    assert all(not view.error_text(other) for other in view.error_labels if other != field)


def test_a_field_in_error_looks_as_in_the_quick_check_and_clears_when_fixed(
        view: VenuesView, qtbot) -> None:
    quick = QuickCheckView(Settings())
    qtbot.addWidget(quick)
    quick.fields["stop_price_usd"].setText("105")  # above entry 100: an error on the stop
    quick.recompute()
    _type(view, symbol=SYMBOL, venues="", notional="abc")
    assert view.compare() is None
    notional, stop = view.edits["notional"], quick.fields["stop_price_usd"]
    assert notional.styleSheet() == stop.styleSheet()  # the same outline on both tabs
    assert "must be a number" in notional.toolTip() and stop.toolTip()
    label = view.findChild(QLabel, "venues_notional_error")
    assert label is not None and label.text() == view.error_text("notional") != ""
    _type(view, notional="10000")
    task = view.compare()  # valid now: errors cleared before the work starts
    assert task is not None
    qtbot.waitUntil(lambda: task.done.is_set(), timeout=60_000)
    assert view.error_text("notional") == "" and notional.toolTip() == ""
    assert notional.styleSheet() == quick.fields["entry_price_usd"].styleSheet()  # clean


def test_unknown_venue_is_shown_on_the_venues_field(view: VenuesView, qtbot) -> None:
    _type(view, symbol=SYMBOL, notional="10000", venues="binanceusdm,nosuchx")
    assert view.compare() is not None
    qtbot.waitUntil(lambda: bool(view.error_text("venues")), timeout=30_000)
    assert "'nosuchx' is not a ccxt exchange id" in view.error_text("venues")
    assert view.compare_button.isEnabled()


def test_compare_lists_every_venue_off_the_gui_thread(view: VenuesView, qtbot) -> None:
    market = demo_market()
    bases = [SYMBOL, "BTC"]
    slow = Fault("latency", path="/fapi/v1/depth", latency_s=0.6, count=None)
    with BinanceEmulator(market, bases=bases, faults=[slow]) as binance, \
            BybitEmulator(market, bases=bases) as bybit:
        view.api_urls = {"binanceusdm": binance.base_url, "bybit": bybit.base_url,
                         "okx": "http://127.0.0.1:9"}
        _type(view, symbol=SYMBOL, notional="20000", venues="binanceusdm,bybit,okx")
        ticks = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(1))
        timer.start(20)
        task = view.compare()
        assert task is not None and not view.compare_button.isEnabled()
        qtbot.waitUntil(lambda: view.table.row_count() == 3, timeout=60_000)
        timer.stop()
    assert len(ticks) >= 10, "the event loop kept running while the books were fetched"
    by_venue = {r.venue: r for r in view.rows}
    assert list(by_venue) == ["binanceusdm", "bybit", "okx"]  # no simulated row among live
    assert by_venue["binanceusdm"].status == "ok"
    assert by_venue["bybit"].status == "ok"
    assert by_venue["okx"].status.startswith("unavailable")
    priced = [r for r in view.rows if r.round_trip_cost is not None]
    best = min(priced, key=lambda r: r.round_trip_cost)
    table = view.table.as_text_rows()
    marks = {row[0]: row[-1] for row in table[1:]}  # table[0] is the header
    assert marks[best.venue] == "cheapest"
    assert sum(m == "cheapest" for m in marks.values()) == 1
    assert best.venue in view.summary.text()
    assert f"{best.round_trip_cost_usd:,.2f} USD" in view.summary.text()
    assert len(priced) == 2
    for r in priced:
        assert r.round_trip_cost_usd == pytest.approx(20_000 * r.round_trip_cost, rel=1e-12)
    with BybitEmulator(market, bases=["BTC"]) as bybit:
        view.api_urls = {"bybit": bybit.base_url}
        _type(view, venues="bybit")
        view.compare()
        qtbot.waitUntil(lambda: view.rows[0].venue == "bybit" and len(view.rows) == 1,
                        timeout=60_000)
    assert view.rows[0].status == "not listed"
    assert view.table.as_text_rows()[1][2] == "not listed"
    assert "No venue can price" in view.summary.text()


def test_without_live_venues_the_loaded_data_is_priced(view: VenuesView, qtbot) -> None:
    _type(view, symbol="rndr", notional="5000", venues="")
    view.compare()
    qtbot.waitUntil(lambda: view.table.row_count() == 1, timeout=30_000)
    (row,) = view.rows
    assert row.venue == "demo (simulated)" and row.symbol == "RENDER/USDT:USDT"
    assert row.funding_mean_30d is not None and row.round_trip_cost is not None


def test_the_window_has_the_venues_tab(qtbot) -> None:
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    index = TAB_NAMES.index("Venues")
    assert window.tabs.tabText(index) == "Venues"
    assert window.tabs.widget(index) is window.venues


def test_each_plan_order_shows_its_cheapest_venue(qtbot) -> None:
    from gui.pipeline import load_snapshot
    from rotation_addin.data.venues import cheapest, compare_venues

    settings = Settings()
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.apply_snapshot(load_snapshot(settings, "demo"))
    view = window.venues
    orders = [o for o in view.orders if o.notional_usd > 0]
    assert orders, "the demo plan proposes orders"
    market = demo_market()
    bases = sorted({o.base for o in orders})
    with BinanceEmulator(market, bases=bases) as binance, \
            BybitEmulator(market, bases=bases[1:] or ["BTC"]) as bybit:
        urls = {"binanceusdm": binance.base_url, "bybit": bybit.base_url}
        view.api_urls = urls
        _type(view, venues="binanceusdm,bybit", holding_days="7")
        assert view.price_plan() is not None
        qtbot.waitUntil(lambda: view.plan_table.row_count() == len(orders), timeout=90_000)
        for order, priced in zip(orders, view.priced_orders, strict=True):
            rows = compare_venues(order.base, order.notional_usd, side=order.order_side,
                                  venues=["binanceusdm", "bybit"], holding_days=7,
                                  api_urls=urls)
            best = cheapest(rows)
            assert best is not None and priced.best is not None
            assert priced.best.venue == best.venue and priced.best.symbol == best.symbol
            assert priced.best.round_trip_cost == pytest.approx(best.round_trip_cost,
                                                                rel=1e-9)
    shown = view.plan_table.as_text_rows()[1:]
    assert [row[3] for row in shown] == [p.best.venue for p in view.priced_orders]


def test_a_plan_order_can_take_a_quarterly_when_asked(qtbot) -> None:
    from datetime import timedelta

    from gui.pipeline import load_snapshot
    from tests.emulator.listings import quarterly

    settings = Settings()
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.apply_snapshot(load_snapshot(settings, "demo"))
    view = window.venues
    order = next(o for o in view.orders if o.notional_usd > 0)
    market = demo_market()
    with BinanceEmulator(market, bases=[order.base]) as probe:
        now = probe.now
    # a dated contract 60 days out, at a 0.1 % discount: carry is a gain for a long, a cost
    # for a short (premium < 1 = backwardation)
    dated = quarterly(order.base, now + timedelta(days=60), premium=0.999)
    with BinanceEmulator(market, bases=[order.base], now=now, listings=[dated]) as binance:
        view.api_urls = {"binanceusdm": binance.base_url}
        _type(view, venues="binanceusdm", holding_days="7")
        view.quarterlies_box.setChecked(True)
        assert view.price_plan() is not None
        qtbot.waitUntil(lambda: bool(view.priced_orders) and view.plan_button.isEnabled(),
                        timeout=90_000)
    (priced,) = [p for p in view.priced_orders if p.base == order.base][:1]
    symbols = [r.symbol for r in priced.rows]
    assert symbols[0] == f"{order.base}/USDT:USDT" and len(symbols) == 2
    assert symbols[1].startswith(f"{order.base}/USDT:USDT-")
    dated_row = priced.rows[1]
    sign = 1 if priced.side.value == "long" else -1
    assert dated_row.funding_now is None and dated_row.basis == pytest.approx(-0.001, rel=1e-6)
    assert dated_row.carry == pytest.approx(sign * -0.001 * 7 / dated_row.days_to_expiry,
                                            rel=1e-9)
    best = min(priced.rows, key=lambda r: r.round_trip_cost)
    assert priced.best is best
