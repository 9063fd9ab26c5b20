"""A correlation is written with ``core.formats.CORRELATION_DECIMALS`` on every surface: the
app's heatmap cells and Correlation notes, ``rotation corr``'s lines and the workbook's
Correlation sheet notes (the "average pairwise correlation" line, inverse pairs, stress
figures). They had literal ``:.2f``, free to drift from the constant (and from each other).

Here the constant is set to 3 decimals and every surface must follow it, each text compared
with the figure written here with plain ``f"{x:.3f}"`` (not by ``core.formats``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtGui import QPainter

import gui.heatmap
from gui.heatmap import HeatmapWidget
from gui.report_frames import compute_report, correlation_frames
from rotation_addin.core import formats
from rotation_addin.data.settings import Settings
from rotation_addin.desk.session import default_session
from tests.cli_helpers import run
from workbook import layout as lay
from workbook.build import build_workbook

DECIMALS = 3
"""Not the shipped 2: a surface with its own literal decimals would still write 2."""
THREE = re.compile(r"[-+]?\d\.\d{3}(?!\d)")


@pytest.fixture()
def three_decimals(monkeypatch: pytest.MonkeyPatch) -> None:
    assert formats.CORRELATION_DECIMALS != DECIMALS
    monkeypatch.setattr(formats, "CORRELATION_DECIMALS", DECIMALS)


def test_the_average_pairwise_line_follows_the_constant_everywhere(
        three_decimals: None, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    settings = Settings()
    dataset = default_session().dataset("demo", settings.exchange_id)
    report = compute_report(dataset, settings)
    picture = report.correlation
    average = f"{picture.average_pairwise:.3f}"

    code, out, err = run(capsys, "corr", "--source", "demo", "--window",
                         str(picture.window_days))
    assert code == 0, err
    assert f"average pairwise correlation: {average}" in out.splitlines()

    notes = correlation_frames(dataset, report)[5].splitlines()
    assert (f"Average pairwise sector correlation ({picture.window_days} d, USD): "
            f"{average}") in notes
    vs_btc = next(line for line in notes if line.startswith("vs BTC, normal → stress"))
    assert len(THREE.findall(vs_btc)) >= 2, vs_btc

    path = build_workbook(tmp_path / "corr.xlsx", dataset=dataset, params=settings,
                          report=report, now=dataset.as_of).path
    ws = load_workbook(path)[lay.CORRELATION]
    texts = [str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert f"Average pairwise correlation (USD): {average}" in texts
    stress = [t for t in texts if t.startswith("  ") and " vs " in t and "normal " in t]
    assert stress and all(len(THREE.findall(t)) == 3 for t in stress), stress


def test_the_heatmap_cells_follow_the_constant(three_decimals: None, qtbot: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[str] = []

    class Recording(QPainter):
        def drawText(self, *args: Any) -> None:
            written.append(str(args[-1]))
            super().drawText(*args)

    monkeypatch.setattr(gui.heatmap, "QPainter", Recording)
    widget = HeatmapWidget()
    qtbot.addWidget(widget)
    widget.set_matrix(["a", "b"], [[1.0, -0.31416], [-0.31416, 1.0]], "t")
    widget.resize(480, 480)
    widget.grab()
    assert {"1.000", "-0.314"} <= set(written), written
