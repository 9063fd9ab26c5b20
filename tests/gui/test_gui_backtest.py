"""Backtest tab: runs on the loaded demo market, plots the curves the engine computes."""

from __future__ import annotations

import numpy as np
import pytest

from gui.main_window import TAB_NAMES, MainWindow
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.data.settings import Settings
from tests.gui_helpers import loaded_window


@pytest.mark.slow
def test_backtest_tab_plots_the_engines_curves(qtbot) -> None:
    window = loaded_window(qtbot)
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


@pytest.mark.slow
def test_sweep_button_shows_the_desks_sweep_as_bars(qtbot) -> None:
    from rotation_addin.data.funding import demo_funding
    from rotation_addin.desk.backtest import strategy_sweep, sweep_lines

    window = MainWindow(Settings())
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.task_ended, timeout=120_000):
        window.start_initial_load()
    with qtbot.waitSignal(window.task_ended, timeout=300_000) as blocker:
        window.backtest.sweep_button.click()
        task = window.current_task
    assert blocker.args == ["succeeded"], window.status_panel.progress_label.text()
    dataset = window.snapshot.dataset
    expected = strategy_sweep(dataset, PlanParameters.from_settings(window.settings),
                              funding=demo_funding(dataset), workers=1)
    shown = window.backtest.sweep
    np.testing.assert_array_equal(shown.result.equity, expected.result.equity)
    bars = [i for i in window.backtest.sweep_plot.getPlotItem().items
            if type(i).__name__ == "BarGraphItem"]
    heights = bars[0].opts["height"]
    assert list(heights) == sorted((r.sharpe for r in expected.rows), reverse=True)
    lines = [i for i in window.backtest.sweep_plot.getPlotItem().items
             if type(i).__name__ == "InfiniteLine"]
    assert lines[0].value() == pytest.approx(expected.unskilled_best_sharpe, rel=1e-12)
    assert window.backtest.sweep_lines.text().splitlines() == sweep_lines(expected)
    best = expected.rows[expected.result.best]
    assert f"best Sharpe {best.sharpe:.2f} with {best.label}" in \
        window.status_panel.progress_label.text()
    last = task.reporter.last  # a progress report per setting, the last one 18/18
    assert (last.done, last.total) == (len(expected.rows), len(expected.rows))


def test_sweep_stops_at_the_next_setting_when_cancelled(qtbot) -> None:
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.task_ended, timeout=120_000):
        window.start_initial_load()
    with qtbot.waitSignal(window.task_ended, timeout=120_000) as blocker:
        task = window.run_sweep()
        assert task is not None
        task.cancel()
    assert blocker.args == ["cancelled"]
    assert window.backtest.sweep is None and not window.busy
    message = window.status_panel.progress_label.text()
    assert message.startswith("Cancelled after") and "cache" not in message


def test_sweep_without_data_says_so(qtbot) -> None:
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    assert window.run_sweep() is None
    assert "Load data first" in window.status_panel.progress_label.text()


@pytest.mark.parametrize(("typed", "said"), [
    ("theta=2,x", "Sweep grid theta: must be a number in (0, 10] (got 'x')"),
    ("top_n_long=one", "Sweep grid top_n_long: must be an integer >= 1 (got 'one')"),
    ("max_leverage=0.5", "Sweep grid max_leverage: must be in [1, 125] (got 0.5)"),
    ("top_n_long=1.5", "Sweep grid top_n_long: must be an integer >= 1 (got 1.5)"),
    ("nope=1", "Sweep grid: unknown parameter(s) ['nope']"),
    ("theta", "Sweep grid: must be NAME=V1,V2,... (got 'theta')"),
    ("theta=1, 1.0", "Sweep grid theta: 1 given twice"),
])
def test_the_grid_field_names_what_is_wrong_and_holds_the_button(qtbot, typed: str,
                                                                 said: str) -> None:
    from gui.backtest_view import BacktestView

    view = BacktestView()
    qtbot.addWidget(view)
    assert view.sweep_button.isEnabled() and "(18 settings)" in view.sweep_button.text()
    view.grid_edit.setText(typed)
    assert said in view.grid_errors.text("grid")
    assert not view.sweep_button.isEnabled() and not view.grid_ok
    view.grid_edit.setText("theta=1.5, 2; top_n_long=1,2,3")
    assert view.grid_errors.text("grid") == ""
    assert view.sweep_button.isEnabled()
    assert view.sweep_button.text() == "Sweep theta, top_n_long (6 settings)"
    assert view.grid == {"theta": (1.5, 2.0), "top_n_long": (1.0, 2.0, 3.0)}
    view.grid_edit.setText("   ")
    assert view.grid is None and "(18 settings)" in view.sweep_button.text()


