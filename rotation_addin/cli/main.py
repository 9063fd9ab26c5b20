"""Entry point of the ``rotation`` console script.

Each command group lives in its own module exposing ``register(subparsers)``; the module adds
its sub-commands with ``set_defaults(handler=...)``. A handler returns the process exit code.
Errors the user can cause (:class:`InputError`, :class:`TradeRefused`, :class:`DataError`) are
printed as one line naming the field and end the process with a non-zero code, never with a
traceback; so are the machine's own failures (``OSError`` naming the path, SQLite, memory:
exit 4) and Ctrl-C (``rotation: interrupted``, exit 130).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import re
import signal
import sqlite3
import sys
from collections.abc import Sequence
from typing import Any

from rotation_addin import __version__
from rotation_addin.cli.flag_errors import describe, flag_of_path
from rotation_addin.core.errors import DataError, InputError, RotationError, TradeRefused
from rotation_addin.data.atomic import WriteError
from rotation_addin.data.redact import redact

COMMAND_MODULES: tuple[str, ...] = (
    "rotation_addin.cli.quick",  # size, liq, leverage
    "rotation_addin.cli.data_cmds",  # refresh, data status, import
    "rotation_addin.cli.analytics_cmds",  # regime, sectors, corr, plan
    "rotation_addin.cli.backtest_cmd",  # backtest (walk-forward, no look-ahead)
    "rotation_addin.cli.provider_cmds",  # macro / sentiment providers
    "rotation_addin.cli.workbook_cmds",  # workbook build / render
    "rotation_addin.cli.demo_cmd",  # demo
    "rotation_addin.cli.gui_cmd",  # gui
    "rotation_addin.cli.doctor_cmd",  # doctor (installation checks)
    "rotation_addin.cli.venues_cmd",  # platforms (venues side by side)
    "rotation_addin.cli.journal_cmds",  # trade open|close|list|..., journal review
    "rotation_addin.cli.completion_cmd",  # completion bash|zsh (shtab)
    "rotation_addin.cli.alerts_cmd",  # alerts list|add|remove|history
    "rotation_addin.cli.watch_cmd",  # watch (live prices + alerts; --once for cron)
)

EXIT_OK = 0
EXIT_INPUT = 2
EXIT_REFUSED = 3
EXIT_DATA = 4


ENVIRONMENT_ERRORS: tuple[type[BaseException], ...] = (OSError, sqlite3.Error, MemoryError)
"""Failures of the machine rather than of the input: a path that cannot be written, a full
disk, an unreadable folder, a database the OS refuses, memory (exit 4, one line)."""


def environment_error_line(exc: BaseException, argv: Sequence[str] = ()) -> str:
    """One line for an OSError (naming the path, and the flag that named it) or another
    environment error: ``cannot write /tmp/x.html (--report): no space left on device``."""
    if isinstance(exc, WriteError) and exc.filename is not None:
        target = str(exc.filename)
        flag = flag_of_path(target, argv)
        reason = exc.strerror or type(exc).__name__
        return (f"cannot write {target}{f' ({flag})' if flag else ''}: "
                f"{reason[:1].lower()}{reason[1:]}")
    if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
        paths = [str(p) for p in (exc.filename, exc.filename2) if p is not None]
        reason = exc.strerror or type(exc).__name__
        if paths:  # not the other way round: BrokenPipeError is handled by main() first
            return f"cannot use {' -> '.join(paths)}: {reason}"
        return f"system error: {redact(str(exc)) or reason}"
    if isinstance(exc, MemoryError):
        return "out of memory: use a smaller universe, window or date range"
    return f"data error: {type(exc).__name__}: {redact(str(exc))}"


def _interrupted() -> int:
    """Ctrl-C: one line; silence asyncio's late reports of tasks the interrupt cancelled."""
    logging.getLogger("asyncio").setLevel(logging.CRITICAL + 1)
    print("rotation: interrupted", file=sys.stderr)
    return 130


class ParseError(SystemExit):
    """A command line argparse refused (bad number, unknown choice, missing flag): exit 2.

    Still a ``SystemExit`` (the parser's own contract); :func:`main` adds the JSON error
    object when ``--json`` was typed, as for every other bad input.
    """

    def __init__(self, message: str) -> None:
        super().__init__(EXIT_INPUT)
        self.message = message


