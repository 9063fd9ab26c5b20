"""DataFrameModel: formats, sign colours and sorting checked against pandas' own sort."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt

from gui.models import (
    NEGATIVE_COLOUR,
    POSITIVE_COLOUR,
    RAW_VALUE_ROLE,
    ColumnFormat,
    DataFrameModel,
    format_value,
)


def test_format_value_kinds() -> None:
    assert format_value(0.1234, ColumnFormat("pct", 1)) == "12.3%"
    assert format_value(0.05, ColumnFormat("pct", 1, signed=True)) == "+5.0%"
    assert format_value(-1234.5, ColumnFormat("usd", 2)) == "-1,234.50"
    # no tick known: the typical tick of a contract below 0.01 USD (1e-7)
    assert format_value(0.000123456789, ColumnFormat("price")) == "0.0001235"
    assert format_value(7.49349, ColumnFormat("price"), 0.001) == "7.493"
    assert format_value(1250.0, ColumnFormat("qty"), 0.1) == "1,250.0"
    assert format_value(3.0, ColumnFormat("lev")) == "3.0x"
    assert format_value(math.nan, ColumnFormat("number")) == ""
    assert format_value(3.0, ColumnFormat("int")) == "3"
    assert format_value("AI", ColumnFormat()) == "AI"


def _model(qtbot: object) -> tuple[DataFrameModel, pd.DataFrame]:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "sector": ["ai", "defi", "meme", "l1", "gaming"],
            "momentum": rng.normal(0, 0.05, 5),
            "volume": [3.0, np.nan, 1.0, 2.0, 5.0],
        }
    )
    frame.loc[2, "momentum"] = -0.2
    frame.loc[3, "momentum"] = 0.3
    formats = {"momentum": ColumnFormat("pct", 1, signed=True)}
    return DataFrameModel(frame, formats, show_index=False), frame


def test_sort_matches_pandas_with_nan_last(qtbot: object) -> None:
    model, frame = _model(qtbot)
    for column, name in ((1, "momentum"), (2, "volume")):
        for order, ascending in (
            (Qt.SortOrder.AscendingOrder, True),
            (Qt.SortOrder.DescendingOrder, False),
        ):
            model.sort(column, order)
            expected = frame.sort_values(name, ascending=ascending, na_position="last")
            shown = [model.raw_value(r, 0) for r in range(model.rowCount())]
            assert shown == list(expected["sector"]), (name, ascending)


def test_text_sort_and_display_roles(qtbot: object) -> None:
    model, frame = _model(qtbot)
    model.sort(0, Qt.SortOrder.AscendingOrder)
    assert [model.raw_value(r, 0) for r in range(5)] == sorted(frame["sector"])
    row = [model.raw_value(r, 0) for r in range(5)].index("meme")
    index = model.index(row, 1)
    assert model.data(index) == "-20.0%"
    assert model.data(index, RAW_VALUE_ROLE) == -0.2
    assert model.data(index, Qt.ItemDataRole.ForegroundRole).color() == NEGATIVE_COLOUR
    row_l1 = [model.raw_value(r, 0) for r in range(5)].index("l1")
    brush = model.data(model.index(row_l1, 1), Qt.ItemDataRole.ForegroundRole)
    assert brush.color() == POSITIVE_COLOUR
    assert model.data(model.index(row_l1, 1)) == "+30.0%"
    # unsigned column: no colour
    assert model.data(model.index(row_l1, 2), Qt.ItemDataRole.ForegroundRole) is None
    assert model.headerData(1, Qt.Orientation.Horizontal) == "momentum"