@pytest.mark.slow
def test_the_sweep_runs_the_typed_grid(qtbot) -> None:
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.task_ended, timeout=120_000):
        window.start_initial_load()
    window.backtest.grid_edit.setText("max_leverage=2,5")
    with qtbot.waitSignal(window.task_ended, timeout=300_000) as blocker:
        window.backtest.sweep_button.click()
    assert blocker.args == ["succeeded"], window.status_panel.progress_label.text()
    sweep = window.backtest.sweep
    assert sweep.names == ("max_leverage",)
    assert [r.label for r in sweep.rows] == ["max_leverage=2", "max_leverage=5"]
    window.backtest.grid_edit.setText("max_leverage=0")
    assert window.run_sweep() is None
    assert "Fix the sweep grid first" in window.status_panel.progress_label.text()


def test_the_sweep_chart_draws_the_desks_bars(qtbot) -> None:
    """The app's bars are ``SweepSummary.sharpe_bars``: a hand-made sweep with two undefined
    Sharpes shows them flat and last (by hand: 1.5, 1.0, 0.5, -0.2, 0, 0), the best alone in
    the strategy's colour."""
    from gui.backtest_view import BacktestView
    from gui.palette import series_colours
    from tests.desk.sweep_fixture import UNSKILLED, hand_sweep

    view = BacktestView()
    qtbot.addWidget(view)
    view.set_sweep(hand_sweep())
    items = view.sweep_plot.getPlotItem().items
    bars = next(i for i in items if type(i).__name__ == "BarGraphItem")
    assert list(bars.opts["height"]) == [1.5, 1.0, 0.5, -0.2, 0.0, 0.0]
    colours = [b.color().name() for b in bars.opts["brushes"]]
    assert colours[0] == series_colours()[0].name() and colours[0] not in colours[1:]
    line = next(i for i in items if type(i).__name__ == "InfiniteLine")
    assert line.value() == pytest.approx(UNSKILLED, rel=1e-12)


def test_the_grid_is_checked_as_the_run_would_check_it() -> None:
    """The field checks a typed grid around ``PlanParameters()``; the sweep runs around
    ``PlanParameters.from_settings(settings)``. The two checks agree because no sweep
    parameter is a setting (the settings only give the risk and cost fields, which no grid
    value is checked against) and the weights a grid leaves out are the defaults in both.
    If a setting ever shares a name with a sweep parameter, this fails: the field must then
    check around the settings the run uses."""
    import dataclasses

    from gui.backtest_view import checked_grid
    from rotation_addin.core.errors import InputError
    from rotation_addin.core.sweep_grid import SWEEP_NAMES, WEIGHT_NAMES
    from rotation_addin.desk.backtest import sweep_grid_line

    settings_fields = {f.name for f in dataclasses.fields(Settings)}
    assert not settings_fields & {*SWEEP_NAMES, *WEIGHT_NAMES.values(), "weights"}
    own = Settings(equity_usd=750.0, risk_fraction=0.02, max_risk_fraction=0.05,
                   max_open_positions=2, cooldown_days=9, vol_k_sigma=2.0, holding_days=3.0,
                   gap_buffer_fraction=0.05, taker_fee_rate=0.001, stop_slippage_rate=0.002)
    used = PlanParameters.from_settings(own)
    assert used != PlanParameters()
    for typed in ("max_leverage=1,125", "max_leverage=0.5", "top_n_long=1.5",
                  "theta=0", "theta=10", "atr_stop_multiple=20.5",
                  "w_momentum_7d=0; w_momentum_30d=0; w_volume_trend=0; w_divergence=0",
                  "w_momentum_7d=0; w_momentum_30d=0", "short_days=5; long_days=30"):
        outcomes = []
        for check in (checked_grid, lambda text: sweep_grid_line(text, used)):
            try:
                outcomes.append(check(typed))
            except InputError as error:
                outcomes.append((error.field, error.reason))
        assert outcomes[0] == outcomes[1], typed


