"""Rolling Pearson correlation kernel: O(T·p²) window sums, processed in blocks of rows.

pandas equivalent: ``pd.DataFrame(values).rolling(window, min_periods=min_periods).corr()``
(rows = time, columns = assets), reshaped to a ``(T, p, p)`` tensor.

How (per block of ``B`` output rows, ``B`` a multiple of the window, so the working memory
is about ``(B + window) x p x p`` floats whatever ``T`` is):

1. the rows the block's windows cover are shifted by their own column means (correlation
   is shift-invariant; this keeps prices with a large mean from cancelling catastrophically
   in ``n * sum(xy) - sum(x) * sum(y)``);
2. window sums ``sum_s u_s v_s^T`` by the van Herk / Gil-Werman split: chunks of ``window``
   rows, each window = suffix of one chunk + prefix of the next, both running sums
   (``O(p²)`` per row instead of ``O(window * p²)``) of terms inside the window only, so a
   quiet window after a loud one keeps its precision;
3. ``rho_ij = (n Sxy - Sx Sy) / sqrt((n Sxx - Sx²)(n Syy - Sy²))`` on those sums; where
   that one-pass formula is ill-conditioned (``sqrt(n) * n Sxx / (n Sxx - Sx²)`` above
   :data:`CONDITION_LIMIT`: a window far from its block's mean, or a nearly flat one) the
   window is recomputed two-pass, exactly.

Blocks are independent (each reads its own rows and the window before them, writes its own
output rows), so :data:`KERNEL_THREADS` threads fill them at once -- NumPy releases the GIL
in its loops -- each faulting in its own output pages first
(:func:`~rotation_addin.core.tensor_memory.populate`) and holding its own scratch block.
The result does not depend on the number of threads, bit for bit (the block size moves the
shifts of step 1, so it changes the last bits).

Missing values (NaN, inf) follow pandas: each pair uses the days where both are finite
(``x + 0 * y``), and a window needs at least ``min_periods`` such days (default ``window``:
every day of both). A window whose finite values of either series are all equal has no
correlation: NaN (pandas returns NaN, ±inf or rounding noise there).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from rotation_addin.core.errors import InputError
from rotation_addin.core.frames import window_days
from rotation_addin.core.pearson_complete import complete_block
from rotation_addin.core.tensor_memory import fresh_array, populate
from rotation_addin.core.window_sums import (
    CONDITION_LIMIT,
    inverse_scale,
    outer_terms,
    row_terms,
    window_totals,
)

BLOCK_BUDGET_BYTES = 32 * 2**20
"""Working memory aimed at per block of rows (beyond the output tensor)."""

KERNEL_THREADS = 2
"""Threads filling blocks of rows at once (NumPy releases the GIL in its loops); each has its
own scratch block, so memory grows by one block per thread (two: ~1.7x the output here)."""
ILL_BATCH = 4096
"""Ill-conditioned windows of :func:`rolling_mean_std` recomputed per NumPy call (bounds the
gathered ``(batch, window)`` array; one Python-level call per window cost ~50 µs each)."""


def _block_rows(p: int, window: int, tensors: int) -> int:
    """Rows per block: a multiple of ``window`` (>= 1 window) near the memory budget."""
    budget_rows = BLOCK_BUDGET_BYTES // (8 * p * p * tensors)
    return window * max(1, budget_rows // window)


def _window_counts(flags: np.ndarray, window: int) -> np.ndarray:
    """Per row ``t`` and column, the number of true flags in rows ``[t - window + 1, t]``."""
    prefix = np.zeros((flags.shape[0] + 1, flags.shape[1]), dtype=np.int64)
    np.cumsum(flags, axis=0, out=prefix[1:])
    lower = np.maximum(np.arange(flags.shape[0]) - window + 1, 0)
    return prefix[1:] - prefix[lower]


def _constant_windows(data: np.ndarray, finite: np.ndarray, window: int) -> np.ndarray:
    """(T, p) True where the finite values in the window ending at that row are all equal.

    Exact (integer counts): a value *changes* when it differs from the previous finite value;
    a window is constant when no change happens after its first finite row.
    """
    periods, p = data.shape
    rows = np.arange(periods)[:, None]
    last = np.maximum.accumulate(np.where(finite, rows, -1), axis=0)
    previous = np.vstack([np.full((1, p), -1), last[:-1]])
    prior_value = np.take_along_axis(data, np.maximum(previous, 0), axis=0)
    changes = finite & (previous >= 0) & (data != prior_value)
    prefix = np.zeros((periods + 1, p), dtype=np.int64)
    np.cumsum(changes, axis=0, out=prefix[1:])
    following = np.where(finite, rows, periods)[::-1]
    next_finite = np.minimum.accumulate(following, axis=0)[::-1]
    lower = np.maximum(np.arange(periods) - window + 1, 0)
    first = np.minimum(next_finite[lower], rows)  # first finite row of each window (or t)
    after_first = prefix[1:] - np.take_along_axis(prefix, first + 1, axis=0)
    return np.asarray(after_first == 0)


def _exact_row(data: np.ndarray, finite: np.ndarray, row: int, column: int, window: int,
               min_periods: int) -> np.ndarray:
    """Two-pass correlation of ``column`` with every column over the window ending at ``row``
    (pair-complete rows; NaN below ``min_periods`` rows or where either side is constant)."""
    low = max(0, row - window + 1)
    values = data[low : row + 1]
    pair = finite[low : row + 1] & finite[low : row + 1, column : column + 1]
    count = pair.sum(axis=0)
    own = np.broadcast_to(values[:, column : column + 1], values.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        own_dev = np.where(pair, own - np.where(pair, own, 0.0).sum(0) / count, 0.0)
        other_dev = np.where(pair, values - np.where(pair, values, 0.0).sum(0) / count, 0.0)
        correlation = (own_dev * other_dev).sum(0) / np.sqrt(
            (own_dev * own_dev).sum(0) * (other_dev * other_dev).sum(0))
    flat = np.zeros(values.shape[1], dtype=bool)
    for series in (own, values):
        flat |= np.where(pair, series, np.inf).min(0) == np.where(pair, series, -np.inf).max(0)
    usable = (count >= max(min_periods, 2)) & ~flat & np.isfinite(correlation)
    return np.where(usable, np.clip(correlation, -1.0, 1.0), np.nan)


def _refine(data: np.ndarray, finite: np.ndarray, start: int, flagged: np.ndarray,
            window: int, min_periods: int, out: np.ndarray) -> None:
    """Recompute exactly the (row, column) lines flagged as ill-conditioned."""
    for offset, column in np.argwhere(flagged):
        line = _exact_row(data, finite, start + offset, column, window, min_periods)
        out[offset, column, :] = line
        out[offset, :, column] = line


def _pairwise_block(y: np.ndarray, finite: np.ndarray, start: int, stop: int, window: int,
                    min_periods: int, constant: np.ndarray, out: np.ndarray,
                    spare: np.ndarray) -> np.ndarray:
    """Block where each pair uses the rows both series have (``min_periods < window``)."""
    mask = finite.astype(float)
    shape = out.shape
    count = window_totals(outer_terms(mask, mask), start, stop, window, np.empty(shape), spare)
    sums = window_totals(outer_terms(y, mask), start, stop, window, np.empty(shape), spare)
    squares = window_totals(outer_terms(y * y, mask), start, stop, window, np.empty(shape), spare)
    window_totals(outer_terms(y, y), start, stop, window, out, spare)
    usable = (count >= max(min_periods, 2)) & ~constant[:, :, None]
    inverse, flagged = inverse_scale(count, sums, squares, usable)  # [i, j]: x_i on its rows
    out *= count
    scratch = spare[: stop - start]
    np.multiply(sums, sums.transpose(0, 2, 1), out=scratch)
    out -= scratch
    out *= inverse
    out *= inverse.transpose(0, 2, 1)
    return np.asarray(flagged.any(axis=2))


def _shifted_span(data: np.ndarray, finite: np.ndarray, origin: int,
                  stop: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``origin .. stop - 1`` minus their column means (missing set to 0), the means."""
    span = data[origin:stop]
    present = finite[origin:stop]
    counts = present.sum(axis=0)
    means = np.where(present, span, 0.0).sum(axis=0) / np.maximum(counts, 1)
    return np.where(present, span - means, 0.0), means


