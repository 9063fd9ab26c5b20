"""``rotation backtest --strategy`` / ``--report``: table, JSON, HTML, one-line errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from rotation_addin.core.strategy_backtest import run_strategy
from rotation_addin.core.strategy_report import summarise
from rotation_addin.data.demo import demo_dataset
from rotation_addin.data.funding import demo_funding
from tests.cli_helpers import one_line_error, run, run_json


@pytest.mark.slow
def test_report_and_json_tell_the_same_numbers_as_the_engine(capsys, tmp_path: Path):
    report = tmp_path / "bt.html"
    code, out, err = run(capsys, "backtest", "--source", "demo", "--report", str(report))
    assert code == 0, err
    dataset = demo_dataset()
    summary = summarise(run_strategy(dataset, funding=demo_funding(dataset)), dataset)
    row = next(line for line in out.splitlines() if line.startswith("strategy "))
    figures = [float(x) for x in row.split()[1:]]
    assert figures[0] == pytest.approx(100 * summary.strategy.total_return, abs=0.051)
    assert figures[3] == pytest.approx(summary.strategy.sharpe, abs=0.006)
    assert f"trades {summary.trades.trades}, won {summary.trades.wins}" in out
    assert "when one bar holds both, the stop is taken first" in out
    assert "simulated market" in out
    page = report.read_text(encoding="utf-8")
    assert page.count("<svg") == 3 and "<polyline" in page  # equity, drawdown, random
    assert not re.search(r"<script|src=|href=|@import", page)  # self-contained
    assert f"{100 * summary.strategy.max_drawdown:+.1f} %" in page
    assert "Monthly returns" in page and "<th>12</th>" in page
    trades_csv = tmp_path / "trades.csv"
    data = run_json(capsys, "backtest", "--source", "demo", "--strategy", "--csv-out",
                    str(trades_csv))
    import csv

    with trades_csv.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == summary.trades.trades
    assert sum(float(r["pnl_usd"]) for r in rows) == pytest.approx(
        sum(t.pnl_usd for t in summary.result.trades), abs=1e-3)
    equity = list(data["equity"].values())
    assert equity[-1] == pytest.approx(equity[0] * (1 + data["strategy"]["total_return"]))
    assert data["trades"]["trades"] == summary.trades.trades


def test_bad_flags_give_one_line(capsys, tmp_path: Path):
    code, _, err = run(capsys, "backtest", "--source", "demo", "--report",
                       str(tmp_path / "x.txt"))
    assert code == 2 and "--report" in one_line_error(err)
    code, _, err = run(capsys, "backtest", "--source", "demo", "--strategy", "--start",
                       "2100-01-01")
    assert code == 2 and "--start: the period leaves no day" in one_line_error(err)
    code, _, err = run(capsys, "backtest", "--source", "demo", "--strategy", "--end",
                       "1990-01-01")
    assert code == 2 and "--end: the period holds no prices" in one_line_error(err)


def test_sweep_and_concentration_lines_say_what_the_engine_computed():
    from rotation_addin.cli.strategy_cmd import concentration_line
    from rotation_addin.core.rotation import PlanParameters
    from rotation_addin.core.sweep import run_sweep
    from rotation_addin.desk.backtest import strategy_sweep, sweep_lines

    dataset = demo_dataset(days=130)
    grid = {"atr_stop_multiple": [1.5, 3.0]}
    lines = sweep_lines(strategy_sweep(dataset, PlanParameters(), grid=grid))
    result = run_sweep(dataset, grid, workers=1)
    assert f"best Sharpe {result.sharpe[result.best]:.2f}" in lines[0]
    assert f"deflated Sharpe ratio of that best setting: {result.deflated.probability:.2f}" \
        in lines[1]
    unskilled = result.deflated.expected_max_sharpe * 365 ** 0.5  # per day -> per year
    assert f"unskilled trials {unskilled:.2f} annualised" in lines[1]
    assert f"out-of-sample Sharpe {result.oos_sharpe:.2f}" in lines[2]
    summary = summarise(run_strategy(dataset), dataset)
    pnls = sorted((t.pnl_usd for t in summary.result.trades), reverse=True)
    line = concentration_line(summary)
    assert f"made {sum(pnls[:3]):+,.2f} USD of the {sum(pnls):+,.2f} USD" in line


@pytest.mark.parametrize(("item", "said"), [
    ("top_n_long=1.5", "--grid top_n_long: must be an integer >= 1 (got 1.5)"),
    ("max_leverage=0.5", "--grid max_leverage: must be in [1, 125] (got 0.5)"),
    ("w_momentum_7d=-5", "--grid w_momentum_7d: must be in [0, 10] (got -5)"),  # as typed
    ("nope=1", "--grid: unknown parameter(s) ['nope']"),
    ("atr_stop_multiple", "--grid: must be NAME=V1,V2,... (got 'atr_stop_multiple')"),
    ("theta=2,x", "--grid theta: must be a number in (0, 10] (got 'x')"),
    ("top_n_long=x", "--grid top_n_long: must be an integer >= 1 (got 'x')"),
    ("w_momentum_7d=a", "--grid w_momentum_7d: must be a number in [0, 10] (got 'a')"),
    ("long_days=1.5", "--grid long_days: must be an integer >= 2 (got 1.5)"),
    ("nope=x", "--grid: unknown parameter(s) ['nope']"),
    ("theta=", "--grid theta: has no value in the grid"),
    ("short_days=40", "--grid short_days"),
])
def test_bad_grid_items_give_one_line_naming_the_parameter(capsys, item: str, said: str):
    code, out, err = run(capsys, "backtest", "--source", "demo", "--grid", item)
    assert code == 2 and said in one_line_error(err)
    assert out == ""  # refused before any backtest ran


@pytest.mark.parametrize(("name", "outside"), [
    ("theta", "0"), ("max_leverage", "0.5"), ("atr_stop_multiple", "21"),
    ("take_profit_atr_multiple", "0"), ("top_n_long", "0"), ("short_days", "0"),
    ("long_days", "1")])
def test_a_grid_word_says_the_range_a_value_outside_says(capsys, name: str, outside: str):
    """A word said "'x' is not a number (in 'theta=x')": no range, unlike the same parameter's
    value outside its range and every other number the CLI reads. Now both say one range
    (a count's words are its range's; a number's add "a number")."""
    said = []
    for typed in ("x", outside):
        code, out, err = run(capsys, "backtest", "--source", "demo", "--grid", f"{name}={typed}")
        assert (code, out) == (2, "")
        said.append(one_line_error(err).rsplit(" (got ", 1)[0])
    word, number = said
    assert word.startswith(f"rotation: invalid input: --grid {name}: must be ")
    assert word in (number, number.replace("must be ", "must be a number ", 1))


def test_a_grid_name_given_twice_is_refused(capsys):
    code, _, err = run(capsys, "backtest", "--source", "demo", "--grid", "theta=1.5",
                       "--grid", "theta=2")
    assert code == 2 and "--grid: gives theta twice" in one_line_error(err)


@pytest.mark.parametrize(("values", "said"), [("2,2", "--grid theta: 2 given twice"),
                                              ("1,1.0,1e0", "--grid theta: 1 given twice")])
def test_a_grid_value_given_twice_is_refused(capsys, values: str, said: str):
    """A repeated value is the same setting: counted again it would deflate the best
    setting's Sharpe by a trial that was never run."""
    code, out, err = run(capsys, "backtest", "--source", "demo", "--grid", f"theta={values}")
    assert code == 2 and one_line_error(err).endswith(said) and out == ""


@pytest.mark.slow
def test_grid_json_and_report_are_the_engine_sweep_over_the_same_days(capsys, tmp_path: Path):
    """``--grid`` with ``--start``: every setting's figures are its own backtest from that
    day (not the whole history), the report shows a bar per setting and the findings."""
    dataset = demo_dataset()
    funding = demo_funding(dataset)
    start = dataset.close.index[-120]
    report = tmp_path / "sweep.html"
    code, out, err = run(capsys, "backtest", "--source", "demo", "--start",
                         f"{start:%Y-%m-%d}", "--grid", "atr_stop_multiple=1.5,3", "--grid",
                         "top_n_long=1,2", "--report", str(report), "--json")
    assert code == 0, err
    assert "sweep [" in err and "4/4 atr_stop_multiple=3, top_n_long=2" in err  # progress
    sweep = json.loads(out)["sweep"]
    assert sweep["parameters"] == ["atr_stop_multiple", "top_n_long"]
    assert [s["values"] for s in sweep["settings"]] == [
        {"atr_stop_multiple": a, "top_n_long": n} for a in (1.5, 3.0) for n in (1.0, 2.0)]
    from rotation_addin.core.rotation import PlanParameters

    for row in sweep["settings"]:
        params = PlanParameters(atr_stop_multiple=row["values"]["atr_stop_multiple"],
                                top_n_long=int(row["values"]["top_n_long"]))
        alone = run_strategy(dataset, params, funding=funding, start=start).equity
        assert alone.index[0] == start
        assert row["total_return"] == pytest.approx(alone.iloc[-1] / alone.iloc[0] - 1,
                                                    rel=1e-12)
        drawdown = (alone / alone.cummax() - 1).min()
        assert row["max_drawdown"] == pytest.approx(drawdown, rel=1e-12, abs=1e-15)
    sharpes = [s["sharpe"] for s in sweep["settings"]]
    assert sweep["best"]["sharpe"] == max(sharpes)
    assert sweep["best"]["label"] == sweep["settings"][sharpes.index(max(sharpes))]["label"]
    assert sweep["deflated_sharpe"]["trials"] == 4
    assert len(sweep["walk_forward"]["chosen"]) == sweep["walk_forward"]["folds"] - 1
    page = report.read_text(encoding="utf-8")
    section = page[page.index("<h2>Parameter sweep</h2>"):]
    assert section.count("<rect") == 4 and "(best)" in section
    assert f"best Sharpe {sweep['best']['sharpe']:.2f}" in section
    assert not re.search(r"<script|src=|href=|@import", page)  # still self-contained


@pytest.mark.parametrize(("argv", "said"), [
    (["--strategy", "--every", "3"], "--every: only applies to the ranking backtest"),
    (["--sweep", "--horizon", "14"], "--horizon: only applies to the ranking backtest"),
    (["--strategy", "--csv", "--grid", "theta=2"], "--csv: with --strategy prints one row"),
])
def test_flags_the_strategy_would_ignore_are_refused(capsys, argv: list[str], said: str):
    code, out, err = run(capsys, "backtest", "--source", "demo", *argv)
    assert code == 2 and said in one_line_error(err) and out == ""


def test_strategy_csv_prints_one_row_per_closed_trade(capsys):
    import csv
    import io

    code, out, err = run(capsys, "backtest", "--source", "demo", "--strategy", "--csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    dataset = demo_dataset()
    trades = run_strategy(dataset, funding=demo_funding(dataset)).trades
    assert len(rows) == len(trades) > 0
    assert [r["exit_day"] for r in rows] == [f"{t.exit_day:%Y-%m-%d}" for t in trades]
    assert sum(float(r["pnl_usd"]) for r in rows) == pytest.approx(
        sum(t.pnl_usd for t in trades), abs=1e-3)


def test_the_random_rotation_histogram_counts_every_seed_and_marks_the_strategy():
    import numpy as np

    from rotation_addin.reports.backtest_html import HISTOGRAM_BINS, render_html

    dataset = demo_dataset(days=200)
    summary = summarise(run_strategy(dataset), dataset)
    finals = np.asarray(summary.random.total_returns)
    assert len(finals) == summary.random.seeds
    assert summary.random.share_beaten == np.mean(finals < summary.strategy.total_return)
    assert summary.random.percentiles[50] == pytest.approx(np.median(finals), rel=1e-12)
    page = render_html(summary)
    figure = page[page.index("Total return of the"):]
    figure = figure[: figure.index("</figure>")]
    counts = [int(n) for n in re.findall(r"<title>(\d+) seeds from", figure)]
    marker = summary.strategy.total_return
    expected, _ = np.histogram(finals, bins=HISTOGRAM_BINS,
                               range=(min(finals.min(), marker), max(finals.max(), marker)))
    assert counts == expected.tolist() and sum(counts) == summary.random.seeds
    assert f"strategy {100 * marker:+.1f} %" in figure


def test_summary_percentages_read_as_format_pct_and_n_a_aligns_right():
    """The QA finding: ``p50 +1622.2 %`` beside a table's ``3,773.8``; now every percentage
    of the summary reads like ``core.formats.format_pct`` (``+1,622.2%``), and an annualised
    figure the period is too short for prints n/a aligned right under its header."""
    from rotation_addin.cli.strategy_cmd import summary_lines
    from rotation_addin.core.performance import MIN_ANNUALISED_DAYS

    dataset = demo_dataset(days=130)
    last = dataset.as_of
    summary = summarise(run_strategy(dataset, start=last - pd.Timedelta(days=25)), dataset)
    assert summary.strategy.days < MIN_ANNUALISED_DAYS
    lines = summary_lines(summary)
    assert not any(re.search(r"\d %", line) for line in lines)
    spread = ", ".join(f"p{q} {100 * x:+,.1f}%" for q, x in summary.random.percentiles.items())
    assert f"total return {spread}; the strategy beat " \
           f"{100 * summary.random.share_beaten:.0f}% of the seeds" in "\n".join(lines)
    t = summary.trades
    assert f"trades {t.trades}, won {t.wins} ({100 * t.wins / t.trades:.1f}%)" \
        in "\n".join(lines)
    header, _, row = lines[2].splitlines()[:3]  # the metrics table, one element
    assert row.startswith("strategy ")
    end = header.index("CAGR %") + len("CAGR %")  # the column's right edge
    assert row[:end].endswith(" n/a")  # right-aligned in the column of numbers
