"""Every tab filled from the demo market, checked against independent pandas/NumPy figures."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication

from gui.main_window import TAB_NAMES, MainWindow
from gui.models import RAW_VALUE_ROLE
from rotation_addin.data.settings import Settings
from tests.gui_helpers import loaded_window


@pytest.fixture
def loaded(qtbot) -> MainWindow:
    return loaded_window(qtbot)


def test_sectors_table_and_chart(qtbot, loaded: MainWindow) -> None:
    dataset = loaded.snapshot.dataset
    trading = [s for s in dataset.universe.trading_sectors()]
    table = loaded.sectors.table
    assert table.row_count() == len(trading)
    model = table.table_model
    names = model.column_names()
    sectors_shown = {model.raw_value(r, names.index("sector")) for r in range(model.rowCount())}
    assert sectors_shown == set(trading)
    # one line per trading sector + BTC
    assert loaded.sectors.curve_count() == len(trading) + 1
    # sorting by clicking the Score header sorts by the raw score (descending on 2nd click)
    header = table.horizontalHeader()
    column = names.index("score")
    qtbot.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton,
        pos=header.rect().topLeft() + _section_centre(header, column),
    )
    scores = [model.data(model.index(r, column), RAW_VALUE_ROLE) for r in range(len(trading))]
    assert scores == sorted(scores) or scores == sorted(scores, reverse=True)
    # 7-day momentum of the leader recomputed from the closes (BTC-relative log return)
    closes = dataset.close
    logret = np.log(closes / closes.shift(1)).iloc[1:]
    leader = loaded.snapshot.report.sectors[0]
    members = [b for b in dataset.universe.sectors[leader.sector] if b in logret.columns]
    relative = logret[members].sub(logret["BTC"], axis=0).mean(axis=1)
    assert relative.iloc[-7:].sum() == pytest.approx(leader.momentum_7d, abs=1e-9)


def _section_centre(header, column):
    from PySide6.QtCore import QPoint

    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    return QPoint(x, header.height() // 2)


def test_correlation_heatmaps_match_pandas(loaded: MainWindow) -> None:
    dataset = loaded.snapshot.dataset
    universe = dataset.universe
    logret = np.log(dataset.close / dataset.close.shift(1)).iloc[1:]
    index = pd.DataFrame(
        {s: logret[[b for b in universe.sectors[s] if b in logret]].mean(axis=1)
         for s in universe.trading_sectors()}
    )
    btc = logret["BTC"]
    threshold = np.quantile(btc.dropna().to_numpy(), 0.10)
    stress_days = btc <= threshold
    first, second = universe.trading_sectors()[:2]
    normal_ref = index.loc[~stress_days, first].corr(index.loc[~stress_days, second])
    stress_ref = index.loc[stress_days, first].corr(index.loc[stress_days, second])
    heat_n, heat_s = loaded.correlation.normal, loaded.correlation.stress
    i, j = heat_n.labels.index(first), heat_n.labels.index(second)
    assert heat_n.values[i][j] == pytest.approx(normal_ref, abs=1e-6)
    assert heat_s.values[i][j] == pytest.approx(stress_ref, abs=1e-6)
    assert heat_n.labels == heat_s.labels and "BTC" in heat_n.labels
    assert all(heat_n.values[k][k] == 1.0 for k in range(len(heat_n.labels)))


def test_regime_votes_and_plan_export(qtbot, loaded: MainWindow, tmp_path: Path) -> None:
    report = loaded.snapshot.report
    assert report.regime.label.upper() in loaded.regime.verdict.text()
    votes = loaded.regime.table
    assert votes.row_count() == len(report.regime.votes) == 3
    reasons = {row[-1] for row in votes.as_text_rows()[1:]}
    assert reasons == {v.reason for v in report.regime.votes}
    # the chart's last day is the verdict's day: same score as the sum of today's votes
    scores = loaded.snapshot.frames.regime_scores
    assert scores.iloc[-1] == sum(v.vote for v in report.regime.votes) == report.regime.score
    assert len(scores) == 365 and scores.between(-3, 3).all()
    assert len(loaded.regime.plot.plotItem.listDataItems()) == 1

    plan = loaded.plan
    orders = report.plan.orders
    assert plan.orders.row_count() == len(orders)
    assert plan.refusals.row_count() == len(report.plan.refusals)
    text = plan.copy_orders()
    assert QGuiApplication.clipboard().text() == text
    assert len(text.strip().splitlines()) == len(orders) + 1
    path = plan.export_csv(tmp_path / "orders.csv")
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["symbol"] for r in rows] == [o.symbol for o in orders]
    for row, order in zip(rows, orders, strict=True):
        assert float(row["quantity_base"]) == pytest.approx(order.quantity_base)
        assert float(row["risk_usd"]) == pytest.approx(order.risk_usd)


def test_status_bar_shows_demo_and_stale_warning(loaded: MainWindow) -> None:
    from datetime import timedelta

    panel = loaded.status_panel
    assert panel.source_label.text() == "Data: demo (simulated)"
    as_of = loaded.snapshot.dataset.as_of
    panel.show_dataset("cache (binanceusdm)", as_of, now=as_of + timedelta(days=3))
    assert panel.stale and "STALE" in panel.freshness_label.text()
    assert panel.source_label.text() == "Data: cache (binanceusdm)"
    panel.show_dataset("live (binanceusdm)", as_of, now=as_of + timedelta(hours=2))
    assert not panel.stale and "STALE" not in panel.freshness_label.text()
    assert panel.source_label.text() == "Data: live exchange (binanceusdm)"


def test_settings_validation_and_universe_editor(qtbot, loaded: MainWindow) -> None:
    view = loaded.settings_view
    loaded.tabs.setCurrentIndex(TAB_NAMES.index("Settings"))  # its page is a scroll area
    risk = view.risk_edits["risk_fraction"]
    risk.clear()
    qtbot.keyClicks(risk, "5")  # 5 % > the 3 % cap
    assert "risk_fraction" in view.settings_error.text()
    assert risk.styleSheet() != "" and not view.save_button.isEnabled()
    risk.clear()
    qtbot.keyClicks(risk, "1.5")
    assert view.settings_error.text() == "" and view.save_button.isEnabled()
    with qtbot.waitSignal(view.settings_saved) as saved:
        assert view.save()
    assert saved.args[0].risk_fraction == pytest.approx(0.015)
    from rotation_addin.data.settings import load_settings

    assert load_settings().risk_fraction == pytest.approx(0.015)

    url = view.api_url_edit
    qtbot.keyClicks(url, "ftp://nope")
    assert "exchange_api_url" in view.settings_error.text() and url.styleSheet() != ""
    url.clear()
    assert view.settings_error.text() == ""

    editor = view.universe_edit
    good = editor.toPlainText()
    editor.setPlainText(good + '\nextra = ["BTC"]\n')  # BTC listed twice
    view.validate_universe()
    assert view.universe_status.text().startswith("✗")
    assert not view.universe_save.isEnabled()
    editor.setPlainText(good)
    view.validate_universe()
    assert view.universe_status.text().startswith("✓")


class _UrlCatcher(QObject):
    """Receives URLs Qt would hand to the desktop (registered with setUrlHandler)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toLocalFile())


