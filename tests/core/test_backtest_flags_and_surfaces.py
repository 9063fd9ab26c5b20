"""``rotation backtest`` (ranking and ``--strategy``): flag values read up front, one list
of warnings and one ``model:`` text on every surface, wording that stays true on short
periods and single settings. Through the real entry point unless the check is arithmetic.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from rotation_addin.cli.backtest_cmd import p_text
from rotation_addin.core.constants import MIN_WARMUP_DAYS
from rotation_addin.core.performance import MIN_ANNUALISED_DAYS, metrics
from rotation_addin.core.scores import LONG_WINDOW_DAYS
from rotation_addin.core.strategy_backtest import NO_FUNDING_CONVENTION
from rotation_addin.core.sweep import MIN_FOLD_DAYS
from tests.cli_helpers import one_line_error, run
from tests.demo_calendar import demo_day
from workbook import layout as lay

DEMO = ("backtest", "--source", "demo")


# ----------------------------------------------------------------------------- output paths
@pytest.mark.parametrize("argv", [
    ("--report", "{d}/same.html", "--csv-out", "{d}/sub/../same.html"),
    ("--strategy", "--csv-out", "{d}/b.xlsx", "--workbook", "{d}/b.xlsx"),
])
def test_two_outputs_naming_one_file_are_refused_before_anything_runs(
        capsys, tmp_path: Path, argv: tuple[str, ...]):
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.xlsx").write_bytes(b"")  # exists: the workbook flag's own check passes
    code, out, err = run(capsys, *DEMO, *(a.format(d=tmp_path) for a in argv))
    line = one_line_error(err)
    assert code == 2 and out == ""
    later = argv[-2]
    assert f"{later}: names the same file as {argv[-4]}" in line
    assert not (tmp_path / "same.html").exists()
    assert (tmp_path / "b.xlsx").read_bytes() == b""  # untouched


@pytest.mark.parametrize("flag", ["--report", "--csv-out", "--workbook"])
def test_an_empty_output_name_is_refused_in_words(capsys, flag: str):
    code, out, err = run(capsys, *DEMO, "--strategy", flag, "")
    assert code == 2 and out == ""
    assert one_line_error(err).endswith(f"{flag}: needs a file name (got an empty value)")


@pytest.mark.parametrize("strategy", [(), ("--strategy",)])
def test_a_folder_as_csv_out_fails_at_once(capsys, tmp_path: Path, strategy: tuple[str, ...]):
    """Before the fix the strategy backtest ran for seconds, then failed with exit 4."""
    code, out, err = run(capsys, *DEMO, *strategy, "--csv-out", str(tmp_path))
    assert code == 2 and out == ""
    assert one_line_error(err).endswith(f"--csv-out: is a folder (got {tmp_path}): give a "
                                        "file name")


def test_an_output_under_a_file_fails_at_once(capsys, tmp_path: Path):
    (tmp_path / "file").write_text("x")
    target = tmp_path / "file" / "deeper" / "bt.html"
    code, out, err = run(capsys, *DEMO, "--report", str(target))
    assert code == 2 and out == ""
    assert one_line_error(err).endswith(f"--report: cannot be written: {tmp_path / 'file'} is "
                                        f"a file, not a folder (got {target})")


def test_csv_out_says_where_it_wrote(capsys, tmp_path: Path):
    trades, decisions = tmp_path / "trades.csv", tmp_path / "decisions.csv"
    code, out, err = run(capsys, *DEMO, "--strategy", "--end", demo_day(120), "--csv-out",
                         str(trades))
    assert code == 0, err
    assert f"trades written to {trades} (one CSV row per closed trade)" in out.splitlines()
    rows = trades.read_text(encoding="utf-8").splitlines()
    trade_count = int(re.search(r"^trades (\d+),", out, re.M).group(1))  # type: ignore[union-attr]
    assert len(rows) == 1 + trade_count
    code, out, err = run(capsys, *DEMO, "--csv-out", str(decisions))
    assert code == 0, err
    assert f"decisions written to {decisions} (one CSV row per decision)" in out.splitlines()
    decided = int(re.search(r"leader, all decisions +(\d+)", out).group(1))  # type: ignore[union-attr]
    assert len(decisions.read_text(encoding="utf-8").splitlines()) == 1 + decided


# ----------------------------------------------------------------------------- day counts
@pytest.mark.parametrize("flag", ["--horizon", "--every", "--warmup"])
def test_an_empty_day_count_is_refused_not_replaced_by_the_default(capsys, flag: str):
    code, out, err = run(capsys, *DEMO, flag, "")
    assert code == 2 and out == ""
    assert one_line_error(err).endswith(f"{flag}: needs a whole number of days (got an empty "
                                        "value)")


def test_one_warmup_limit_for_both_backtests_and_the_help(capsys):
    assert MIN_WARMUP_DAYS == LONG_WINDOW_DAYS == 30  # the 30-day momentum needs 31 prices
    code, out, _ = run(capsys, "backtest", "--help")
    assert code == 0 and f"(>= {MIN_WARMUP_DAYS}, default 60)" in " ".join(out.split())
    for strategy in ((), ("--strategy",)):
        code, out, err = run(capsys, *DEMO, *strategy, "--warmup", str(MIN_WARMUP_DAYS),
                             "--end", demo_day(103))
        assert code == 0, err
        code, _, err = run(capsys, *DEMO, *strategy, "--warmup", str(MIN_WARMUP_DAYS - 1))
        assert code == 2 and one_line_error(err).endswith(
            f"--warmup: must be at least {MIN_WARMUP_DAYS} and at most 5000 days (got 29)")


def test_a_warmup_longer_than_the_data_blames_the_warmup(capsys):
    code, _, err = run(capsys, *DEMO, "--strategy", "--warmup", "5000")
    assert code == 2
    assert "--warmup: the period leaves no day to trade after the 5000-day warmup" in \
        one_line_error(err)
    code, _, err = run(capsys, *DEMO, "--strategy", "--warmup", "5000", "--end", demo_day(395))
    assert code == 2 and "--end: the period leaves no day" in one_line_error(err)


# ----------------------------------------------------------------------------- one list
@pytest.fixture(scope="module")
def close_only(tmp_path_factory: pytest.TempPathFactory,
               coinmetrics_like_dir: Path) -> dict[str, object]:
    """``--strategy --report --workbook --json`` and the table on close-only CSV prices
    without funding (the QA's real-data command, on the synthetic folder)."""
    from rotation_addin.cli.main import main
    from rotation_addin.data.demo import demo_dataset
    from rotation_addin.data.settings import Settings
    from workbook.build import build_workbook

    folder = tmp_path_factory.mktemp("close-only")
    book, page = folder / "wb.xlsx", folder / "bt.html"
    build_workbook(book, dataset=demo_dataset(), params=Settings())
    argv = ["backtest", "--data-dir", str(coinmetrics_like_dir), "--macro",
            str(coinmetrics_like_dir / "stablecoin_supply.csv"), "--end", "2022-09-30",
            "--strategy"]
    import contextlib
    import io

    texts = []
    for extra in (["--report", str(page), "--workbook", str(book), "--json"], []):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main([*argv, *extra]) == 0
        texts.append(out.getvalue())
    return {"json": json.loads(texts[0]), "text": texts[1], "html": page.read_text("utf-8"),
            "book": book}


def test_the_report_and_the_workbook_list_every_warning_the_table_prints(close_only):
    data = close_only["json"]
    printed = [line.removeprefix("warning: ") for line in
               str(close_only["text"]).splitlines() if line.startswith("warning: ")]
    assert any(w.startswith("close-only prices (no volume)") for w in printed)
    assert any(w.startswith("no funding history") for w in printed)
    assert printed == [w for w in data["warnings"] if w in printed]  # same order
    html = str(close_only["html"])
    listed = re.findall(r"<li>(.*?)</li>", html[html.index("<h2>Warnings</h2>"):])
    import html as markup

    assert [markup.unescape(x) for x in listed] == printed
    ws = load_workbook(close_only["book"])[lay.BACKTEST]
    block = lay.block("backtest_stats")
    caveats = next(row[1] for row in ws.iter_rows(min_row=block.top, max_row=block.bottom,
                                                  min_col=1, max_col=2, values_only=True)
                   if row[0] == "Caveats")
    assert caveats == "; ".join(printed)


def test_the_model_line_says_funding_was_not_charged_on_every_surface(close_only, capsys):
    text = str(close_only["text"])
    assert f"model: {NO_FUNDING_CONVENTION}" in text.splitlines()
    assert NO_FUNDING_CONVENTION == "no funding charged (no funding history)"
    assert "funding every 8 h" not in text
    assert NO_FUNDING_CONVENTION in close_only["json"]["conventions"]  # type: ignore[index]
    assert "funding every 8 h" not in str(close_only["html"])
    assert f"<li>{NO_FUNDING_CONVENTION}</li>" in str(close_only["html"])
    code, out, err = run(capsys, *DEMO, "--strategy", "--end", demo_day(103))  # with funding
    assert code == 0, err
    assert "model: funding every 8 h from the funding history" in out
    assert NO_FUNDING_CONVENTION not in out


# ----------------------------------------------------------------------------- wording
def test_p_values_keep_the_digits_that_say_they_are_not_1():
    assert p_text(0.99935) == "p = 0.999"
    assert p_text(0.99971) == "p > 0.999"
    assert p_text(0.233) == "p = 0.23" and p_text(0.00056) == "p = 0.00056"
    assert p_text(1.0) == "p = 1"


def test_the_divergence_line_prints_its_p_value_with_enough_digits(capsys):
    code, out, err = run(capsys, *DEMO, "--json")
    assert code == 0, err
    p = json.loads(out)["divergence"]["hit_rate"]["p_value"]
    code, out, err = run(capsys, *DEMO)
    line = next(x for x in out.splitlines() if x.startswith("divergence signals:"))
    assert f"{p_text(p)};" in line
    if 0.995 <= p < 1:
        assert "p = 1;" not in line


def test_one_setting_and_one_day_read_in_the_singular(capsys):
    code, out, err = run(capsys, *DEMO, "--grid", "theta=2", "--end", demo_day(108))
    assert code == 0, err
    assert "sweep: 1 setting of theta;" in out
    assert "after 1 trial;" in out and "expected best of 1 unskilled trial " in out
    walk = next(x for x in out.splitlines() if x.startswith("walk-forward"))
    assert walk.startswith("walk-forward (4 folds: the first only chooses; each of the other "
                           "3 is scored out of sample with the setting chosen on the folds "
                           "before it)")
    assert walk.split("chosen for folds 2 to 4: ")[1].count("theta=2") == 3
    code, out, err = run(capsys, *DEMO, "--strategy", "--start", demo_day(60), "--end",
                         demo_day(61))
    assert code == 0, err
    assert "(1 day, 1 daily decision)" in out


# ----------------------------------------------------------------------------- short periods
def test_annualised_figures_are_not_given_below_the_minimum_days():
    index = pd.date_range("2024-01-01", periods=MIN_ANNUALISED_DAYS + 1, freq="D")
    rising = pd.Series(1000 * 1.01 ** np.arange(len(index)) * (1 + 0.003 * (-1) ** np.arange(
        len(index))), index=index)
    full = metrics(rising)  # 30 days: given
    assert full.days == MIN_ANNUALISED_DAYS and math.isfinite(full.cagr)
    short = metrics(rising.iloc[:-1])  # 29 days: n/a
    assert short.days == MIN_ANNUALISED_DAYS - 1
    assert all(math.isnan(x) for x in (short.cagr, short.volatility, short.sharpe,
                                       short.sortino, short.calmar))
    assert short.total_return == pytest.approx(rising.iloc[-2] / rising.iloc[0] - 1)


def test_a_few_days_print_n_a_and_one_number_format(capsys):
    code, out, err = run(capsys, *DEMO, "--strategy", "--end", demo_day(69))
    assert code == 0, err
    rows = [x for x in out.splitlines()
            if x.startswith(("strategy ", "BTC buy-and-hold ", "equal-weight universe "))]
    assert len(rows) == 3
    for row in rows:
        cells = row.split()[-8:]
        assert re.fullmatch(r"-?[\d,]+\.\d", cells[0]), row  # total return: one decimal
        assert cells[1:6] == ["n/a"] * 5, row                 # CAGR, vol, Sharpe, Sortino, Calmar
        assert re.fullmatch(r"-?\d+\.\d", cells[6]), row      # max drawdown: 0.0, not 0
    assert (f"annualised figures (CAGR, volatility, Sharpe, Sortino, Calmar) need at least "
            f"{MIN_ANNUALISED_DAYS} days and are n/a") in out


def test_a_sweep_shorter_than_its_folds_says_so(capsys):
    code, out, err = run(capsys, *DEMO, "--grid", "theta=2", "--start", demo_day(911), "--end",
                         demo_day(920))
    assert code == 0, err
    elapsed = int(re.search(r"\((\d+) days?, ", out).group(1))  # type: ignore[union-attr]
    closes = elapsed + 1  # daily demo prices: a close on every day, both ends included
    assert (f"warning: the sweep's period has {closes} daily closes, fewer than "
            f"{4 * MIN_FOLD_DAYS} (4 walk-forward folds of {MIN_FOLD_DAYS} days)") in out
    code, out, err = run(capsys, *DEMO, "--grid", "theta=2", "--start", demo_day(760))
    assert code == 0, err
    assert "walk-forward folds" not in out


# ----------------------------------------------------------------------------- grid vs data
def test_top_n_above_the_sectors_is_refused_naming_the_count(capsys):
    from rotation_addin.data.demo import demo_dataset

    sectors = len(demo_dataset().universe.trading_sectors())
    code, out, err = run(capsys, *DEMO, "--grid", "top_n_long=1e3")
    assert code == 2 and out == ""
    assert one_line_error(err).endswith(f"--grid top_n_long: must be at most {sectors}, the "
                                        "number of trading sectors in the universe (got 1000)")


def test_a_momentum_window_longer_than_the_warmup_is_warned_about(capsys):
    from rotation_addin.core.bt_features import MomentumWindows, build_features
    from rotation_addin.data.demo import demo_dataset

    code, out, err = run(capsys, *DEMO, "--grid", "long_days=365", "--warmup", "31", "--end",
                         demo_day(210))
    assert code == 0, err
    decisions = int(re.search(r"([\d,]+) daily decisions", out).group(1).replace(",", ""))  # type: ignore[union-attr]
    missing = min(365 - 31, decisions)
    assert (f"warning: long_days=365 in the grid is longer than the 31 days of prices before "
            f"the first decision: those settings have no 365-day momentum, so no sector "
            f"score, on their first {missing} decision days") in out
    table = build_features(demo_dataset(), windows=MomentumWindows(long_days=365))
    assert np.isnan(table.momentum_long[31:365]).all()  # what the warning claims
    assert np.isfinite(table.momentum_long[365]).any()
    code, out, err = run(capsys, *DEMO, "--grid", "long_days=45", "--end", demo_day(210))
    assert code == 0, err
    assert "in the grid is longer than" not in out  # the 60-day warmup covers 45 days
