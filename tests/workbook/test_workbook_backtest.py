"""The Backtest sheet: filled on demand with the numbers the CLI prints and the HTML draws.

One ``rotation backtest --source demo --workbook FILE --report FILE.html`` run for the
module; its sheet is compared with the table the same run printed and the page it wrote,
recalculated by a real LibreOffice (the year-return formulas against the equity column,
computed here with pandas), and refreshed again without a backtest (values kept, chart
re-drawn).
"""

from __future__ import annotations

import contextlib
import io
import math
import os
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from rotation_addin.cli.main import main
from rotation_addin.data.settings import Settings
from tests.cli_helpers import one_line_error, run
from workbook import layout as lay
from workbook.build import build_workbook
from workbook.refresh import refresh_workbook
from workbook.render import recalculated_copy
from workbook.sheets import backtest as sheet
from workbook.sheets.charts import chart_anchor_cell


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory, demo_market: object) -> dict[str, object]:
    """Build the demo workbook, then fill its Backtest sheet through the CLI."""
    folder = tmp_path_factory.mktemp("bt")
    home = folder / "home"
    home.mkdir()
    previous = os.environ.get("ROTATION_DESK_HOME")
    os.environ["ROTATION_DESK_HOME"] = str(home)  # module scope: no per-test fixture yet
    try:
        path = folder / "rotation_desk.xlsx"
        build_workbook(path, dataset=demo_market, params=Settings())  # type: ignore[arg-type]
        first = load_workbook(path)
        html = folder / "bt.html"
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["backtest", "--source", "demo", "--workbook", str(path), "--report",
                         str(html)])
    finally:
        if previous is None:
            os.environ.pop("ROTATION_DESK_HOME", None)
        else:
            os.environ["ROTATION_DESK_HOME"] = previous
    return {"path": path, "first": first, "code": code, "out": out.getvalue(),
            "html": html.read_text(encoding="utf-8"), "folder": folder}


def _cells(ws: object, name: str) -> list[list[object]]:
    block = lay.block(name)
    return [list(r) for r in ws.iter_rows(  # type: ignore[attr-defined]
        min_row=block.top, max_row=block.bottom, min_col=block.left, max_col=block.right,
        values_only=True)]


def test_first_build_leaves_the_sheet_empty_and_says_how_to_fill_it(filled) -> None:
    ws = filled["first"][lay.BACKTEST]
    assert ws["A2"].value == sheet.EMPTY_NOTE
    assert all(v is None for row in _cells(ws, "backtest_equity")[1:3] for v in row)
    assert ws._charts == []
    assert lay.BACKTEST in filled["first"].sheetnames


def test_sheet_cells_equal_the_cli_table_and_the_html(filled) -> None:
    assert filled["code"] == 0
    out = str(filled["out"])
    ws = load_workbook(filled["path"])[lay.BACKTEST]
    metrics = {row[0]: row[1:] for row in _cells(ws, "backtest_metrics")[1:]}
    printed = {"Strategy": "strategy ", "BTC buy-and-hold": "BTC buy-and-hold ",
               "Equal-weight universe": "equal-weight universe "}
    for name, prefix in printed.items():
        line = next(x for x in out.splitlines() if x.startswith(prefix))
        figures = [float(x.replace(",", "")) for x in line[len(prefix):].split()]
        cells = metrics[name]
        for k in (0, 1, 2, 6):  # percentages: total return, CAGR, volatility, max drawdown
            assert figures[k] == pytest.approx(round(100 * float(cells[k]), 1), abs=1e-9), name
        for k in (3, 4, 5):  # Sharpe, Sortino, Calmar
            assert figures[k] == pytest.approx(round(float(cells[k]), 2), abs=1e-9), name
        assert figures[7] == cells[7]
    stats = dict(_cells(ws, "backtest_stats"))
    assert f"trades {stats['Trades']}, won {stats['Won']} ({100 * stats['Win rate']:.1f}%)" \
        in out
    assert f"average R {stats['Average R']:+.2f}, liquidations {stats['Liquidations']}" in out
    assert f"fees {stats['Fees paid (USD)']:,.2f} USD" in out
    assert f"{int(stats['Daily decisions']):,} daily decisions" in out  # format_count
    html = str(filled["html"])
    assert f"{100 * float(metrics['Strategy'][6]):+.1f} %" in html
    assert "Backtest sheet of" in out and "filled" in out
    assert ws["A2"].value.startswith("DEMO DATA: demo (simulated)")
    assert [chart_anchor_cell(c) for c in ws._charts] == [sheet.CHART_ANCHOR]


