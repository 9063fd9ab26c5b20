"""The O(T·p²) rolling correlation kernel against pandas and a per-window two-pass reference.

pandas' ``DataFrame.rolling(window, min_periods).corr()`` is the reference for values and
for which windows have one; NumPy's two-pass ``np.corrcoef`` on each window is the exact
reference where pandas itself is not the point (large offsets).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rotation_addin.core import pearson_complete, tensor_memory, window_sums
from rotation_addin.core import rolling_pearson as kernel
from rotation_addin.core.correlation import rolling_correlation
from rotation_addin.core.errors import InputError
from rotation_addin.core.rolling_pearson import rolling_mean_std, rolling_pearson

TOLERANCE = 1e-12


def pandas_tensor(values: np.ndarray, window: int, min_periods: int | None) -> np.ndarray:
    frame = pd.DataFrame(values).replace([np.inf, -np.inf], np.nan)
    rolled = frame.rolling(window, min_periods=min_periods).corr()
    return rolled.to_numpy().reshape(values.shape[0], values.shape[1], values.shape[1])


def assert_matches_pandas(ours: np.ndarray, expected: np.ndarray) -> None:
    """Same values to 1e-12 where pandas has a finite one; NaN exactly where pandas has none
    (pandas gives ±inf or NaN for a constant window: ours is NaN there)."""
    finite = np.isfinite(expected)
    assert np.array_equal(np.isfinite(ours), finite)
    np.testing.assert_allclose(ours[finite], expected[finite], rtol=0, atol=TOLERANCE)


def gappy(seed: int, periods: int, columns: int) -> np.ndarray:
    """Correlated returns with a gap, a late listing, an inf and a flat (constant) stretch."""
    rng = np.random.default_rng(seed)
    market = rng.standard_t(4, periods) * 0.03
    loadings = rng.uniform(-1.0, 1.5, columns)
    values = market[:, None] * loadings + rng.normal(0, 0.02, (periods, columns))
    values[50:53, 1] = np.nan  # a gap
    values[:40, 2] = np.nan  # lists late
    values[120:170, 3] = 0.0  # no trading: returns exactly 0 (a constant window)
    values[200, 0] = np.inf  # a bad print: missing, as in pandas after replace(inf)
    return values


@pytest.fixture(params=[(None, None, None), (1, None, None), (None, 1, None), (1, None, 1)],
                ids=["one-block", "many-blocks", "row-steps", "many-blocks-one-thread"])
def budget(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole sample in one block, blocks of 16 rows (block seams tested, on two
    threads), tensor rows filled, summed and finished one at a time (the in-cache steps'
    seams tested), or many blocks on one thread."""
    block_bytes, step_bytes, threads = request.param
    if block_bytes is not None:
        monkeypatch.setattr(kernel, "BLOCK_BUDGET_BYTES", block_bytes)
    if step_bytes is not None:
        for module in (window_sums, pearson_complete):
            monkeypatch.setattr(module, "CACHE_ROWS_BYTES", step_bytes)
    if threads is not None:
        monkeypatch.setattr(kernel, "KERNEL_THREADS", threads)


@pytest.mark.parametrize("window, min_periods", [(30, None), (30, 10), (30, 29), (90, 2),
                                                 (400, None), (500, 5)])
def test_equals_pandas_with_gaps_nans_and_flat_stretch(
    budget: None, window: int, min_periods: int | None
) -> None:
    values = gappy(3, 420, 5)
    ours = rolling_pearson(values, window, min_periods)
    assert_matches_pandas(ours, pandas_tensor(values, window, min_periods))


def test_flat_window_is_nan_and_short_history_is_nan(budget: None) -> None:
    values = gappy(4, 300, 5)
    ours = rolling_pearson(values, 30)
    assert np.isnan(ours[169, 3]).all()  # rows 140..169 all 0: constant, no correlation
    assert np.isfinite(ours[169, 0, 1])
    assert np.isnan(ours[:29]).all()  # fewer than 30 rows yet
    assert np.isnan(ours[52:82, 1]).all() and np.isfinite(ours[82, 1, 0])  # gap in the window
    assert ours[100, 0, 1] == pytest.approx(ours[100, 1, 0], abs=1e-15)  # symmetric


