"""One look: today's top order and each sector's figures read the same on the CLI table, in the
app's model and in the workbook's cells; the Sizing sheet and the Quick check start from that
same order.

The workbook side is read with openpyxl (values and number formats) and the cell text is
rendered here by a small independent reader of the ``#,##0.000`` formats (not by
``rotation_addin.core.formats``), so a format that drifts from the CLI's text fails.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from gui.models import DataFrameModel
from gui.quick_check import QuickCheckView
from gui.report_frames import build_frames, compute_report
from rotation_addin.data.settings import Settings
from rotation_addin.desk.example_trade import example_trade
from rotation_addin.desk.session import default_session
from tests.cli_helpers import run
from workbook import layout as lay
from workbook.build import build_workbook
from workbook.sheets import rebalance

FIELDS = ("qty", "entry", "stop", "liq.")
"""CLI columns compared (quantity, entry, stop, liquidation)."""
APP_COLUMNS = {"qty": "quantity_base", "entry": "entry_price_usd", "stop": "stop_price_usd",
               "liq.": "liquidation_price_usd"}
SHEET_COLUMNS = {"qty": 5, "entry": 6, "stop": 10, "liq.": 12}


def _excel_text(value: float, number_format: str) -> str:
    """What Excel shows for ``#,##0`` / ``#,##0.000`` formats (the only ones used here)."""
    match = re.fullmatch(r"#,##0(?:\.(0+))?", number_format)
    assert match, f"unexpected number format {number_format!r}"
    decimals = len(match.group(1) or "")
    return f"{value:,.{decimals}f}"


