"""Venues tab: where to execute one order -- the loaded data's venue and live venues side by side.

The user types a symbol, a notional (USD), a side, the live venues (ccxt ids, comma-separated;
empty = the loaded data only) and a holding period. Each field is validated by the desk
(:func:`rotation_addin.desk.venues.venue_request`): a bad value is outlined with one line
naming the field and its range. *Compare* fetches the books and funding on a worker thread
(:class:`gui.workers.BackgroundTask`), so the window never stalls; the table shows, per venue,
the same figures as ``rotation platforms`` and the Platforms sheet, and says which is cheapest.
*Price the plan's orders* does the same for every order of today's plan at its own notional
and side: one row per order with its cheapest venue, contract and round-trip cost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.field_errors import FieldErrors
from gui.table_view import DataTable
from gui.workers import BackgroundTask, TaskRunner, describe_error
from rotation_addin.core.errors import InputError

FIELDS = ("symbol", "notional", "side", "venues", "holding_days")
LABELS = {"symbol": "Symbol", "notional": "Notional (USD)", "side": "Side",
          "venues": "Live venues", "holding_days": "Holding (days)"}
DEFAULT_LIVE_VENUES = "binanceusdm,bybit,okx"


def rows_frame(rows: list[Any]) -> Any:
    """One table row per venue (fractions stay fractions; the formats print per cent)."""
    # deferred: pandas after the first paint (bench/bench_gui_start.py)
    import pandas as pd

    # deferred: pandas after the first paint (bench/bench_gui_start.py)
    from rotation_addin.data.venues import cheapest

    best = cheapest(rows)
    records = []
    for r in rows:
        ok = r.status == "ok"
        half = r.depth_half_pct_usd or (None, None)
        one = r.depth_one_pct_usd or (None, None)
        records.append({
            "venue": r.venue, "contract": r.symbol or "",
            "status": ("book too thin" if r.too_thin else "ok") if ok else r.status,
            "taker fee": r.taker_fee, "maker fee": r.maker_fee, "funding now": r.funding_now,
            "funding 30d mean": r.funding_mean_30d, "max lev": r.max_leverage,
            "lev at size": r.bracket_max_leverage, "mmr at size": r.bracket_mmr,
            "min order": r.min_amount, "min notional": r.min_notional_usd,
            "±0.5% bids": half[0], "±0.5% asks": half[1], "±1% bids": one[0], "±1% asks": one[1],
            "avg fill": r.average_price, "slippage": r.slippage, "round trip": r.round_trip_cost,
            "round trip USD": r.round_trip_cost_usd, "age s": r.data_age_s,
            "cheapest": "cheapest" if best is not None and r is best else ""})
    return pd.DataFrame.from_records(records)


def plan_frame(priced: list[Any]) -> Any:
    """One row per plan order: its cheapest venue and cost, or why no venue prices it."""
    # deferred: pandas after the first paint (bench/bench_gui_start.py)
    import pandas as pd

    records = []
    for order in priced:
        best = order.best
        why = "; ".join(f"{r.venue}: {r.status}" for r in order.rows) or "no venue asked"
        records.append({
            "order": f"{order.action} {order.base}", "side": order.side.value,
            "notional USD": order.notional_usd, "cheapest venue": best.venue if best else why,
            "contract": best.symbol if best else "",
            "round trip": best.round_trip_cost if best else None,
            "round trip USD": best.round_trip_cost_usd if best else None})
    return pd.DataFrame.from_records(records)


def _formats() -> dict[str, Any]:
    # deferred: pandas after the first paint (bench/bench_gui_start.py)
    from gui.models import ColumnFormat

    pct = {name: ColumnFormat("pct", 4) for name in ("taker fee", "maker fee", "funding now",
                                                       "funding 30d mean", "slippage",
                                                       "round trip")}
    usd = {name: ColumnFormat("usd", 0) for name in ("min notional", "±0.5% bids",
                                                       "±0.5% asks", "±1% bids", "±1% asks")}
    return {**pct, **usd, "mmr at size": ColumnFormat("pct", 2),
            "round trip USD": ColumnFormat("usd", 2), "avg fill": ColumnFormat("price"),
            "age s": ColumnFormat("int"), "max lev": ColumnFormat("number", 0),
            "lev at size": ColumnFormat("number", 0), "min order": ColumnFormat("price"),
            "notional USD": ColumnFormat("usd", 0)}


class VenuesView(QWidget):
    """Form (symbol, notional, side, live venues, days), Compare, and the venues table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dataset: Any = None
        self.api_urls: Mapping[str, str] = {}
        """Venue -> REST base URL (tests point the venues at the loopback emulators)."""
        self.runner = TaskRunner(self, max_threads=1)
        self.task: BackgroundTask | None = None
        self.rows: list[Any] = []
        self.orders: list[Any] = []
        self.priced_orders: list[Any] = []
        self.edits: dict[str, QLineEdit] = {}
        self.field_errors = FieldErrors("venues_")
        self.error_labels = self.field_errors.labels
        self._build()

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        box = QGroupBox("Order")
        form = QFormLayout(box)
        self.symbol_box = QComboBox()
        self.symbol_box.setEditable(True)
        self.symbol_box.setObjectName("venues_symbol")
        form.addRow(LABELS["symbol"], self._with_error("symbol", self.symbol_box))
        self.side_box = QComboBox()
        self.side_box.addItems(["long", "short"])
        self.side_box.setObjectName("venues_side")
        for name, default in (("notional", "20000"), ("venues", DEFAULT_LIVE_VENUES),
                              ("holding_days", "7")):
            edit = QLineEdit(default)
            edit.setObjectName(f"venues_{name}")
            edit.returnPressed.connect(self.compare)
            self.edits[name] = edit
        form.addRow(LABELS["notional"], self._with_error("notional", self.edits["notional"]))
        form.addRow(LABELS["side"], self._with_error("side", self.side_box))
        form.addRow(LABELS["venues"], self._with_error("venues", self.edits["venues"]))
        form.addRow(LABELS["holding_days"],
                    self._with_error("holding_days", self.edits["holding_days"]))
        self.quarterlies_box = QCheckBox("plan orders: the live venues' quarterly contracts "
                                         "are candidates too (no funding; basis carry)")
        self.quarterlies_box.setObjectName("venues_quarterlies")
        form.addRow("", self.quarterlies_box)
        buttons = QHBoxLayout()
        self.compare_button = QPushButton("Compare venues")
        self.compare_button.setObjectName("compareVenues")
        self.compare_button.clicked.connect(self.compare)
        self.status = QLabel("Type an order and press Compare: public data, fetched now; "
                             "nothing is sent.")
        self.status.setObjectName("venuesStatus")
        self.status.setWordWrap(True)
        self.plan_button = QPushButton("Price the plan's orders")
        self.plan_button.setObjectName("pricePlanOrders")
        self.plan_button.clicked.connect(self.price_plan)
        buttons.addWidget(self.compare_button)
        buttons.addWidget(self.plan_button)
        buttons.addWidget(self.status, 1)
        form.addRow(buttons)
        outer.addWidget(box)
        self.table = DataTable()
        self.table.setObjectName("venuesTable")
        outer.addWidget(self.table, 2)
        self.plan_table = DataTable()
        self.plan_table.setObjectName("venuesPlanTable")
        outer.addWidget(self.plan_table, 1)
        self.summary = QLabel("")
        self.summary.setObjectName("venuesSummary")
        self.summary.setWordWrap(True)
        outer.addWidget(self.summary)

    def _with_error(self, name: str, widget: QWidget) -> QWidget:
        return self.field_errors.wrap(name, widget)

    # -- state ------------------------------------------------------------------------------
    def set_dataset(self, dataset: Any, orders: list[Any] | None = None) -> None:
        """The loaded data (its venue is priced when no live venue is asked; its bases fill
        the symbol list) and today's plan orders."""
        self.dataset = dataset
        self.orders = list(orders or [])
        current = self.symbol_box.currentText()
        self.symbol_box.clear()
        self.symbol_box.addItems(sorted(dataset.contracts))
        self.symbol_box.setCurrentText(current or (dataset.bases[0] if dataset.bases else ""))

    def texts(self) -> dict[str, str]:
        """What the user typed, by field."""
        return {"symbol": self.symbol_box.currentText(), "side": self.side_box.currentText(),
                **{name: edit.text() for name, edit in self.edits.items()}}

    def error_text(self, name: str) -> str:
        """Error shown under field ``name`` ('' if none)."""
        return self.field_errors.text(name)

    def _clear_errors(self) -> None:
        self.field_errors.clear()

    def _drop_comparison(self) -> None:
        """Take the last comparison off the tab: after a refused or failed one, its table
        and "Cheapest round trip" line would read as the answer to the fields now typed."""
        if self.rows:
            self.rows = []
            self.table.set_frame(rows_frame([]), _formats(), show_index=False)
        self.summary.setText("")

    def show_error(self, exc: Exception) -> None:
        """Outline the field an InputError names and print its one-line reason under it."""
        field = str(getattr(exc, "field", "") or "")
        reason = str(getattr(exc, "reason", "") or exc)
        name = "notional" if field == "notional_usd" else field
        if name not in self.error_labels:
            self.status.setText(f"{field}: {reason}" if field else reason)
            return
        self.field_errors.show(name, f"{LABELS[name]}: {reason}", tooltip=reason)
        self.status.setText(f"{LABELS[name]} needs fixing (see the field)")

    # -- work ---------------------------------------------------------------------------------
    def compare(self) -> BackgroundTask | None:
        """Validate the fields here, then price every venue on a worker thread."""
        # deferred: pandas after the first paint (bench/bench_gui_start.py)
        from rotation_addin.desk.venues import venue_request

        self._clear_errors()
        if self.task is not None and not self.task.done.is_set():
            self.status.setText("Still fetching the previous comparison…")
            return None
        typed = self.texts()
        try:  # every field but the venue names (checking those imports ccxt: worker side)
            venue_request(typed["symbol"], typed["notional"], typed["side"], (),
                          typed["holding_days"])
        except InputError as exc:
            self.show_error(exc)
            self._drop_comparison()
            return None
        dataset, urls = self.dataset, dict(self.api_urls)

        def work(progress: Any, cancel: Any) -> Any:
            # deferred: pandas after the first paint (bench/bench_gui_start.py)
            from rotation_addin.desk.venues import venue_table

            try:
                request = venue_request(typed["symbol"], typed["notional"], typed["side"],
                                        typed["venues"], typed["holding_days"])
            except InputError as exc:
                return exc
            return venue_table(request, dataset, api_urls=urls)

        return self._run(work, f"Fetching books and funding for "
                               f"{typed['symbol'].strip().upper()}…")

    def price_plan(self) -> BackgroundTask | None:
        """Every plan order at its notional and side on the venues typed (worker thread)."""
        # deferred: pandas after the first paint (bench/bench_gui_start.py)
        from rotation_addin.desk.venues import plan_order_venues, venue_request

        self._clear_errors()
        if self.task is not None and not self.task.done.is_set():
            self.status.setText("Still fetching the previous comparison…")
            return None
        if not self.orders:
            self.status.setText("Today's plan has no orders to price (load data first).")
            return None
        typed, orders, dataset, urls = self.texts(), list(self.orders), self.dataset, \
            dict(self.api_urls)
        quarterlies = self.quarterlies_box.isChecked()

        def work(progress: Any, cancel: Any) -> Any:
            try:  # the order fields come from the plan: only venues and days are typed
                request = venue_request("BTC", 1.0, "long", typed["venues"],
                                        typed["holding_days"])
            except InputError as exc:
                return exc
            return ("plan", plan_order_venues(orders, dataset, venues=request.venues,
                                              holding_days=request.holding_days,
                                              api_urls=urls, limit=len(orders),
                                              quarterlies=quarterlies))

        return self._run(work, f"Pricing {len(orders)} plan orders…")

    def _run(self, work: Any, busy_text: str) -> BackgroundTask:
        task = BackgroundTask(work, name="venues")
        task.signals.succeeded.connect(self._on_result)
        task.signals.failed.connect(self._on_failed)
        self.task = task
        self.compare_button.setEnabled(False)
        self.plan_button.setEnabled(False)
        self.status.setText(busy_text)
        self.runner.start(task)
        return task

    def _on_plan(self, priced: list[Any]) -> None:
        self.priced_orders = priced
        self.plan_table.set_frame(plan_frame(priced), _formats(), show_index=False)
        found = sum(o.best is not None for o in priced)
        self.status.setText(f"{len(priced)} plan orders priced, {found} with a venue.")

    def _on_failed(self, reason: str) -> None:
        self.compare_button.setEnabled(True)
        self.plan_button.setEnabled(True)
        self._drop_comparison()
        self.status.setText(f"Could not compare: {reason}")

    def _on_result(self, outcome: Any) -> None:
        # deferred: pandas after the first paint (bench/bench_gui_start.py)
        from rotation_addin.data.venues import cheapest

        self.compare_button.setEnabled(True)
        self.plan_button.setEnabled(True)
        if isinstance(outcome, InputError):
            self.show_error(outcome)
            self._drop_comparison()
            return
        try:
            if isinstance(outcome, tuple) and outcome[0] == "plan":
                self._on_plan(list(outcome[1]))
                return
            self.rows = list(outcome)
            self.table.set_frame(rows_frame(self.rows), _formats(), show_index=False)
            best = cheapest(self.rows)
        except Exception as exc:  # the tab must never be left disabled or half drawn
            self._on_failed(describe_error(exc))
            return
        listed = sum(r.status == "ok" for r in self.rows)
        asked = len(self.rows)
        self.status.setText(f"{asked} venue{'s' if asked != 1 else ''} asked, {listed} priced.")
        if best is not None and best.round_trip_cost_usd is not None:
            gain = (" (negative: the expected funding received exceeds fees and slippage)"
                    if best.round_trip_cost_usd < 0 else "")
            self.summary.setText(f"Cheapest round trip: {best.venue} ({best.symbol}) "
                                 f"{best.round_trip_cost_usd:,.2f} USD = "
                                 f"{(best.round_trip_cost or 0.0) * 100:.3f} % of the notional"
                                 f"{gain}.")
        else:
            self.summary.setText("No venue can price this round trip (not listed, "
                                 "unreachable, book too thin or unusable, or the size "
                                 "below its minimum).")
