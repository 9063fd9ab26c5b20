"""Desktop habits: geometry and last tab remembered, menu shortcuts, Ctrl+C copies the
selection, CSV export on every table, the About box, light and dark palettes, the keyring in
words. Offscreen (pytest-qt), real QSettings INI files in a temporary folder."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QColor, QGuiApplication, QKeySequence, QPalette
from PySide6.QtWidgets import QApplication

from gui import menus
from gui.main_window import TAB_NAMES, MainWindow
from gui.palette import dark_palette, error_field_style, is_dark, style_plot, tone_colour
from gui.settings_view import key_state_text
from gui.table_view import DataTable
from rotation_addin import __version__
from rotation_addin.core import formats
from rotation_addin.data.settings import Settings


def _window(qtbot: Any, state: Path) -> MainWindow:
    window = MainWindow(Settings(), state_path=state)
    qtbot.addWidget(window)
    return window


def test_geometry_and_tab_survive_a_restart(qtbot: Any, tmp_path: Path) -> None:
    state = tmp_path / "desktop.ini"
    first = _window(qtbot, state)
    first.show()
    first.resize(785, 720)  # inside the offscreen 800x800 screen (restore clamps to it)
    first.tabs.setCurrentIndex(TAB_NAMES.index("Regime"))
    qtbot.wait(50)
    size = (first.width(), first.height())  # sizes stop at the window's minimum
    assert size != (1200, 760)  # not the default: a restart must restore it
    first.close()
    assert state.is_file() and "geometry" in state.read_text()
    second = _window(qtbot, state)
    second.show()
    assert second.tabs.currentIndex() == TAB_NAMES.index("Regime")
    assert (second.width(), second.height()) == size


def test_a_damaged_state_file_starts_with_defaults(qtbot: Any, tmp_path: Path) -> None:
    state = tmp_path / "desktop.ini"
    state.write_text("[window]\ngeometry=not a geometry\ntab=seven\n")
    window = _window(qtbot, state)
    assert window.tabs.currentIndex() == 0
    assert (window.width(), window.height()) == (1200, 760)


def test_menu_shortcuts(qtbot: Any, tmp_path: Path) -> None:
    window = _window(qtbot, tmp_path / "s.ini")
    assert window.refresh_action.shortcut() == QKeySequence("F5")
    assert window.export_action.shortcut() == QKeySequence("Ctrl+E")
    assert window.menu_actions["copy"].shortcut() == QKeySequence(QKeySequence.StandardKey.Copy)
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&File", "&Edit", "&Help"]


def _fill(table: DataTable) -> pd.DataFrame:
    frame = pd.DataFrame({"sector": ["ai", "l1", "meme"], "score": [1.5, -0.25, 0.125]})
    table.set_frame(frame, show_index=False)
    return frame


def test_ctrl_c_copies_the_selection_only(qtbot: Any, tmp_path: Path) -> None:
    window = _window(qtbot, tmp_path / "s.ini")
    window.show()
    window.tabs.setCurrentIndex(TAB_NAMES.index("Sectors"))
    table = window.sectors.table
    _fill(table)
    table.setSelectionBehavior(DataTable.SelectionBehavior.SelectItems)
    table.setFocus()
    model = table.table_model
    assert model is not None
    table.selectionModel().select(model.index(1, 1), QItemSelectionModel.SelectionFlag.Select)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is table)
    window.menu_actions["copy"].trigger()
    assert QGuiApplication.clipboard().text() == "score\n-0.25\n"
    # a whole row: both columns of that row and nothing else
    table.selectRow(2)
    text = menus.copy_focused_table(window)
    assert text == "sector\tscore\nmeme\t0.12\n"


def test_every_table_exports_csv(qtbot: Any, tmp_path: Path) -> None:
    window = _window(qtbot, tmp_path / "s.ini")
    tables = window.findChildren(DataTable)
    assert len(tables) >= 5
    for number, table in enumerate(tables):
        assert table.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu
        frame = _fill(table)
        written = table.export_csv(tmp_path / f"t{number}.csv")
        with written.open(newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == ["sector", "score"]
        assert [float(r[1]) for r in rows[1:]] == list(frame["score"])  # raw values


def test_about_box_names_version_and_data_source(qtbot: Any, tmp_path: Path) -> None:
    window = _window(qtbot, tmp_path / "s.ini")
    box = menus.show_about(window)
    qtbot.addWidget(box)
    assert __version__ in box.text()
    assert "demo" in box.text() and "ccxt" in box.text() and "places an order" in box.text()
    box.close()


def _contrast(first: QColor, second: QColor) -> float:
    """WCAG contrast ratio of two colours."""
    def luminance(colour: QColor) -> float:
        channels = []
        for value in (colour.redF(), colour.greenF(), colour.blueF()):
            channels.append(value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4)
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _style_colours(style: str) -> tuple[QColor, QColor]:
    parts = dict(p.split(":", 1) for p in style.replace(" ", "").strip(";").split(";"))
    return QColor(parts["background"]), QColor(parts["color"])


@pytest.mark.parametrize("dark", [False, True])
def test_colours_and_charts_follow_the_palette(qtbot: Any, dark: bool) -> None:
    import pyqtgraph as pg

    palette = dark_palette() if dark else QPalette(QColor("#F0F0F0"), QColor("#FFFFFF"))
    assert is_dark(palette) is dark
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.addLegend()
    style_plot(plot, palette)
    assert plot.backgroundBrush().color() == palette.color(QPalette.ColorRole.Base)
    axis = plot.getPlotItem().getAxis("left")
    assert axis.textPen().color() == palette.color(QPalette.ColorRole.Text)
    background, text = _style_colours(error_field_style(palette))
    assert _contrast(background, text) >= 7.0  # typed text in a field in error stays readable
    base = palette.color(QPalette.ColorRole.Base)
    for tone in ("up", "down"):
        colour = tone_colour(tone, palette)
        assert colour is not None and _contrast(colour, base) >= 3.0
    assert tone_colour("flat", palette) is None
    if not dark:
        assert tone_colour("up", palette) == QColor(f"#{formats.POSITIVE_HEX}")


def test_keyring_state_in_words() -> None:
    none = key_state_text("binanceusdm", False, "SecretService Keyring")
    assert "No key stored for binanceusdm" in none and "SecretService Keyring" in none
    assert "public market data" in none
    stored = key_state_text("binanceusdm", True, "SecretService Keyring")
    assert "never written to a file" in stored and "never places orders" in stored


def test_plan_fits_1280_px_with_role_and_reason(qtbot: Any, tmp_path: Path) -> None:
    window = _window(qtbot, tmp_path / "s.ini")
    window.show()
    window.resize(1280, 760)
    outcomes: list[str] = []
    window.task_ended.connect(outcomes.append)
    window.start_initial_load()
    qtbot.waitUntil(lambda: bool(outcomes), timeout=120_000)
    assert outcomes == ["succeeded"]
    window.tabs.setCurrentIndex(TAB_NAMES.index("Plan"))
    table = window.plan.orders
    qtbot.waitUntil(lambda: table.viewport().width() > 1000)
    window.plan.fit_reason_column()
    header = table.horizontalHeader()
    widths = [(table.table_model.header_text(c), header.sectionSize(c))
              for c in range(header.count())]
    assert header.length() <= table.viewport().width() + 1, widths  # no horizontal scrolling
    names = table.table_model.column_names()
    for name in ("role", "reason"):
        column = names.index(name)
        assert header.sectionViewportPosition(column) + header.sectionSize(column) <= (
            table.viewport().width() + 1)
    model = table.table_model
    reason = model.display_text(0, names.index("reason"))
    if table.fontMetrics().horizontalAdvance(reason) > header.sectionSize(names.index("reason")):
        assert table.rowHeight(0) > table.fontMetrics().height() * 1.5  # the reason wraps
    assert window.plan.caption.text().startswith(
        formats.format_count(model.rowCount(), "order") + ",")
