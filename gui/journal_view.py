"""Journal tab: paper-trade a plan order or a typed one, close, P&L per position, the equity
curve and the weekly review. Every action goes through :mod:`rotation_addin.desk.journal`;
a refusal or a bad value is shown on the field it concerns, as the quick check does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.palette import follow_palette, series_colours, set_field_error, set_tone, style_plot
from gui.table_view import DataTable
from gui.workers import describe_error
from rotation_addin.core.errors import DataError, InputError, RotationError, TradeRefused
from rotation_addin.core.typed_numbers import number_field
from rotation_addin.core.validation import utc_time
from rotation_addin.desk.journal_text import review_text_rows

FIELDS = ("symbol", "side", "stop", "quantity", "reason", "override")
REVIEW_FIELDS = ("review_from", "review_to")
"""The review's dates (ISO, UTC; empty: the last 7 days; "to" is inclusive)."""
RULE_FIELD = {
    "cool-down": "symbol", "regime-gate": "side", "stop-required": "stop",
    "stop-before-liquidation": "stop", "risk-cap": "quantity", "max-open-positions": "symbol",
    "stressed-exposure": "quantity", "minimum-equity": "quantity",
}
"""The field a refusal is shown on (the input the trader would have to change)."""
INPUT_FIELD = {"symbol": "symbol", "side": "side", "stop": "stop", "quantity": "quantity",
               "override": "override", "entry": "stop", "leverage": "quantity",
               "date": "symbol", "account": "symbol", "from": "review_from",
               "to": "review_to"}


