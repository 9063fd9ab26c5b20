"""Light and dark palettes: every tab rendered offscreen and measured.

Contrast is the WCAG 2.1 ratio, written here from the standard (relative luminance of sRGB,
``(L1 + 0.05) / (L2 + 0.05)``), not taken from ``gui.palette``. Text needs 4.5:1 on its
background, chart lines 3:1 (WCAG 1.4.11 non-text contrast). Where the text is painted, the
check reads the rendered pixels: the background is the most frequent colour of the widget's
image and the text the pixel farthest from it in luminance.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QTableView, QWidget

from gui import palette as look
from gui.main_window import MainWindow
from gui.pipeline import load_snapshot
from rotation_addin.data.live import LiveTick
from rotation_addin.data.settings import Settings
from rotation_addin.desk.live_book import LiveBook
from workbook import layout as lay
from workbook.build import build_workbook

TEXT, GRAPHIC = 4.5, 3.0


def _linear(channel: np.ndarray) -> np.ndarray:
    c = channel / 255.0
    return np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _luminances(rgb: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of ``(..., 3)`` sRGB values 0-255."""
    lin = _linear(rgb.astype(float))
    return 0.2126 * lin[..., 0] + 0.7152 * lin[..., 1] + 0.0722 * lin[..., 2]


def _luminance(colour: QColor) -> float:
    return float(_luminances(np.array([colour.red(), colour.green(), colour.blue()])))