def two_pass_tensor(values: np.ndarray, window: int, min_periods: int) -> np.ndarray:
    """Per window and pair, on the rows both have: mean-removed sums (the textbook formula)."""
    periods, columns = values.shape
    out = np.full((periods, columns, columns), np.nan)
    for t in range(periods):
        rows = values[max(0, t - window + 1) : t + 1]
        for i in range(columns):
            for j in range(columns):
                both = np.isfinite(rows[:, i]) & np.isfinite(rows[:, j])
                x, y = rows[both, i], rows[both, j]
                if both.sum() < min_periods or np.ptp(x) == 0 or np.ptp(y) == 0:
                    continue
                dx, dy = x - x.mean(), y - y.mean()
                out[t, i, j] = (dx * dy).sum() / np.sqrt((dx * dx).sum() * (dy * dy).sum())
    return out


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), periods=st.integers(1, 120), columns=st.integers(1, 6),
       window=st.integers(2, 60), least=st.integers(2, 60), holes=st.floats(0.0, 0.4))
def test_property_equals_two_pass_and_pandas(seed: int, periods: int, columns: int,
                                             window: int, least: int, holes: float) -> None:
    """Exact reference to 1e-12; pandas to 1e-10 (its add/remove updates drift up to ~3e-12
    on 3-row windows, e.g. seed 0, 112 x 6, window 3, min_periods 2) and NaN for NaN."""
    rng = np.random.default_rng(seed)
    values = rng.normal(0, 1, (periods, columns)) + rng.normal(0, 1, (periods, 1))
    values[rng.random((periods, columns)) < holes] = np.nan
    min_periods = min(least, window)
    ours = rolling_pearson(values, window, min_periods)
    exact = two_pass_tensor(values, window, min_periods)
    assert np.array_equal(np.isnan(ours), np.isnan(exact))
    np.testing.assert_allclose(ours, exact, rtol=0, atol=TOLERANCE, equal_nan=True)
    expected = pandas_tensor(values, window, min_periods)
    finite = np.isfinite(expected)
    assert np.array_equal(np.isfinite(ours), finite)
    np.testing.assert_allclose(ours[finite], expected[finite], rtol=0, atol=1e-10)


def test_large_offset_keeps_precision(budget: None) -> None:
    """Prices around 1e9 moving by ~1: without local centring ``n Sxy - Sx Sy`` cancels away
    ~18 digits; the kernel must still agree with the exact per-window two-pass formula."""
    rng = np.random.default_rng(11)
    steps = rng.normal(0, 1, (600, 4))
    steps[:, 1] += 0.6 * steps[:, 0]
    prices = 1e9 + np.cumsum(steps, axis=0)
    window = 120
    ours = rolling_pearson(prices, window)
    deviations = prices - 1e9  # exact: every price is within a few thousand of 1e9
    for t in range(window - 1, len(prices), 7):
        exact = np.corrcoef(deviations[t - window + 1 : t + 1].T)
        np.testing.assert_allclose(ours[t], exact, rtol=0, atol=TOLERANCE)
    centred = pandas_tensor(deviations, window, None)
    assert_matches_pandas(ours, centred)


def test_rolling_correlation_frame_min_periods_equals_pandas() -> None:
    values = gappy(5, 260, 4)
    values[200, 0] = 0.01
    frame = pd.DataFrame(values, columns=["BTC", "A", "B", "C"],
                         index=pd.date_range("2024-01-01", periods=260, tz="UTC"))
    ours = rolling_correlation(frame, 60, min_periods=20)
    expected = frame.rolling(60, min_periods=20).corr()
    assert list(ours.index) == list(expected.index)
    assert list(ours.columns) == list(expected.columns)
    assert_matches_pandas(ours.to_numpy(), expected.to_numpy())


def test_bad_arguments_name_the_field() -> None:
    values = np.zeros((10, 2))
    with pytest.raises(InputError, match="min_periods"):
        rolling_pearson(values, 5, 6)
    with pytest.raises(InputError, match="min_periods"):
        rolling_pearson(values, 5, 1)
    with pytest.raises(InputError, match="window"):
        rolling_pearson(values, 1)
    with pytest.raises(InputError, match="values"):
        rolling_pearson(np.zeros(10), 5)


@pytest.mark.parametrize("offset", [0.0, 1e6])
def test_rolling_mean_std_equals_pandas(offset: float) -> None:
    """pandas on the offset-free values is the reference (x - 1e6 is exact here)."""
    values = gappy(6, 300, 4) + offset
    values[200, 0] = np.nan
    frame = pd.DataFrame(values - offset)
    mean, std = rolling_mean_std(values, 30)
    expected_mean = frame.rolling(30).mean().to_numpy() + offset
    expected_std = frame.rolling(30).std().to_numpy()
    np.testing.assert_allclose(mean, expected_mean, rtol=1e-15, atol=1e-12, equal_nan=True)
    flat = np.zeros(std.shape, dtype=bool)
    flat[149:170, 3] = True  # windows inside rows 120..169, all equal: exactly 0
    assert (std[flat] == 0.0).all()
    assert (expected_std[flat] < 1e-9).all()  # pandas: 0 or add/remove rounding noise
    np.testing.assert_allclose(std[~flat], expected_std[~flat], rtol=1e-12, atol=1e-12,
                               equal_nan=True)


