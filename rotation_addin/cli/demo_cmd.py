"""``rotation demo``: build the workbook from the embedded demo market, refresh it, summarise.

Works offline on a fresh machine (no exchange, no LibreOffice, no Excel). An existing demo
workbook is refreshed in place (your notes and sheets in it are kept) unless ``--rebuild``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rotation_addin.cli.term import render_key_values, to_json
from rotation_addin.cli.workbook_cmds import paths_as_text


def register(subparsers: Any) -> None:
    """Add ``demo`` to the ``rotation`` command."""
    demo = subparsers.add_parser(
        "demo", help="build and fill the workbook from the simulated demo market (offline)",
        description="Build the Rotation Desk workbook from the embedded demo market "
                    "(simulated, clearly labelled), refresh it and print where it is.")
    demo.add_argument("--out", type=Path, default=None, metavar="FILE",
                      help="workbook path (default: <data dir>/workbooks/rotation_desk.xlsx)")
    demo.add_argument("--xlsm", action="store_true",
                      help="macro-enabled variant with the Refresh button (Excel + xlwings)")
    demo.add_argument("--rebuild", action="store_true",
                      help="rebuild from scratch instead of refreshing an existing file")
    demo.add_argument("--json", action="store_true", help="machine-readable summary")
    demo.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    """Build (if needed) and refresh the demo workbook; print the summary."""
    from rotation_addin.data.loader import load_market
    from rotation_addin.data.settings import load_settings
    from workbook.build import build_workbook, default_path
    from workbook.refresh import refresh_workbook

    path = args.out or default_path(macro_enabled=args.xlsm)
    settings = load_settings()
    dataset = load_market("demo")
    built = False
    backup = path.with_name(f"{path.stem}.bak{path.suffix}")
    had_backup = backup.exists()
    if args.rebuild or not path.exists():
        # the empty layout only: the refresh below fills it once
        build_workbook(path, params=settings, macro_enabled=args.xlsm, overwrite=True)
        built = True
    result = refresh_workbook(path, dataset, params=settings)
    if built and not had_backup and result.backup_path is not None:
        # the "previous file" is the empty layout written a moment ago: nothing to keep
        result.backup_path.unlink(missing_ok=True)
    if args.json:
        print(to_json({"built": built, **paths_as_text(result)}))
        return 0
    top = ", ".join(result.top_sectors[:3]) or "none"
    print(f"Workbook {'built and ' if built else ''}refreshed: {result.path}")
    summary = [
        ("source", result.source),
        ("as of", f"{result.as_of:%Y-%m-%d %H:%M} UTC"),
        ("regime", result.regime),
        ("top sectors", top),
        ("orders proposed", result.orders),
    ]
    if not built and result.backup_path is not None:
        # a fresh build has no previous file worth pointing at
        summary.append(("backup of previous file", str(result.backup_path)))
    print(render_key_values(summary))
    for note in result.warnings:
        print(f"note: {note}")
    print("Open it in Excel or LibreOffice. Numbers come from a SIMULATED market: "
          "nothing here is a real price.")
    if args.xlsm:
        print("Refresh button: Sectors sheet (Excel on Windows/macOS with the xlwings add-in; "
              "keep rotation_desk.py beside the workbook).")
    return 0