def _cli_top_order(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    code, out, err = run(capsys, "plan", "--source", "demo")
    assert code == 0, err
    lines = out.splitlines()
    header_at = next(i for i, line in enumerate(lines) if line.startswith("action  "))
    headers = re.split(r"\s{2,}", lines[header_at].strip())
    cells = re.split(r"\s{2,}", lines[header_at + 2].strip())
    assert len(cells) == len(headers), (headers, cells)
    return dict(zip(headers, cells, strict=True))


@pytest.fixture()
def market() -> tuple[Any, Any, Settings]:
    settings = Settings()
    dataset = default_session().dataset("demo", settings.exchange_id)
    report = compute_report(dataset, settings)
    assert report.plan.orders, "the demo market must propose an order today"
    return dataset, report, settings


def test_top_order_reads_the_same_everywhere(qtbot: Any, capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path, market: Any) -> None:
    dataset, report, settings = market
    order = report.plan.orders[0]
    contract = dataset.contracts[order.base]
    cli = _cli_top_order(capsys)
    assert cli["symbol"] == order.symbol

    frames = build_frames(dataset, report)
    model = DataFrameModel(frames.orders, frames.order_formats, show_index=False)
    names = model.column_names()
    assert "price_tick" not in names  # the tick column is read, not shown
    app = {field: model.display_text(0, names.index(APP_COLUMNS[field])) for field in FIELDS}

    path = build_workbook(tmp_path / "look.xlsx", dataset=dataset, params=settings,
                          now=dataset.as_of).path
    ws = load_workbook(path)[lay.REBALANCE]
    row = lay.block("rebalance_orders").top + 1
    assert ws.cell(row=row, column=2).value == order.symbol
    sheet = {field: _excel_text(ws.cell(row=row, column=col).value,
                                ws.cell(row=row, column=col).number_format)
             for field, col in SHEET_COLUMNS.items()}
    assert set(SHEET_COLUMNS.values()) >= {*rebalance.QUANTITY_COLUMNS,
                                           *[c for c in rebalance.PRICE_COLUMNS if c != 11]}

    expected = {f: cli[f] for f in FIELDS}
    assert app == expected
    assert sheet == expected
    # independent of the formatter: the price text has the tick's decimals, the quantity the
    # step's (hand reading of the contract)
    tick_decimals = len(f"{contract.price_tick:.10f}".rstrip("0").split(".")[1])
    assert len(cli["entry"].split(".")[1]) == tick_decimals if tick_decimals else "." not in cli[
        "entry"]
    assert abs(float(cli["qty"].replace(",", "")) - order.quantity_base) < contract.amount_step
    assert abs(float(cli["entry"].replace(",", "")) - order.entry_price_usd) <= contract.price_tick

    # the Dashboard lists the same order first
    dash = load_workbook(path)[lay.DASHBOARD]
    top = lay.block("dashboard_orders").top + 1
    assert dash.cell(row=top, column=1).value == order.symbol
    assert _excel_text(dash.cell(row=top, column=3).value,
                       dash.cell(row=top, column=3).number_format) == cli["qty"]
    assert _excel_text(dash.cell(row=top, column=6).value,
                       dash.cell(row=top, column=6).number_format) == cli["liq."]


def test_one_example_trade_on_sizing_sheet_and_quick_check(qtbot: Any, tmp_path: Path,
                                                           market: Any) -> None:
    dataset, report, settings = market
    order = next(o for o in report.plan.orders if o.action in ("open", "increase"))
    trade = example_trade(dataset, report)
    assert trade is not None and trade.base == order.base and trade.origin == "today's top order"
    tick = dataset.contracts[order.base].price_tick
    # the order's reference price on the tick grid (what a trader types), the stop already is
    assert abs(trade.entry_price_usd - order.entry_price_usd) <= tick / 2 + 1e-12
    assert trade.stop_price_usd == pytest.approx(order.stop_price_usd, abs=1e-12)

    path = build_workbook(tmp_path / "sizing.xlsx", dataset=dataset, params=settings,
                          now=dataset.as_of).path
    ws = load_workbook(path)[lay.SIZING]
    assert ws["B5"].value == order.base
    assert ws["B6"].value == order.side.value
    assert ws["B10"].value == trade.entry_price_usd
    assert ws["B11"].value == trade.stop_price_usd
    assert ws["B12"].value == pytest.approx(order.leverage)

    view = QuickCheckView(settings)
    qtbot.addWidget(view)
    view.set_dataset(dataset, trade)
    texts = view.field_texts()
    assert texts["symbol"] == order.base
    assert texts["side"] == order.side.value
    assert float(texts["entry_price_usd"]) == trade.entry_price_usd
    assert float(texts["stop_price_usd"]) == trade.stop_price_usd
    assert float(texts["leverage"]) == pytest.approx(order.leverage)
    view.recompute()
    assert view.last_result is not None, view.last_error


def test_plan_caption_counts_in_words(market: Any) -> None:
    from gui.report_frames import plan_frames

    _, report, _ = market
    _, _, caption = plan_frames(report)
    n = len(report.plan.orders)
    assert caption.startswith(f"{n} order{'s' if n != 1 else ''}, ")


SECTOR_FIGURES = {"score": ("score", 4), "mom 7d": ("momentum_7d", 5),
                  "mom 30d": ("momentum_30d", 6), "vol trend": ("volume_trend", 7),
                  "D": ("divergence", 8), "beta": ("beta_to_btc", 9),
                  "BTC R²": ("btc_explained_share", 10)}
"""CLI column (rotation sectors) -> (app column, Sectors sheet column)."""


def _excel_figure(value: float, number_format: str) -> str:
    """What Excel shows for the sector formats: ``#,##0.00``, ``0.0%`` and their signed
    ``+body;-body;body`` forms (read here, not by ``rotation_addin.core.formats``)."""
    body = number_format.split(";")[0].removeprefix("+")
    signed = number_format.startswith("+")
    pct = body.endswith("%")
    match = re.fullmatch(r"(?:#,##)?0(?:\.(0+))?%?", body)
    assert match, f"unexpected number format {number_format!r}"
    decimals = len(match.group(1) or "")
    number = value * 100 if pct else value
    text = f"{number:{'+' if signed and round(number, decimals) else ''},.{decimals}f}"
    return text.replace("-0." + "0" * decimals, "0." + "0" * decimals) + ("%" if pct else "")


def test_a_sectors_figures_read_the_same_everywhere(qtbot: Any,
                                                    capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path, market: Any) -> None:
    """The app showed the BTC-explained share with 0 decimals (65%) where rotation sectors and
    the workbook wrote 64.7%; every sector figure now has core.formats' decimals on all three
    (and the Correlation sheet's note and the Dashboard say the same share, beta, score)."""
    dataset, report, settings = market
    code, out, err = run(capsys, "sectors", "--source", "demo")
    assert code == 0, err
    lines = out.splitlines()
    header_at = next(i for i, line in enumerate(lines) if line.startswith("#  "))
    headers = re.split(r"\s{2,}", lines[header_at].strip())
    cli: dict[str, dict[str, str]] = {}
    for line in lines[header_at + 2: header_at + 2 + len(report.sectors)]:
        cells = dict(zip(headers, re.split(r"\s{2,}", line.strip()), strict=False))
        cli[cells["sector"]] = cells
    assert set(cli) == {s.sector for s in report.sectors}

    frames = build_frames(dataset, report)
    model = DataFrameModel(frames.sector_table, frames.sector_formats)
    names = model.column_names()
    app = {model.display_text(r, names.index("sector")):
           {f: model.display_text(r, names.index(col)) for f, (col, _) in SECTOR_FIGURES.items()}
           for r in range(model.rowCount())}

    path = build_workbook(tmp_path / "look.xlsx", dataset=dataset, params=settings,
                          now=dataset.as_of).path
    book = load_workbook(path)
    ws = book[lay.SECTORS]
    table = lay.block("sectors_table")
    sheet: dict[str, dict[str, str]] = {}
    for row in range(table.top + 1, table.top + 1 + len(report.sectors)):
        cell = ws.cell
        sheet[str(cell(row=row, column=2).value)] = {
            f: _excel_figure(cell(row=row, column=col).value,
                             cell(row=row, column=col).number_format)
            for f, (_, col) in SECTOR_FIGURES.items()}

    notes = [str(c.value) for r in book[lay.CORRELATION].iter_rows() for c in r
             if isinstance(c.value, str) and "beta to BTC" in c.value]
    for name, cells in cli.items():
        expected = {f: cells[f] for f in SECTOR_FIGURES}
        assert app[name] == expected, name
        assert sheet[name] == expected, name
        assert re.fullmatch(r"\d+\.\d%", expected["BTC R²"])  # 64.7%, not 65%
        assert (f"{name}: beta to BTC {expected['beta']}, BTC explains {expected['BTC R²']} "
                "of its variance") in notes
    # the Dashboard's top sectors: the same score (it was unsigned there, 1.30 for +1.30)
    dash, top = book[lay.DASHBOARD], lay.block("dashboard_top")
    for row in range(top.top + 1, top.top + 1 + min(5, len(report.sectors))):
        name, score = (dash.cell(row=row, column=top.left + k) for k in (1, 2))
        assert _excel_figure(score.value, score.number_format) == cli[name.value]["score"]