def test_each_benchmark_total_is_its_own_column_from_the_same_first_close(filled) -> None:
    """The QA finding: the table said BTC made +116.2 % while the sheet's BTC column ran
    9,551.81 -> 20,646.77 (+106.5 % on the 10,000 invested). Now every column starts at the
    initial equity on the strategy's first day and ends at the printed total."""
    ws = load_workbook(filled["path"])[lay.BACKTEST]
    rows = [r for r in _cells(ws, "backtest_equity")[1:] if r[0] is not None]
    metrics = {row[0]: row[1:] for row in _cells(ws, "backtest_metrics")[1:]}
    out = str(filled["out"])
    for column, name, prefix in ((1, "Strategy", "strategy "),
                                 (2, "BTC buy-and-hold", "BTC buy-and-hold "),
                                 (3, "Equal-weight universe", "equal-weight universe ")):
        first, last = float(rows[0][column]), float(rows[-1][column])
        assert first == pytest.approx(10_000.0, rel=1e-12), name
        assert float(metrics[name][0]) == pytest.approx(last / first - 1, rel=1e-9), name
        line = next(x for x in out.splitlines() if x.startswith(prefix))
        printed = float(line[len(prefix):].split()[0].replace(",", ""))
        assert printed == pytest.approx(round(100 * (last / first - 1), 1), abs=1e-9), name


def _equity(ws: object) -> pd.Series:
    rows = [r for r in _cells(ws, "backtest_equity")[1:] if r[0] is not None]
    return pd.Series([float(r[1]) for r in rows],
                     index=pd.DatetimeIndex([r[0] for r in rows]))


def test_libreoffice_recalculates_the_year_returns_from_the_equity(filled, lo_profile) -> None:
    recalc = recalculated_copy(Path(str(filled["path"])), Path(str(filled["folder"])) / "lo",
                               profile_dir=lo_profile)
    ws = load_workbook(recalc, data_only=True)[lay.BACKTEST]
    for row in ws.iter_rows(values_only=True):
        assert not any(isinstance(v, str) and v.startswith("#") for v in row), row
    equity = _equity(ws)
    assert len(equity) > 300
    year_end = equity.groupby(equity.index.year).last()
    starts = year_end.shift(1)
    starts.iloc[0] = equity.iloc[0]
    expected = (year_end / starts - 1.0).to_dict()  # independent: from the equity column
    monthly = lay.block("backtest_monthly")
    seen = 0
    for r in range(monthly.top + 1, monthly.bottom + 1):
        year = ws.cell(row=r, column=monthly.left).value
        value = ws.cell(row=r, column=sheet.YEAR_COLUMN).value
        if year is None:
            assert value in (None, "")
            continue
        assert value == pytest.approx(expected[int(year)], rel=1e-9), year
        seen += 1
    assert seen == len(expected)
    total = float(ws.cell(row=lay.block("backtest_metrics").top + 1, column=2).value)
    assert math.prod(1 + x for x in expected.values()) - 1 == pytest.approx(total, rel=1e-9)


def test_plain_refresh_keeps_the_backtest_and_redraws_its_chart(filled, demo_market) -> None:
    path = Path(str(filled["path"]))
    before = _cells(load_workbook(path)[lay.BACKTEST], "backtest_metrics")
    refresh_workbook(path, demo_market, params=Settings())  # type: ignore[arg-type]
    ws = load_workbook(path)[lay.BACKTEST]
    assert _cells(ws, "backtest_metrics") == before
    assert [chart_anchor_cell(c) for c in ws._charts] == [sheet.CHART_ANCHOR]


def test_bad_workbook_flag_gives_one_line(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "backtest", "--source", "demo", "--workbook",
                       str(tmp_path / "nope.xlsx"))
    assert code == 2 and "--workbook: must be an existing .xlsx or .xlsm" in one_line_error(err)
    code, _, err = run(capsys, "backtest", "--source", "demo", "--workbook",
                       str(tmp_path / "notes.txt"))
    assert code == 2 and "--workbook" in one_line_error(err)