def _engine_refusal(dataset, grid) -> str:
    """The one line the sweep itself refuses ``grid`` with (before any setting runs)."""
    from rotation_addin.core.errors import InputError
    from rotation_addin.core.sweep import run_sweep

    with pytest.raises(InputError) as raised:
        run_sweep(dataset, grid)
    return f"{raised.value.field}: {raised.value.reason}"


def test_a_top_n_above_the_loaded_sectors_is_refused_on_the_field(qtbot) -> None:
    """With the data loaded, the field refuses ``top_n_long`` above its trading sectors as
    the user types, in the sweep's own words; before any data it cannot know the sectors."""
    from gui.backtest_view import BacktestView
    from rotation_addin.data.demo import demo_dataset

    dataset = demo_dataset()
    # universe.toml by hand: render, gpu_compute, ai_inference, ai_infra, mining (+ benchmark)
    said = "top_n_long: must be at most 5, the number of trading sectors in the universe (got 6)"
    assert _engine_refusal(dataset, {"top_n_long": (2.0, 6.0)}) == said
    view = BacktestView()
    qtbot.addWidget(view)
    view.grid_edit.setText("theta=2; top_n_long=2,6")
    assert view.grid_ok and view.sweep_button.isEnabled()  # no data yet: no sectors known
    view.set_dataset(dataset)  # the data arrives: the typed grid is checked again
    assert view.grid_errors.text("grid") == f"Sweep grid {said}"
    assert not view.grid_ok and not view.sweep_button.isEnabled() and view.grid is None
    view.grid_edit.setText("theta=2; top_n_long=2,5")  # every sector: allowed
    assert view.grid_errors.text("grid") == "" and view.sweep_button.isEnabled()
    assert view.grid == {"theta": (2.0,), "top_n_long": (2.0, 5.0)}
    view.grid_edit.setText("top_n_long=7")
    assert view.grid_errors.text("grid") == ("Sweep grid top_n_long: must be at most 5, the "
                                             "number of trading sectors in the universe "
                                             "(got 7)")


def test_the_loaded_window_holds_a_sweep_whose_top_n_exceeds_the_sectors(qtbot) -> None:
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.task_ended, timeout=120_000) as blocker:
        window.start_initial_load()
    assert blocker.args == ["succeeded"]
    sectors = len(window.snapshot.dataset.universe.trading_sectors())
    window.backtest.grid_edit.setText(f"top_n_long={sectors + 1}")
    assert window.backtest.grid_errors.text("grid") == (
        f"Sweep grid top_n_long: must be at most {sectors}, the number of trading sectors in "
        f"the universe (got {sectors + 1})")
    assert not window.backtest.sweep_button.isEnabled()
    assert window.run_sweep() is None  # nothing started: the field said why
    assert "Fix the sweep grid first" in window.status_panel.progress_label.text()


def test_the_backtest_tab_lists_the_thin_sector_caveat_of_gapped_prices(qtbot,
                                                                       tmp_path) -> None:
    """Prices with gaps (an imported CSV folder, as ``rotation data import-csv`` caches it):
    the tab runs the desk's backtest and prints the one caveat about decisions that ranked
    a sector on a single priced coin, with the count and days the files give (recomputed
    with pandas in ``tests.thin_sectors``)."""
    from gui.backtest_view import BacktestView, run_backtest_summary
    from rotation_addin.data.csv_import import import_csv_folder
    from tests.thin_sectors import MARKER, closes, expected_warning, write_gappy

    folder = write_gappy(tmp_path / "cm")
    summary = run_backtest_summary(import_csv_folder(folder).dataset, Settings())
    view = BacktestView()
    qtbot.addWidget(view)
    view.set_summary(summary)
    expected = expected_warning(folder, range(60, len(closes(folder)) - 1))  # daily plans
    assert [line for line in view.lines.text().splitlines() if MARKER in line] == \
        [f"warning: {expected}"]
