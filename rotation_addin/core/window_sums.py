"""Window sums by the van Herk / Gil-Werman split, and the one-pass scale of a correlation.

The building blocks of :mod:`rotation_addin.core.rolling_pearson`: running sums that restart
every ``window`` rows (forwards or from each chunk's end), their combination into the sum of
each row's trailing window, and ``1 / sqrt(n Sxx - Sx²)`` with its conditioning test.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

CONDITION_LIMIT = 64.0
"""Windows with ``sqrt(n) * n Sxx / (n Sxx - Sx²)`` above this are recomputed two-pass (the
one-pass error is about that factor times 2**-53, so the limit keeps it below ~1e-14)."""

CACHE_ROWS_BYTES = 2**19  # tensor rows filled / finished per step: ~512 KiB, in a core's L2


Fill = Callable[[slice, np.ndarray], object]
"""Writes the per-row terms of span rows ``slice`` into the array given."""


def running_sums(fill: Fill, first: int, rows: np.ndarray, window: int, *,
                  reverse: bool) -> None:
    """In place: span rows ``first ..`` into ``rows``, then running sums along axis 0 that
    restart every ``window`` rows (from each chunk's end if ``reverse``). Tensors a few rows
    at a time (filled, summed in cache, a contiguous ``p x p`` add per row: ~5x cumsum's)."""
    n = rows.shape[0]
    if rows.ndim < 3 or n < 2:
        fill(slice(first, first + n), rows)
        chunks = rows[: (full := n // window * window)].reshape(-1, window, *rows.shape[1:])
        for part, axis in ((chunks, 1), (rows[full:], 0)):
            if part.size:
                view = np.flip(part, axis) if reverse else part
                np.cumsum(view, axis=axis, out=view)
        return
    flat = rows.reshape(n, -1)
    step = max(1, CACHE_ROWS_BYTES // flat[0].nbytes)
    for low in range((n - 1) // step * step, -1, -step) if reverse else range(0, n, step):
        high = min(low + step, n)
        fill(slice(first + low, first + high), rows[low:high])
        for k in range(high - 1, low - 1, -1) if reverse else range(low, high):
            if reverse and k + 1 < n and (k + 1) % window:
                np.add(flat[k], flat[k + 1], out=flat[k])
            elif not reverse and k % window:
                np.add(flat[k], flat[k - 1], out=flat[k])




def window_totals(fill: Fill, start: int, stop: int, window: int, out: np.ndarray,
                   spare: np.ndarray) -> np.ndarray:
    """``out[k]`` = sum of the terms of rows ``max(0, t - window + 1) .. t``, ``t = start + k``.

    Van Herk / Gil-Werman split: with chunks of ``window`` rows aligned on row 0 (``start``
    is a multiple of ``window``), a window is the suffix of one chunk plus the prefix of the
    next, each a running sum of terms *inside* the window -- so the rounding error is relative
    to the window's own terms, never to louder rows before it (a quiet window after a loud
    one stays exact, unlike add-the-new/subtract-the-old updates). ``fill`` numbers span rows
    from ``max(0, start - window)``; ``spare`` holds ``stop - that`` rows.
    """
    origin = max(0, start - window)
    running_sums(fill, start - origin, out, window, reverse=False)  # prefix in own chunk
    first, last = max(start - window + 1, 1), stop - window  # window starts needing a suffix
    needed = last - 1 if last % window == 0 else last  # a chunk start needs no suffix
    span = spare[: max(0, min(stop, (needed // window + 1) * window) - origin)]
    running_sums(fill, 0, span, window, reverse=True)  # suffix of each row's chunk
    chunk = first // window
    while chunk * window <= last:
        low = max(first, chunk * window + 1)  # a window starting on a chunk start is a prefix
        high = min(last, chunk * window + window - 1)
        if low <= high:
            out[low + window - 1 - start : high + window - start] += (
                span[low - origin : high + 1 - origin])
        chunk += 1
    return out


def outer_terms(u: np.ndarray, v: np.ndarray) -> Fill:
    def fill(rows: slice, into: np.ndarray) -> None:
        np.einsum("ti,tj->tij", u[rows], v[rows], out=into)  # = u[:, :, None] * v[:, None, :]
    return fill


def row_terms(z: np.ndarray) -> Fill:
    def fill(rows: slice, into: np.ndarray) -> None:
        np.copyto(into, z[rows])
    return fill


def inverse_scale(n: np.ndarray, sums: np.ndarray, squares: np.ndarray,
                   usable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``1 / sqrt(n Sxx - Sx²)`` where it is well conditioned (else NaN), and where it is not.

    ``kappa = n Sxx / (n Sxx - Sx²)`` is how much the one-pass formula magnifies rounding;
    where ``sqrt(n) * kappa`` exceeds :data:`CONDITION_LIMIT` (or the spread is not positive)
    the second array is True and the caller recomputes those windows exactly.
    """
    spread = n * squares - sums * sums
    well = spread * CONDITION_LIMIT > np.sqrt(n) * n * squares
    ok = usable & well & (spread > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        inverse = np.where(ok, 1.0 / np.sqrt(np.where(ok, spread, 1.0)), np.nan)
    return inverse, usable & ~ok
