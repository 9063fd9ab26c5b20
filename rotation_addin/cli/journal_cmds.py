"""``rotation trade open|close|list|move|note|correct|import|export`` and ``rotation journal
review``: the trade journal on the command line (paper by default; nothing is ever sent).

* ``rotation trade open RENDER --side long --stop 1.60 (--quantity 100 | --risk 1%)
  [--take-profit P] [--leverage L] [--reason TEXT] [--override REASON] [--account real
  --price P --at ISO]``: the rules are checked first; a refusal exits 3 naming the rule and
  its numbers (and is journaled); ``--override REASON`` records the entry with the reason.
* ``rotation trade close RENDER [--quantity Q] [--reason TEXT]``, ``trade list``,
  ``trade move RENDER --stop S``, ``trade note TEXT [--symbol S]``,
  ``trade correct ID --set price_usd=1.7 --reason TEXT`` (or ``--void``),
  ``trade import [--positions F] [--trades F]``, ``trade export [--out FILE]``.
* ``rotation journal review [--week | --from 2026-11-01 --to 2026-11-08]``.

Tables by default, ``--json`` and ``--csv`` for scripts. Every paper figure says ``paper``.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rotation_addin.cli import term
from rotation_addin.cli.backtest_args import write_output
from rotation_addin.cli.journal_args import existing_journal, iso_time, parse_change
from rotation_addin.cli.quick_args import _fraction, _number, _whole_number
from rotation_addin.core.errors import InputError
from rotation_addin.data.settings import load_settings
from rotation_addin.desk.journal_text import (
    CLOSED_HEADERS,
    LIST_CSV_HEADERS,
    OPEN_HEADERS,
    close_sentence,
    closed_text_row,
    list_csv_rows,
    open_sentence,
    open_text_row,
    review_text_rows,
)

NOTHING_SENT = "journal only: nothing is sent to any exchange"


def _now() -> datetime:
    """The clock (UTC)."""
    return datetime.now(UTC)


def _market(args: argparse.Namespace) -> Any:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.data.loader import load_market

    settings = load_settings()
    return load_market(args.source or settings.data_source,
                       exchange_id=args.exchange or settings.exchange_id, cache_file=args.cache)


def _inputs(args: argparse.Namespace) -> Any:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.core.rotation import PlanParameters
    from rotation_addin.desk.journal import JournalInputs
    from rotation_addin.desk.journal_market import cached_funding

    settings = load_settings()
    dataset = _market(args)
    funding = cached_funding(dataset, args.exchange or settings.exchange_id, args.cache)
    now = max(_now(), dataset.as_of)
    return JournalInputs(params=PlanParameters.from_settings(settings), dataset=dataset,
                         now=now, path=args.journal_file, funding=funding)


def _common(parser: argparse.ArgumentParser, *, csv: bool = False) -> None:
    parser.add_argument("--account", choices=("paper", "real"), default="paper",
                        help="paper (default, simulated fills) or real (trades made elsewhere)")
    parser.add_argument("--source", choices=("demo", "cache"), default=None,
                        help="market for prices and candles (default: the data_source setting)")
    parser.add_argument("--exchange", metavar="ID", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--journal-file", type=Path, default=None, metavar="FILE",
                        help="journal file (default: journal.sqlite3 in the data folder)")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="machine-readable JSON")
    if csv:
        out.add_argument("--csv", action="store_true", help="CSV rows")


def register(subparsers: Any) -> None:
    """Add ``trade`` and ``journal`` to the ``rotation`` command."""
    trade = subparsers.add_parser("trade", help="journal a trade (paper by default): open, "
                                  "close, list, move, note, correct, import, export")
    sub = trade.add_subparsers(dest="trade_command", metavar="ACTION",
                               parser_class=type(trade))
    _register_open(sub)
    _register_others(sub)
    _register_review(subparsers)


def _register_open(sub: Any) -> None:
    opened = sub.add_parser("open", help="check the rules and journal an entry")
    opened.add_argument("symbol")
    opened.add_argument("--side", required=True, help="long or short")
    opened.add_argument("--stop", type=_number, default=None, help="stop price (required "
                        "by the rules)")
    size = opened.add_mutually_exclusive_group(required=True)
    size.add_argument("--quantity", type=_number, help="quantity in base units")
    size.add_argument("--risk", type=_fraction(1.0), help="risk per trade: 1%% or 0.01 of equity")
    opened.add_argument("--take-profit", type=_number, default=None)
    opened.add_argument("--leverage", type=_number, default=None,
                        help="default: the safe leverage from the symbol's volatility")
    opened.add_argument("--price", type=_number, default=None,
                        help="real account: the fill price (paper fills at the current price)")
    opened.add_argument("--at", type=iso_time, default=None, help="real account: when (UTC)")
    opened.add_argument("--reason", default="", help="why this trade")
    opened.add_argument("--override", default=None, metavar="REASON",
                        help="take the trade although a rule refuses it (recorded, reviewed)")
    _common(opened)
    opened.set_defaults(handler=_open)


def _register_others(sub: Any) -> None:
    closed = sub.add_parser("close", help="close (or reduce) an open trade")
    closed.add_argument("symbol")
    closed.add_argument("--quantity", type=_number, default=None, help="reduce by this much")
    closed.add_argument("--price", type=_number, default=None, help="real account: fill price")
    closed.add_argument("--reason", default="")
    _common(closed)
    closed.set_defaults(handler=_close)
    listed = sub.add_parser("list", help="open trades marked to market, closed trades")
    _common(listed, csv=True)
    listed.set_defaults(handler=_list)
    moved = sub.add_parser("move", help="move the stop and/or take-profit")
    moved.add_argument("symbol")
    moved.add_argument("--stop", type=_number, default=None)
    moved.add_argument("--take-profit", type=_number, default=None)
    moved.add_argument("--reason", default="")
    _common(moved)
    moved.set_defaults(handler=_move)
    note = sub.add_parser("note", help="journal a note")
    note.add_argument("text")
    note.add_argument("--symbol", default=None, help="attach it to this open trade")
    _common(note)
    note.set_defaults(handler=_note)
    correct = sub.add_parser("correct", help="append a correction of a journal row")
    correct.add_argument("id", type=functools.partial(
        _whole_number, valid="naming a journal row (the id column of rotation trade export)"))
    correct.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    correct.add_argument("--void", action="store_true", help="the row no longer counts")
    correct.add_argument("--reason", required=True)
    _common(correct)
    correct.set_defaults(handler=_correct)
    imported = sub.add_parser("import", help="import positions.csv and trade_journal.csv "
                              "(idempotent)")
    imported.add_argument("--positions", type=Path, default=None)
    imported.add_argument("--trades", type=Path, default=None)
    _common(imported)
    imported.set_defaults(handler=_import)
    exported = sub.add_parser("export", help="every journal row as CSV")
    exported.add_argument("--out", type=Path, default=None,
                          help="write the CSV to this file (default: print it)")
    exported.add_argument("--force", action="store_true", help="replace an existing --out file")
    exported.add_argument("--journal-file", type=Path, default=None)
    exported.set_defaults(handler=_export)


def _register_review(subparsers: Any) -> None:
    journal = subparsers.add_parser("journal", help="the weekly review of the journal")
    jsub = journal.add_subparsers(dest="journal_command", metavar="ACTION",
                                  parser_class=type(journal))
    rev = jsub.add_parser("review", help="win rate, R, expectancy, drawdown, rule adherence")
    rev.add_argument("--week", action="store_true",
                     help="the 7 days up to --to or now (default; not with --from)")
    rev.add_argument("--from", dest="start", type=iso_time, default=None)
    rev.add_argument("--to", dest="end", type=iso_time, default=None,
                     help="end date (inclusive: the whole day)")
    _common(rev, csv=True)
    rev.set_defaults(handler=_review)


def _real_fill_price(args: argparse.Namespace) -> None:
    """A real trade was filled elsewhere: its price is the user's, never the market's (a
    demo's is simulated, and paper slippage is no fill)."""
    if args.account == "real" and args.price is None:
        raise InputError("--price", "a real trade is recorded at its fill price: give "
                         "--price (paper trades fill at the current price)")


def _open(args: argparse.Namespace) -> int:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.desk.journal import OrderRequest, open_trade

    inputs = _inputs(args)
    if args.account == "paper" and (args.price is not None or args.at is not None):
        raise InputError("--price" if args.price is not None else "--at",
                         "a paper trade fills at the current price and time "
                         "(omit --price/--at, or use --account real)")
    _real_fill_price(args)
    request = OrderRequest(symbol=args.symbol, side=args.side, stop=args.stop,
                           quantity=args.quantity, risk_fraction=args.risk, entry=args.price,
                           take_profit=args.take_profit, leverage=args.leverage,
                           account=args.account, reason=args.reason, at=args.at)
    result = open_trade(inputs, request, override_reason=args.override)
    if args.json:
        print(term.to_json(result))
        return 0
    print(open_sentence(result, inputs.dataset.contracts))
    if result.overridden:
        print(f"override recorded: {result.check.line} -- reason: {result.override_reason}")
    print(NOTHING_SENT)
    return 0


def _close(args: argparse.Namespace) -> int:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.desk.journal import find_open, read_ledger
    from rotation_addin.desk.journal_ops import close_trade

    if args.account == "paper" and args.price is not None:
        raise InputError("price", "a paper trade closes at the current price (omit --price, "
                         "or use --account real)")
    existing_journal(args.journal_file)
    inputs = _inputs(args)
    if args.account == "real" and args.price is None:  # no such trade is said first
        find_open(read_ledger(inputs, args.account), args.symbol, args.account)
        _real_fill_price(args)
    event = close_trade(inputs, args.symbol, account=args.account, reason=args.reason,
                        quantity=args.quantity, price=args.price)
    if args.json:
        print(term.to_json(event))
        return 0
    print(close_sentence(event, inputs.dataset.contracts))
    print(NOTHING_SENT)
    return 0


def _list(args: argparse.Namespace) -> int:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.desk.journal_ops import journal_view

    existing_journal(args.journal_file)
    inputs = _inputs(args)
    view = journal_view(inputs, args.account)
    open_rows = [(view.account, m.trade.base, m.trade.side.value, m.trade.quantity_base,
                  m.trade.entry_price_usd, m.trade.stop_price_usd, m.trade.take_profit_price_usd,
                  m.trade.liquidation_price_usd, m.mark_usd, m.funding_usd, m.unrealised_usd,
                  f"{m.trade.opened_at:%Y-%m-%d %H:%M}") for m in view.open_trades]
    closed_rows = [(t.account, t.base, t.sector, t.side.value, t.quantity_base,
                    t.entry_price_usd, t.exit_price_usd, t.realised_pnl_usd, t.r_multiple,
                    t.fees_usd, t.funding_usd, f"{t.closed_at:%Y-%m-%d %H:%M}", t.exit_reason)
                   for t in view.closed_trades]
    opened = [dict(zip(OPEN_HEADERS, r, strict=True)) for r in open_rows]
    closed = [dict(zip(CLOSED_HEADERS, r, strict=True)) for r in closed_rows]
    if args.json:
        print(term.to_json({"account": view.account, "source": view.source,
                            "equity_usd": view.equity_usd, "exits_found": view.exits,
                            "warnings": view.warnings, "open": opened, "closed": closed}))
        return 0
    if args.csv:
        print(term.to_csv(LIST_CSV_HEADERS, list_csv_rows(opened, closed)), end="")
        return 0
    for sentence in (*view.exits, *view.warnings):
        print(sentence)
    print(f"account: {view.account}   equity {view.equity_usd:,.2f} USD   prices: {view.source}")
    contracts = inputs.dataset.contracts
    print(term.render_table(OPEN_HEADERS, [open_text_row(m, contracts) for m in view.open_trades])
          if view.open_trades else "no open trades")
    if view.closed_trades:
        print(term.render_table(CLOSED_HEADERS, [closed_text_row(t, contracts)
                                                 for t in view.closed_trades]))
    return 0


def _say(args: argparse.Namespace, text: str, payload: dict[str, Any]) -> int:
    """Print what a command journaled: ``payload`` as JSON under ``--json``, else ``text``."""
    print(term.to_json(payload) if args.json else text)
    return 0


def _move(args: argparse.Namespace) -> int:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.desk.journal_ops import move_levels

    existing_journal(args.journal_file)
    ids = move_levels(_inputs(args), args.symbol, stop=args.stop, take_profit=args.take_profit,
                      account=args.account, reason=args.reason)
    return _say(args, f"{args.account}: {len(ids)} level change(s) journaled for "
                f"{args.symbol.upper()}", {"account": args.account,
                                           "symbol": args.symbol.upper(), "rows": list(ids)})


def _note(args: argparse.Namespace) -> int:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.desk.journal_ops import add_note

    row = add_note(_inputs(args), args.text, symbol=args.symbol, account=args.account)
    return _say(args, f"{args.account}: note journaled (row {row})",
                {"account": args.account, "row": row})


def _correct(args: argparse.Namespace) -> int:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.desk.journal_corrections import correct_event

    existing_journal(args.journal_file)
    changes = dict(parse_change(t) for t in args.set)
    inputs = _inputs(args)
    # a desk error names its field; flag_errors says it as typed (--set price_usd, --void)
    row = correct_event(inputs, args.id, reason=args.reason, changes=changes, void=args.void)
    return _say(args, f"correction of row {args.id} journaled (row {row}); the original is "
                "kept", {"account": args.account, "corrects_id": args.id, "row": row})


def _import(args: argparse.Namespace) -> int:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.desk.journal_ops import import_csv

    added = import_csv(_inputs(args), positions_file=args.positions, journal_file=args.trades,
                       account=args.account)
    return _say(args, f"{args.account}: {added} new journal row(s) imported (rows seen before "
                "are skipped)", {"account": args.account, "imported_rows": added})


def _export(args: argparse.Namespace) -> int:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.desk.journal_ops import export_csv

    text = export_csv(existing_journal(args.journal_file))
    if args.out is None:
        print(text, end="")
    else:
        write_output("--out", str(args.out), text, args)  # an existing file needs --force
        print(f"journal exported to {args.out}")
    return 0


def _review(args: argparse.Namespace) -> int:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.desk.journal_ops import review, review_window

    if args.week and args.start is not None:
        raise InputError("--week", "is the 7 days up to --to (default now), which --from "
                         "contradicts: give --week or --from, not both")
    existing_journal(args.journal_file)
    inputs = _inputs(args)
    start, end = review_window(args.start, args.end, inputs.now)
    result = review(inputs, start=start, end=end, account=args.account)
    if args.json:
        print(term.to_json(dataclasses.asdict(result)))
    elif args.csv:
        print(term.to_csv(("figure", "value"), review_rows(result)), end="")
    else:
        print(f"review of the {result.account} account, {result.start:%Y-%m-%d %H:%M} to "
              f"{result.end:%Y-%m-%d %H:%M} UTC")
        print(term.render_key_values(review_text_rows(result)))
    return 0


def _pct(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.1%}"


def review_rows(result: Any) -> list[tuple[str, Any]]:
    """(figure, value) rows of ``journal review --csv``: the figures unrounded (the text's
    rows, rounded for reading, are :func:`~rotation_addin.desk.journal_text.review_text_rows`)."""
    rows: list[tuple[str, Any]] = [
        ("account", result.account), ("trades closed", result.trades),
        ("win rate", _pct(result.win_rate)), ("average R", result.average_r),
        ("expectancy (R per trade)", result.expectancy_r),
        ("expectancy (USD per trade)", result.expectancy_usd),
        ("realised P&L USD", result.realised_pnl_usd),
        ("max drawdown USD", result.max_drawdown_usd),
        ("max drawdown", _pct(result.max_drawdown_fraction)),
        ("entries", result.entries), ("entries with override", result.entries_with_override),
        ("rule adherence", _pct(result.adherence)),
        ("time in market", _pct(result.time_in_market)),
    ]
    rows += [(f"P&L USD {sector}", pnl) for sector, pnl in result.pnl_by_sector]
    rows += [(f"refused by {rule}", count) for rule, count in result.refusals_by_rule]
    rows += [(f"override {when} {base}", reason) for when, base, reason in result.overrides]
    return rows
