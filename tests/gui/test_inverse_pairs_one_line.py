"""The inverse pairs read the same on the app's Correlation tab and the workbook's Correlation
sheet: one label, one list format (``core.correlation_picture.inverse_pairs_line``), its
threshold the one the picture computes the pairs with (``core.constants.HEDGE_THRESHOLD``).

The two surfaces had their own copy of the label and the line, and had drifted: the app
listed ``render/compute -0.35, ai/meme -0.25``, the sheet ``render / compute -0.35; ai / meme
-0.25``. Both typed the threshold ``−0.2`` in the label again.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from gui.report_frames import compute_report, correlation_frames
from rotation_addin.core.constants import HEDGE_THRESHOLD
from rotation_addin.core.correlation import natural_hedges
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.data.settings import Settings
from workbook import layout as lay
from workbook.build import build_workbook

LABEL = "inverse pairs (correlation < −0.2) — measured, not a hedge"
"""Written out here, not imported: the wording the user reads."""


@pytest.fixture(scope="module")
def demo_market() -> MarketDataset:
    from rotation_addin.data.demo import demo_dataset

    return demo_dataset()


def _relative_pairs() -> pd.DataFrame:
    """A hand-made BTC-relative matrix: render/compute -0.35, ai/meme -0.25, the rest above
    the threshold (-0.1) or at it (-0.2, not strictly below: not listed)."""
    names = ["render", "compute", "ai", "meme"]
    values = [[1.0, -0.35, 0.3, -0.2],
              [-0.35, 1.0, -0.1, 0.4],
              [0.3, -0.1, 1.0, -0.25],
              [-0.2, 0.4, -0.25, 1.0]]
    return pd.DataFrame(values, index=names, columns=names)


def test_the_app_and_the_workbook_write_the_same_inverse_pair_lines(
        tmp_path: Path, demo_market: MarketDataset) -> None:
    settings = Settings()
    report = compute_report(demo_market, settings)
    picture = replace(report.correlation, natural_hedges_usd=(),
                      natural_hedges_relative=tuple(natural_hedges(_relative_pairs())))
    report = replace(report, correlation=picture)
    expected = [f"USD {LABEL}: none",
                f"BTC-relative {LABEL}: render/compute -0.35, ai/meme -0.25"]

    app = [line for line in correlation_frames(demo_market, report)[5].splitlines()
           if "inverse pairs" in line]
    path = build_workbook(tmp_path / "wb.xlsx", dataset=demo_market, params=settings,
                          report=report).path
    ws = load_workbook(path)[lay.CORRELATION]
    sheet = [str(c.value) for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and "inverse pairs" in c.value]
    assert app == expected
    assert sheet == expected


def test_the_label_says_the_threshold_the_pairs_are_computed_with(
        demo_market: MarketDataset) -> None:
    report = compute_report(demo_market, Settings())
    notes = correlation_frames(demo_market, report)[5]
    said = re.findall(r"inverse pairs \(correlation < (\S+)\)", notes)
    assert len(said) == 2  # USD and BTC-relative
    assert {float(s.replace("−", "-")) for s in said} == {HEDGE_THRESHOLD}
