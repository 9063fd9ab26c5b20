"""``rotation alerts list|add|remove|history``: the alert rules and their firing history.

* ``rotation alerts add KIND [SUBJECT] [--threshold X] [--unit U] [--hysteresis H]
  [--note TEXT]`` -- e.g. ``alerts add price_above RENDER --threshold 8``, ``alerts add
  stop_near '*' --threshold 1.5 --unit sigma``, ``alerts add regime_change``;
* ``rotation alerts list``, ``rotation alerts remove ID [ID ...]``,
  ``rotation alerts history [--limit N]``.

Rules are evaluated on every refresh (``rotation refresh``, the workbook, the app) and by
``rotation watch``. Tables by default, ``--json`` for scripts; a bad field is one line naming
it and its valid range.
"""

from __future__ import annotations

import argparse
import functools
import math
import sqlite3
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rotation_addin.cli import term
from rotation_addin.cli.flag_errors import range_words
from rotation_addin.cli.quick_args import _in_range, _number, _whole_number
from rotation_addin.core.alerts import KINDS, rule_bounds
from rotation_addin.core.errors import DataError, InputError

RULE_HEADERS = ("id", "kind", "subject", "threshold", "unit", "hysteresis", "note")
FIRING_HEADERS = ("#", "fired (UTC)", "rule", "kind", "subject", "data", "message")
LIMIT = _in_range(1, math.inf, whole=True)
"""argparse type of ``alerts history --limit``: a count of at least 1, a word and 0 refused in
the same range words (``at least 1``)."""
RULE_ID_VALID = "naming an active rule (rotation alerts list)"
"""What ``alerts remove ID`` takes (which ids are active is known once the store is read)."""


def _kinds_help() -> str:
    lines = []
    for spec in KINDS.values():
        units = ", ".join(f"{u or '-'}: {p.unit or 'none'}" for u, p in spec.thresholds.items())
        lines.append(f"  {spec.kind:<24} {spec.description} [{units}]")
    return "kinds:\n" + "\n".join(lines)


