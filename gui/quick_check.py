"""Quick check tab: size a trade, see its liquidation price and the leverage its volatility allows.

Every keystroke re-validates (debounced 120 ms). The field the engine names in its
``InputError``/``TradeRefused`` is outlined in red with the reason under it; results are shown
only when every input is valid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from gui.field_errors import FieldErrors
from gui.palette import set_tone
from gui.quick_check_logic import (
    FIELD_LABELS,
    LEV_ROWS,
    LIQ_ROWS,
    SIZE_ROWS,
    QuickCheckInputs,
    QuickCheckResult,
    compute_quick_check,
    field_for_error,
    format_result,
    general_error_label,
    parse_inputs,
    result_rows,
)
from rotation_addin.core import formats
from rotation_addin.data.settings import Settings

if TYPE_CHECKING:  # desk.example_trade imports pandas: kept off the path to the first paint
    from rotation_addin.desk.example_trade import ExampleTrade

_LINE_FIELDS = (
    "equity_usd",
    "entry_price_usd",
    "stop_price_usd",
    "risk_pct",
    "leverage",
    "daily_vol_pct",
)


_FALLBACK_GLYPHS = {"Ⓢ": "S"}  # "USDⓈ-M" in exchange names; not every font has the glyph


def _printable(text: str, metrics: QFontMetrics) -> str:
    """``text`` with characters the font cannot draw replaced by a plain look-alike."""
    for char, plain in _FALLBACK_GLYPHS.items():
        if char in text and not metrics.inFontUcs4(ord(char)):
            text = text.replace(char, plain)
    return text


class ResultBox(QGroupBox):
    """A titled grid of ``label: value`` rows."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self._grid = QGridLayout(self)
        self._grid.setColumnStretch(1, 1)
        self.values: dict[str, QLabel] = {}

    def set_rows(self, rows: list[tuple[str, str]]) -> None:
        """Replace the rows (label, text)."""
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()
        self.values = {}
        metrics = QFontMetrics(self.font())
        for row, (label, text) in enumerate(rows):
            name = QLabel(label)
            value = QLabel(_printable(text, metrics))
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._grid.addWidget(name, row, 0)
            self._grid.addWidget(value, row, 1)
            self.values[label] = value


