"""Every UDF against hostile cells (hypothesis): nothing escapes, every error names its argument.

Sized for CI (a few thousand calls); the >= 50,000-call run is ``bench/bench_udf_fuzz.py``
(figures in docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rotation_addin import udfs
from tests.attack.hostile import CELLS, arity, udf_problem

EXAMPLES_PER_UDF = 150


@pytest.fixture(scope="module", autouse=True)
def _demo_context() -> None:
    from rotation_addin.excel import context

    context.clear()


@pytest.mark.parametrize("name", udfs.UDF_NAMES)
def test_attack_udf_hostile_cells(name: str) -> None:
    function = getattr(udfs, name)

    @settings(max_examples=EXAMPLES_PER_UDF, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def run(data: st.DataObject) -> None:
        total = arity(function)
        count = data.draw(st.integers(0, total))  # Excel passes None for the cells left out
        arguments: list[Any] = [data.draw(CELLS) for _ in range(count)] + [None] * (total - count)
        try:
            result = function(*arguments)
        except Exception as exc:  # the guard must make this impossible
            pytest.fail(f"{name}{tuple(arguments)!r} raised {type(exc).__name__}: {exc}")
        problem = udf_problem(name, arguments, result)
        assert problem is None, problem

    run()
