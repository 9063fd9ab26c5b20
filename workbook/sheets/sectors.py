"""The Sectors sheet: the ranked sector table, each sector's index line, and the Refresh button."""

from __future__ import annotations

import math

import pandas as pd
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from rotation_addin.core import formats
from rotation_addin.core.returns import sector_index_levels
from workbook import layout as lay
from workbook import styles as st
from workbook.context import FillContext, Rows, banner_text
from workbook.sheets.charts import replace_chart

HEADERS = ("Rank", "Sector", "Members", "Score", "Mom. 7d vs BTC", "Mom. 30d vs BTC",
           "Volume trend 7d/30d", "Divergence D", "Beta to BTC", "BTC-explained R²", "Flags")
INDEX_CHART_ANCHOR = "A19"
SCORE_CHART_ANCHOR = "G19"
PRINT_AREA = "A1:K39"
BUTTON_NOTE = ("Refresh: click the button (Excel + xlwings add-in), or run "
               "`rotation refresh --workbook FILE` / use the desktop app.")


def build(ws: Worksheet) -> None:
    """Titles, header styles and number formats of the owned ranges."""
    st.write_title(ws, "Sectors", BUTTON_NOTE)
    ws["A2"].font = st.DEMO_FONT
    ws["A4"] = "Sector ranking (momentum and volume relative to BTC, sentiment divergence)"
    ws["A4"].font = st.SECTION_FONT
    table = lay.block("sectors_table")
    st.write_header(ws, table.top, table.left, HEADERS)
    ws.row_dimensions[table.top].height = 42
    first, last = table.top + 1, table.bottom
    st.column_formats(ws, first, last, {4: st.FMT_SCORE, 5: st.FMT_MOMENTUM,
                                        6: st.FMT_MOMENTUM, 7: st.FMT_SECTOR_RATIO,
                                        8: st.FMT_SCORE, 9: st.FMT_SECTOR_RATIO,
                                        10: st.FMT_SHARE})
    for col in (4, 5, 6, 8):
        letter = ws.cell(row=first, column=col).column_letter
        st.signed_colours(ws, f"{letter}{first}:{letter}{last}")
    index = lay.block("sectors_index")
    ws.cell(row=index.top - 1, column=1,
            value=formats.SECTOR_CHART_TITLE).font = st.SECTION_FONT
    for col in range(index.left, index.right + 1):
        ws.cell(row=index.top, column=col).font = st.BOLD
    st.column_formats(ws, index.top + 1, index.bottom, {1: st.FMT_DATE})
    st.column_formats(ws, index.top + 1, index.bottom,
                      {c: "0.0" for c in range(index.left + 1, index.right + 1)})
    st.set_widths(ws, {"A": 11, "B": 14, "C": 26, "D": 8, "E": 10, "F": 10, "G": 11,
                       "H": 11, "I": 9, "J": 10, "K": 30})
    ws.freeze_panes = "C6"
    st.print_one_page(ws)
    ws.print_area = PRINT_AREA
    ws["A18"] = "Charts"
    ws["A18"].font = st.SECTION_FONT


def _index_rows(ctx: FillContext) -> Rows:
    """The app's sector-chart series (same window, benchmark named by its base)."""
    dataset = ctx.dataset
    levels = sector_index_levels(dataset.close, dataset.universe, lay.MAX_INDEX_DAYS)
    if levels.shape[1] > lay.MAX_SECTORS:  # keep the benchmark line (last column)
        levels = levels.iloc[:, [*range(lay.MAX_SECTORS - 1), levels.shape[1] - 1]]
    rows: Rows = [["Date", *[str(c) for c in levels.columns]]]
    for stamp, values in zip(pd.DatetimeIndex(levels.index), levels.to_numpy(), strict=True):
        rows.append([stamp.to_pydatetime(), *[float(v) for v in values]])
    return rows


def content(ctx: FillContext) -> dict[str, Rows]:
    """Owned-range values of the Sectors sheet."""
    universe = ctx.dataset.universe
    table: Rows = [list(HEADERS)]
    for s in ctx.report.sectors:
        members = ", ".join(universe.sectors.get(s.sector, ()))
        table.append([s.rank, s.sector, members, s.score, s.momentum_7d, s.momentum_30d,
                      s.volume_trend, s.divergence, s.beta_to_btc, s.btc_explained_share,
                      ", ".join(s.flags)])
    return {
        "sectors_banner": [[banner_text(ctx)]],
        "sectors_table": table,
        "sectors_index": _index_rows(ctx),
    }


def _written_rows(ws: Worksheet, block: lay.Block) -> list[list[object]]:
    """The block's rows as written (header row first), up to the first empty date cell."""
    rows: list[list[object]] = []
    header = [ws.cell(row=block.top, column=c).value for c in range(block.left, block.right + 1)]
    width = max((k + 1 for k, v in enumerate(header) if v is not None), default=1)
    for values in ws.iter_rows(min_row=block.top, max_row=block.bottom, min_col=block.left,
                               max_col=block.left + width - 1, values_only=True):
        if values[0] is None:
            break
        rows.append(list(values))
    return rows or [["Date"]]


def decorate(ws: Worksheet, ctx: FillContext | None) -> None:
    """Index line chart and score bar chart sized to the data written."""
    if ctx is None:
        replace_chart(ws, INDEX_CHART_ANCHOR, None)
        replace_chart(ws, SCORE_CHART_ANCHOR, None)
        return
    index = lay.block("sectors_index")
    index_rows = _written_rows(ws, index)  # as fill wrote them: not computed a second time
    n_days, n_series = len(index_rows) - 1, len(index_rows[0]) - 1
    line = LineChart()
    line.title = formats.SECTOR_CHART_TITLE
    line.height, line.width = 9.5, 15.5
    line.y_axis.title = "index"
    line.x_axis.number_format = "mmm-dd"
    line.x_axis.majorTimeUnit = "days"
    data = Reference(ws, min_col=index.left + 1, max_col=index.left + n_series,
                     min_row=index.top, max_row=index.top + n_days)
    line.add_data(data, titles_from_data=True)
    levels = [v for row in index_rows[1:] for v in row[1:] if isinstance(v, float)]
    if levels:
        line.y_axis.scaling.min = 10.0 * math.floor(min(levels) / 10.0)
        line.y_axis.scaling.max = 10.0 * math.ceil(max(levels) / 10.0)
    line.set_categories(Reference(ws, min_col=index.left, min_row=index.top + 1,
                                  max_row=index.top + n_days))
    for i, series in enumerate(line.series):
        series.smooth = False
        series.graphicalProperties.line.width = 15000
        series.graphicalProperties.line.solidFill = st.SERIES_COLORS[i % len(st.SERIES_COLORS)]
    replace_chart(ws, INDEX_CHART_ANCHOR, line)

    n = len(ctx.report.sectors)
    table = lay.block("sectors_table")
    bar = BarChart()
    bar.title = "Sector score (rank order)"
    bar.style = 10
    bar.legend = None
    bar.height, bar.width = 9.5, 13.0
    bar.type = "bar"
    bar.x_axis.scaling.orientation = "maxMin"
    bar.x_axis.tickLblPos = "low"
    bar.add_data(Reference(ws, min_col=table.left + 3, min_row=table.top + 1,
                           max_row=table.top + n), titles_from_data=False)
    bar.set_categories(Reference(ws, min_col=table.left + 1, min_row=table.top + 1,
                                 max_row=table.top + n))
    replace_chart(ws, SCORE_CHART_ANCHOR, bar)