def register(subparsers: Any) -> None:
    """Add ``alerts`` to the ``rotation`` command."""
    alerts = subparsers.add_parser("alerts", help="alert rules (price levels, stops near, "
                                   "regime change ...) and their firing history")
    sub = alerts.add_subparsers(dest="alerts_command", metavar="ACTION",
                                parser_class=type(alerts))
    listed = sub.add_parser("list", help="the active rules")
    listed.add_argument("--json", action="store_true", help="machine-readable JSON")
    listed.set_defaults(handler=_list)
    added = sub.add_parser("add", help="add a rule", epilog=_kinds_help(),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    added.add_argument("kind", help="what to watch (the kinds are listed below)")
    added.add_argument("subject", nargs="?", default="",
                       help="symbol (RENDER), sector, or '*' for every open position / sector")
    # --threshold / --hysteresis: read by _rule_number (their range is the kind's and unit's)
    added.add_argument("--threshold", default=None, metavar="X",
                       help="level in the kind's unit (default: the kind's default)")
    added.add_argument("--unit", default=None, help="pct or sigma for stop_near / "
                       "take_profit_near (default: the kind's first unit)")
    added.add_argument("--hysteresis", default=None, metavar="H",
                       help="how far back past the threshold before it can fire again")
    added.add_argument("--note", default="", help="your words, shown with each firing")
    added.add_argument("--json", action="store_true", help="machine-readable JSON")
    added.set_defaults(handler=_add)
    removed = sub.add_parser("remove", help="remove rules (their firings stay in the history)")
    removed.add_argument("rule_ids", nargs="+", metavar="ID",
                         type=functools.partial(_whole_number, valid=RULE_ID_VALID))
    removed.add_argument("--json", action="store_true", help="machine-readable JSON")
    removed.set_defaults(handler=_remove)
    hist = sub.add_parser("history", help="every firing, oldest first")
    hist.add_argument("--limit", type=LIMIT,
                      default=None, metavar="N", help="only the last N firings")
    hist.add_argument("--json", action="store_true", help="machine-readable JSON")
    hist.set_defaults(handler=_history)
    alerts.set_defaults(handler=lambda _args: (alerts.print_help(), 2)[1])


def _rule_row(rule: Any) -> tuple[Any, ...]:
    return (rule.rule_id, rule.kind, rule.subject or "-", rule.threshold, rule.unit or "-",
            rule.hysteresis, rule.note)


def _list(args: argparse.Namespace) -> int:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.desk.alerts import list_rules

    rules = list_rules()
    if args.json:
        print(term.to_json({"rules": list(rules)}))
    else:
        print(term.render_table(RULE_HEADERS, [_rule_row(r) for r in rules]) if rules
              else "no alert rules (add one: rotation alerts add price_above RENDER "
                   "--threshold 8)")
    return 0


def _add(args: argparse.Namespace) -> int:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.desk.alerts import add_rule

    try:
        rule = add_rule(args.kind, args.subject, _rule_number(args, "threshold"),
                        unit=args.unit, hysteresis=_rule_number(args, "hysteresis"),
                        note=args.note)
    except InputError as error:
        if error.field == "threshold" and args.threshold is None:  # name the missing flag
            raise InputError("--threshold", error.reason) from None
        raise
    if args.json:
        print(term.to_json({"rule": rule}))
    else:
        print(f"added alert #{rule.rule_id}:")
        print(term.render_table(RULE_HEADERS, [_rule_row(rule)]))
    return 0


def _rule_number(args: argparse.Namespace, name: str) -> float | str | None:
    """``--threshold`` / ``--hysteresis`` as typed, a number; else refused in one line with
    the range of the kind and ``--unit`` typed (known once the whole line is read: no
    argparse type). A kind that takes none gets the text: the rule says it is not used."""
    text = getattr(args, name)
    if text is None:
        return None
    threshold, hysteresis = rule_bounds(args.kind, args.unit)  # a bad kind / unit: named
    bound = threshold if name == "threshold" else hysteresis
    valid = range_words(bound.low, bound.high, low_inclusive=bound.low_inclusive,
                        high_inclusive=bound.high_inclusive)
    try:
        return _number(text, valid)
    except argparse.ArgumentTypeError as refused:
        if bound.low == bound.high:  # regime_change: no threshold, no hysteresis
            return str(text)
        raise InputError(f"--{name}", str(refused)) from None


def _remove(args: argparse.Namespace) -> int:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.desk.alerts import remove_rules

    removed = remove_rules(list(args.rule_ids))
    if args.json:
        print(term.to_json({"removed": list(removed)}))
    else:
        print("removed alert " + ", ".join(f"#{r}" for r in removed)
              + " (its firings stay in the history)")
    return 0


def firing_json(firing: Any) -> dict[str, Any]:
    """A firing for ``--json`` output, with its data label."""
    return {"id": firing.firing_id, **{k: v for k, v in asdict(firing).items()
                                       if k != "firing_id"}, "label": firing.label}


def _history(args: argparse.Namespace) -> int:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.desk.alerts import history

    firings = history(args.limit)
    if args.json:
        print(term.to_json({"firings": [firing_json(f) for f in firings]}))
    elif not firings:
        print("no alert has fired yet")
    else:
        print(term.render_table(FIRING_HEADERS, [
            (f.firing_id, f"{f.fired_at:%Y-%m-%d %H:%M}", f.rule_id, f.kind, f.subject or "-",
             f.label, f.message) for f in firings]))
    return 0


def refresh_alerts(summary: Any, cache_file: Path | None) -> tuple[list[str], dict[str, Any]]:
    """Evaluate the stored alert rules on the refreshed data (none stored: nothing loaded)."""
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.desk.alerts import alerts_after_refresh, firing_line, has_rules

    if not summary.symbols_ok:
        return [], {}
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.desk.session import default_session

    session = default_session()
    try:
        if not has_rules():
            return [], {}
        dataset = session.dataset("cache", summary.exchange_id, cache_file)
    except (DataError, InputError, sqlite3.Error, OSError) as error:
        note = f"alerts not evaluated: {error}"
        return [f"note: {note}"], {"alerts": [], "alerts_note": note}
    run = alerts_after_refresh(session, dataset)
    lines = [f"alert: {firing_line(f)}" for f in run.firings]
    if run.note:
        lines.append(f"note: {run.note}")
    payload: dict[str, Any] = {"alerts": [firing_json(f) for f in run.firings]}
    if run.note:
        payload["alerts_note"] = run.note
    return lines, payload
