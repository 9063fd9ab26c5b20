"""An exception no handler caught (a bug in a button's slot) is said in the window, not lost.

PySide6 hands such an exception to ``sys.excepthook``, whose default prints the traceback on
a terminal the user of the desktop app does not see: the click seems to do nothing.
:func:`install` (called by ``gui.main`` only: under pytest-qt the tests' own hook must see
every exception) writes the traceback, with credentials removed
(``rotation_addin.data.redact``), to :func:`error_log_path` and shows one line on the
window's status line naming that file.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from gui.workers import describe_error
from rotation_addin.data.paths import data_dir

LOG_NAME = "rotation-desk-errors.log"
MAX_LOG_BYTES = 1_000_000
"""Past this size the log is moved to ``<name>.1`` (one old file kept) before a new entry."""

Hook = Callable[[type[BaseException], BaseException, TracebackType | None], Any]


def error_log_path() -> Path:
    """``<data dir>/logs/rotation-desk-errors.log`` (the data dir of ``rotation doctor``)."""
    return data_dir() / "logs" / LOG_NAME


def _append(text: str) -> Path:
    path = error_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.stat().st_size > MAX_LOG_BYTES:
        path.replace(path.with_name(LOG_NAME + ".1"))
    with open(path, "a", encoding="utf-8") as log:
        log.write(f"--- {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n{text}\n")
    return path


def install(window: Any) -> Hook:
    """Make ``sys.excepthook`` log an uncaught exception and say it on ``window``'s status
    line; returns the hook it replaced (``KeyboardInterrupt`` still goes to it)."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], error: BaseException,
             trace: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, error, trace)
            return
        # deferred: the keyring behind redact stays off the window's first paint
        # (bench/bench_gui_start.py)
        from rotation_addin.data.redact import redact

        details = redact("".join(traceback.format_exception(kind, error, trace)))
        try:
            where = f"details in {_append(details)}"
        except OSError as cannot:
            where = f"and the error log could not be written: {describe_error(cannot)}"
        line = f"Something went wrong: {redact(describe_error(error))} ({where})"
        panel = getattr(window, "status_panel", None)
        if panel is None:  # before the tabs exist: the terminal is all there is
            print(line, file=sys.stderr)
        else:
            panel.show_message(line, error=True)

    sys.excepthook = hook
    return previous
