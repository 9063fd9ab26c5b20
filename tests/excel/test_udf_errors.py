"""A failed UDF is a real Excel error value, so IFERROR/ISERROR catch it; the reason stays.

Excel cannot run here. The path to it is checked up to the COM boundary with the stand-in COM
modules of ``tests/excel/conftest.py``: each function's result goes through
``xlwings.conversion.write`` exactly as xlwings' ``call_udf`` sends it (then ``CallUDF`` hands
``res[0][0]`` to pywin32), and must arrive as a ``VT_ERROR`` variant carrying the scode of
Excel's own ``CVErr`` value. ``iferror`` below is Excel's rule (ISERROR is TRUE for a cell
error value only, never for text), applied to what COM would receive.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rotation_addin.data.settings import Settings, save_settings
from rotation_addin.excel import cell_errors, context
from rotation_addin.excel.cell_errors import CellError
from tests.excel.conftest import VT_ERROR, StandInVariant

XL_ERR_NUMBERS = {"#NULL!": 2000, "#DIV/0!": 2007, "#VALUE!": 2015, "#REF!": 2023,
                  "#NAME?": 2029, "#NUM!": 2036, "#N/A": 2042}
"""Excel's documented XlCVError numbers (CVErr(xlErrNA) = CVErr(2042))."""


def cverr_scode(code: str) -> int:
    """The COM scode of CVErr(n): 0x800A0000 + n, as a signed 32-bit integer."""
    return (0x800A0000 | XL_ERR_NUMBERS[code]) - 2**32


BAD_CALLS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "POSITION_SIZE": (lambda u: u.POSITION_SIZE(10_000, 0.02, "abc", 95), "#VALUE!"),
    "LIQUIDATION_PRICE": (lambda u: u.LIQUIDATION_PRICE("long", 100, -1, 20), "#VALUE!"),
    "SAFE_LEVERAGE": (lambda u: u.SAFE_LEVERAGE(12), "#VALUE!"),
    "HIST_VOL": (lambda u: u.HIST_VOL("RENDER", "garch"), "#VALUE!"),
    "CORREL_MATRIX": (lambda u: u.CORREL_MATRIX("BTC,RENDER", 2), "#VALUE!"),
    "CRYPTO_PRICE": (lambda u: u.CRYPTO_PRICE("RENDER", "bidd"), "#VALUE!"),
    "OHLCV": (lambda u: u.OHLCV("BTC", "2h"), "#VALUE!"),
    "FUNDING_RATE": (lambda u: u.FUNDING_RATE("NOT A SYMBOL!"), "#VALUE!"),
    "SECTOR_TABLE": (lambda u: u.SECTOR_TABLE(), "#N/A"),  # no data: see the fixture below
    "REGIME": (lambda u: u.REGIME("x"), "#VALUE!"),
    "DIVERGENCE": (lambda u: u.DIVERGENCE("RENDER", 2), "#VALUE!"),
    "REBALANCE_ORDERS": (lambda u: u.REBALANCE_ORDERS(-5), "#VALUE!"),
    "SLIPPAGE": (lambda u: u.SLIPPAGE("RENDER", -5), "#VALUE!"),
    "DEPTH": (lambda u: u.DEPTH("RENDER", 2), "#VALUE!"),
    "TRADE_CHECK": (lambda u: u.TRADE_CHECK("NOPE", "long", 2, 1, 1), "#VALUE!"),
    "FUNDING_HISTORY": (lambda u: u.FUNDING_HISTORY("BTC", "x"), "#VALUE!"),
    "OPEN_INTEREST": (lambda u: u.OPEN_INTEREST("BINANCE:RENDER", "contracts"), "#VALUE!"),
    "DATA_SOURCE": (lambda u: u.DATA_SOURCE("x"), "#VALUE!"),
    "LAST_ERRORS": (lambda u: u.LAST_ERRORS(None, 0), "#VALUE!"),
}
"""One failing call per function and the error value it must give."""


@pytest.fixture()
def com_udfs(registered_udfs: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch,
             isolated_home: Path) -> Iterator[Any]:
    """The UDF module as the add-in sees it, with xlwings' "excel" engine stood in."""
    import xlwings

    def prepare(value: Any, options: Any) -> Any:  # the Windows engine's None -> empty cell
        return "" if value is None else value

    stand_in = types.SimpleNamespace(impl=types.SimpleNamespace(prepare_xl_data_element=prepare))
    monkeypatch.setitem(xlwings.engines.engines_by_name, "excel", stand_in)
    context.clear()
    cell_errors.clear_log()
    yield registered_udfs[1]
    context.clear()


