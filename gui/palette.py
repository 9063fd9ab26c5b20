"""Colours that follow the application palette, light or dark: the one place views take them.

The conventions come from :mod:`rotation_addin.core.formats` (green up, red down; the
correlation scale); this module picks shades readable on the current background and styles
pyqtgraph plots (which otherwise stay white) from the palette. Legibility is measured with
the WCAG 2.1 contrast ratio (:func:`contrast_ratio`): text needs :data:`TEXT_CONTRAST`
against the background it sits on, chart lines :data:`GRAPHIC_CONTRAST` (non-text contrast).
A colour that misses it keeps its hue and is darkened (light background) or lightened (dark
background) until it meets it (:func:`readable`).

Views call :func:`set_tone` / :func:`set_field_error` on their widgets and
:func:`follow_palette` with a ``restyle`` callback, so a palette switched while the app runs
(the desktop's dark mode) re-colours labels, fields in error and charts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

from rotation_addin.core import formats

TEXT_CONTRAST = 4.5
"""Minimum contrast ratio of text on its background (WCAG 2.1 AA, normal text)."""
GRAPHIC_CONTRAST = 3.0
"""Minimum contrast ratio of a chart line or outline on its background (WCAG 1.4.11)."""

DARK_POSITIVE = "#4CC38A"
DARK_NEGATIVE = "#FF6B6B"
"""Lighter green / red of the same convention, readable on a dark background."""
TONES_LIGHT = {"good": f"#{formats.POSITIVE_HEX}", "bad": f"#{formats.NEGATIVE_HEX}",
               "warning": "#8A6D00"}
TONES_DARK = {"good": DARK_POSITIVE, "bad": DARK_NEGATIVE, "warning": "#E3B341"}
"""Text colours of a state (``good`` / ``bad`` / ``warning``) before the contrast check."""
SERIES = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
          "#000000", "#999999", "#882255", "#44AA99", "#117733")
"""Chart series in order (Okabe-Ito, then Tol's wine / teal / green), colour-blind safe."""
NEUTRAL_SERIES = "#777777"
"""A reference line that is not a result (the equal-weight universe)."""
MISSING_CELL = "#9E9E9E"
"""Heatmap cell of a missing correlation (grey on both palettes)."""
TONE_PROPERTY = "rotationTone"
"""Dynamic property holding a widget's tone (re-applied when the palette changes)."""


def current_palette() -> QPalette:
    """The application's palette (a default one before a QApplication exists)."""
    app = QApplication.instance()
    return app.palette() if isinstance(app, QApplication) else QPalette()


def is_dark(palette: QPalette | None = None) -> bool:
    """True when the window background is dark (lightness below half)."""
    palette = palette or current_palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def relative_luminance(colour: QColor) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour, 0 (black) to 1 (white)."""
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return (0.2126 * linear(colour.redF()) + 0.7152 * linear(colour.greenF())
            + 0.0722 * linear(colour.blueF()))


def contrast_ratio(first: QColor, second: QColor) -> float:
    """WCAG 2.1 contrast ratio ``(L_light + 0.05) / (L_dark + 0.05)``, 1 to 21."""
    low, high = sorted((relative_luminance(first), relative_luminance(second)))
    return (high + 0.05) / (low + 0.05)


@lru_cache(maxsize=512)
def _readable_hex(colour: str, backgrounds: tuple[str, ...], minimum: float) -> str:
    wanted = QColor(colour)
    grounds = [QColor(b) for b in backgrounds]
    darken = sum(relative_luminance(g) for g in grounds) / len(grounds) > 0.18
    hue, saturation, lightness = wanted.hslHue(), wanted.hslSaturation(), wanted.lightness()
    step, end = (-4, 0) if darken else (4, 255)
    while min(contrast_ratio(wanted, g) for g in grounds) < minimum and lightness != end:
        lightness = max(0, min(255, lightness + step))
        wanted = QColor.fromHsl(max(hue, 0), saturation, lightness)
    return str(wanted.name())


def readable(colour: QColor | str, backgrounds: Iterable[QColor],
             minimum: float = TEXT_CONTRAST) -> QColor:
    """``colour`` itself if it has ``minimum`` contrast on every background, else the same
    hue darkened (light backgrounds) or lightened (dark ones) until it has."""
    key = tuple(QColor(b).name() for b in backgrounds)
    return QColor(_readable_hex(QColor(colour).name(), key, minimum))


def _grounds(palette: QPalette, *roles: QPalette.ColorRole) -> list[QColor]:
    return [palette.color(role) for role in roles]


def tone_colour(tone: str, palette: QPalette | None = None) -> QColor | None:
    """Colour of an ``"up"`` / ``"down"`` change in a table (None for ``"flat"``): readable
    on the table's rows (Base and AlternateBase) of this palette."""
    if tone == "flat":
        return None
    palette = palette or current_palette()
    tones = TONES_DARK if is_dark(palette) else TONES_LIGHT
    roles = QPalette.ColorRole
    return readable(tones["good" if tone == "up" else "bad"],
                    _grounds(palette, roles.Base, roles.AlternateBase))


def text_colour(kind: str, palette: QPalette | None = None) -> QColor:
    """Colour of a ``good`` / ``bad`` / ``warning`` label on the window background."""
    palette = palette or current_palette()
    tones = TONES_DARK if is_dark(palette) else TONES_LIGHT
    return readable(tones[kind], _grounds(palette, QPalette.ColorRole.Window))


def tone_style(kind: str, bold: bool = False, palette: QPalette | None = None) -> str:
    """Style sheet of a label in ``kind`` (``""`` for ``"plain"``)."""
    if kind == "plain":
        return ""
    weight = " font-weight: bold;" if bold else ""
    return f"color: {text_colour(kind, palette).name()};{weight}"


def set_tone(widget: QWidget, kind: str, bold: bool = False) -> None:
    """Colour ``widget``'s text as ``kind`` (``good``/``bad``/``warning``/``plain``) now and
    after a palette change (:func:`restyle_tree`)."""
    widget.setProperty(TONE_PROPERTY, f"{kind}{'!' if bold else ''}")
    widget.setStyleSheet(tone_style(kind, bold))


def error_field_style(palette: QPalette | None = None) -> str:
    """Style sheet of an input in error: red outline, tinted background, readable text."""
    if is_dark(palette):
        return f"border: 2px solid {DARK_NEGATIVE}; background: #4A1C1C; color: #FFFFFF;"
    return f"border: 2px solid #{formats.NEGATIVE_HEX}; background: #FDECEA; color: #000000;"


def set_field_error(widget: QWidget, error: bool) -> None:
    """Mark an input in error (or clear it), now and after a palette change."""
    widget.setProperty(TONE_PROPERTY, "field-error" if error else "")
    widget.setStyleSheet(error_field_style() if error else "")


def error_label_style(palette: QPalette | None = None) -> str:
    """Style sheet of the reason written under a field in error."""
    return tone_style("bad", palette=palette)


def restyle_tree(root: QWidget) -> None:
    """Re-apply the tone of every widget under ``root`` for the current palette.

    Every widget that ever had a style sheet (even one set back to ``""``) is re-polished
    too: Qt resolves such a widget's palette once and would keep the old one (white fields
    on a dark window)."""
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.testAttribute(Qt.WidgetAttribute.WA_StyleSheet):
            continue
        tone = str(widget.property(TONE_PROPERTY) or "")
        sheet = widget.styleSheet()
        if tone == "field-error":
            sheet = error_field_style()
        elif tone:
            sheet = tone_style(tone.rstrip("!"), tone.endswith("!"))
        widget.setStyleSheet(sheet + " ")  # a different sheet: Qt polishes it again
        widget.setStyleSheet(sheet)


class _PaletteWatcher(QObject):
    def __init__(self, widget: QWidget, restyle: Callable[[], None]) -> None:
        super().__init__(widget)
        self._restyle = restyle
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.PaletteChange:
            self._restyle()
        return False


def follow_palette(widget: QWidget, restyle: Callable[[], None]) -> QObject:
    """Call ``restyle()`` each time ``widget``'s palette changes (app palette switched)."""
    return _PaletteWatcher(widget, restyle)


def series_colours(palette: QPalette | None = None) -> list[QColor]:
    """:data:`SERIES` in order, each readable as a line on this palette's chart background."""
    palette = palette or current_palette()
    return [readable(c, _grounds(palette, QPalette.ColorRole.Base), GRAPHIC_CONTRAST)
            for c in SERIES]


def neutral_series_colour(palette: QPalette | None = None) -> QColor:
    """:data:`NEUTRAL_SERIES` readable as a line on this palette's chart background."""
    palette = palette or current_palette()
    return readable(NEUTRAL_SERIES, _grounds(palette, QPalette.ColorRole.Base), GRAPHIC_CONTRAST)


def level_colour(kind: str, palette: QPalette | None = None) -> QColor:
    """A ``good`` / ``bad`` threshold line on a chart (the regime's +1 / -1)."""
    palette = palette or current_palette()
    tones = TONES_DARK if is_dark(palette) else TONES_LIGHT
    return readable(tones[kind], _grounds(palette, QPalette.ColorRole.Base), GRAPHIC_CONTRAST)


def correlation_colour(value: float) -> QColor:
    """Cell colour of a correlation in [-1, 1] on every palette: the workbook's 3-colour scale,
    :func:`rotation_addin.core.formats.correlation_rgb` (red +1 = move together, white 0,
    blue -1; :data:`MISSING_CELL` grey when missing)."""
    if not math.isfinite(value):
        return QColor(MISSING_CELL)
    return QColor(*formats.correlation_rgb(value))


def cell_text_colour(fill: QColor) -> QColor:
    """Black or white text on a coloured cell, whichever contrasts more (at least 4.58:1
    whatever the fill: the two ratios cross at luminance 0.229)."""
    light, dark = QColor(255, 255, 255), QColor(0, 0, 0)
    return light if contrast_ratio(light, fill) > contrast_ratio(dark, fill) else dark


def style_plot(plot: Any, palette: QPalette | None = None) -> None:
    """Background, axes, title and legend of a pyqtgraph ``PlotWidget`` from the palette."""
    palette = palette or current_palette()
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    plot.setBackground(base)
    item = plot.getPlotItem()
    for name in ("left", "bottom", "right", "top"):
        axis = item.getAxis(name)
        axis.setPen(text)
        axis.setTextPen(text)  # also the axis label's colour
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
    palette = QPalette(QColor("#303134"), QColor("#202124"))  # derives light/mid/dark/shadow
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, "#202124"), (roles.WindowText, "#E8EAED"), (roles.Base, "#171717"),
        (roles.AlternateBase, "#2A2B2E"), (roles.Text, "#E8EAED"), (roles.Button, "#303134"),
        (roles.ButtonText, "#E8EAED"), (roles.Highlight, "#8AB4F8"),
        (roles.HighlightedText, "#202124"), (roles.ToolTipBase, "#303134"),
        (roles.ToolTipText, "#E8EAED"), (roles.PlaceholderText, "#9AA0A6"),
        (roles.Link, "#8AB4F8"), (roles.BrightText, "#FFFFFF"),
    ):
        palette.setColor(role, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        palette.setColor(disabled, role, QColor("#80868B"))
    return palette


def light_palette() -> QPalette:
    """The Fusion style's standard light palette (screenshots of the light look)."""
    style = QStyleFactory.create("Fusion")
    return style.standardPalette() if style is not None else QPalette()