def test_export_writes_the_workbook_and_opens_it(qtbot, loaded: MainWindow) -> None:
    """Export goes through workbook.refresh_workbook; Open hands the file to the desktop.

    The desktop hand-off is intercepted with Qt's own ``QDesktopServices.setUrlHandler``
    (no desktop session here to launch a spreadsheet application).
    """
    import openpyxl

    catcher = _UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        with qtbot.waitSignal(loaded.task_ended, timeout=120_000) as ended:
            loaded.open_action.trigger()
        assert ended.args == ["succeeded"], loaded.status_panel.progress_label.text()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    written = loaded.last_workbook
    assert written is not None and catcher.urls == [str(written)]
    book = openpyxl.load_workbook(written, read_only=True)
    labels = [
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(max_row=6, values_only=True)
        for cell in row
        if cell is not None
    ]
    assert any("demo (simulated)" in text for text in labels)


def test_empty_cache_says_so_everywhere(qtbot) -> None:
    """Start on an empty cache: one clear message, no traceback, the window still usable."""
    window = MainWindow(Settings(data_source="cache"))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.task_ended, timeout=60_000) as ended:
        window.start_initial_load()
    assert ended.args == ["failed"]
    message = window.status_panel.progress_label.text()
    assert "run `rotation refresh" in message and "Traceback" not in message
    assert window.sectors.caption.text().startswith("No data loaded:")
    assert window.status_panel.source_label.text() == "Data: none"
    assert window.demo_action.isEnabled() and window.refresh_action.isEnabled()
    with qtbot.waitSignal(window.task_ended, timeout=120_000) as ended:
        window.demo_action.trigger()
    assert ended.args == ["succeeded"]
    assert window.status_panel.source_label.text() == "Data: demo (simulated)"
