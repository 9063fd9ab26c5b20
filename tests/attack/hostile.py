"""Hostile values for the attack suite and the long fuzz bench (bench/bench_udf_fuzz.py).

One list of what a user (or a broken sheet) can put in a cell or on a command line, and one
check of what a UDF may answer: an Excel-safe value, or an error text that names its argument
(``#INPUT <argument>: ...``), a rule (``#REFUSED <argument>: ...``) or the data (``#DATA``),
never ``#ERROR`` (an exception we did not foresee) and never a traceback.
"""

from __future__ import annotations

import inspect
import math
import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

from hypothesis import strategies as st

NUMBER_LIKE_TEXT = ["-", "+", "e5", "-e3", "$-", ".", "1e400", "-1e400", "1,", ",5", "1,2,3",
                    "١٢٣", "½", "0x10", "1_000", "nan", "inf", "-inf", "NaN%", "5%%", "%5",
                    "$", "1e-400", "  ", "\u00a0", "1.2.3", "--5", "+-5", "5-", "1e5e5"]
TEXT = ["RENDER", "btc", "ai_infra", "long", "short", "mark", "ewma", "close", "TRUE", "no",
        "=1+1", "=cmd|' /C calc'!A0", "@SUM(A1)", "+1", "../../etc/passwd", "x" * 300,
        "\x00", "\u202e", "🚀", "RENDER/USDT:USDT", "RENDER-PERP", "null", "None", "'"]
FLOATS = [0.0, -0.0, 1e-320, 5e-324, 1e308, -1e308, 2.0**53, 1e15, -1.0, 0.5, 1.0, 2.0,
          100.0, 95.0, 0.02, 1e-9, float("nan"), float("inf"), float("-inf")]

SCALARS = st.one_of(
    st.none(),
    st.sampled_from(NUMBER_LIKE_TEXT + TEXT),
    st.sampled_from(FLOATS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-5, 3000).map(float),
    st.text(max_size=20),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9999, 1, 1)),
)
CELLS = st.one_of(
    SCALARS,
    st.integers(1, 4).flatmap(lambda w: st.lists(st.lists(SCALARS, min_size=w, max_size=w),
                                                 min_size=1, max_size=6)),
    st.lists(SCALARS, min_size=0, max_size=4),  # a ragged or flat list
)


def random_scalar(rng: random.Random) -> Any:
    """One hostile scalar (the bench's generator; same families as :data:`SCALARS`)."""
    kind = rng.randrange(8)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice(NUMBER_LIKE_TEXT + TEXT)
    if kind == 2:
        return rng.choice(FLOATS)
    if kind == 3:
        return rng.uniform(-1e6, 1e6)
    if kind == 4:
        return float(rng.randint(-5, 3000))
    if kind == 5:
        return "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randrange(12)))
    if kind == 6:
        return rng.random() < 0.5
    return datetime(rng.randint(1900, 9998), rng.randint(1, 12), rng.randint(1, 28))


def random_cell(rng: random.Random) -> Any:
    """A scalar, a rectangular range or a ragged list."""
    roll = rng.random()
    if roll < 0.75:
        return random_scalar(rng)
    if roll < 0.95:
        width = rng.randint(1, 4)
        return [[random_scalar(rng) for _ in range(width)] for _ in range(rng.randint(1, 6))]
    return [random_scalar(rng) for _ in range(rng.randint(0, 4))]


def arity(function: Callable[..., Any]) -> int:
    """Number of parameters of a UDF."""
    return len(inspect.signature(function).parameters)


def excel_safe(value: Any) -> bool:
    """What xlwings can hand back to Excel: finite floats, text, bools, dates, 2-D lists."""
    if value is None or isinstance(value, bool | str | datetime):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(isinstance(row, list) and all(excel_safe(c) for c in row) for row in value)
    return False


ERROR_OF_HEAD = {"#INPUT": "#VALUE!", "#REFUSED": "#NUM!", "#DATA": "#N/A"}
"""The Excel error value each kind of reason must come with (rotation_addin.excel.cell_errors)."""


def udf_problem(name: str, arguments: list[Any], result: Any) -> str | None:
    """Why ``result`` of ``name(*arguments)`` is not acceptable, or None if it is.

    A failure must be a real Excel error value (a CellError, never a text that looks like
    one) whose reason is readable and names the argument.
    """
    from rotation_addin.excel.cell_errors import CellError

    if isinstance(result, str) and result.startswith("#"):
        return f"{name}{tuple(arguments)!r}: error as text (IFERROR cannot catch it): {result!r}"
    if not isinstance(result, CellError):
        return None if excel_safe(result) else f"{name}{tuple(arguments)!r}: not Excel-safe: " \
                                               f"{result!r}"
    error, result = result, result.reason
    if ERROR_OF_HEAD.get(result.partition(" ")[0]) != error.code:
        return f"{name}{tuple(arguments)!r}: {error.code} does not match {result!r}"
    if "Traceback" in result or len(result) > 250:
        return f"{name}: unreadable error {result!r}"
    head, _, rest = result.partition(" ")
    if head == "#DATA":
        return None
    if head in ("#INPUT", "#REFUSED"):
        argument = rest.partition(":")[0]
        params = inspect.signature(getattr(__import__("rotation_addin.udfs").udfs, name))
        if argument in params.parameters:
            return None
        return f"{name}{tuple(arguments)!r}: error names no argument of {name}: {result!r}"
    return f"{name}{tuple(arguments)!r}: unexpected error {result!r}"
