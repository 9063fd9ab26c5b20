"""Backtest tab: runs on the loaded demo market, plots the curves the engine computes."""

from __future__ import annotations

import numpy as np
import pytest

from gui.main_window import TAB_NAMES, MainWindow
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.data.settings import Settings


@pytest.mark.slow
def test_backtest_tab_plots_the_engines_curves(qtbot) -> None:
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.task_ended, timeout=120_000) as blocker:
        window.start_initial_load()
    assert blocker.args == ["succeeded"]
    assert window.tabs.tabText(TAB_NAMES.index("Backtest")) == "Backtest"
    with qtbot.waitSignal(window.task_ended, timeout=300_000) as blocker:
        window.backtest.run_button.click()
    assert blocker.args == ["succeeded"], window.status_panel.progress_label.text()
    result = window.backtest.summary.result
    expected = result.equity.to_numpy()
    # the run used the user's parameters and the demo funding history
    assert result.params == PlanParameters.from_settings(window.settings)
    assert result.funding_usd != 0.0 and not result.warnings
    curves = window.backtest.equity_plot.getPlotItem().listDataItems()
    assert [c.name() for c in curves] == ["strategy", "BTC buy-and-hold",
                                          "equal-weight universe"]
    np.testing.assert_allclose(curves[0].yData, expected, rtol=1e-12)
    text = window.backtest.lines.text()
    total = 100 * (expected[-1] / expected[0] - 1)
    assert "BTC buy-and-hold" in text and "stop is taken first" in text
    assert f"total return {total:+.1f} %" in window.status_panel.progress_label.text()


def test_backtest_without_data_says_so(qtbot) -> None:
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    assert window.run_backtest() is None
    assert "Load data first" in window.status_panel.progress_label.text()
