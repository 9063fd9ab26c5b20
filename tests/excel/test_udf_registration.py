"""xlwings' own Windows registration code declares every UDF with the right arguments.

Excel cannot run here: the COM modules xlwings needs are stand-ins (``tests/excel/conftest.py``,
the one mocked boundary); xlwings' decorators and ``generate_vba_wrapper`` are the real ones.
"""

from __future__ import annotations

import inspect
import io
import re
from typing import Any


class _Book:
    Name = "RotationDesk.xlsm"


def test_every_udf_is_declared_with_its_arguments(registered_udfs: tuple[Any, Any]) -> None:
    xl_udfs, module = registered_udfs
    out = io.StringIO()
    xl_udfs.generate_vba_wrapper("rotation_addin.udfs", module, out, _Book())
    vba = out.getvalue()
    declared = dict(re.findall(r"^Function (\w+)\(([^)]*)\)", vba, flags=re.M))
    assert sorted(declared) == sorted(module.UDF_NAMES)
    for name in module.UDF_NAMES:
        parameters = inspect.signature(getattr(module, name)).parameters.values()
        expected = ", ".join(
            ("Optional " if p.default is not inspect.Parameter.empty else "") + p.name
            for p in parameters)
        assert declared[name] == expected, name
        # Each call goes through xlwings' CallUDF with this module and function name.
        assert f'XLPy.CallUDF("rotation_addin.udfs", "{name}"' in vba


def test_udf_metadata_has_docs_category_and_no_wizard_calls_for_live_data(
    registered_udfs: tuple[Any, Any],
) -> None:
    _, module = registered_udfs
    for name in module.UDF_NAMES:
        info = getattr(module, name).__xlfunc__
        assert info["category"] == "Rotation Desk"
        assert info["ret"]["doc"] and len(info["ret"]["doc"]) <= 255, name
        for arg in info["args"]:
            # every argument has a help text for Excel's function wizard, not the default
            assert not arg["doc"].startswith("Positional argument"), (name, arg["name"])
            assert len(arg["doc"]) <= 255
    for live in ("CRYPTO_PRICE", "FUNDING_RATE", "SECTOR_TABLE", "REBALANCE_ORDERS",
                 "CORREL_MATRIX", "TRADE_CHECK", "OHLCV", "FUNDING_HISTORY", "DATA_SOURCE",
                 "OPEN_INTEREST"):
        assert getattr(module, live).__xlfunc__["call_in_wizard"] is False, live
    # a cold fetch never freezes Excel; CRYPTO_PRICE re-reads the shared snapshot at every recalc
    for fetching in ("CRYPTO_PRICE", "FUNDING_RATE", "OHLCV", "FUNDING_HISTORY", "OPEN_INTEREST"):
        assert getattr(module, fetching).__xlfunc__["async_mode"] == "threading", fetching
    assert module.CRYPTO_PRICE.__xlfunc__["volatile"] is True


def test_the_vba_calls_volatile_and_skips_the_wizard(registered_udfs: tuple[Any, Any]) -> None:
    xl_udfs, module = registered_udfs
    out = io.StringIO()
    xl_udfs.generate_vba_wrapper("rotation_addin.udfs", module, out, _Book())
    price = out.getvalue().split("Function CRYPTO_PRICE(", 1)[1].split("End Function", 1)[0]
    assert "Application.Volatile" in price
    assert 'CommandBars("Standard")' in price  # call_in_wizard=False


def test_no_function_shares_a_name_with_an_excel_builtin() -> None:
    """A spreadsheet resolves its own functions first: a UDF named like a built-in (PRICE is
    Excel's bond price) would never be called. openpyxl's list of Excel's functions is the
    independent reference."""
    from openpyxl.utils.formulas import FORMULAE

    from rotation_addin import udfs

    assert "PRICE" in FORMULAE  # the reference knows the clash that renamed CRYPTO_PRICE
    clashes = [name for name in udfs.UDF_NAMES if name.upper() in FORMULAE]
    assert clashes == []