NUMBER_LIKE = re.compile(r"^-(?:\.?\d|inf|nan)", re.IGNORECASE)
"""A word that starts like a negative number (``-1``, ``-.5``, ``-1e3``, ``-5%``, ``-1,000``,
``-inf``, ``-nan``) is a value, never a flag (no ``rotation`` option looks like one).

argparse's own pattern knows only ``-1`` and ``-1.5``: ``--timeout -nan`` or ``--risk -1e-3``
failed as "expected one argument", not naming the range. As a value it reaches the flag's type
and its range check, which say the one line (a negative that is valid, ``--other-upnl -1e3``,
is taken like ``--other-upnl=-1e3``)."""


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line, in the words of every other bad input:
    ``rotation: invalid input: --top: invalid int value: '1.5'``; a word like a negative
    number is a value (:data:`NUMBER_LIKE`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # argparse's hook for "looks like a negative number"; set before any option is added,
        # so its check that no option itself looks like one uses this pattern too
        self._negative_number_matcher = NUMBER_LIKE

    def error(self, message: str) -> None:  # type: ignore[override]
        message = message.removeprefix("argument ")  # "argument --top: ..." -> "--top: ..."
        print(f"rotation: invalid input: {message}", file=sys.stderr)
        raise ParseError(message)


def build_parser() -> argparse.ArgumentParser:
    """Build the full parser with every registered command group."""
    parser = _Parser(
        prog="rotation",
        description="Rotation Desk: sector-rotation futures toolkit (read-only, places no orders).",
    )
    parser.add_argument("--version", action="version", version=f"rotation-desk {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        module.register(subparsers)
    return parser


def _fail(kind: str, message: str, code: int, argv: Sequence[str]) -> int:
    """Print the one error line (and, with ``--json``, a JSON error object on stdout)."""
    print(f"rotation: {kind}: {message}", file=sys.stderr)
    if "--json" in argv:
        print(_json_error(kind, message, code))
    return code


def _json_error(kind: str, message: str, code: int) -> str:
    """The ``--json`` error object on stdout (README: bad input exits 2 ... as JSON)."""
    return json.dumps({"error": {"kind": kind, "message": message, "exit_code": code}})


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (also used by ``sys.exit``).

    Called by the console script (``argv`` None), a Ctrl-C that lands after the command has
    finished (while Python tears the process down) is ignored: the work is done and its
    output printed, so the process ends with the command's own code, not killed by SIGINT
    with nothing said (or a ``KeyboardInterrupt`` traceback from an exit handler).
    """
    try:
        return _run(argv)
    finally:
        if argv is None:
            _ignore_late_interrupts()


def _ignore_late_interrupts() -> None:
    """SIGINT ignored from here to the end of the process (Python keeps an ignored signal
    ignored through finalisation; its own handler would be reset to the default)."""
    if hasattr(signal, "SIGINT"):
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run(argv: Sequence[str] | None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``), run the command, map errors to one line."""
    words = list(argv) if argv is not None else sys.argv[1:]
    try:
        parser = build_parser()
        args = parser.parse_args(words)
    except KeyboardInterrupt:  # Ctrl-C while the command modules import
        return _interrupted()
    except ParseError as refused:  # the one line is printed; the JSON object too
        if "--json" in words:
            print(_json_error("invalid input", refused.message, EXIT_INPUT))
        raise
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_INPUT
    try:
        return int(handler(args))
    except InputError as exc:
        return _fail("invalid input", describe(exc, args.command, words), EXIT_INPUT, words)
    except TradeRefused as exc:
        return _fail("refused", str(exc), EXIT_REFUSED, words)
    except DataError as exc:
        return _fail("data error", redact(str(exc)), EXIT_DATA, words)
    except RotationError as exc:
        return _fail("error", str(exc), EXIT_INPUT, words)
    except KeyboardInterrupt:
        return _interrupted()
    except BrokenPipeError:
        # the reader went away (`rotation sectors | head`): stop quietly, like other tools
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except ENVIRONMENT_ERRORS as exc:
        return _environment_failure(environment_error_line(exc, words), words)


def _environment_failure(line: str, argv: Sequence[str]) -> int:
    """``rotation: cannot write X: reason`` on stderr; with ``--json`` the error object, its
    kind a word (``system error``), not the path."""
    print(f"rotation: {line}", file=sys.stderr)
    if "--json" in argv:
        kind, _, rest = line.partition(": ")
        if kind not in ("system error", "out of memory", "data error"):
            kind, rest = "system error", line
        print(_json_error(kind, rest, EXIT_DATA))
    return EXIT_DATA


if __name__ == "__main__":
    sys.exit(main())
