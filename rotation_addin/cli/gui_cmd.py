"""``rotation gui``: open the desktop app (same as the ``rotation-desk`` script)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``gui`` command to the ``rotation`` parser."""
    parser = subparsers.add_parser(
        "gui",
        help="open the desktop app (rotation-desk)",
        description="Open the Rotation Desk desktop app (PySide6). Same as `rotation-desk`.",
    )
    parser.add_argument(
        "--exit-after-paint",
        action="store_true",
        help=argparse.SUPPRESS,  # start-up check used by tests and the benchmark
    )
    parser.set_defaults(handler=run_gui)


def run_gui(args: argparse.Namespace) -> int:
    """Run the app until its window closes; return its exit code."""
    # deferred: gui.main imports PySide6 and the whole app: off CLI start-up
    # (bench/bench_cli_start.py)
    from gui.main import EXIT_AFTER_PAINT_FLAG, main

    return main([EXIT_AFTER_PAINT_FLAG] if args.exit_after_paint else [])