def test_rolling_mean_std_ill_windows_match_one_window_two_pass(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Ill-conditioned windows are recomputed in batches; each equals, bit for bit, NumPy's
    two-pass mean/std of that window alone. A condition limit of 0 flags every window, and
    batches of 7 put many windows on batch borders."""
    monkeypatch.setattr(kernel, "ILL_BATCH", 7)
    monkeypatch.setattr(kernel, "CONDITION_LIMIT", 0.0)
    rng = np.random.default_rng(17)
    values = 1e9 + rng.normal(0.0, 1e-3, (120, 5))
    values[40:80, 2] = 1e9  # a flat stretch: std exactly 0, not recomputed
    values[60, 4] = np.nan
    mean, std = rolling_mean_std(values, 20)
    checked = 0
    for row in range(19, 120):
        for column in range(5):
            window = values[row - 19 : row + 1, column]
            if not np.isfinite(window).all():
                assert np.isnan(mean[row, column]) and np.isnan(std[row, column])
            elif (window == window[0]).all():
                assert std[row, column] == 0.0
            else:
                assert mean[row, column] == window.mean()
                assert std[row, column] == window.std(ddof=1)
                checked += 1
    assert checked > 300


@pytest.mark.parametrize("seed, gaps", [(5, False), (6, True)])
def test_the_number_of_threads_does_not_change_a_bit(
    seed: int, gaps: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(seed)
    values = gappy(seed, 700, 6) if gaps else rng.normal(0, 0.02, (700, 6)) + 100.0
    monkeypatch.setattr(kernel, "BLOCK_BUDGET_BYTES", 1)  # blocks of one window: 24 of them
    results = []
    for threads in (1, 2, 3):
        monkeypatch.setattr(kernel, "KERNEL_THREADS", threads)
        results.append(rolling_pearson(values, 30, 20 if gaps else None))
    for other in results[1:]:
        assert np.array_equal(results[0], other, equal_nan=True)


@pytest.mark.parametrize("start", [0, 60, 90])
def test_complete_path_equals_the_plain_split_bit_for_bit(start: int) -> None:
    """The fused, in-cache arrangement of ``pearson_complete`` against the plain van Herk /
    Gil-Werman split (``window_sums.window_totals`` of every term, then the formula) on the
    same block: the same additions in the same order, so equal to the last bit."""
    window, stop, p = 30, 217, 4
    rng = np.random.default_rng(11)
    origin = max(0, start - window)
    y = rng.normal(0, 1, (stop - origin, p)) * rng.uniform(0.5, 3.0, p)
    rows = stop - start
    spare = np.empty((stop - origin, p, p))
    plain = window_sums.window_totals(window_sums.outer_terms(y, y), start, stop, window,
                                      np.empty((rows, p, p)), spare)
    sums = window_sums.window_totals(window_sums.row_terms(y), start, stop, window,
                                     np.empty((rows, p)), np.empty((stop - origin, p)))
    squares = window_sums.window_totals(window_sums.row_terms(y * y), start, stop, window,
                                        np.empty((rows, p)), np.empty((stop - origin, p)))
    n = np.minimum(np.arange(start, stop) + 1, window).astype(float)[:, None]
    full = np.broadcast_to(n >= window, (rows, p))  # a complete window: every row of both
    inverse, _ = window_sums.inverse_scale(n, sums, squares, full)
    expected = plain - (sums / n)[:, :, None] * sums[:, None, :]
    expected *= (n * inverse)[:, :, None]
    expected *= inverse[:, None, :]
    np.clip(expected, -1.0, 1.0, out=expected)
    ours = np.empty((rows, p, p))
    pearson_complete.complete_block(y, start, stop, window, window,
                                    np.ones((rows, p), dtype=bool), ours,
                                    np.empty((stop - origin, p, p)))
    assert np.array_equal(ours, expected, equal_nan=True)


def test_fresh_memory_left_to_populate_is_usable() -> None:
    """An output whose pages the caller faults in part by part (Linux: madvise through
    ctypes; elsewhere a no-op) holds what is written to it."""
    array = tensor_memory.fresh_array((64, 128, 128), populate_now=False)  # 8 MiB: mapped
    tensor_memory.populate(array[10:20])
    tensor_memory.populate(array[:0])
    array[:] = 1.5
    assert array.shape == (64, 128, 128) and float(array.sum()) == 1.5 * array.size
