"""``rotation demo``: build the workbook from the embedded demo market, refresh it, summarise.

Works offline on a fresh machine (no exchange, no LibreOffice, no Excel). An existing demo
workbook is refreshed in place (your notes and sheets in it are kept) unless ``--rebuild``,
which first copies your file to ``<stem>.bak<suffix>``.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rotation_addin.cli.term import render_key_values, to_json
from rotation_addin.cli.workbook_cmds import paths_as_text
from rotation_addin.data.atomic import atomic_path
from rotation_addin.data.settings import Settings, load_settings

if TYPE_CHECKING:
    from rotation_addin.core.dataset import MarketDataset
    from workbook.sheets.sizing import SizingInputs


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
                      help="rebuild from scratch instead of refreshing an existing file "
                           "(your file is first copied to <name>.bak.xlsx)")
    demo.add_argument("--json", action="store_true", help="machine-readable summary")
    demo.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    """Build (if needed) and refresh the demo workbook; print the summary."""
    # deferred: pandas + openpyxl off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.data.loader import load_market
    from workbook.build import build_workbook, default_path
    from workbook.refresh import backup_path_for, refresh_workbook

    path = args.out or default_path(macro_enabled=args.xlsm)
    settings = load_settings()
    dataset = load_market("demo")
    built = False
    user_backup = None
    if args.rebuild or not path.exists():
        if path.exists():  # the user's file (their sheets, journal) is copied first
            user_backup = _back_up(path, backup_path_for(path))
        # the empty layout only, the refresh below fills it once; the Sizing inputs (which
        # a refresh never touches) start from today's top order, as a filled build's do
        build_workbook(path, params=settings, macro_enabled=args.xlsm, overwrite=True,
                       sizing_inputs=_starting_sizing(dataset, settings))
        built = True
    # a file built a moment ago has no previous version worth a .bak; a rebuilt user's file
    # was backed up above. No params: the refresh reads the workbook's Settings sheet, as the
    # sheet promises (a new file's sheet holds `settings`)
    result = refresh_workbook(path, dataset, keep_backup=not built)
    if user_backup is not None:
        result = dataclasses.replace(result, backup_path=user_backup)
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
    if result.backup_path is not None and (not built or user_backup is not None):
        # a build from nothing has no previous file worth pointing at
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


def _starting_sizing(dataset: MarketDataset, settings: Settings) -> SizingInputs:
    """The Sizing sheet's starting values on ``dataset``: today's top order of the plan the
    refresh makes (same parameters and positions; the desk session memoises that report, so
    the refresh does not compute it again), by :func:`workbook.build.sizing_inputs_for`."""
    # deferred: pandas + openpyxl off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.desk.session import default_session
    from workbook.build import sizing_inputs_for

    desk = default_session()
    report = desk.report(desk.plan_parameters(settings), dataset=dataset, book=desk.book())
    return sizing_inputs_for(dataset, settings, report)


def _back_up(path: Path, backup: Path) -> Path:
    """Copy the user's ``path`` to ``backup`` atomically before a rebuild replaces it."""
    with atomic_path(backup) as tmp:
        shutil.copyfile(path, tmp)
    return backup
