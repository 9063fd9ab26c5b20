"""Entry point of the standalone desktop build (PyInstaller): the same ``gui.main.main``."""

from __future__ import annotations

import sys

from gui.main import main

if __name__ == "__main__":
    sys.exit(main())