def test_a_backtest_without_a_sweep_says_how_to_add_one(filled) -> None:
    ws = load_workbook(filled["path"])[lay.BACKTEST]
    rows = _cells(ws, "backtest_sweep")
    assert rows[0][0] == sheet.NO_SWEEP_NOTE
    assert all(v is None for row in rows[1:] for v in row)


@pytest.mark.slow
def test_the_sweep_is_written_beside_its_backtest_and_cleared_by_the_next(
        tmp_path: Path, demo_market: object, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    path = tmp_path / "rotation_desk.xlsx"
    build_workbook(path, dataset=demo_market, params=Settings())  # type: ignore[arg-type]
    code, out, err = run(capsys, "backtest", "--source", "demo", "--grid",
                         "atr_stop_multiple=1.5,3", "--grid", "top_n_long=1,2",
                         "--workbook", str(path), "--json")
    assert code == 0, err
    sweep = json.loads(out)["sweep"]
    rows = _cells(load_workbook(path)[lay.BACKTEST], "backtest_sweep")
    assert rows[0][0] == "4 settings of atr_stop_multiple, top_n_long"
    facts = [r[1] for r in rows[1:lay.SWEEP_FACTS]]
    assert facts == pytest.approx([sweep["deflated_sharpe"]["probability"],
                                   sweep["deflated_sharpe"]["expected_max_sharpe_annualised"],
                                   sweep["walk_forward"]["out_of_sample_sharpe"]], rel=1e-12)
    assert rows[lay.SWEEP_FACTS + 1] == list(sheet.SWEEP_HEADERS)
    table = rows[lay.SWEEP_FACTS + 2: lay.SWEEP_FACTS + 6]
    by_sharpe = sorted(sweep["settings"], key=lambda s: -s["sharpe"])
    assert [r[0] for r in table] == [by_sharpe[0]["label"] + " (best, in sample)",
                                     *(s["label"] for s in by_sharpe[1:])]
    for cells, setting in zip(table, by_sharpe, strict=True):
        assert cells[1:] == pytest.approx([setting["total_return"], setting["sharpe"],
                                           setting["max_drawdown"]], rel=1e-12)
    assert all(v is None for row in rows[lay.SWEEP_FACTS + 6:] for v in row)
    code, _, err = run(capsys, "backtest", "--source", "demo", "--strategy", "--workbook",
                       str(path))
    assert code == 0, err
    rows = _cells(load_workbook(path)[lay.BACKTEST], "backtest_sweep")
    assert rows[0][0] == sheet.NO_SWEEP_NOTE  # not the last run's sweep beside this one
    assert all(v is None for row in rows[1:] for v in row)


def test_a_sweep_longer_than_the_table_says_how_many_more() -> None:
    from rotation_addin.core.rotation import PlanParameters
    from rotation_addin.data.demo import demo_dataset
    from rotation_addin.desk.backtest import strategy_sweep

    settings = lay.MAX_SWEEP_ROWS + 1
    grid = {"take_profit_atr_multiple": [1.0 + 0.1 * k for k in range(settings)]}
    sweep = strategy_sweep(demo_dataset(days=130), PlanParameters(), grid=grid, workers=1)
    rows = sheet.sweep_rows(sweep)
    block = lay.block("backtest_sweep")
    assert len(rows) <= block.bottom - block.top + 1
    table = rows[lay.SWEEP_FACTS + 2:]
    shown = lay.MAX_SWEEP_ROWS - 1
    assert table[-1] == [f"... and {settings - shown} more settings (every one in "
                         "`rotation backtest --json` and `--report`)"]
    sharpes = [r[2] for r in table[:-1]]
    assert len(sharpes) == shown and sharpes == sorted(sharpes, reverse=True)


def test_the_sweep_table_sits_inside_the_printed_page_above_the_equity_rows() -> None:
    sweep, equity = lay.block("backtest_sweep"), lay.block("backtest_equity")
    assert sweep.bottom <= equity.top - 2 and sweep.left > sheet.YEAR_COLUMN
    ws = load_workbook(io.BytesIO(_built_bytes()))[lay.BACKTEST]
    from openpyxl.utils import get_column_letter

    assert str(ws.print_area).endswith(f"$A$1:${get_column_letter(sweep.right)}$"
                                       f"{equity.top - 2}")


def _built_bytes() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    sheet.build(wb.active)
    wb.active.title = lay.BACKTEST
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
