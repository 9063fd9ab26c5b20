"""The error line under each field of a form: one home for the Quick check and Venues tabs.

A form wraps each input with :meth:`FieldErrors.wrap` (the input, and under it a hidden
label named ``<prefix><field>_error``); :meth:`FieldErrors.show` outlines the input and
prints the reason under it, :meth:`FieldErrors.clear` hides every one again, and
:meth:`FieldErrors.text` reads what is shown (tests, accessibility).
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.palette import set_field_error, set_tone


class FieldErrors:
    """Error labels and the inputs they belong to, by field name.

    Parameters
    ----------
    prefix : str
        Put before each label's object name (``"venues_"`` -> ``venues_symbol_error``).
    """

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.labels: dict[str, QLabel] = {}
        self.inputs: dict[str, QWidget] = {}

    def wrap(self, name: str, widget: QWidget) -> QWidget:
        """``widget`` with its (hidden) error label under it, to add to the form."""
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(widget)
        label = QLabel("")
        label.setObjectName(f"{self.prefix}{name}_error")
        set_tone(label, "bad")
        label.setWordWrap(True)
        label.setVisible(False)
        column.addWidget(label)
        self.labels[name] = label
        self.inputs[name] = widget
        return holder

    def show(self, name: str, text: str, tooltip: str = "") -> None:
        """Outline field ``name`` and show ``text`` under it (``tooltip`` on the input)."""
        widget = self.inputs[name]
        set_field_error(widget, True)
        widget.setToolTip(tooltip)
        label = self.labels[name]
        label.setText(text)
        label.setVisible(True)

    def clear(self) -> None:
        """Hide every error and take the outline and tooltip off every input."""
        for name, label in self.labels.items():
            label.setVisible(False)
            label.setText("")
            widget = self.inputs[name]
            set_field_error(widget, False)
            widget.setToolTip("")

    def text(self, name: str) -> str:
        """Error shown under field ``name`` ('' if none)."""
        label = self.labels[name]
        return label.text() if not label.isHidden() else ""