def _fill_block(data: np.ndarray, finite: np.ndarray, complete: np.ndarray, start: int,
                stop: int, days: int, least: int, block: np.ndarray, spare: np.ndarray) -> None:
    """Correlations of rows ``start .. stop`` into ``block`` (its pages faulted in first)."""
    origin = max(0, start - days)
    y, _ = _shifted_span(data, finite, origin, stop)
    # the windows of rows start.. begin at origin or later: the span is enough
    constant = _constant_windows(data[origin:stop], finite[origin:stop], days)[start - origin:]
    populate(block)
    if least < days and not finite[origin:stop].all():
        flagged = _pairwise_block(y, finite[origin:stop], start, stop, days, least,
                                  constant, block, spare)
        np.clip(block, -1.0, 1.0, out=block)
    else:  # clipped as it is finished
        usable = complete & ~constant
        flagged = complete_block(y, start, stop, days, least, usable, block, spare)
    _refine(data, finite, start, flagged, days, least, block)  # exact lines, in [-1, 1]


def rolling_pearson(values: np.ndarray, window: int,
                    min_periods: int | None = None) -> np.ndarray:
    """Rolling Pearson correlation of every pair of columns, ``(T, p, p)``.

    Parameters
    ----------
    values : np.ndarray
        ``(T, p)`` observations (rows = time); NaN or inf = missing.
    window : int
        Rows per window (>= 2).
    min_periods : int or None
        Fewest rows where both series are finite for a window to have a value, in
        ``[2, window]`` (pandas' ``min_periods``); ``None`` = ``window``.

    Returns
    -------
    np.ndarray
        ``out[t, i, j]`` = correlation of columns ``i`` and ``j`` over rows
        ``max(0, t - window + 1) .. t``, in [-1, 1], NaN where undefined.
        pandas equivalent: ``pd.DataFrame(values).rolling(window, min_periods).corr()``.
    """
    data = np.asarray(values, dtype=float)
    if data.ndim != 2:
        raise InputError("values", f"must be a 2-D array (got {data.ndim} dimensions)")
    days = window_days("window", window)
    least = days if min_periods is None else window_days("min_periods", min_periods)
    if least > days:
        raise InputError("min_periods", f"must be <= window ({days}) (got {least})")
    periods, p = data.shape
    out = fresh_array((periods, p, p), populate_now=False)  # each block populates its rows
    finite = np.isfinite(data)
    complete = _window_counts(finite, days) == np.minimum(np.arange(periods) + 1, days)[:, None]
    step = _block_rows(p, days, 8 if least < days else 1)
    starts = range(0, periods, step)
    lanes = max(1, min(KERNEL_THREADS, len(starts)))

    def lane(number: int) -> None:
        spare = fresh_array((min(step + days, periods), p, p))  # made in the lane: in parallel
        for start in starts[number::lanes]:
            stop = min(start + step, periods)
            _fill_block(data, finite, complete[start:stop], start, stop, days, least,
                        out[start:stop], spare)

    if lanes == 1:
        lane(0)
    else:  # blocks are independent (each reads its own span, writes its own rows)
        with ThreadPoolExecutor(max_workers=lanes) as pool:
            list(pool.map(lane, range(lanes)))  # re-raises a lane's exception
    return out


