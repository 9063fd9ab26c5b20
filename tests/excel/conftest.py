"""Stand-ins for the Windows COM modules, so xlwings' own Excel-side code runs here.

``xlwings.udfs`` (BSD, the code Excel's add-in runs to import UDFs and to call them) needs the
Windows COM modules ``pythoncom``, ``pywintypes`` and ``win32com.client``. They cannot exist
on Linux and Excel itself cannot run here, so small stand-ins are installed in
``sys.modules`` -- that is the one mocked boundary (Excel/COM). The stand-in ``VARIANT`` has
pywin32's shape (``win32com.client.VARIANT(vt, value)`` with ``varianttype`` and ``value``)
and ``VT_ERROR`` pywin32's value (10, the OLE VARENUM). Everything else is real: xlwings'
decorators ``xlfunc``/``xlarg`` record the metadata from our modules, ``generate_vba_wrapper``
writes the VBA Excel would import, and ``xlwings.conversion.write`` converts return values
exactly as ``call_udf`` does before COM marshals them.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest

UDF_MODULES = ("rotation_addin.excel.trading_udfs", "rotation_addin.excel.market_udfs",
               "rotation_addin.udfs")
VT_ERROR = 10


class StandInVariant:
    """pywin32's ``win32com.client.VARIANT``: a value with an explicit OLE variant type."""

    def __init__(self, vt: int, value: Any) -> None:
        self.varianttype = vt
        self.value = value


@pytest.fixture()
def registered_udfs(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    """(xlwings.udfs, rotation_addin.udfs) with the UDFs decorated by xlwings' Windows code."""
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None  # type: ignore[attr-defined]
    pythoncom.VT_ERROR = VT_ERROR  # type: ignore[attr-defined]
    pywintypes = types.ModuleType("pywintypes")
    win32com = types.ModuleType("win32com")
    client = types.ModuleType("win32com.client")
    client.Dispatch = lambda *a, **k: None  # type: ignore[attr-defined]
    client.VARIANT = StandInVariant  # type: ignore[attr-defined]
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
    # udfs.py declares functions it imports (excel/*_udfs.py): re-decorate all of them
    for name in UDF_MODULES:
        monkeypatch.delitem(sys.modules, name, raising=False)
    module = importlib.import_module("rotation_addin.udfs")
    yield xl_udfs, module
    for name in UDF_MODULES:
        sys.modules.pop(name, None)
    sys.modules.pop("xlwings.udfs", None)