def through_com(function: Any, result: Any) -> Any:
    """What xlwings' call_udf + CallUDF hand pywin32 for ``result`` of ``function``."""
    from xlwings import conversion

    written = conversion.write(result, None, function.__xlfunc__["ret"]["options"])
    return written[0][0] if len(written) == 1 and len(written[0]) == 1 else written


def iferror(value: Any, fallback: Any) -> Any:
    """Excel's IFERROR on the value a UDF handed COM: the fallback for an error value only."""
    is_error = isinstance(value, StandInVariant) and value.varianttype == VT_ERROR
    return fallback if is_error else value


def test_every_function_has_a_failing_call_checked() -> None:
    from rotation_addin import udfs

    assert sorted(BAD_CALLS) == sorted(udfs.UDF_NAMES)


@pytest.mark.parametrize("name", sorted(BAD_CALLS))
def test_iferror_over_bad_input_returns_the_fallback(name: str, com_udfs: Any) -> None:
    call, code = BAD_CALLS[name]
    if name == "SECTOR_TABLE":  # no argument to get wrong: a cache source never refreshed
        save_settings(Settings(data_source="cache"))
        context.clear()
    result = call(com_udfs)
    assert isinstance(result, CellError) and result.code == code, result
    sent = through_com(getattr(com_udfs, name), result)
    assert isinstance(sent, StandInVariant), sent  # not a text that merely looks like #N/A
    assert sent.varianttype == VT_ERROR and sent.value == cverr_scode(code)
    assert iferror(sent, "fallback") == "fallback"
    # the reason stays reachable: =LAST_ERRORS() spills it, newest first
    log = com_udfs.LAST_ERRORS(name)
    assert log[0] == ["time", "function", "arguments", "error", "reason"]
    assert log[1][1:] == [name, log[1][2], code, result.reason]


def test_iferror_passes_good_values_through(com_udfs: Any) -> None:
    value = com_udfs.LIQUIDATION_PRICE("long", 100, 1, 20, None, "0.4%")
    sent = through_com(com_udfs.LIQUIDATION_PRICE, value)
    assert iferror(sent, "fallback") == pytest.approx(95 / 0.996)  # hand formula, see test_udfs
    table = com_udfs.OHLCV("BTC", "1d")
    assert iferror(through_com(com_udfs.OHLCV, table), "fallback")[0][0] == "date"


def test_data_and_refusal_errors_are_na_and_num(com_udfs: Any) -> None:
    missing = com_udfs.FUNDING_HISTORY("BTC", "1990-01-01", "1990-02-01")
    assert missing.code == "#N/A" and missing.reason.startswith("#DATA BTC: no funding")
    no_interest = com_udfs.OPEN_INTEREST("RENDER")  # the demo market has none
    assert no_interest.code == "#N/A" and "BINANCE:RENDER" in no_interest.reason
    refused = com_udfs.POSITION_SIZE(10_000, 0.02, 100, 95, None, None, 1000)
    assert refused.code == "#NUM!" and refused.reason.startswith("#REFUSED leverage:")
    for error in (missing, refused):
        sent = through_com(com_udfs.POSITION_SIZE, error)
        assert sent.value == cverr_scode(error.code)


def test_off_windows_the_converter_leaves_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pythoncom", None)  # import fails: no pywin32 (macOS)
    error = CellError("#N/A", "#DATA X: no price history", "CRYPTO_PRICE")
    assert cell_errors.com_value(error) == "#DATA X: no price history"


def test_last_errors_filters_and_counts() -> None:
    from rotation_addin import udfs

    cell_errors.clear_log()
    assert udfs.LAST_ERRORS() == "no errors since the add-in started"
    udfs.CRYPTO_PRICE("RENDER", "bidd")
    udfs.HIST_VOL(12)
    udfs.HIST_VOL(13)
    log = udfs.LAST_ERRORS()
    assert [row[1] for row in log[1:]] == ["HIST_VOL", "HIST_VOL", "CRYPTO_PRICE"]
    assert [row[2] for row in udfs.LAST_ERRORS("hist_vol", 1)[1:]] == ["13"]
    assert udfs.LAST_ERRORS("SLIPPAGE") == "no errors from SLIPPAGE since the add-in started"
