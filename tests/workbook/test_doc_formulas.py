"""The Excel formulas the README and the docs show work as written.

* A function synopsis (``LIQUIDATION_PRICE(side, entry, quantity, leverage, [symbol], ...)``)
  names the UDF's own parameters, in order, with ``[...]`` exactly on the optional ones.
* A formula on the workbook's names (``=POSITION_SIZE(Sizing_Equity, ...)``) passes each
  name to the argument it means: evaluated on the built demo workbook's input cells it
  gives what the UDF gives when each argument gets the input it names.

Excel cannot run here: on Linux xlwings' decorators are no-ops, so each UDF is called as the
plain function the add-in would call on Windows (as in ``tests/excel/test_udfs.py``).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from rotation_addin import udfs
from rotation_addin.data.settings import Settings
from rotation_addin.excel import context
from rotation_addin.excel.cell_errors import CellError
from tests.conftest import REPO_ROOT
from workbook.build import build_workbook

DOCS = (REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md")))
#: What each Sizing input name means as a POSITION_SIZE argument (the test's own statement).
MEANING = {"equity": "Equity", "risk": "RiskFraction", "entry": "Entry", "stop": "Stop",
           "side": "Side", "symbol": "Symbol", "leverage": "Leverage"}


def _calls(name: str) -> list[str]:
    """Every ``name(...)`` argument text in the README and the docs."""
    return [args for doc in DOCS
            for args in re.findall(rf"\b{name}\(([^)]*)\)", doc.read_text(encoding="utf-8"))]


def _parameters(name: str) -> list[inspect.Parameter]:
    return list(inspect.signature(inspect.unwrap(getattr(udfs, name))).parameters.values())


@pytest.mark.parametrize("name", udfs.UDF_NAMES)
def test_every_synopsis_names_the_functions_parameters(name: str) -> None:
    parameters = _parameters(name)
    for args in _calls(name):
        words = [w.strip() for w in args.split(",") if w.strip()]
        if not words or not all(re.fullmatch(r"\[?[a-z_]+\]?", w) for w in words):
            continue  # an example with values, not a synopsis
        assert [w.strip("[]") for w in words] == [p.name for p in parameters[: len(words)]], (
            f"{name}({args}) does not list the parameters of {name}")
        for word, parameter in zip(words, parameters, strict=False):
            optional = parameter.default is not inspect.Parameter.empty
            assert word.startswith("[") == optional, f"{name}({args}): {word}"


@pytest.fixture()
def demo_workbook(tmp_path: Path, isolated_home: Path, demo_market: object) -> Iterator[Path]:
    context.clear()
    path = tmp_path / "rotation_desk.xlsx"
    build_workbook(path, dataset=demo_market, params=Settings())  # type: ignore[arg-type]
    yield path
    context.clear()


def _named_values(path: Path) -> dict[str, object]:
    """Every workbook-level name that points at one cell, with that cell's value."""
    wb = load_workbook(path)
    values: dict[str, object] = {}
    for name, defined in wb.defined_names.items():
        destinations = list(defined.destinations)
        if len(destinations) == 1 and ":" not in destinations[0][1]:
            sheet, cell = destinations[0]
            values[name] = wb[sheet][cell.replace("$", "")].value
    return values


def test_formulas_on_the_workbooks_names_pass_each_name_where_it_belongs(
        demo_workbook: Path) -> None:
    named = _named_values(demo_workbook)
    examples = [args for args in _calls("POSITION_SIZE") if "Sizing_" in args]
    assert examples, "the docs show POSITION_SIZE on the Sizing names (docs/workbook.md)"
    by_meaning = {p: named[f"Sizing_{n}"] for p, n in MEANING.items()}
    for args in examples:
        names = [w.strip() for w in args.split(",")]
        assert all(n in named for n in names), f"POSITION_SIZE({args}): unknown names"
        typed = udfs.POSITION_SIZE(*(named[n] for n in names))
        parameters = [p.name for p in _parameters("POSITION_SIZE")][: len(names)]
        meant = udfs.POSITION_SIZE(*(by_meaning[p] for p in parameters))  # in its order
        assert not isinstance(typed, CellError), f"=POSITION_SIZE({args}) gives {typed}"
        assert typed == meant, f"=POSITION_SIZE({args}) gives {typed}, meant {meant}"


def test_the_per_cent_exception_names_every_pct_column_and_they_hold_per_cent(
        isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """docs/excel-functions.md: fractions everywhere, except SECTOR_TABLE()'s ``*_pct``
    columns, which are per cent and equal ``rotation sectors --csv``."""
    import csv
    import io

    from tests.cli_helpers import run

    context.clear()
    tables = {name: getattr(udfs, name)() for name in ("SECTOR_TABLE", "REBALANCE_ORDERS")}
    per_cent = {name: [h for h in t[0] if str(h).endswith("_pct")] for name, t in tables.items()}
    text = (REPO_ROOT / "docs" / "excel-functions.md").read_text(encoding="utf-8")
    named = re.findall(r"`(\w+_pct)`", text.split("One exception", 1)[1].split("\n\n", 1)[0])
    assert per_cent == {"SECTOR_TABLE": named, "REBALANCE_ORDERS": []}
    code, out, err = run(capsys, "sectors", "--source", "demo", "--csv")
    assert code == 0, err
    rows = {r["sector"]: r for r in csv.DictReader(io.StringIO(out))}
    header, *body = tables["SECTOR_TABLE"]
    momentum = header.index("mom_7d_pct")
    for row in body:
        sector = row[header.index("sector")]
        for column in named:
            assert row[header.index(column)] == pytest.approx(float(rows[sector][column]),
                                                              rel=1e-12)
    assert any(abs(row[momentum]) > 1.0 for row in body)  # per cent, not a fraction
