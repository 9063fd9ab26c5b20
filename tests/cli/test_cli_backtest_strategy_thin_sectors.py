"""``rotation backtest --strategy`` on CSV prices with gaps: the daily decisions that ranked a
sector on a single priced coin are counted in the same one warning as the ranking backtest's
(one rule, ``core.walk_forward_inputs``), and it reaches every surface of the result: the
table, ``--json``, the ``--report`` HTML, the workbook's Backtest sheet, and the sweep's
table and JSON. The count, sectors and dates are recomputed with pandas from the CSV files
(``tests.thin_sectors``). Through the real entry point, on the synthetic Coin Metrics folder."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.cli_helpers import run
from tests.thin_sectors import MARKER, closes, expected_warning, write_gappy
from workbook import layout as lay

WARMUP = 60  # the backtest's default warmup: the first decision is row 60


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The gapped folder and what ``--strategy`` wrote and printed on it."""
    from rotation_addin.data.demo import demo_dataset
    from rotation_addin.data.settings import Settings
    from workbook.build import build_workbook

    folder = tmp_path_factory.mktemp("gappy-strategy")
    data_dir = write_gappy(folder / "cm")
    book, page = folder / "wb.xlsx", folder / "bt.html"
    build_workbook(book, dataset=demo_dataset(), params=Settings())
    return {"dir": data_dir, "book": book, "page": page}


def _strategy(capsys, outputs: dict[str, object], *extra: str) -> str:
    code, out, err = run(capsys, "backtest", "--data-dir", str(outputs["dir"]), "--strategy",
                         *extra)
    assert code == 0, err
    return out


def test_every_surface_of_the_strategy_counts_the_decisions_ranked_on_one_coin(
        capsys, outputs: dict[str, object]) -> None:
    folder = outputs["dir"]
    assert isinstance(folder, Path)
    close = closes(folder)
    rows = range(WARMUP, len(close) - 1)  # a plan every day but the last (no next open)
    expected = expected_warning(folder, rows)
    data = json.loads(_strategy(capsys, outputs, "--json", "--report", str(outputs["page"]),
                                "--workbook", str(outputs["book"])))
    assert data["ruined_on"] is None and data["decisions"] == len(rows)
    assert [w for w in data["warnings"] if MARKER in w] == [expected]
    text = _strategy(capsys, outputs)
    assert [line for line in text.splitlines() if MARKER in line] == [f"warning: {expected}"]
    page = Path(str(outputs["page"])).read_text(encoding="utf-8")
    listed = re.findall(r"<li>(.*?)</li>", page[page.index("<h2>Warnings</h2>"):])
    assert [html.unescape(x) for x in listed if MARKER in html.unescape(x)] == [expected]
    ws = load_workbook(str(outputs["book"]))[lay.BACKTEST]
    block = lay.block("backtest_stats")
    caveats = next(row[1] for row in ws.iter_rows(min_row=block.top, max_row=block.bottom,
                                                  min_col=1, max_col=2, values_only=True)
                   if row[0] == "Caveats")
    assert expected in str(caveats) and str(caveats).count(MARKER) == 1  # warnings hold "; "


def test_the_sweep_shows_the_caveat_beside_its_findings(capsys,
                                                        outputs: dict[str, object]) -> None:
    folder = outputs["dir"]
    assert isinstance(folder, Path)
    expected = expected_warning(folder, range(WARMUP, len(closes(folder)) - 1))
    data = json.loads(_strategy(capsys, outputs, "--grid", "top_n_long=1,2", "--json"))
    assert "sweep" in data and [w for w in data["warnings"] if MARKER in w] == [expected]
    text = _strategy(capsys, outputs, "--grid", "top_n_long=1,2")
    assert "sweep: 2 settings" in text
    assert [line for line in text.splitlines() if MARKER in line] == [f"warning: {expected}"]
