"""Status bar content: data source, freshness (warning when stale), refresh progress and Cancel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from gui.palette import set_tone
from rotation_addin.core.constants import STALE_AFTER


@dataclass(frozen=True)
class Freshness:
    """How old the data is and whether that is too old."""

    age: timedelta
    stale: bool
    text: str


def describe_age(age: timedelta) -> str:
    """``"3 h old"``, ``"2 d 4 h old"``, ``"just now"``."""
    seconds = max(age.total_seconds(), 0.0)
    if seconds < 120:
        return "just now"
    hours = int(seconds // 3600)
    if hours < 1:
        return f"{int(seconds // 60)} min old"
    if hours < 48:
        return f"{hours} h old"
    return f"{hours // 24} d {hours % 24} h old"


def freshness_of(as_of: datetime, now: datetime | None = None) -> Freshness:
    """Freshness of data whose last complete daily candle closed at ``as_of`` (UTC)."""
    now = now or datetime.now(UTC)
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)
    age = now - as_of
    stale = age > STALE_AFTER
    text = f"as of {as_of:%Y-%m-%d %H:%M} UTC, {describe_age(age)}"
    return Freshness(age=age, stale=stale, text=text)


def source_kind(source: str) -> str:
    """User-facing kind of a dataset source label: live exchange / cache / demo (simulated)."""
    lowered = source.lower()
    if lowered.startswith("demo"):
        return "demo (simulated)"
    if lowered.startswith("live"):
        return f"live exchange {source[4:].strip()}".strip()
    if lowered.startswith("cache"):
        return f"cache {source[5:].strip()}".strip()
    return source


class StatusPanel(QWidget):
    """Permanent widget of the status bar.

    Signals
    -------
    cancel_clicked
        The user pressed Cancel while a refresh runs.
    """

    cancel_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        self.source_label = QLabel("Data: loading…")
        self.source_label.setObjectName("sourceLabel")
        self.freshness_label = QLabel("")
        self.freshness_label.setObjectName("freshnessLabel")
        self.progress_bar = QProgressBar()
        self.progress_bar.setMinimumWidth(220)
        self.progress_bar.setFormat("%v/%m symbols")
        self.progress_label = QLabel("")
        self.progress_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.cancel_clicked.emit)
        layout.addWidget(self.source_label)
        layout.addWidget(self.freshness_label)
        layout.addStretch(1)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.cancel_button)
        self.stale = False
        self.show_idle()

    def show_dataset(self, source: str, as_of: datetime, now: datetime | None = None) -> None:
        """Show where the data comes from and how fresh it is; warn in red when stale."""
        kind = source_kind(source)
        self.source_label.setText(f"Data: {kind}")
        fresh = freshness_of(as_of, now)
        self.stale = fresh.stale
        if fresh.stale:
            self.freshness_label.setText(f"⚠ STALE — {fresh.text}: refresh before trading")
            set_tone(self.freshness_label, "bad", bold=True)
        else:
            self.freshness_label.setText(fresh.text)
            set_tone(self.freshness_label, "plain")
        if kind.startswith("demo"):
            set_tone(self.source_label, "warning", bold=True)
        else:
            set_tone(self.source_label, "plain")

    def show_message(self, text: str, error: bool = False) -> None:
        """Show a one-line message where progress goes (errors in red); the whole line is
        also its tooltip and can be selected and copied (a long one is cut by the window's
        width: a sweep's findings, an error naming a file)."""
        self.progress_label.setText(text)
        self.progress_label.setToolTip(text)
        set_tone(self.progress_label, "bad" if error else "plain")
        self.progress_label.setVisible(bool(text))

    def show_busy(self, text: str, unit: str = "symbols") -> None:
        """Show an indeterminate progress bar with Cancel; its counts will read ``done/total
        unit`` (a refresh counts symbols, a sweep settings)."""
        self.progress_bar.setFormat(f"%v/%m {unit}")
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setVisible(True)
        self.cancel_button.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.show_message(text)

    def show_progress(self, done: int, total: int, weight_used: float, detail: str) -> None:
        """Progress of a refresh: symbols done / total and the exchange weight used so far."""
        if total > 0:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(done, total))
        self.progress_bar.setVisible(True)
        self.cancel_button.setVisible(True)
        weight = f"weight used {weight_used:,.0f}" if weight_used else ""
        parts = [p for p in (weight, detail) if p]
        self.show_message(" · ".join(parts))

    def show_idle(self) -> None:
        """Hide the progress bar and Cancel."""
        self.progress_bar.setVisible(False)
        self.cancel_button.setVisible(False)