class JournalView(QWidget):
    """The paper journal: order form, open and closed trades, equity curve, review."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inputs_factory: Callable[[], Any] | None = None
        self.journal_path: Path | None = None
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.plan_orders: list[Any] = []
        self.errors: dict[str, str] = {}
        self.review_dates: tuple[datetime | None, datetime | None] = (None, None)
        self.plot: Any = None
        self.equity_curve: list[tuple[float, float]] = []
        follow_palette(self, self.restyle)
        layout = QVBoxLayout(self)
        self.caption = QLabel("paper account: simulated fills, nothing is sent to an exchange")
        self.caption.setObjectName("journalCaption")
        layout.addWidget(self.caption)
        top = QHBoxLayout()
        self.edits: dict[str, QWidget] = {}
        self.error_labels: dict[str, QLabel] = {}
        top.addWidget(self._form(), 2)
        top.addWidget(self._review_box(), 2)
        self.chart_box = QVBoxLayout()
        top.addLayout(self.chart_box, 3)
        layout.addLayout(top)
        self.open_table = DataTable()
        self.open_table.setObjectName("openTrades")
        self.closed_table = DataTable()
        self.closed_table.setObjectName("closedTrades")
        layout.addWidget(QLabel("Open paper positions (P&L with fees and funding):"))
        layout.addWidget(self.open_table, 1)
        layout.addWidget(QLabel("Closed paper trades:"))
        layout.addWidget(self.closed_table, 1)

    def _form(self) -> QWidget:
        box = QWidget()
        form = QFormLayout(box)
        self.plan_box = QComboBox()
        self.plan_box.setObjectName("planOrders")
        self.plan_box.setMinimumContentsLength(28)
        self.from_plan = QPushButton("Paper-trade this order")
        self.from_plan.setObjectName("paperTradePlan")
        self.from_plan.clicked.connect(self.trade_plan_order)
        row = QHBoxLayout()
        row.addWidget(self.plan_box, 1)
        row.addWidget(self.from_plan)
        form.addRow("Plan order", row)
        for name in FIELDS:
            widget: QWidget
            if name == "side":
                combo = QComboBox()
                combo.addItems(["long", "short"])
                widget = combo
            else:
                widget = QLineEdit()
            form.addRow(name.replace("override", "override reason"), self._field(name, widget))
        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open paper trade")
        self.open_button.setObjectName("openPaperTrade")
        self.open_button.clicked.connect(self.open_typed)
        self.close_button = QPushButton("Close position in symbol")
        self.close_button.setObjectName("closePaperTrade")
        self.close_button.clicked.connect(self.close_typed)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.close_button)
        form.addRow(buttons)
        self.message = QLabel("")
        self.message.setObjectName("journalMessage")
        self.message.setWordWrap(True)
        form.addRow(self.message)
        return box

    def _field(self, name: str, widget: QWidget) -> QWidget:
        """``widget`` with the error label under it (outlined and shown by show_error)."""
        widget.setObjectName(f"journal_{name}")
        self.edits[name] = widget
        label = QLabel("")
        label.setObjectName(f"journal_{name}_error")
        set_tone(label, "bad")
        label.setWordWrap(True)
        label.setVisible(False)
        self.error_labels[name] = label
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(widget)
        column.addWidget(label)
        return holder

    def _review_box(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        dates = QFormLayout()
        for name in REVIEW_FIELDS:
            edit = QLineEdit()
            edit.setPlaceholderText("YYYY-MM-DD")
            edit.setToolTip("ISO date (UTC); empty: the last 7 days; 'to' takes its whole day")
            dates.addRow(name.replace("_", " "), self._field(name, edit))
        self.review_button = QPushButton("Review these dates")
        self.review_button.setObjectName("reviewDates")
        self.review_button.clicked.connect(self.review_typed)
        dates.addRow(self.review_button)
        column.addLayout(dates)
        self.review_label = QLabel("")
        self.review_label.setObjectName("reviewText")
        self.review_label.setWordWrap(True)
        column.addWidget(self.review_label)
        column.addStretch(1)
        return box

    # -- inputs ------------------------------------------------------------------------
    def set_context(self, dataset: Any, settings: Any, plan_orders: list[Any]) -> None:
        """Use ``dataset`` (prices, candles) and ``settings`` for every journal action."""
        # deferred: pandas after the first paint (bench/bench_gui_start.py)
        from rotation_addin.core.rotation import PlanParameters
        from rotation_addin.desk.journal import JournalInputs

        def factory() -> Any:
            return JournalInputs(params=PlanParameters.from_settings(settings), dataset=dataset,
                                 now=max(self.clock(), dataset.as_of), path=self.journal_path)

        self.inputs_factory = factory
        self.plan_orders = [o for o in plan_orders if o.adds_risk]
        self.plan_box.clear()
        self.plan_box.addItems([f"{o.action} {o.side.value} {o.quantity_base:g} {o.base} stop "
                                f"{o.stop_price_usd:g}" for o in self.plan_orders])
        self._run(lambda: "")

    def _text(self, name: str) -> str:
        widget = self.edits[name]
        return widget.currentText() if isinstance(widget, QComboBox) else \
            widget.text()  # type: ignore[attr-defined]

    def _number(self, name: str) -> float | None:
        text = self._text(name).strip()
        if not text:
            return None
        return number_field(name, text)

    def fill_from_order(self, order: Any) -> None:
        """Put a plan order in the form."""
        self.edits["symbol"].setText(order.base)  # type: ignore[attr-defined]
        self.edits["side"].setCurrentText(order.side.value)  # type: ignore[attr-defined]
        self.edits["stop"].setText(f"{order.stop_price_usd:g}")  # type: ignore[attr-defined]
        self.edits["quantity"].setText(f"{order.quantity_base:g}")  # type: ignore[attr-defined]
        self.edits["reason"].setText(order.reason[:200])  # type: ignore[attr-defined]

    # -- actions -----------------------------------------------------------------------
    def clear_errors(self) -> None:
        self.errors = {}
        for name, widget in self.edits.items():
            set_field_error(widget, False)
            self.error_labels[name].setVisible(False)
        self.message.setText("")

    def show_error(self, field: str, reason: str) -> None:
        """Outline ``field`` and show ``reason`` under it (after any reason already there)."""
        reason = f"{self.errors[field]}; {reason}" if field in self.errors else reason
        self.errors[field] = reason
        set_field_error(self.edits[field], True)
        self.error_labels[field].setText(reason)
        self.error_labels[field].setVisible(True)

    def _run(self, action: Callable[[], str]) -> bool:
        self.clear_errors()
        try:
            self.message.setText(action())
        except TradeRefused as refused:
            for part in str(refused.reason).split("; "):
                rule = part.split(":")[0]
                self.show_error(RULE_FIELD.get(rule, "symbol"), part)
            return False
        except InputError as error:
            self.show_error(INPUT_FIELD.get(error.field, "symbol"), f"{error.field}: "
                            f"{error.reason}")
            return False
        except RotationError as error:
            self.message.setText(str(error))
            return False
        except OSError as error:  # the journal's folder cannot be made or opened
            self.message.setText(f"could not open the journal: {describe_error(error)}")
            return False
        self.refresh_tables()
        return True

    def trade_plan_order(self) -> bool:
        """"Paper-trade this order": the selected plan order through the rules."""
        index = self.plan_box.currentIndex()
        if 0 <= index < len(self.plan_orders):
            self.fill_from_order(self.plan_orders[index])
        return self.open_typed()

    def open_typed(self) -> bool:
        """Open the form's trade on the paper account (override reason if typed)."""
        # deferred: pandas after the first paint (bench/bench_gui_start.py)
        from rotation_addin.desk.journal import OrderRequest, open_trade

        def act() -> str:
            override = self._text("override")
            request = OrderRequest(symbol=self._text("symbol"), side=self._text("side"),
                                   stop=self._number("stop"), quantity=self._number("quantity"),
                                   reason=self._text("reason"))
            result = open_trade(self._inputs(), request, override if override else None)
            done = (f"paper: {result.check.side.value} {result.fill.quantity_base:g} "
                    f"{result.check.base} filled at {result.fill.price_usd:g} "
                    f"({result.check.price_source})")
            return done + (f"; override recorded: {result.override_reason}"
                           if result.overridden else "")

        return self._run(act)

    def close_typed(self) -> bool:
        """Close the paper position in the form's symbol at the current price."""
        # deferred: pandas after the first paint (bench/bench_gui_start.py)
        from rotation_addin.desk.journal_ops import close_trade

        def act() -> str:
            event = close_trade(self._inputs(), self._text("symbol"), reason="closed in the app")
            return f"paper: closed {event.base} at {event.price_usd:g}"

        return self._run(act)

    def _date(self, name: str, field: str) -> datetime | None:
        text = self._text(name).strip()
        return utc_time(field, text) if text else None

    def review_typed(self) -> bool:
        """Review the typed dates (the desk's rules: ``to`` not before ``from``, neither
        after now; a refused date is shown on its field and the review stays as it was)."""
        # deferred: pandas after the first paint (bench/bench_gui_start.py)
        from rotation_addin.desk.journal_ops import review_window

        def act() -> str:
            dates = (self._date("review_from", "from"), self._date("review_to", "to"))
            review_window(*dates, self._inputs().now)
            self.review_dates = dates
            return ""

        return self._run(act)

    def _inputs(self) -> Any:
        if self.inputs_factory is None:
            raise DataError("no market data loaded yet")
        return self.inputs_factory()

    # -- tables, chart, review ---------------------------------------------------------
    def refresh_tables(self) -> None:
        """Look at the candles, then show positions, trades, the equity curve and review."""
        # deferred: pandas after the first paint (bench/bench_gui_start.py)
        import pandas as pd

        # deferred: pandas after the first paint (bench/bench_gui_start.py)
        from rotation_addin.desk.journal_ops import journal_view, review, review_window

        if self.inputs_factory is None:
            return
        inputs = self.inputs_factory()
        view = journal_view(inputs)
        self.open_table.set_frame(pd.DataFrame([{
            "account": "paper", "symbol": m.trade.base, "side": m.trade.side.value,
            "quantity": m.trade.quantity_base, "entry": m.trade.entry_price_usd,
            "stop": m.trade.stop_price_usd, "mark": m.mark_usd, "funding_usd": m.funding_usd,
            "pnl_usd": m.unrealised_usd} for m in view.open_trades]), show_index=False)
        self.closed_table.set_frame(pd.DataFrame([{
            "account": "paper", "symbol": t.base, "sector": t.sector, "side": t.side.value,
            "pnl_usd": t.realised_pnl_usd, "r": t.r_multiple,
            "closed": f"{t.closed_at:%Y-%m-%d %H:%M}", "exit": t.exit_reason}
            for t in view.closed_trades]), show_index=False)
        start, end = review_window(*self.review_dates, inputs.now)
        result = review(inputs, start=start, end=end)
        title = "Weekly review (paper)" if self.review_dates == (None, None) else \
            f"Review (paper), {result.start:%Y-%m-%d %H:%M} to {result.end:%Y-%m-%d %H:%M} UTC"
        self.review_label.setText(f"<b>{title}</b><br>" + "<br>".join(
            f"{k}: {v}" for k, v in review_text_rows(result)))
        self._plot_equity(result, inputs)

    def equity_points(self, result: Any, inputs: Any) -> list[tuple[float, float]]:
        """(time in seconds, paper equity): the weekly review's equity curve (the account
        equity at the window's start, then after each fill that realised P&L: entry fees,
        partial and full closes) and now (realised P&L only; open positions are in the
        table)."""
        points = [(at.timestamp(), equity) for at, equity in result.equity_curve]
        points.append((max(inputs.now.timestamp(), points[-1][0]), points[-1][1]))
        return points

    def _plot_equity(self, result: Any, inputs: Any) -> None:
        # deferred: pyqtgraph after the first paint (bench/bench_gui_start.py)
        import pyqtgraph as pg

        if self.plot is None:
            self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
            self.plot.setObjectName("equityCurve")
            self.plot.setLabel("left", "paper equity USD")
            style_plot(self.plot)
            self.chart_box.addWidget(self.plot)
        self.equity_curve = self.equity_points(result, inputs)
        self._draw_equity()

    def _draw_equity(self) -> None:
        # deferred: pyqtgraph after the first paint (bench/bench_gui_start.py)
        import pyqtgraph as pg

        colour = series_colours()[0]
        self.plot.clear()
        self.plot.plot([p[0] for p in self.equity_curve], [p[1] for p in self.equity_curve],
                       pen=pg.mkPen(colour, width=2), symbol="o", symbolBrush=colour,
                       symbolPen=colour)

    def restyle(self) -> None:
        """The palette changed: the equity chart's background, axes and line again."""
        if self.plot is not None:
            style_plot(self.plot)
            self._draw_equity()
