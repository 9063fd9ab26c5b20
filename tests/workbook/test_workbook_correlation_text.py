"""Correlation sheet text: inverse pairs are a measurement, never "natural hedges".

docs/real-data-check.md: render and compute never moved inversely on real 2022-23 data; the
sheet uses the CLI's wording (``rotation corr``), one list per return type, "none" when empty.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from rotation_addin.core.correlation import natural_hedges
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.report import daily_report
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.data.settings import Settings
from workbook import layout as lay
from workbook.build import build_workbook

WORDING = "inverse pairs (correlation < −0.2) — measured, not a hedge"


def _sheet_text(path: Path) -> list[str]:
    ws = load_workbook(path)[lay.CORRELATION]
    return [str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_relative_inverse_pair_listed_as_measured_not_hedge(tmp_path: Path,
                                                            demo_market: MarketDataset) -> None:
    settings = Settings()
    report = daily_report(demo_market, None, PlanParameters.from_settings(settings))
    # a hand-made BTC-relative matrix with one pair at -0.31; USD: none
    rel = pd.DataFrame([[1.0, -0.31], [-0.31, 1.0]], index=["render", "compute"],
                       columns=["render", "compute"])
    picture = replace(report.correlation, natural_hedges_usd=(),
                      natural_hedges_relative=tuple(natural_hedges(rel)))
    path = tmp_path / "wb.xlsx"
    build_workbook(path, dataset=demo_market, params=settings,
                   report=replace(report, correlation=picture))
    texts = _sheet_text(path)
    assert not any("natural hedge" in t.lower() for t in texts), texts
    assert f"USD {WORDING}: none" in texts
    assert f"BTC-relative {WORDING}: render/compute -0.31" in texts
    assert sum("render/compute" in t for t in texts) == 1
