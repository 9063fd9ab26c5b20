"""Large uninitialised float64 arrays, and faulting their pages in when a thread needs them.

Used by :mod:`rotation_addin.core.rolling_pearson` for its ``(T, p, p)`` output and scratch
blocks (Linux: private anonymous memory maps; elsewhere ``np.empty``).
"""

from __future__ import annotations

import ctypes
import mmap
import sys
from collections.abc import Callable

import numpy as np

MADV_POPULATE_WRITE = 23  # Linux >= 5.14


def _libc_madvise() -> Callable[..., int] | None:
    """libc's ``madvise`` if this is Linux and the kernel knows MADV_POPULATE_WRITE."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).madvise
        probe = mmap.mmap(-1, mmap.PAGESIZE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        address = ctypes.addressof(ctypes.c_char.from_buffer(probe))
        known = function(ctypes.c_void_p(address), ctypes.c_size_t(mmap.PAGESIZE),
                         MADV_POPULATE_WRITE) == 0
    except (OSError, AttributeError, ValueError):
        return None
    return function if known else None


_MADVISE = _libc_madvise()


def populate(array: np.ndarray) -> None:
    """Fault in the pages under ``array`` now (Linux ``madvise(MADV_POPULATE_WRITE)``,
    called through ctypes, which releases the GIL, so another thread's blocks go on
    meanwhile); a no-op where that is not available (the pages then fault on first write)."""
    if _MADVISE is None or array.nbytes == 0:
        return
    page = mmap.PAGESIZE
    address = array.__array_interface__["data"][0]
    low = address // page * page
    high = -(-(address + array.nbytes) // page) * page
    _MADVISE(ctypes.c_void_p(low), ctypes.c_size_t(high - low), MADV_POPULATE_WRITE)


def fresh_array(shape: tuple[int, ...], *, populate_now: bool = True) -> np.ndarray:
    """Uninitialised float64 array; large ones on Linux in a pre-faulted private memory map.

    ``populate_now=False`` (where :func:`populate` works): pages are left to the caller,
    who faults each part in with :func:`populate` from the thread that fills it.

    Not ``np.empty`` there: NumPy advises huge pages on large allocations and, where memory
    is fragmented, the kernel compacts on first touch (measured ~3 s for the benchmark's
    240 MiB output), while faulting plain pages one by one costs ~1.2 s; ``MAP_POPULATE``
    maps them all in one call (~0.2 s). Freed with the array. Elsewhere: ``np.empty``.
    """
    nbytes = 8 * int(np.prod(shape))
    populate_flag = getattr(mmap, "MAP_POPULATE", None)
    if nbytes < 2**22 or populate_flag is None:
        return np.empty(shape)
    if not populate_now and _MADVISE is not None:
        populate_flag = 0  # the caller runs populate() on each part when it needs it
    flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | populate_flag
    return np.frombuffer(mmap.mmap(-1, nbytes, flags=flags), dtype=np.float64).reshape(shape)
