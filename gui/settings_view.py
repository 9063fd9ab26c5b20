"""Settings tab: exchange, data source, risk defaults, universe editor, API key, data folder.

The API key and secret go to the OS keyring through :mod:`rotation_addin.data.secrets` and
nowhere else: the fields are cleared as soon as the key is stored and never written to
``settings.toml``, logs or messages.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.palette import set_field_error, set_tone
from rotation_addin.core.errors import InputError, RotationError
from rotation_addin.core.typed_numbers import number_field, whole_number_field
from rotation_addin.data.paths import config_dir, data_dir
from rotation_addin.data.secrets import (
    delete_api_key,
    has_api_key,
    keyring_backend_name,
    set_api_key,
)
from rotation_addin.data.settings import DATA_SOURCES, Settings, save_settings
from rotation_addin.data.universe_io import (
    bundled_universe_text,
    save_universe,
    user_universe_path,
    validate_universe_text,
)

# Settings field -> (label, shown as per cent?)
_RISK_FIELDS: dict[str, tuple[str, bool]] = {
    "equity_usd": ("Equity (USD)", False),
    "risk_fraction": ("Risk per trade (%)", True),
    "max_risk_fraction": ("Risk cap per trade (%)", True),
    "taker_fee_rate": ("Taker fee (%)", True),
    "stop_slippage_rate": ("Stop slippage (%)", True),
    "min_equity_usd": ("Minimum viable equity (USD)", False),
    "max_open_positions": ("Max open positions", False),
    "cooldown_days": ("Cool-down after a loss (days)", False),
    "vol_k_sigma": ("Safe leverage k (σ)", False),
    "holding_days": ("Holding period (days)", False),
    "gap_buffer_fraction": ("Gap buffer (%)", True),
}
_INT_FIELDS = ("max_open_positions", "cooldown_days")


class SettingsView(QWidget):
    """The Settings tab.

    Signals
    -------
    settings_saved(object)
        A validated :class:`Settings` was written to ``settings.toml``.
    universe_saved(object)
        A validated ``Universe`` was written to the user's ``universe.toml``.
    """

    settings_saved = Signal(object)
    universe_saved = Signal(object)

    def __init__(self, settings: Settings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or Settings()
        self.risk_edits: dict[str, QLineEdit] = {}
        self._universe_timer = QTimer(self)
        self._universe_timer.setSingleShot(True)
        self._universe_timer.setInterval(250)
        self._universe_timer.timeout.connect(self.validate_universe)
        self._universe_loaded = False
        self._build()
        self.show_settings(self.settings)

    # -- layout -----------------------------------------------------------------------------
    def _build(self) -> None:
        grid = QGridLayout(self)
        grid.addWidget(self._general_box(), 0, 0)
        grid.addWidget(self._risk_box(), 1, 0)
        grid.addWidget(self._universe_box(), 0, 1, 2, 1)
        grid.addWidget(self._key_box(), 2, 0)
        grid.addWidget(self._folder_box(), 2, 1)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)

    def _general_box(self) -> QGroupBox:
        box = QGroupBox("Exchange and data")
        form = QFormLayout(box)
        self.exchange_edit = QLineEdit()
        self.exchange_edit.setObjectName("exchange_id")
        self.source_box = QComboBox()
        self.source_box.addItems(list(DATA_SOURCES))
        self.source_box.setObjectName("data_source")
        self.api_url_edit = QLineEdit()
        self.api_url_edit.setObjectName("exchange_api_url")
        self.api_url_edit.setPlaceholderText("the exchange's own address")
        self.api_url_edit.setToolTip("Advanced: a local proxy or test emulator, http(s)://…")
        form.addRow("Exchange id (ccxt)", self.exchange_edit)
        form.addRow("Exchange API URL", self.api_url_edit)
        form.addRow("Data source at start", self.source_box)
        return box

    def _risk_box(self) -> QGroupBox:
        box = QGroupBox("Risk defaults")
        form = QFormLayout(box)
        for name, (label, _pct) in _RISK_FIELDS.items():
            edit = QLineEdit()
            edit.setObjectName(name)
            edit.textChanged.connect(self.validate_settings)
            self.risk_edits[name] = edit
            form.addRow(label, edit)
        self.settings_error = QLabel("")
        self.settings_error.setObjectName("settingsError")
        set_tone(self.settings_error, "bad")
        self.settings_error.setWordWrap(True)
        self.save_button = QPushButton("Save settings")
        self.save_button.setObjectName("saveSettings")
        self.save_button.clicked.connect(self.save)
        form.addRow(self.settings_error)
        form.addRow(self.save_button)
        self.exchange_edit.textChanged.connect(self.validate_settings)
        self.api_url_edit.textChanged.connect(self.validate_settings)
        return box

    def _universe_box(self) -> QGroupBox:
        box = QGroupBox("Universe (sectors → symbols, TOML)")
        column = QVBoxLayout(box)
        self.universe_edit = QPlainTextEdit()
        self.universe_edit.setObjectName("universeEditor")
        self.universe_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.universe_edit.textChanged.connect(self._universe_timer.start)
        self.universe_status = QLabel("")
        self.universe_status.setObjectName("universeStatus")
        self.universe_status.setWordWrap(True)
        buttons = QHBoxLayout()
        self.universe_save = QPushButton("Save universe")
        self.universe_save.clicked.connect(self.save_universe)
        self.universe_reset = QPushButton("Restore default")
        self.universe_reset.clicked.connect(self.restore_default_universe)
        buttons.addWidget(self.universe_save)
        buttons.addWidget(self.universe_reset)
        buttons.addStretch(1)
        column.addWidget(self.universe_edit, 1)
        column.addWidget(self.universe_status)
        column.addLayout(buttons)
        return box

    def _key_box(self) -> QGroupBox:
        box = QGroupBox("API key (read-only key; stored in the OS keyring only)")
        form = QFormLayout(box)
        self.key_edit = QLineEdit()
        self.key_edit.setObjectName("apiKey")
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_edit = QLineEdit()
        self.secret_edit.setObjectName("apiSecret")
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_status = QLabel("")
        self.key_status.setObjectName("keyStatus")
        self.key_status.setWordWrap(True)
        row = QHBoxLayout()
        self.key_store = QPushButton("Store in keyring")
        self.key_store.setObjectName("storeKey")
        self.key_store.clicked.connect(self.store_api_key)
        self.key_delete = QPushButton("Delete from keyring")
        self.key_delete.clicked.connect(self.delete_api_key)
        row.addWidget(self.key_store)
        row.addWidget(self.key_delete)
        row.addStretch(1)
        form.addRow("API key", self.key_edit)
        form.addRow("API secret", self.secret_edit)
        form.addRow(row)
        form.addRow(self.key_status)
        return box

    def _folder_box(self) -> QGroupBox:
        box = QGroupBox("Data folder")
        column = QVBoxLayout(box)
        self.folder_label = QLabel("")
        self.folder_label.setObjectName("dataFolder")
        self.folder_label.setWordWrap(True)
        open_button = QPushButton("Open data folder")
        open_button.clicked.connect(self.open_data_folder)
        column.addWidget(self.folder_label)
        column.addWidget(open_button)
        column.addStretch(1)
        return box

    # -- settings ---------------------------------------------------------------------------
    def show_settings(self, settings: Settings) -> None:
        """Fill the fields from ``settings``."""
        self.settings = settings
        self.exchange_edit.setText(settings.exchange_id)
        self.api_url_edit.setText(getattr(settings, "exchange_api_url", ""))
        self.source_box.setCurrentText(settings.data_source)
        for name, (_label, pct) in _RISK_FIELDS.items():
            value = getattr(settings, name)
            if name in _INT_FIELDS:  # all digits: ":g" writes 1,000,000 as 1e+06, no count
                self.risk_edits[name].setText(f"{int(value)}")
            else:
                self.risk_edits[name].setText(f"{value * 100:g}" if pct else f"{value:g}")

    def activate(self) -> None:
        """Load what is slow to load (universe text, keyring status) when the tab is shown."""
        self.folder_label.setText(
            f"Settings: {config_dir()}\nCache and workbooks: {data_dir()}\n"
            "(set ROTATION_DESK_HOME to move both)"
        )
        if not self._universe_loaded:
            self.load_universe_text()
        self.refresh_key_status()

    def read_settings(self) -> Settings:
        """Settings from the fields (raises InputError naming the field)."""
        values: dict[str, Any] = {
            "exchange_id": self.exchange_edit.text().strip(),
            "data_source": self.source_box.currentText(),
        }
        if hasattr(self.settings, "exchange_api_url"):
            values["exchange_api_url"] = self.api_url_edit.text().strip()
        for name, (_label, pct) in _RISK_FIELDS.items():
            text = self.risk_edits[name].text().strip()
            if name in _INT_FIELDS:  # a count: 2.5, 1e3, inf refused on the field itself
                values[name] = whole_number_field(name, text)
                continue
            number = number_field(name, text)
            values[name] = number / 100.0 if pct else number
        return dataclasses.replace(self.settings, **values)

    def validate_settings(self) -> Settings | None:
        """Validate the fields, highlight the one in error; return Settings when valid."""
        for line_edit in (*self.risk_edits.values(), self.exchange_edit, self.api_url_edit):
            set_field_error(line_edit, False)
            line_edit.setToolTip("")
        try:
            settings = self.read_settings()
        except InputError as exc:
            edit: QLineEdit | None = self.risk_edits.get(exc.field)
            if exc.field == "exchange_id":
                edit = self.exchange_edit
            elif exc.field == "exchange_api_url":
                edit = self.api_url_edit
            if edit is not None:
                set_field_error(edit, True)
                edit.setToolTip(exc.reason)
            self.settings_error.setText(str(exc))
            set_tone(self.settings_error, "bad")
            self.save_button.setEnabled(False)
            return None
        self.settings_error.setText("")
        set_tone(self.settings_error, "bad")
        self.save_button.setEnabled(True)
        return settings

    def save(self) -> bool:
        """Validate and write ``settings.toml`` (atomic); emits ``settings_saved``."""
        settings = self.validate_settings()
        if settings is None:
            return False
        save_settings(settings)
        self.settings = settings
        self.settings_error.setText("✓ Saved.")
        set_tone(self.settings_error, "good")
        self.settings_saved.emit(settings)
        return True

    # -- universe ---------------------------------------------------------------------------
    def load_universe_text(self) -> None:
        path = user_universe_path()
        text = path.read_text(encoding="utf-8") if path.exists() else bundled_universe_text()
        self.universe_edit.setPlainText(text)
        self._universe_loaded = True
        self.validate_universe()

    def validate_universe(self) -> Any:
        """Validate the editor's text; show sector/symbol counts or the error."""
        self._universe_timer.stop()
        try:
            universe = validate_universe_text(self.universe_edit.toPlainText(), source="editor")
        except RotationError as exc:
            self.universe_status.setText(f"✗ {exc}")
            set_tone(self.universe_status, "bad")
            set_field_error(self.universe_edit, True)
            self.universe_save.setEnabled(False)
            return None
        sectors = len(universe.sectors)
        self.universe_status.setText(
            f"✓ valid: {sectors} sectors, {len(universe.bases)} symbols, benchmark "
            f"{universe.benchmark}"
        )
        set_tone(self.universe_status, "good")
        set_field_error(self.universe_edit, False)
        self.universe_save.setEnabled(True)
        return universe

    def save_universe(self) -> bool:
        universe = self.validate_universe()
        if universe is None:
            return False
        path = save_universe(universe)
        self.universe_status.setText(f"✓ saved to {path}")
        self.universe_saved.emit(universe)
        return True

    def restore_default_universe(self) -> None:
        self.universe_edit.setPlainText(bundled_universe_text())
        self.validate_universe()

    # -- API key ----------------------------------------------------------------------------
    def _exchange_id(self) -> str:
        return self.exchange_edit.text().strip() or self.settings.exchange_id

    def refresh_key_status(self) -> None:
        exchange_id = self._exchange_id()
        try:
            stored = has_api_key(exchange_id)
        except RotationError as exc:
            self._key_message(str(exc), error=True)
            return
        self._key_message(key_state_text(exchange_id, stored, keyring_backend_name()))

    def store_api_key(self) -> bool:
        """Send the typed key/secret to the keyring, then clear the fields."""
        exchange_id = self._exchange_id()
        try:
            set_api_key(exchange_id, self.key_edit.text(), self.secret_edit.text())
        except RotationError as exc:
            self._key_message(str(exc), error=True)
            return False
        finally:
            self.key_edit.clear()
            self.secret_edit.clear()
        self._key_message(f"Stored the key for {exchange_id} in the OS keyring.")
        return True

    def delete_api_key(self) -> None:
        exchange_id = self._exchange_id()
        try:
            deleted = delete_api_key(exchange_id)
        except RotationError as exc:
            self._key_message(str(exc), error=True)
            return
        self._key_message(
            f"Deleted the key for {exchange_id}." if deleted else f"No key for {exchange_id}."
        )

    def _key_message(self, text: str, error: bool = False) -> None:
        self.key_status.setText(text)
        set_tone(self.key_status, "bad" if error else "plain")

    # -- folder -----------------------------------------------------------------------------
    def open_data_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(data_dir())))


def key_state_text(exchange_id: str, stored: bool, backend: str) -> str:
    """The keyring state in words: where the key lives, when it is read, what it is for."""
    if stored:
        return (f"A key for {exchange_id} is stored in the OS credential store ({backend}) "
                "and nowhere else: it is never written to a file or shown again. Market data "
                "comes from public endpoints, so no refresh sends it; Rotation Desk never "
                "places orders.")
    return (f"No key stored for {exchange_id} (OS credential store: {backend}). None is "
            "needed: candles, prices and funding are public market data.")

