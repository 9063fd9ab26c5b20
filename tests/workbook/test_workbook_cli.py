"""``rotation demo`` and ``rotation workbook build|render`` through the real CLI entry point."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from rotation_addin import udfs
from rotation_addin.cli.main import main
from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.data.paths import workbooks_dir
from tests.cli_helpers import one_line_error, run
from workbook import layout as lay

REPO = Path(__file__).resolve().parents[2]


def test_demo_builds_refreshes_and_summarises(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    path = workbooks_dir() / "rotation_desk.xlsx"
    assert f"built and refreshed: {path}" in out
    assert DEMO_SOURCE_LABEL in out and "regime" in out and "orders proposed" in out
    wb = load_workbook(path)
    for sheet in lay.MAIN_SHEETS:
        assert DEMO_SOURCE_LABEL in wb[sheet]["A2"].value, sheet  # every data sheet says so
    # the first build leaves no unexplained backup (it had no previous file to keep)
    assert sorted(p.name for p in path.parent.iterdir()) == ["rotation_desk.xlsx"]
    assert "backup" not in out


def test_demo_again_refreshes_and_keeps_user_sheet(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    path = workbooks_dir() / "rotation_desk.xlsx"
    wb = load_workbook(path)
    wb.create_sheet("Mine")["A1"] = "keep me"
    wb.save(path)
    capsys.readouterr()
    assert main(["demo", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["built"] is False and payload["source"] == DEMO_SOURCE_LABEL
    assert load_workbook(path)["Mine"]["A1"].value == "keep me"
    assert (path.parent / "rotation_desk.bak.xlsx").is_file()  # a real previous file: kept


def test_demo_runs_offline_without_libreoffice(tmp_path: Path) -> None:
    """A fresh process with no soffice on PATH and no network access configured."""
    bin_dir = tmp_path / "bin"  # PATH holds nothing: no soffice, no pdftoppm
    bin_dir.mkdir()
    env = {"PATH": str(bin_dir), "ROTATION_DESK_HOME": str(tmp_path / "home"),
           "PYTHONPATH": str(REPO), "HOME": str(tmp_path), "no_proxy": "*",
           "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    proc = subprocess.run([sys.executable, "-c",
                           "import shutil, sys; assert shutil.which('soffice') is None; "
                           "from rotation_addin.cli.main import main; sys.exit(main(['demo']))"],
                          env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "home" / "data" / "workbooks" / "rotation_desk.xlsx").is_file()


def test_workbook_build_xlsm_and_refuse_overwrite(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rotation_desk.xlsm"
    assert main(["workbook", "build", "--xlsm", "--out", str(out), "--source", "demo"]) == 0
    assert out.is_file() and (tmp_path / "rotation_desk.py").is_file()
    assert main(["workbook", "build", "--xlsm", "--out", str(out)]) == 2
    assert "exists" in capsys.readouterr().err


def test_workbook_render_writes_pngs(tmp_path: Path, lo_profile: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.fail("poppler-utils (pdftoppm) is required: tests/run.sh installs it")
    book = tmp_path / "rotation_desk.xlsx"
    assert main(["workbook", "build", "--out", str(book), "--source", "demo"]) == 0
    assert main(["workbook", "render", str(book), "--out", str(tmp_path / "img")]) == 0
    for sheet in lay.MAIN_SHEETS:
        png = tmp_path / "img" / f"workbook-{sheet.lower()}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", sheet


def test_render_bad_dpi_is_an_input_error(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "workbook", "render", str(tmp_path / "x.xlsx"), "--out",
                         str(tmp_path), "--dpi", "5")
    assert (code, out) == (2, "")
    assert one_line_error(err) == ("rotation: invalid input: --dpi: must be at least 30 and "
                                   "at most 300 (got 5)")


def test_demo_again_reads_the_settings_sheet(capsys: pytest.CaptureFixture[str]) -> None:
    """The Settings sheet says refresh reads its yellow cells on every run: `rotation demo`
    run again must plan with the equity and risk typed there, as `rotation plan` does with the
    same values (it planned with the settings file instead, so the typed cells were ignored)."""
    assert main(["demo"]) == 0
    path = workbooks_dir() / "rotation_desk.xlsx"
    wb = load_workbook(path)
    wb[lay.SETTINGS]["B5"] = 30000  # Settings_equity_usd
    wb[lay.SETTINGS]["B6"] = 0.01  # Settings_risk_fraction
    wb.save(path)
    assert main(["demo"]) == 0
    capsys.readouterr()
    assert main(["plan", "--equity", "30000", "--risk-fraction", "1%", "--json"]) == 0
    orders = json.loads(capsys.readouterr().out)["orders"]
    filled = load_workbook(path)
    assert filled[lay.DASHBOARD]["B14"].value == 30000  # Equity, USD
    rebalance = filled[lay.REBALANCE]
    assert orders, "the demo plan proposes an order at this equity"
    for row, order in enumerate(orders, start=12):
        assert rebalance[f"E{row}"].value == pytest.approx(order["quantity_base"], abs=1e-12)
        assert rebalance[f"M{row}"].value == pytest.approx(order["risk_usd"], abs=0.005)


def test_demo_sizing_starts_from_todays_top_order(demo_market: MarketDataset) -> None:
    """`rotation demo`'s Sizing sheet sizes today's top order on the demo market, as
    `rotation workbook build --source demo` does: it held the no-data placeholder (RENDER at
    entry 5 / stop 4.75 beside RENDER's 2.10 mark, 'Contract max leverage 75 x, the symbol's
    exchange limit' for a contract whose limit is 50, a typed 5 % sigma beside its 7 % EWMA)."""
    assert main(["demo"]) == 0
    wb = load_workbook(workbooks_dir() / "rotation_desk.xlsx")
    sizing, rebalance = wb[lay.SIZING], wb[lay.REBALANCE]
    base = str(rebalance["B12"].value).split("/")[0]  # the plan's first order
    contract = demo_market.contracts[base]
    assert sizing["B5"].value == base == sizing["O6"].value  # inputs and market reference
    assert sizing["B6"].value == rebalance["D12"].value  # side
    for cell, order_cell in (("B10", "F12"), ("B11", "J12")):  # entry, stop on the tick grid
        assert sizing[cell].value == pytest.approx(rebalance[order_cell].value,
                                                   abs=contract.price_tick / 2 + 1e-12)
    assert sizing["B12"].value == rebalance["I12"].value  # leverage
    assert sizing["B15"].value == contract.amount_step
    assert sizing["B22"].value == contract.max_leverage  # "the symbol's exchange limit"
    assert sizing["B18"].value == pytest.approx(udfs.HIST_VOL(base), rel=1e-12)  # EWMA sigma
