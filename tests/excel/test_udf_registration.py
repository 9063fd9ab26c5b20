"""xlwings' own Windows registration code declares every UDF with the right arguments.

``xlwings.udfs`` (BSD, the code Excel's add-in runs to import UDFs) needs the Windows COM
modules ``pythoncom``, ``pywintypes`` and ``win32com.client``. They cannot exist on Linux, so
small stand-ins are installed in ``sys.modules`` for the import -- that is the one mocked
boundary here (Excel/COM). Everything else is real: xlwings' decorators ``xlfunc``/``xlarg``
record the metadata from our module, and ``generate_vba_wrapper`` writes the VBA that Excel
would import.
"""

from __future__ import annotations

import importlib
import inspect
import io
import re
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest


class _Book:
    Name = "RotationDesk.xlsm"


UDF_MODULES = ("rotation_addin.excel.trading_udfs", "rotation_addin.udfs")


@pytest.fixture()
def registered_udfs(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None  # type: ignore[attr-defined]
    pywintypes = types.ModuleType("pywintypes")
    win32com = types.ModuleType("win32com")
    client = types.ModuleType("win32com.client")
    client.Dispatch = lambda *a, **k: None  # type: ignore[attr-defined]
    win32com.client = client  # type: ignore[attr-defined]
    for name, module in {"pythoncom": pythoncom, "pywintypes": pywintypes,
                         "win32com": win32com, "win32com.client": client}.items():
        monkeypatch.setitem(sys.modules, name, module)
    import xlwings

    xl_udfs = importlib.import_module("xlwings.udfs")
    # On Windows xlwings binds func/arg/ret to these; on Linux they are no-ops.
    monkeypatch.setattr(xlwings, "func", xl_udfs.xlfunc)
    monkeypatch.setattr(xlwings, "arg", xl_udfs.xlarg)
    monkeypatch.setattr(xlwings, "ret", xl_udfs.xlret)
    # udfs.py declares some functions it imports (excel/trading_udfs.py): re-decorate both
    for name in UDF_MODULES:
        monkeypatch.delitem(sys.modules, name, raising=False)
    module = importlib.import_module("rotation_addin.udfs")
    yield xl_udfs, module
    for name in UDF_MODULES:
        sys.modules.pop(name, None)
    sys.modules.pop("xlwings.udfs", None)


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
    for live in ("PRICE", "FUNDING_RATE", "SECTOR_TABLE", "REBALANCE_ORDERS", "CORREL_MATRIX",
                 "TRADE_CHECK"):
        assert getattr(module, live).__xlfunc__["call_in_wizard"] is False, live
