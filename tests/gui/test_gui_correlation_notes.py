"""Correlation tab notes: inverse pairs said as a measurement, one list per return type.

docs/real-data-check.md lists "render and compute are natural hedges" among the claims the
tool must not repeat; the notes use the CLI's wording (``rotation corr``) instead.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
import pytest

from gui.report_frames import compute_report, correlation_frames
from rotation_addin.core.correlation import natural_hedges
from rotation_addin.data.settings import Settings

WORDING = "inverse pairs (correlation < −0.2) — measured, not a hedge"


@pytest.fixture(scope="module")
def demo() -> tuple[Any, Any]:
    from rotation_addin.data.demo import demo_dataset

    dataset = demo_dataset()
    return dataset, compute_report(dataset, Settings())


def _notes(dataset: Any, report: Any) -> list[str]:
    return correlation_frames(dataset, report)[5].splitlines()


def test_a_usd_inverse_pair_is_listed_under_usd_only(demo: tuple[Any, Any]) -> None:
    dataset, report = demo
    # a hand-made USD matrix with one pair at -0.35 (below -0.2); BTC-relative: none
    usd = pd.DataFrame([[1.0, -0.35], [-0.35, 1.0]], index=["render", "compute"],
                       columns=["render", "compute"])
    picture = replace(report.correlation, natural_hedges_usd=tuple(natural_hedges(usd)),
                      natural_hedges_relative=())
    lines = _notes(dataset, replace(report, correlation=picture))
    text = "\n".join(lines).lower()
    assert "natural hedge" not in text and "hedges" not in text
    assert f"USD {WORDING}: render/compute -0.35" in lines
    assert f"BTC-relative {WORDING}: none" in lines
    assert sum("render/compute" in line for line in lines) == 1


def test_no_inverse_pairs_says_none_for_each_return_type(demo: tuple[Any, Any]) -> None:
    dataset, report = demo
    picture = replace(report.correlation, natural_hedges_usd=(), natural_hedges_relative=())
    lines = _notes(dataset, replace(report, correlation=picture))
    assert f"USD {WORDING}: none" in lines
    assert f"BTC-relative {WORDING}: none" in lines
    assert not any("hedges" in line.lower() for line in lines)
