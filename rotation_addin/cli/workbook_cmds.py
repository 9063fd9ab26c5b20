"""``rotation workbook build | render``: the workbook from code, and its PDF/PNG rendering."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from rotation_addin.cli.quick_args import _in_range
from rotation_addin.cli.term import render_key_values, to_json
from rotation_addin.core.errors import InputError
from rotation_addin.data.settings import load_settings

DPI_RANGE = (30, 300)
"""``workbook render --dpi``: PNG resolutions LibreOffice's pages are rendered at."""
DPI = _in_range(*DPI_RANGE, whole=True)
"""argparse type of ``--dpi``: a whole number in :data:`DPI_RANGE`, a word, 1.5 and a number
outside it refused in the same range words (``at least 30 and at most 300``)."""


def register(subparsers: Any) -> None:
    """Add ``workbook build`` and ``workbook render`` to the ``rotation`` command."""
    group = subparsers.add_parser("workbook", help="build or render the Excel workbook")
    commands = group.add_subparsers(dest="workbook_command", metavar="COMMAND",
                                    parser_class=type(group))
    build = commands.add_parser(
        "build", help="build the workbook (filled from the demo market or the cache)",
        description="Write rotation_desk.xlsx (or .xlsm with the Refresh button) with every "
                    "sheet, formula, chart and rule, filled from the configured data source.")
    build.add_argument("--out", type=Path, default=None, metavar="FILE",
                       help="target file (default: <data dir>/workbooks/rotation_desk.xlsx)")
    build.add_argument("--xlsm", action="store_true",
                       help="macro-enabled variant from xlwings' quickstart template")
    build.add_argument("--source", choices=("demo", "cache"), default=None,
                       help="data to fill it with (default: settings data_source)")
    build.add_argument("--exchange", metavar="ID", default=None,
                       help="exchange whose cached data to read with --source cache (default: "
                            "settings exchange_id; 'demo' = what `rotation refresh --demo` "
                            "stored)")
    build.add_argument("--empty", action="store_true", help="layout and formulas only, no data")
    build.add_argument("--force", action="store_true", help="overwrite an existing file")
    build.add_argument("--json", action="store_true", help="machine-readable result")
    build.set_defaults(handler=run_build)

    render = commands.add_parser(
        "render", help="render the main sheets to PDF and PNG with LibreOffice",
        description="Convert the workbook to PDF with LibreOffice (headless) and write one PNG "
                    "per main sheet (workbook-<sheet>.png). Needs libreoffice-calc and "
                    "poppler-utils.")
    render.add_argument("file", type=Path, metavar="FILE", help="workbook to render")
    render.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    render.add_argument("--dpi", type=DPI, default=80,
                        help=f"PNG resolution, dots per inch ({DPI_RANGE[0]}-{DPI_RANGE[1]}, "
                             "default 80)")
    render.set_defaults(handler=run_render)
    group.set_defaults(handler=lambda _args: (group.print_help(), 2)[1])


def paths_as_text(result: Any) -> dict[str, Any]:
    """A result dataclass as a dict with its paths as strings (for ``--json``)."""
    return {f.name: (str(v) if isinstance(v := getattr(result, f.name), Path) else v)
            for f in dataclasses.fields(result)}


def _exchange_id(flag: str | None, source: str, default: str) -> str:
    """``--exchange`` checked: a ccxt-style id (or ``demo``), only meaningful with the cache."""
    if flag is None:
        return default
    exchange = flag.strip()
    if not exchange.isidentifier():
        raise InputError("--exchange", f"must be an exchange id like binanceusdm or demo "
                                       f"(got {flag!r})")
    if source != "cache":
        raise InputError("--exchange", f"is read with --source cache only (the source is "
                                       f"{source!r}; add --source cache)")
    return exchange


def run_build(args: argparse.Namespace) -> int:
    """Build the workbook and print where it is."""
    # deferred: pandas + openpyxl off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.data.loader import load_market
    from workbook.build import WorkbookExists, build_workbook

    settings = load_settings()
    dataset = None
    source = args.source or settings.data_source
    exchange = _exchange_id(args.exchange, source, settings.exchange_id)
    if not args.empty:
        dataset = load_market(source, exchange_id=exchange)
    try:
        result = build_workbook(args.out, dataset=dataset, params=settings,
                                macro_enabled=args.xlsm, overwrite=args.force)
    except WorkbookExists as exists:
        raise InputError("--out", f"{exists.path} exists; pass --force to overwrite it, or "
                                  f"refresh it: rotation refresh --workbook {exists.path}"
                         ) from None
    if args.json:
        print(to_json(paths_as_text(result)))
        return 0
    print(f"Workbook built: {result.path}")
    pairs: list[tuple[str, Any]] = [("macro-enabled", result.macro_enabled)]
    if dataset is not None:
        pairs.append(("source", dataset.source))
        pairs.append(("as of", f"{dataset.as_of:%Y-%m-%d %H:%M} UTC"))
    print(render_key_values(pairs))
    for note in result.warnings:
        print(f"note: {note}")
    return 0


def run_render(args: argparse.Namespace) -> int:
    """Render PDF + PNGs and list them."""
    # deferred: numpy + openpyxl off CLI start-up (bench/bench_cli_start.py)
    from workbook.render import render_workbook

    result = render_workbook(args.file, args.out, dpi=args.dpi)
    print(f"PDF: {result.pdf}")
    for sheet, png in result.pngs.items():
        print(f"{sheet}: {png}")
    return 0