def _contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _rgb(image: QImage) -> np.ndarray:
    """The image's pixels as an ``(h, w, 3)`` array."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * height)
    return raw.reshape(height, stride)[:, : 3 * width].reshape(height, width, 3)


def _background(image: QImage, step: int = 1) -> QColor:
    """The most frequent colour of the image."""
    pixels = _rgb(image)[::step, ::step].reshape(-1, 3).astype(np.uint32)
    packed = (pixels[:, 0] << 16) | (pixels[:, 1] << 8) | pixels[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    return QColor.fromRgb(int(values[int(np.argmax(counts))]))


def _rendered_text_contrast(widget: QWidget, inset: int = 0) -> float:
    """Contrast between the painted text of ``widget`` and its own background (``inset``
    pixels cut from each side: a field's outline is not its text)."""
    image = widget.grab().toImage()
    if inset:
        image = image.copy(inset, inset, image.width() - 2 * inset,
                           image.height() - 2 * inset)
    ground = _luminance(_background(image))
    lum = _luminances(_rgb(image).reshape(-1, 3))
    return float(np.max((np.maximum(lum, ground) + 0.05) / (np.minimum(lum, ground) + 0.05)))


def _set_palette(palette: QPalette) -> None:
    QApplication.setPalette(palette)
    QApplication.processEvents()


@pytest.fixture
def restore_palette() -> Iterator[None]:
    """The test may switch the application palette; the next test gets the old one."""
    before = QPalette(QApplication.palette())
    yield
    _set_palette(before)


def _demo_window(qtbot: Any, tmp_path: Path) -> MainWindow:
    window = MainWindow(Settings(), state_path=tmp_path / "desktop.ini")
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.apply_snapshot(load_snapshot(window.settings, "demo"))
    window.backtest._plots()  # the Backtest charts exist before a run only when asked
    _live_rows(window)
    return window


def _live_rows(window: MainWindow) -> None:
    """Two live tickers, one up and one down, through the Live tab's own models (what the
    controller does with streamed ticks; no stream here)."""
    tickers, _ = window.live.view.set_bases(["BTC", "ETH"])
    book = LiveBook([])
    for prices in ((100.0, 50.0), (101.0, 49.0)):
        ticks = [LiveTick(base, price, None, 0, 0, "rest")
                 for base, price in zip(("BTC", "ETH"), prices, strict=True)]
        tickers.update_from(book, book.apply(ticks), {})
    assert tickers.item(0, 3).text().startswith("+") and tickers.item(1, 3).text()[0] in "-−"


def _check_plots(page: QWidget, problems: list[str], dark: bool) -> int:
    plots = [p for p in page.findChildren(pg.PlotWidget) if p.isVisible()]
    for plot in plots:
        ground = _background(plot.grab().toImage(), step=4)
        name = plot.objectName()
        if (_luminance(ground) < 0.05) is not dark:
            problems.append(f"{name}: chart background {ground.name()} on a "
                            f"{'dark' if dark else 'light'} palette")
        item = plot.getPlotItem()
        for side in ("left", "bottom"):
            text = item.getAxis(side).textPen().color()
            if _contrast(text, ground) < TEXT:
                problems.append(f"{name}: {side} axis text {text.name()} on {ground.name()}")
        for curve in item.listDataItems():
            pen = pg.mkPen(curve.opts["pen"]).color()
            if _contrast(pen, ground) < GRAPHIC:
                problems.append(f"{name}: line {pen.name()} on {ground.name()}")
    return len(plots)


def _check_tables(page: QWidget, problems: list[str]) -> None:
    for table in page.findChildren(QTableView):
        model = table.model()
        if model is None or not table.isVisible():
            continue
        roles = QPalette.ColorRole
        grounds = [table.palette().color(roles.Base), table.palette().color(roles.AlternateBase)]
        for row in range(min(model.rowCount(), 30)):
            for column in range(model.columnCount()):
                brush = model.data(model.index(row, column), Qt.ItemDataRole.ForegroundRole)
                plain = brush is None or brush.style() == Qt.BrushStyle.NoBrush
                text = table.palette().color(roles.Text) if plain else brush.color()
                worst = min(_contrast(text, g) for g in grounds)
                if worst < TEXT:
                    problems.append(f"{table.objectName() or type(model).__name__} cell "
                                    f"({row}, {column}) {text.name()}: {worst:.2f}")


def _check_labels(root: QWidget, problems: list[str]) -> None:
    for label in root.findChildren(QLabel):
        if label.isVisible() and label.text().strip() and label.width() > 4:
            ratio = _rendered_text_contrast(label)
            if ratio < TEXT:
                problems.append(f"label {label.text()[:40]!r}: {ratio:.2f}")


@pytest.mark.parametrize("dark", [True, False], ids=["dark", "light"])
def test_every_tab_is_legible(qtbot: Any, tmp_path: Path, restore_palette: None,
                              dark: bool) -> None:
    _set_palette(look.dark_palette() if dark else look.light_palette())
    window = _demo_window(qtbot, tmp_path)
    problems: list[str] = []
    charts = 0
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        QApplication.processEvents()
        page = window.tabs.currentWidget()
        window_ground = page.palette().color(QPalette.ColorRole.Window)
        assert (_luminance(window_ground) < 0.05) is dark, window.tabs.tabText(index)
        charts += _check_plots(page, problems, dark)
        _check_tables(page, problems)
        _check_labels(page, problems)
    _check_labels(window.statusBar(), problems)
    assert charts >= 5  # sectors, regime, journal, backtest equity and drawdown
    assert not problems, "\n".join(problems)


def test_field_in_error_stays_readable_in_the_dark(qtbot: Any, tmp_path: Path,
                                                   restore_palette: None) -> None:
    _set_palette(look.dark_palette())
    window = _demo_window(qtbot, tmp_path)
    quick = window.quick_check
    field = quick.fields["stop_price_usd"]
    assert isinstance(field, QLineEdit)
    entry = float(quick.fields["entry_price_usd"].text())
    field.setText(f"{entry * 1.03:.4g}")  # a stop above the entry of a long
    quick.recompute()
    QApplication.processEvents()
    assert quick.last_error, "the stop must be refused"
    image = field.grab().toImage()
    ground = _background(image)
    assert _luminance(ground) < 0.05  # the tinted field stays dark
    assert _rendered_text_contrast(field, inset=4) >= TEXT
    # and it follows a switch back to light: the same field, light tint, dark text
    _set_palette(look.light_palette())
    light = field.grab().toImage()
    assert _luminance(_background(light)) > 0.6
    assert _rendered_text_contrast(field, inset=4) >= TEXT


def test_a_palette_switch_recolours_the_running_window(qtbot: Any, tmp_path: Path,
                                                       restore_palette: None) -> None:
    _set_palette(look.light_palette())
    window = _demo_window(qtbot, tmp_path)
    window.tabs.setCurrentWidget(window.sectors)
    QApplication.processEvents()
    plot = window.sectors.plot
    light_lines = [pg.mkPen(c.opts["pen"]).color().name()
                   for c in plot.getPlotItem().listDataItems()]
    assert _luminance(_background(plot.grab().toImage(), step=4)) > 0.9
    _set_palette(look.dark_palette())
    ground = _background(plot.grab().toImage(), step=4)
    assert _luminance(ground) < 0.05
    dark_lines = [pg.mkPen(c.opts["pen"]).color() for c in plot.getPlotItem().listDataItems()]
    assert len(dark_lines) == len(light_lines) == window.sectors.curve_count()
    assert all(_contrast(c, ground) >= GRAPHIC for c in dark_lines)
    assert [c.name() for c in dark_lines] != light_lines  # redrawn for the dark background
    source = window.status_panel.source_label  # "Data: demo (simulated)", a warning tone
    assert source.text().startswith("Data: demo")
    assert _rendered_text_contrast(source) >= TEXT


def test_tone_and_series_colours_on_both_palettes() -> None:
    roles = QPalette.ColorRole
    for pal in (look.light_palette(), look.dark_palette()):
        window, base, alt = (pal.color(r) for r in (roles.Window, roles.Base,
                                                    roles.AlternateBase))
        for kind in ("good", "bad", "warning"):
            assert _contrast(look.text_colour(kind, pal), window) >= TEXT, kind
        for tone in ("up", "down"):
            colour = look.tone_colour(tone, pal)
            assert colour is not None
            assert min(_contrast(colour, base), _contrast(colour, alt)) >= TEXT, tone
        series = look.series_colours(pal)
        assert len({c.name() for c in series}) == len(series)  # still distinct lines
        assert all(_contrast(c, base) >= GRAPHIC for c in series)
    # the convention survives the shading: "up" stays green-dominant, "down" red-dominant
    for pal in (look.light_palette(), look.dark_palette()):
        up, down = look.tone_colour("up", pal), look.tone_colour("down", pal)
        assert up is not None and down is not None
        assert up.green() > up.red() and down.red() > down.green()


def test_heatmap_uses_the_workbooks_correlation_scale(tmp_path: Path) -> None:
    """One convention: the app's cells at -1, 0 and +1 are the workbook's colour-scale
    colours, red means move together, and the cell text reads on every shade."""
    dataset = load_snapshot(Settings(), "demo").dataset
    path = build_workbook(tmp_path / "corr.xlsx", dataset=dataset, params=Settings(),
                          now=dataset.as_of).path
    sheet = load_workbook(path)[lay.CORRELATION]
    scales = [rule.colorScale for rng in sheet.conditional_formatting for rule in rng.rules
              if rule.colorScale is not None]
    assert scales, "the Correlation sheet has a colour scale"
    for scale in scales:
        points = {float(v.val): colour.rgb[-6:].upper()
                  for v, colour in zip(scale.cfvo, scale.color, strict=True)}
        for value, hex_rgb in points.items():
            assert look.correlation_colour(value).name().upper() == f"#{hex_rgb}", value
    plus, minus = look.correlation_colour(0.9), look.correlation_colour(-0.9)
    assert plus.red() > plus.blue() and minus.blue() > minus.red()
    assert look.correlation_colour(float("nan")).name() == look.MISSING_CELL.lower()
    for value in np.linspace(-1.0, 1.0, 81):
        fill = look.correlation_colour(float(value))
        assert _contrast(look.cell_text_colour(fill), fill) >= TEXT, value
