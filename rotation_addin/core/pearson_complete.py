"""Rolling correlation of a block of rows where every pair's window is complete.

The path of :func:`rotation_addin.core.rolling_pearson.rolling_pearson` for
``min_periods == window``: window sums of the outer products ``y_s y_s^T`` by the van Herk /
Gil-Werman split of :func:`~rotation_addin.core.window_sums.window_totals` (each window is
the suffix of one chunk of ``window`` rows plus the prefix of the next, both running sums of
terms inside the window), then ``rho = (Sxy - Sx Sy / n) / (sd_x sd_y)``, clipped.

The same additions in the same order as ``window_totals``, arranged for speed: the suffixes
first, then a few rows at a time (~:data:`~rotation_addin.core.window_sums.CACHE_ROWS_BYTES`)
the terms are filled, the prefix is run on, the suffix added and the row finished while the
rows are in cache -- one pass over the output instead of three. The results are bit for
bit those of the plain split (checked against the kernel before this arrangement on 96
shapes, window 2..720, ragged last blocks, 1 and 2 threads).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rotation_addin.core.window_sums import (
    CACHE_ROWS_BYTES,
    Fill,
    inverse_scale,
    outer_terms,
    row_terms,
    running_sums,
    window_totals,
)


def _suffix_span(fill: Fill, start: int, stop: int, window: int,
                 spare: np.ndarray) -> np.ndarray:
    """Suffix running sums of each chunk for the window starts of rows ``start .. stop``
    (the second half of :func:`window_totals`' split), span rows numbered from
    ``max(0, start - window)``, in ``spare``."""
    origin, last = max(0, start - window), stop - window
    needed = last - 1 if last % window == 0 else last  # a chunk start needs no suffix
    span = spare[: max(0, min(stop, (needed // window + 1) * window) - origin)]
    running_sums(fill, 0, span, window, reverse=True)
    return span


def _add_suffixes(flat: np.ndarray, span: np.ndarray, start: int, window: int,
                  rows: range) -> None:
    """``flat[r] += span[s - origin]`` for the block rows ``rows`` whose window starts at
    ``s = start + r - window + 1`` inside a chunk (not on a chunk start, not before row 1)."""
    origin = max(0, start - window)
    low = max(start + rows.start - window + 1, 1)
    high = start + rows.stop - window + 1
    while low < high:
        if low % window == 0:
            low += 1
            continue
        end = min(high, (low // window + 1) * window)
        row = low - start + window - 1
        flat[row : row + end - low] += span[low - origin : end - origin]
        low = end


def _fused_window_sums(fill: Fill, start: int, stop: int, window: int, out: np.ndarray,
                       span: np.ndarray, finish: Callable[[int, int], None]) -> None:
    """:func:`window_totals` of a tensor with each step of rows finished while in cache.

    The same sums in the same order (prefix running sum, then ``+=`` the suffix ``span``),
    but a few rows at a time: fill the terms, run the prefix on from the previous step's
    last row, add the suffixes, then ``finish(low, high)`` those rows -- one pass over
    ``out`` instead of three.
    """
    origin, rows = max(0, start - window), stop - start
    flat = out.reshape(rows, -1)
    suffixes = span.reshape(span.shape[0], flat.shape[1])
    step = max(1, CACHE_ROWS_BYTES // flat[0].nbytes)
    carry = np.empty_like(flat[0])
    for low in range(0, rows, step):
        high = min(low + step, rows)
        fill(slice(start - origin + low, start - origin + high), out[low:high])
        for k in range(low, high):
            if k % window:
                np.add(flat[k], carry if k == low else flat[k - 1], out=flat[k])
        np.copyto(carry, flat[high - 1])
        _add_suffixes(flat, suffixes, start, window, range(low, high))
        finish(low, high)


def complete_block(y: np.ndarray, start: int, stop: int, window: int, min_periods: int,
                    usable_columns: np.ndarray, out: np.ndarray,
                    spare: np.ndarray) -> np.ndarray:
    """Block where a pair's window is used only if both series have every row in it."""
    rows, p = stop - start, y.shape[1]
    sums = window_totals(row_terms(y), start, stop, window, np.empty((rows, p)),
                           spare.reshape(-1, p))
    squares = window_totals(row_terms(y * y), start, stop, window, np.empty((rows, p)),
                           spare.reshape(-1, p))
    n = np.minimum(np.arange(start, stop) + 1, window).astype(float)[:, None]
    usable = usable_columns & (n >= min_periods)
    inverse, flagged = inverse_scale(n, sums, squares, usable)
    # rho = (Sxy - Sx Sy / n) * (n / sd_x) * (1 / sd_y), sd = sqrt(n Sxx - Sx²), clipped
    means, scale = sums / n, n * inverse
    scratch = np.empty((max(1, CACHE_ROWS_BYTES // (8 * p * p)), p, p))

    def finish(low: int, high: int) -> None:
        part, room = out[low:high], scratch[: high - low]
        np.einsum("ti,tj->tij", means[low:high], sums[low:high], out=room)
        part -= room
        part *= scale[low:high, :, None]
        part *= inverse[low:high, None, :]
        np.clip(part, -1.0, 1.0, out=part)

    fill = outer_terms(y, y)
    span = _suffix_span(fill, start, stop, window, spare)
    _fused_window_sums(fill, start, stop, window, out, span, finish)
    return flagged
