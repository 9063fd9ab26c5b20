"""The ``rotation`` console script's first code: a Ctrl-C during start-up is one line too.

The command's modules take a moment to import (more on a busy machine); until
:func:`rotation_addin.cli.main.main` runs, Python would answer Ctrl-C with a
``KeyboardInterrupt`` traceback. This module is kept tiny (standard library only) so that the
quiet handler is in place a few milliseconds after Python starts.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

INTERRUPTED_LINE = b"rotation: interrupted\n"
EXIT_INTERRUPTED = 130


def _interrupted_while_starting(_signum: int, _frame: FrameType | None) -> None:
    """Nothing has run yet: say the one line and leave (no cleanup is owed)."""
    os.write(sys.stderr.fileno(), INTERRUPTED_LINE)
    os._exit(EXIT_INTERRUPTED)


def main() -> int:
    """Entry point of the console script: the quiet Ctrl-C handler, then the CLI."""
    if not hasattr(signal, "SIGINT") or signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # no Ctrl-C here, or the parent ignores it for us (`rotation refresh &` in a script)
        from rotation_addin.cli.main import main as run  # deferred: the same import as below

        return run()
    previous = signal.signal(signal.SIGINT, _interrupted_while_starting)
    from rotation_addin.cli.main import main as run  # deferred: after the quiet Ctrl-C handler

    signal.signal(signal.SIGINT, previous)
    return run()


if __name__ == "__main__":
    sys.exit(main())
