"""Colours that follow the application palette, light or dark.

The conventions come from :mod:`rotation_addin.core.formats` (green up, red down; the
correlation scale); this module only picks shades readable on the current background and
styles pyqtgraph plots (which otherwise stay white) from the palette.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from rotation_addin.core import formats

DARK_POSITIVE = "#4CC38A"
DARK_NEGATIVE = "#FF6B6B"
"""Lighter green / red of the same convention, readable on a dark background."""


def current_palette() -> QPalette:
    """The application's palette (a default one before a QApplication exists)."""
    app = QApplication.instance()
    return app.palette() if isinstance(app, QApplication) else QPalette()


def is_dark(palette: QPalette | None = None) -> bool:
    """True when the window background is dark (lightness below half)."""
    palette = palette or current_palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def tone_colour(tone: str, palette: QPalette | None = None) -> QColor | None:
    """Colour of an ``"up"`` / ``"down"`` change (None for ``"flat"``) on this palette."""
    if tone == "flat":
        return None
    dark = is_dark(palette)
    if tone == "up":
        return QColor(DARK_POSITIVE if dark else f"#{formats.POSITIVE_HEX}")
    return QColor(DARK_NEGATIVE if dark else f"#{formats.NEGATIVE_HEX}")


def error_field_style(palette: QPalette | None = None) -> str:
    """Style sheet of an input in error: red outline, tinted background, readable text."""
    if is_dark(palette):
        return f"border: 2px solid {DARK_NEGATIVE}; background: #4A1C1C; color: #FFFFFF;"
    return f"border: 2px solid #{formats.NEGATIVE_HEX}; background: #FDECEA; color: #000000;"


def error_label_style(palette: QPalette | None = None) -> str:
    """Style sheet of the reason written under a field in error."""
    return f"color: {DARK_NEGATIVE if is_dark(palette) else '#' + formats.NEGATIVE_HEX};"


def style_plot(plot: Any, palette: QPalette | None = None) -> None:
    """Background, axes and legend of a pyqtgraph ``PlotWidget`` from the palette."""
    palette = palette or current_palette()
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    plot.setBackground(base)
    item = plot.getPlotItem()
    for name in ("left", "bottom", "right", "top"):
        axis = item.getAxis(name)
        axis.setPen(text)
        axis.setTextPen(text)
    title = item.titleLabel
    if title is not None and title.text:
        title.setText(title.text, color=text.name())
    legend = item.legend
    if legend is not None:
        fill = QColor(base)
        fill.setAlpha(210)
        legend.setBrush(fill)
        legend.setLabelTextColor(text)


def dark_palette() -> QPalette:
    """A dark Fusion palette (screenshots and tests of the dark look)."""
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, "#202124"), (roles.WindowText, "#E8EAED"), (roles.Base, "#171717"),
        (roles.AlternateBase, "#2A2B2E"), (roles.Text, "#E8EAED"), (roles.Button, "#303134"),
        (roles.ButtonText, "#E8EAED"), (roles.Highlight, "#8AB4F8"),
        (roles.HighlightedText, "#202124"), (roles.ToolTipBase, "#303134"),
        (roles.ToolTipText, "#E8EAED"), (roles.PlaceholderText, "#9AA0A6"),
        (roles.Link, "#8AB4F8"),
    ):
        palette.setColor(role, QColor(colour))
    return palette