def _mean_std_step(days: int) -> int:
    """Rows per block of :func:`rolling_mean_std`: one window, at least 16 rows."""
    return days * -(-16 // days)


def rolling_mean_std_lead(window: int, first_row: int) -> int:
    """The first row :func:`rolling_mean_std` reads to compute rows ``first_row`` onwards.

    A block boundary at least one window before the block holding ``first_row``: a call on
    ``values[lead:]`` with ``first_row=first_row - lead`` gives, from that row on, exactly
    the rows of the full call (the same blocks, the same shifts, the same window sums).
    """
    days = window_days("window", window)
    step = _mean_std_step(days)
    block = max(int(first_row), 0) // step * step
    return max(0, block - -(-days // step) * step)


def rolling_mean_std(values: np.ndarray, window: int, *,
                     first_row: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rolling mean and sample standard deviation (ddof=1) of each column, O(T·p).

    Same window sums as :func:`rolling_pearson` (centred per block of one window, van Herk
    split, two-pass where ill-conditioned). A window with a missing value gives NaN (pandas' default
    ``min_periods=window``); a window of equal values gives a standard deviation of exactly 0.
    pandas equivalent: ``frame.rolling(window).mean()`` and ``frame.rolling(window).std()``.

    ``first_row`` > 0 computes only the blocks from the one holding that row (earlier rows
    NaN); each block reads only its own rows and the window before them, so the rows computed
    are bit for bit those of a full call (a caller needing only recent rows saves the rest).
    """
    data = np.asarray(values, dtype=float)
    if data.ndim != 2:
        raise InputError("values", f"must be a 2-D array (got {data.ndim} dimensions)")
    days = window_days("window", window)
    periods, p = data.shape
    step = _mean_std_step(days)  # blocks of one window (>= 16 rows): shifts stay local
    first = min(max(int(first_row), 0), periods) // step * step
    lead = max(0, first - days)  # rows before this are read by no computed window
    finite = np.isfinite(data)
    mean, std = np.full((periods, p), np.nan), np.full((periods, p), np.nan)
    ill = np.zeros((periods, p), dtype=bool)
    usable = np.zeros((periods, p), dtype=bool)
    flat = np.zeros((periods, p), dtype=bool)
    # exact integer counts; the rows from ``first`` have their whole window after ``lead``
    usable[lead:] = (_window_counts(finite[lead:], days) == days) & (
        np.arange(lead, periods) >= days - 1)[:, None]
    flat[lead:] = _constant_windows(data[lead:], finite[lead:], days) & usable[lead:]
    usable[:first] = False
    for start in range(first, periods, step):
        stop = min(start + step, periods)
        y, shift = _shifted_span(data, finite, max(0, start - days), stop)
        spare = np.empty((stop - max(0, start - days), p))
        sums = window_totals(row_terms(y), start, stop, days, np.empty((stop - start, p)), spare)
        squares = window_totals(row_terms(y * y), start, stop, days, np.empty((stop - start, p)),
                                 spare)
        spread = days * squares - sums * sums
        with np.errstate(invalid="ignore"):
            mean[start:stop] = sums / days + shift
            std[start:stop] = np.sqrt(np.maximum(spread, 0.0) / (days * (days - 1.0)))
        ill[start:stop] = spread * CONDITION_LIMIT <= np.sqrt(days) * days * squares
    ill &= usable & ~flat
    mean = np.where(usable, mean, np.nan)
    std = np.where(usable, np.where(flat, 0.0, std), np.nan)
    rows, columns = np.nonzero(ill)
    for low in range(0, len(rows), ILL_BATCH):  # two-pass, all flagged windows at once
        row, column = rows[low : low + ILL_BATCH], columns[low : low + ILL_BATCH]
        # (k, days) C-contiguous: each row reduces with the same pairwise sum as a 1-D window
        window_values = data[row[:, None] + np.arange(1 - days, 1), column[:, None]]
        mean[row, column] = window_values.mean(axis=1)
        std[row, column] = window_values.std(axis=1, ddof=1)
    return mean, std
