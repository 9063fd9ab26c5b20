"""Fuzz every UDF with the values Excel can pass: nothing may escape, errors are readable."""

from __future__ import annotations

import inspect
import math
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rotation_addin import udfs
from rotation_addin.excel import context
from rotation_addin.excel.cell_errors import CellError

SCALARS = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6),
    st.integers(min_value=-10, max_value=10).map(float),
    st.text(max_size=12),
    st.sampled_from(["RENDER", "btc", "2%", "long", "short", "mark", "ewma", "render",
                     "0.05", "=1+1", "1,234.5", "", "  ", "TRUE", "ai_infra"]),
    st.booleans(),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
)
RANGES = st.integers(1, 4).flatmap(
    lambda width: st.lists(st.lists(SCALARS, min_size=width, max_size=width), min_size=1,
                           max_size=5))
CELL = st.one_of(SCALARS, RANGES)


def _excel_safe(value: Any) -> bool:
    if value is None or isinstance(value, bool | str | datetime):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(isinstance(row, list) and all(_excel_safe(c) for c in row) for row in value)
    return False


@pytest.fixture(scope="module", autouse=True)
def warm_context() -> None:
    context.clear()  # demo source (the default settings): no network


@pytest.mark.parametrize("name", udfs.UDF_NAMES)
def test_udf_never_raises(name: str) -> None:
    function = getattr(udfs, name)
    arity = len(inspect.signature(function).parameters)

    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.lists(CELL, min_size=arity, max_size=arity))
    def run(arguments: list[Any]) -> None:
        result = function(*arguments)
        if isinstance(result, CellError):  # a real Excel error value, its reason readable
            reason = result.reason
            assert len(reason) <= 250
            assert reason.split(" ", 1)[0] in ("#INPUT", "#REFUSED", "#DATA", "#ERROR")
            assert "Traceback" not in reason
            # an internal error would mean we failed to validate an input
            assert not reason.startswith("#ERROR"), (arguments, reason)
            return
        assert _excel_safe(result), (arguments, result)
        assert not (isinstance(result, str) and result.startswith("#")), result

    run()
