"""The Backtest sheet: the whole-strategy backtest's metrics, monthly returns and equity chart.

Every figure comes from the :class:`~rotation_addin.core.strategy_report.StrategySummary` the
desk computed (``rotation_addin.desk.backtest``), the one ``rotation backtest --strategy``
prints and ``--report`` draws. The sheet is filled on demand (``rotation backtest --strategy
--workbook FILE``): a backtest takes seconds, so the first build leaves it empty and a plain
refresh keeps what the last backtest wrote (and re-draws its chart from those cells). The
year column is a native formula over the month cells.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from workbook import layout as lay
from workbook import styles as st
from workbook.context import FillContext, Rows, banner_text, utc_text
from workbook.sheets.charts import replace_chart

if TYPE_CHECKING:
    from rotation_addin.core.performance import Metrics
    from rotation_addin.core.strategy_report import StrategySummary
    from rotation_addin.desk.backtest import SweepSummary

METRIC_HEADERS = ("", "Total return", "CAGR", "Volatility (365)", "Sharpe", "Sortino",
                  "Calmar", "Max drawdown", "Longest drawdown (d)")
EQUITY_HEADERS = ("Date", "Strategy (USD)", "BTC buy-and-hold (USD)",
                  "Equal-weight universe (USD)")
MONTH_HEADERS = ("Year", *[f"{m:02d}" for m in range(1, 13)])
YEAR_COLUMN = lay.block("backtest_monthly").right + 1
CHART_ANCHOR = "D26"
EQUITY_FORMATS = {1: st.FMT_DATE, 2: st.FMT_USD0, 3: st.FMT_USD0, 4: st.FMT_USD0}
SUBTITLE = ("The daily plan traded with fees, slippage, funding, stops, take-profits and the "
            "rules. Filled on demand by `rotation backtest --strategy --workbook FILE` (a "
            "backtest takes seconds); a refresh keeps the last run.")
EMPTY_NOTE = "Not run yet: `rotation backtest --strategy --workbook FILE` fills this sheet."
SWEEP_HEADERS = ("Setting (highest Sharpe first)", "Total return", "Sharpe", "Max drawdown")
BOLD = Font(bold=True)
NO_SWEEP_NOTE = ("No sweep with this backtest: `rotation backtest --sweep --workbook FILE` "
                 "(or --grid NAME=V1,V2,...) adds one here.")
STAT_FORMATS = {"Initial equity (USD)": st.FMT_USD, "Win rate": st.FMT_PCT1,
                "Average R": "+0.00;-0.00;0.00", "Mean gross exposure (x equity)": "0.00",
                "Turnover (x mean equity / year)": "0.0", "Fees paid (USD)": st.FMT_USD,
                "Funding received (+) / paid (-) (USD)": st.FMT_USD,
                "Random sectors beaten": st.FMT_PCT1}
STAT_LABELS = ("Period", "Daily decisions", "Initial equity (USD)", "Trades", "Won",
               "Win rate", "Average R", "Liquidations", "Mean gross exposure (x equity)",
               "Turnover (x mean equity / year)", "Fees paid (USD)",
               "Funding received (+) / paid (-) (USD)", "Random sectors beaten",
               "Rule refusals")


def build(ws: Worksheet) -> None:
    """Titles, headers, number formats and the year-return formulas."""
    st.write_title(ws, "Backtest", SUBTITLE)
    ws["A2"] = EMPTY_NOTE  # the banner block: the first backtest replaces it
    ws["A2"].font = st.DEMO_FONT
    metrics = lay.block("backtest_metrics")
    ws.cell(row=metrics.top - 1, column=1, value="Strategy and benchmarks").font = \
        st.SECTION_FONT
    st.write_header(ws, metrics.top, metrics.left, METRIC_HEADERS)
    st.column_formats(ws, metrics.top + 1, metrics.bottom,
                      {2: st.FMT_PCT1, 3: st.FMT_PCT1, 4: st.FMT_PCT1, 5: "0.00", 6: "0.00",
                       7: "0.00", 8: st.FMT_PCT1, 9: "0"})
    stats = lay.block("backtest_stats")
    ws.cell(row=stats.top - 1, column=1, value="Trades and costs").font = st.SECTION_FONT
    for k, label in enumerate(STAT_LABELS):
        if label in STAT_FORMATS:
            ws.cell(row=stats.top + k, column=stats.left + 1).number_format = \
                STAT_FORMATS[label]
    monthly = lay.block("backtest_monthly")
    ws.cell(row=monthly.top - 1, column=monthly.left, value="Monthly returns").font = \
        st.SECTION_FONT
    st.write_header(ws, monthly.top, monthly.left, MONTH_HEADERS)
    st.write_header(ws, monthly.top, YEAR_COLUMN, ("Year return",))
    st.column_formats(ws, monthly.top + 1, monthly.bottom,
                      {c: st.FMT_PCT1 for c in range(monthly.left + 1, YEAR_COLUMN + 1)})
    year = get_column_letter(monthly.left)
    for row in range(monthly.top + 1, monthly.bottom + 1):  # an empty month counts as 0 %
        product = "*".join(f"(1+{get_column_letter(c)}{row})"
                           for c in range(monthly.left + 1, monthly.right + 1))
        ws.cell(row=row, column=YEAR_COLUMN, value=f'=IF({year}{row}="","",{product}-1)')
    sweep = lay.block("backtest_sweep")
    ws.cell(row=sweep.top - 1, column=sweep.left, value="Parameter sweep").font = \
        st.SECTION_FONT
    header_row = sweep.top + lay.SWEEP_FACTS + 1
    st.column_formats(ws, sweep.top + 1, header_row - 2, {sweep.left + 1: "0.00"})
    st.column_formats(ws, header_row + 1, sweep.bottom, {sweep.left + 1: st.FMT_PCT1,
                                                         sweep.left + 2: "0.00",
                                                         sweep.left + 3: st.FMT_PCT1})
    for column in range(sweep.left, sweep.right + 1):  # bold even when a run writes it
        ws.cell(row=header_row, column=column).font = BOLD
    equity = lay.block("backtest_equity")
    ws.cell(row=equity.top - 1, column=1, value="Equity at each close (USD)").font = \
        st.SECTION_FONT
    st.write_header(ws, equity.top, equity.left, EQUITY_HEADERS)
    # the equity rows get their formats when written (decorate): 1,500 pre-formatted empty
    # rows would double the first build's time for a sheet that starts empty
    st.set_widths(ws, {"A": 30, "B": 16, "C": 10, "D": 10, "E": 9, "F": 9, "G": 9, "H": 12,
                       "I": 12, **{get_column_letter(c): 8 for c in range(10, 17)},
                       get_column_letter(YEAR_COLUMN): 11,
                       **{get_column_letter(lay.block("backtest_sweep").left + k): w
                          for k, w in enumerate((68, 12, 8, 13))}})
    st.print_one_page(ws)
    ws.print_area = f"A1:{get_column_letter(sweep.right)}{equity.top - 2}"


def _metrics_row(name: str, m: Metrics) -> list[object]:
    return [name, m.total_return, m.cagr, m.volatility, m.sharpe, m.sortino, m.calmar,
            m.max_drawdown, m.max_drawdown_days]


def _stats_rows(s: StrategySummary) -> Rows:
    r, t = s.result, s.trades
    refusals = ", ".join(f"{k} {n}" for k, n in r.refusals_by_rule.items()) or "none"
    values = (f"{s.strategy.start:%Y-%m-%d} to {s.strategy.end:%Y-%m-%d}", r.decisions,
              r.params.equity_usd, t.trades, t.wins, t.win_rate if t.trades else None,
              t.average_r, t.liquidations, s.exposure, s.turnover_per_year, r.fees_usd,
              r.funding_usd, s.random.share_beaten, refusals)
    return [[label, value] for label, value in zip(STAT_LABELS, values, strict=True)]


def _monthly_rows(s: StrategySummary) -> Rows:
    rows: Rows = [list(MONTH_HEADERS)]
    table = s.monthly_returns
    for year, values in table.iterrows():
        rows.append([int(str(year)), *[float(x) if math.isfinite(float(x)) else None
                                       for x in values.to_numpy(dtype=float)]])
    return rows


def equity_rows(s: StrategySummary) -> Rows:
    """Date and the three equity curves; every k-th day (and the last) past the block size."""
    equity = s.result.equity
    step = max(1, math.ceil(len(equity) / lay.MAX_BACKTEST_DAYS))
    keep = list(range(0, len(equity), step))
    if keep[-1] != len(equity) - 1:
        keep[-1] = len(equity) - 1
    rows: Rows = [list(EQUITY_HEADERS)]
    for k in keep:
        day = equity.index[k]
        rows.append([day.to_pydatetime(), float(equity.iloc[k]),
                     float(s.btc_equity.loc[day]), float(s.equal_weight_equity.loc[day])])
    return rows


def sweep_rows(sweep: SweepSummary | None) -> Rows:
    """What was swept, the selection figures (label and number), a blank row, the header and
    the settings by Sharpe, highest first (the best marked), at most ``MAX_SWEEP_ROWS`` (the
    last then says how many more); without a sweep, the note that says how to run one."""
    if sweep is None:
        return [[NO_SWEEP_NOTE]]
    result, d = sweep.result, sweep.result.deflated
    rows: Rows = [
        [f"{len(sweep.rows)} settings of {', '.join(sweep.names)}"],
        ["Deflated Sharpe ratio of the best (P[true Sharpe > 0])", d.probability],
        [f"Expected best Sharpe of {d.trials} unskilled trials", sweep.unskilled_best_sharpe],
        [f"Walk-forward out-of-sample Sharpe ({result.folds} folds)",
         result.oos_sharpe if math.isfinite(result.oos_sharpe) else None],
        [], list(SWEEP_HEADERS)]
    order = sweep.by_sharpe()
    for k in order[: lay.MAX_SWEEP_ROWS]:
        row = sweep.rows[k]
        best = " (best, in sample)" if k == result.best else ""
        rows.append([row.label + best, row.total_return,
                     row.sharpe if math.isfinite(row.sharpe) else None, row.max_drawdown])
    if len(order) > lay.MAX_SWEEP_ROWS:
        rows[-1] = [f"... and {len(order) - lay.MAX_SWEEP_ROWS + 1} more settings (every one "
                    "in `rotation backtest --json` and `--report`)"]
    return rows


def content(ctx: FillContext, s: StrategySummary) -> dict[str, Rows]:
    """Owned-range values of the Backtest sheet for summary ``s`` of ``ctx.dataset`` (and
    the sweep of ``ctx.sweep``)."""
    stats = _stats_rows(s)
    caveats = [*s.result.warnings, *(ctx.sweep.warnings if ctx.sweep is not None else ())]
    if caveats:  # the list the CLI prints (desk.backtest: one list for every surface)
        stats.append(["Caveats", "; ".join(caveats)])
    return {
        "backtest_banner": [[f"{banner_text(ctx)} · backtest run {utc_text(ctx.refreshed_at)}"]],
        "backtest_metrics": [list(METRIC_HEADERS), _metrics_row("Strategy", s.strategy),
                             _metrics_row("BTC buy-and-hold", s.btc),
                             _metrics_row("Equal-weight universe", s.equal_weight)],
        "backtest_stats": stats,
        "backtest_monthly": _monthly_rows(s),
        "backtest_equity": equity_rows(s),
        "backtest_sweep": sweep_rows(ctx.sweep),
    }


def _written_days(ws: Worksheet, block: lay.Block) -> int:
    days = 0
    for (value,) in ws.iter_rows(min_row=block.top + 1, max_row=block.bottom,
                                 min_col=block.left, max_col=block.left, values_only=True):
        if value is None:
            break
        days += 1
    return days


def decorate(ws: Worksheet) -> None:
    """The equity chart over the rows written (none while the sheet is empty)."""
    equity = lay.block("backtest_equity")
    days = _written_days(ws, equity)
    if days < 2:
        replace_chart(ws, CHART_ANCHOR, None)
        return
    st.column_formats(ws, equity.top + 1, equity.top + days, EQUITY_FORMATS)
    chart = LineChart()
    chart.title = "Equity: strategy vs BTC buy-and-hold vs equal-weight universe"
    chart.height, chart.width = 9.0, 22.0
    chart.y_axis.title = "USD (log scale)"
    chart.y_axis.scaling.logBase = 10
    chart.x_axis.number_format = "yyyy-mm"
    chart.add_data(Reference(ws, min_col=equity.left + 1, max_col=equity.left + 3,
                             min_row=equity.top, max_row=equity.top + days),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=equity.left, min_row=equity.top + 1,
                                   max_row=equity.top + days))
    for i, series in enumerate(chart.series):
        series.smooth = False
        series.graphicalProperties.line.width = 15000
        series.graphicalProperties.line.solidFill = st.SERIES_COLORS[i % len(st.SERIES_COLORS)]
    replace_chart(ws, CHART_ANCHOR, chart)
