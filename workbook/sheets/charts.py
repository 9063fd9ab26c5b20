"""Tool charts are found by their anchor cell: refresh replaces them and keeps the user's."""

from __future__ import annotations

from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet


def chart_anchor_cell(chart: Any) -> str | None:
    """Top-left cell of a chart (``"A18"``), from a string anchor or a loaded drawing anchor."""
    anchor = chart.anchor
    if isinstance(anchor, str):
        return anchor.upper()
    marker = getattr(anchor, "_from", None)
    if marker is None:
        return None
    return f"{get_column_letter(marker.col + 1)}{marker.row + 1}"


def replace_chart(ws: Worksheet, anchor: str, chart: Any | None) -> None:
    """Remove the chart anchored at ``anchor`` (if any) and add ``chart`` there."""
    ws._charts = [c for c in ws._charts if chart_anchor_cell(c) != anchor.upper()]
    if chart is not None:
        ws.add_chart(chart, anchor)
