"""Cross-sectional z-scores: one day against pandas, every day at once against one day."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rotation_addin.core.bt_features import build_features
from rotation_addin.core.cross_section import cross_section_z, cross_section_z_rows
from rotation_addin.core.errors import InputError
from rotation_addin.core.scores import rank_sectors, sector_z_scores
from rotation_addin.data.demo import demo_dataset


def test_one_day_equals_pandas_population_z() -> None:
    values = [0.3, -1.2, math.nan, 2.5, 0.0]
    s = pd.Series(values)
    expected = ((s - s.mean()) / s.std(ddof=0)).fillna(0.0)
    assert cross_section_z(values) == pytest.approx(expected.tolist(), abs=1e-15)
    assert cross_section_z([1.0, math.nan]) == [0.0, 0.0]  # one finite value
    assert cross_section_z([2.0, 2.0, 2.0]) == [0.0, 0.0, 0.0]  # constant


@pytest.mark.parametrize("sectors", [1, 2, 3, 7, 8, 9, 16, 17, 40, 129])
def test_every_row_at_once_equals_each_row_alone_bit_for_bit(sectors: int) -> None:
    """Widths around NumPy's 8-wide pairwise summation blocks; rows with gaps, a constant
    row, an all-NaN row and a single finite value."""
    rng = np.random.default_rng(sectors)
    x = rng.normal(size=(300, sectors)) * rng.uniform(1e-4, 1e3, size=(300, 1))
    x[rng.random(x.shape) < 0.05] = np.nan
    x[3], x[4] = 5.0, np.nan
    x[5] = np.nan
    x[5, 0] = 1.0
    rows = cross_section_z_rows(x)
    assert len(rows) == 300
    for i in range(300):
        alone = cross_section_z(x[i].tolist())
        assert rows[i] == alone, i  # == on lists of floats: exact
        assert all(type(z) is float for z in rows[i])


def test_rows_must_be_a_table() -> None:
    with pytest.raises(ValueError, match="days x sectors"):
        cross_section_z_rows(np.zeros(3))


def test_the_backtest_scores_each_day_as_the_live_ranking() -> None:
    """The feature table's z-scores of every day equal ``sector_z_scores`` of that day's
    inputs, and the ranking made with them equals ``rank_sectors`` computing its own."""
    features = build_features(demo_dataset(days=400))
    features.z_scores_at(300)  # a table from row 300 on: an earlier row is made again
    for row in range(len(features.days)):
        inputs = features.inputs_at(row)
        assert [list(z) for z in features.z_scores_at(row)] == \
            [list(z) for z in sector_z_scores(inputs)]
        if row % 25 == 0:
            assert rank_sectors(inputs, z_scores=features.z_scores_at(row)) == \
                rank_sectors(inputs)


def test_z_scores_of_another_size_are_refused() -> None:
    inputs = build_features(demo_dataset(days=120)).inputs_at(100)
    z = tuple([0.0] * (len(inputs) - 1) for _ in range(4))
    with pytest.raises(InputError, match="z_scores"):
        rank_sectors(inputs, z_scores=z)  # type: ignore[arg-type]
