"""A refused argument is named as the UDF names it, with one valid range whichever side of it
the typed value falls.

The UDFs are called as Excel calls them (plain functions fed cell values; Excel itself cannot
run here). ``=LIQUIDATION_PRICE(..., mmr)`` said ``must be in [1e-06, 1)`` for 0 but
``must be between 0 and 0.5`` for 0.6, so each message named a range the other refused, and
0.6, which ``rotation liq --mmr 60%`` answers, was refused; ``=DEPTH(symbol, band)`` the same
with ``(0, 1)`` and ``0 and 0.5``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rotation_addin import udfs
from rotation_addin.cli.main import main
from rotation_addin.excel import context
from rotation_addin.excel.cell_errors import CellError


@pytest.fixture(autouse=True)
def fresh_context(isolated_home: Path) -> Iterator[None]:
    context.clear()
    yield
    context.clear()


def _range_of(result: object, argument: str) -> str:
    assert isinstance(result, CellError) and result.code == "#VALUE!", result
    match = re.match(rf"#INPUT {argument}: must be (.*) \(got ", result.reason)
    assert match, result.reason
    return match.group(1)


CALLS: dict[str, tuple[str, Callable[[Any], object]]] = {
    "LIQUIDATION_PRICE mmr": ("mmr", lambda v: udfs.LIQUIDATION_PRICE("long", 100, 1, 1, None, v)),
    "SAFE_LEVERAGE mmr": ("mmr", lambda v: udfs.SAFE_LEVERAGE(0.05, None, None, None, v)),
    "DEPTH band": ("band", lambda v: udfs.DEPTH("RENDER", v)),
}


@pytest.mark.parametrize("call", list(CALLS))
def test_below_and_above_name_the_same_range(call: str) -> None:
    argument, udf = CALLS[call]
    ranges = {_range_of(udf(value), argument) for value in (0.0, -0.01, "-1%", 1.0, 4.0)}
    assert len(ranges) == 1, ranges


def test_liquidation_mmr_accepts_what_rotation_liq_accepts(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["liq", "--entry", "100", "--quantity", "1", "--leverage", "1", "--side",
                 "short", "--mmr", "60%", "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)["liquidation_price_usd"]
    assert udfs.LIQUIDATION_PRICE("short", 100, 1, 1, None, 0.6) == pytest.approx(expected,
                                                                                    rel=1e-12)
    assert udfs.LIQUIDATION_PRICE("short", 100, 1, 1, None, "60%") == pytest.approx(expected,
                                                                                    rel=1e-12)


@pytest.mark.parametrize("size", [0.0, -5.0, "0%", "-1%", "5%"])
def test_trade_check_names_the_size_argument_it_was_given(size: object) -> None:
    """=TRADE_CHECK's fifth argument is quantity_or_risk: a refusal of it named the journal's
    own fields (quantity, risk), which the function has no argument for."""
    result = udfs.TRADE_CHECK("RENDER", "long", None, 1.6, size)
    assert isinstance(result, CellError) and result.code == "#VALUE!", result
    assert result.reason.startswith("#INPUT quantity_or_risk: "), result.reason


@pytest.mark.parametrize("udf", [
    lambda v: udfs.CRYPTO_PRICE(v), lambda v: udfs.FUNDING_RATE(v), lambda v: udfs.OHLCV(v),
    lambda v: udfs.SLIPPAGE(v, 1000), lambda v: udfs.DEPTH(v),
    lambda v: udfs.POSITION_SIZE(10000, 0.02, 100, 95, None, v),
])
@pytest.mark.parametrize("value", [True, [[False]]])
def test_a_boolean_symbol_is_bad_input(udf: Callable[[Any], object], value: object) -> None:
    """A TRUE/FALSE cell where a symbol goes is an input error naming the argument: it was
    looked up as the symbol "TRUE" and came back as missing data (#N/A 'TRUE: not listed')."""
    result = udf(value)
    assert isinstance(result, CellError) and result.code == "#VALUE!", result
    assert result.reason.startswith("#INPUT ") and "TRUE/FALSE" in result.reason, result.reason
