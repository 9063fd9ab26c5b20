"""What a refresh loaded, so it can tell whether the user saved the file since (issue #18 D1).

Excel saves atomically (a new file renamed over the old one), so a refresh that loaded the
workbook, filled it and renamed its own file over it would silently drop a save made in
between. :func:`read_snapshot` records size, modification time, inode and SHA-256 of exactly
the bytes loaded; :func:`check_unchanged` compares them again immediately before the rename.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path


class ChangedSinceLoad(Exception):
    """The file on disk is no longer the one that was loaded (someone saved it)."""


@dataclass(frozen=True)
class Snapshot:
    """The bytes of a file as loaded and their fingerprint.

    Attributes
    ----------
    data : bytes
        Content read.
    size, mtime_ns, inode : int
        ``os.fstat`` of the open file (bytes, nanoseconds since the epoch, inode number).
    sha256 : str
        Hex digest of ``data``.
    """

    data: bytes
    size: int
    mtime_ns: int
    inode: int
    sha256: str


def read_snapshot(path: Path) -> Snapshot:
    """Read ``path`` once and fingerprint what was read (stat of the same open file)."""
    with open(path, "rb") as handle:
        before = os.fstat(handle.fileno())
        data = handle.read()
    return Snapshot(data=data, size=before.st_size, mtime_ns=before.st_mtime_ns,
                    inode=before.st_ino, sha256=hashlib.sha256(data).hexdigest())


def check_unchanged(path: Path, loaded: Snapshot) -> None:
    """Raise :class:`ChangedSinceLoad` unless ``path`` still holds exactly ``loaded``.

    The content hash is compared first (it takes the longest); the cheap ``stat`` comparison
    last, so the gap between this check and the caller's rename is a single system call.
    """
    try:
        with open(path, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
        now = os.stat(path)
    except FileNotFoundError:
        raise ChangedSinceLoad(f"{path} was moved or deleted") from None
    if digest != loaded.sha256 or (now.st_size, now.st_mtime_ns, now.st_ino) != (
            loaded.size, loaded.mtime_ns, loaded.inode):
        raise ChangedSinceLoad(f"{path} was saved by another program")