class QuickCheckView(QWidget):
    """The Quick check tab.

    Signals
    -------
    result_changed(object)
        Emitted with a :class:`QuickCheckResult` or ``None`` (inputs invalid) after each check.
    """

    result_changed = Signal(object)

    def __init__(self, settings: Settings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or Settings()
        self.dataset: Any = None
        self.last_result: QuickCheckResult | None = None
        self.last_error: tuple[str, str] | None = None
        self.example_origin = "worked example"
        self.fields: dict[str, QLineEdit] = {}
        self.field_errors = FieldErrors()
        self.error_labels = self.field_errors.labels
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self.recompute)
        self._build()
        self.set_defaults()

    # -- construction ---------------------------------------------------------------------
    def _build(self) -> None:
        outer = QHBoxLayout(self)
        form_box = QGroupBox("Trade")
        form = QFormLayout(form_box)
        self.symbol_box = QComboBox()
        self.symbol_box.setEditable(True)
        self.symbol_box.setObjectName("symbol")
        self.symbol_box.currentTextChanged.connect(self._schedule)
        self.symbol_box.activated.connect(lambda _index: self.use_last_price())
        form.addRow(FIELD_LABELS["symbol"], self._with_error("symbol", self.symbol_box))
        self.side_box = QComboBox()
        self.side_box.addItems(["long", "short"])
        self.side_box.setObjectName("side")
        self.side_box.currentTextChanged.connect(self._schedule)
        form.addRow(FIELD_LABELS["side"], self._with_error("side", self.side_box))
        for name in _LINE_FIELDS:
            edit = QLineEdit()
            edit.setObjectName(name)
            edit.textChanged.connect(self._schedule)
            self.fields[name] = edit
            form.addRow(FIELD_LABELS[name], self._with_error(name, edit))
        self.fields["daily_vol_pct"].setPlaceholderText("blank = estimate from data")
        self.general_error = QLabel("")
        self.general_error.setObjectName("generalError")
        self.general_error.setWordWrap(True)
        set_tone(self.general_error, "bad")
        form.addRow(self.general_error)
        outer.addWidget(form_box, 2)

        results = QVBoxLayout()
        self.size_box = ResultBox("Position size")
        self.liq_box = ResultBox("Liquidation (isolated)")
        self.lev_box = ResultBox("Safe leverage")
        self.warnings_label = QLabel("")
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setObjectName("warnings")
        for box in (self.size_box, self.liq_box, self.lev_box):
            results.addWidget(box)
        results.addWidget(self.warnings_label)
        results.addStretch(1)
        outer.addLayout(results, 3)

    def _with_error(self, name: str, widget: QWidget) -> QWidget:
        return self.field_errors.wrap(name, widget)

    def set_defaults(self) -> None:
        """Fill the form with a worked example (long, 2 % risk, settings' equity)."""
        values = {
            "equity_usd": f"{self.settings.equity_usd:g}",
            "entry_price_usd": "100",
            "stop_price_usd": "95",
            "risk_pct": f"{self.settings.risk_fraction * 100:g}",
            "leverage": "3",
            "daily_vol_pct": "4",
        }
        for name, text in values.items():
            self.fields[name].setText(text)
        if self.symbol_box.count() == 0:
            self.symbol_box.addItem("BTC")

    # -- data from the window -------------------------------------------------------------
    def set_settings(self, settings: Settings) -> None:
        self.settings = settings
        self._schedule()

    def set_dataset(self, dataset: Any, example: ExampleTrade | None = None) -> None:
        """Offer the dataset's symbols and use its volatility and contract rules.

        The first dataset also fills the form with ``example`` (today's top order, the
        workbook Sizing sheet's trade too) or, without one, entry/stop from the symbol's last
        close; later ones (reloads) keep what the user typed.
        """
        first = self.dataset is None
        self.dataset = dataset
        current = self.symbol_box.currentText()
        if first and example is not None and example.base in dataset.bases:
            current = example.base
        self.symbol_box.blockSignals(True)
        self.symbol_box.clear()
        self.symbol_box.addItems(list(dataset.bases))
        self.symbol_box.setCurrentText(current if current in dataset.bases else dataset.bases[0])
        self.symbol_box.blockSignals(False)
        if first and example is not None and example.base in dataset.bases:
            self.use_example(example)
        elif first:
            self.use_last_price()
        else:
            self._schedule()

    def use_example(self, example: ExampleTrade) -> None:
        """Fill symbol, side, entry, stop and leverage from ``example`` (vol estimated)."""
        contract = self.dataset.contracts.get(example.base) if self.dataset is not None else None
        decimals = formats.price_decimals(example.entry_price_usd,
                                          contract.price_tick if contract else None)
        self.symbol_box.setCurrentText(example.base)
        self.side_box.setCurrentText(example.side)
        self.fields["entry_price_usd"].setText(f"{example.entry_price_usd:.{decimals}f}")
        self.fields["stop_price_usd"].setText(f"{example.stop_price_usd:.{decimals}f}")
        if example.leverage is not None:
            self.fields["leverage"].setText(f"{example.leverage:g}")
        self.fields["daily_vol_pct"].setText("")
        self.example_origin = example.origin
        self._schedule()

    def use_last_price(self) -> None:
        """Set entry to the symbol's last close and the stop 5 % away (a starting point)."""
        if self.dataset is None:
            return
        base = self.symbol_box.currentText().strip().upper()
        if base not in self.dataset.close.columns:
            return
        closes = self.dataset.close[base].dropna()
        if closes.empty:
            return
        entry = float(closes.iloc[-1])
        long = self.side_box.currentText() == "long"
        stop = entry * (0.95 if long else 1.05)
        self.fields["entry_price_usd"].setText(f"{entry:.6g}")
        self.fields["stop_price_usd"].setText(f"{stop:.6g}")
        self.fields["daily_vol_pct"].setText("")

    # -- validation + compute ---------------------------------------------------------------
    def _schedule(self, *_: Any) -> None:
        self._timer.start()

    def field_texts(self) -> dict[str, str]:
        texts = {name: edit.text() for name, edit in self.fields.items()}
        texts["symbol"] = self.symbol_box.currentText()
        texts["side"] = self.side_box.currentText()
        return texts

    def recompute(self) -> None:
        """Validate every input and recompute; show the error on the field the engine names."""
        self._timer.stop()
        self._clear_errors()
        try:
            inputs: QuickCheckInputs = parse_inputs(self.field_texts())
            result = compute_quick_check(inputs, self.settings, self.dataset)
        except Exception as exc:
            self._show_error(exc)
            self.last_result = None
            self._show_result(None)
            self.result_changed.emit(None)
            return
        self.last_error = None
        self.last_result = result
        self._show_result(result)
        self.result_changed.emit(result)

    def _clear_errors(self) -> None:
        self.field_errors.clear()
        self.general_error.setText("")

    def _show_error(self, exc: Exception) -> None:
        engine_field = str(getattr(exc, "field", "") or "")
        reason = str(getattr(exc, "reason", "") or exc)
        name = field_for_error(engine_field)
        self.last_error = (name or engine_field, reason)
        if name is None:
            prefix = f"{general_error_label(engine_field)}: " if engine_field else ""
            self.general_error.setText(f"{prefix}{reason}")
            return
        self.field_errors.show(name, reason, tooltip=reason)

    def error_text(self, name: str) -> str:
        """Error shown under field ``name`` ('' if none) — for tests and accessibility."""
        return self.field_errors.text(name)

    def _show_result(self, result: QuickCheckResult | None) -> None:
        if result is None:
            for box in (self.size_box, self.liq_box, self.lev_box):
                box.set_rows([("—", "fix the highlighted input")])
            self.warnings_label.setText("")
            return
        contract = None
        if self.dataset is not None:
            contract = self.dataset.contracts.get(self.symbol_box.currentText().strip().upper())
        self.size_box.set_rows(result_rows(result.size, SIZE_ROWS, contract))
        liq_rows = result_rows(result.liquidation, LIQ_ROWS, contract)
        bracket = getattr(result.liquidation, "bracket", None)
        if bracket is not None:
            liq_rows.append(
                ("Maintenance margin rate", format_result(bracket.maintenance_margin_rate, "pct"))
            )
        liq_rows.append(("Stop before liquidation", result.stop_check_text))
        if result.brackets_source:
            liq_rows.append(("Brackets", result.brackets_source))
        self.liq_box.set_rows(liq_rows)
        vol_text = f"{formats.format_pct(result.daily_vol, 2)} ({result.vol_source})"
        lev_rows = [("Daily volatility used", vol_text)]
        lev_rows += result_rows(result.safe_leverage, LEV_ROWS)
        self.lev_box.set_rows(lev_rows)
        if result.warnings:
            self.warnings_label.setText("⚠ " + "\n⚠ ".join(result.warnings))
            set_tone(self.warnings_label, "warning")
        else:
            self.warnings_label.setText("No warnings.")
            set_tone(self.warnings_label, "good")
