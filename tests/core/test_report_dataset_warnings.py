"""A data-quality note the loader attaches to a dataset reaches every surface via the report."""

from __future__ import annotations

import dataclasses

from rotation_addin.core.report import daily_report
from rotation_addin.data.demo import demo_dataset


def test_dataset_warnings_are_carried_into_the_report() -> None:
    note = "daily candles end on different days: 3 symbol(s) stop before 2026-11-24"
    dataset = dataclasses.replace(demo_dataset(), warnings=(note,))
    report = daily_report(dataset)
    assert report.warnings[0] == note
    assert note not in daily_report(demo_dataset()).warnings
