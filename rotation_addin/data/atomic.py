"""Atomic file writes: write to a temporary file in the same folder, fsync, then rename.

The replacement keeps the target's permission bits (a shared 0664 workbook stays readable by
the group); a new file gets the mode the user's umask gives any new file. A target without
write permission is refused (a 0444 workbook is the user saying "do not touch"). With
``replace=False`` an existing target is never replaced, not even one that appears while the
file is being written (:class:`TargetExists`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from rotation_addin.core.errors import DataError


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def target_mode(target: Path) -> int:
    """Permission bits the replacement of ``target`` gets (its own, or 0666 minus the umask).

    Raises
    ------
    DataError
        ``target`` exists and its owner has no write permission on it.
    """
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_current_umask()
    if not mode & stat.S_IWUSR:
        raise DataError(f"{target} is read-only (mode {mode:04o}): not replaced; make it "
                        "writable (chmod u+w) or choose another file")
    return mode


class WriteError(OSError):
    """Writing ``filename`` (the target, not the temporary file beside it) failed: a full
    disk, a folder that refuses new files. An ``OSError`` still (callers catch those)."""


class TargetExists(FileExistsError):
    """``replace=False`` and the target exists: it was left as it is (``filename`` is the
    target). A ``FileExistsError`` (an ``OSError``) still."""


def _place(tmp: Path, target: Path, *, replace: bool) -> None:
    """Rename ``tmp`` to ``target``; without ``replace`` only where no file is (a hard link
    fails on an existing name, atomically; where the file system has no hard links, the name
    is checked just before the rename)."""
    if replace:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise TargetExists(errno.EEXIST, "exists, not replaced", str(target)) from None
    except OSError:  # no hard links here (FAT, some network shares)
        if os.path.lexists(target):
            raise TargetExists(errno.EEXIST, "exists, not replaced", str(target)) from None
        os.replace(tmp, target)


def _about_target(exc: OSError, tmp: Path, target: Path) -> OSError:
    """``exc`` retold about ``target`` when it is about the temporary file or no file (a full
    disk fails a write(), which names none); another file's error is left as it is."""
    if isinstance(exc, WriteError) or exc.filename not in (None, str(tmp)):
        return exc
    return WriteError(exc.errno, exc.strerror or str(exc), str(target))


def _writable(target: Path, *, replace: bool) -> int:
    """Make ``target``'s folder and check ``target`` can be written (a regular file or
    none; none without ``replace``); the mode its replacement gets."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise DataError(f"cannot write {target}: a file stands where its folder should "
                        "be") from None
    if target.is_dir():
        raise DataError(f"cannot write {target}: it is a folder; give a file name") from None
    if (target.exists() and not target.is_file()) or (target.is_symlink()
                                                       and not target.exists()):
        # a device, pipe or dangling link: renaming over it would replace it (/dev/null!)
        raise DataError(f"cannot write {target}: not a regular file; give a file name")
    if not replace and os.path.lexists(target):
        raise TargetExists(errno.EEXIST, "exists, not replaced", str(target))
    return target_mode(target)


@contextlib.contextmanager
def atomic_path(target: Path,
                before_replace: Callable[[], None] | None = None, *,
                replace: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` atomically
    (without ``replace``: it becomes ``target`` only where no file is).

    If the body raises (or the process dies), ``target`` is left exactly as it was. The new
    file keeps ``target``'s mode; a read-only ``target`` is refused before anything is written.
    ``before_replace`` runs after the temporary file is complete and synced, immediately before
    the rename: if it raises, ``target`` is not replaced.

    Raises
    ------
    DataError
        ``target`` is read-only.
    WriteError
        The temporary file could not be made, written, synced or renamed (``filename`` is
        ``target``).
    TargetExists
        ``replace`` is False and ``target`` exists (checked first, and again at the rename).
    """
    target = Path(target)
    mode = _writable(target, replace=replace)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                        dir=target.parent)
    except OSError as exc:
        raise WriteError(exc.errno, exc.strerror or str(exc), str(target)) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if before_replace is not None:
            before_replace()
        _place(tmp, target, replace=replace)
        with contextlib.suppress(OSError):
            dir_fd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except OSError as exc:
        told = _about_target(exc, tmp, target)
        if told is exc:
            raise
        raise told from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def atomic_write_text(target: Path, text: str, encoding: str = "utf-8", *,
                      replace: bool = True) -> None:
    """Replace ``target`` with ``text`` atomically (mode kept, read-only refused); without
    ``replace`` an existing ``target`` raises :class:`TargetExists` and is left as it is."""
    with atomic_path(target, replace=replace) as tmp:
        tmp.write_text(text, encoding=encoding)
