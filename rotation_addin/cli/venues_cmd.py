"""``rotation platforms SYMBOL --notional N [--side] [--venues ...] [--days D] [--json]``.

One row per venue: the contract, taker/maker fee, funding now and its 30-day mean, max
leverage and the bracket at this size, minimum order, depth within ±0.5 % / ±1 %, the walked
fill and slippage, the all-in round-trip cost and the data's age. Read-only; public data.
"""

from __future__ import annotations

import argparse
import functools
import sys
from typing import TYPE_CHECKING, Any

from rotation_addin.cli import term
from rotation_addin.cli.flag_errors import USD, range_words
from rotation_addin.cli.quick_args import _number
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.execution import HOLDING_RANGE_DAYS, NOTIONAL_RANGE_USD
from rotation_addin.core.validation import in_range
from rotation_addin.data.venue_defaults import DEFAULT_HOLDING_DAYS, DEFAULT_VENUES

if TYPE_CHECKING:
    from rotation_addin.data.quarterlies import QuarterlyRow
    from rotation_addin.data.venues import PlatformRow

NOTIONAL = functools.partial(_number, valid=range_words(*NOTIONAL_RANGE_USD, USD,
                                                         low_inclusive=False))
"""argparse type of ``--notional``: a word is refused with the range the desk checks."""
HOLDING_DAYS = functools.partial(_number, valid=range_words(*HOLDING_RANGE_DAYS))
"""argparse type of ``--days`` / ``--venue-days`` (the holding period of the cost)."""

HEADERS = ("venue", "contract", "status", "taker %", "maker %", "funding %", "30d mean %",
           "max lev", "lev @size", "mmr %", "min order", "depth ±0.5% bid/ask",
           "depth ±1% bid/ask", "avg fill", "slippage %", "round trip %", "round trip USD",
           "age s")


def _pct(value: float | None, digits: int = 4) -> str:
    return "" if value is None else f"{value * 100:.{digits}f}"


def _usd_pair(pair: tuple[float, float] | None) -> str:
    return "" if pair is None else f"{pair[0]:,.0f} / {pair[1]:,.0f}"


def _cells(row: PlatformRow) -> list[Any]:
    if row.status != "ok":
        return [row.venue, row.symbol or "", row.status, *[""] * (len(HEADERS) - 3)]
    status = "book too thin" if row.too_thin else "ok"
    minimum = f"{term.format_number(row.min_amount)} / {row.min_notional_usd:g} USD"
    return [row.venue, row.symbol, status, _pct(row.taker_fee, 3), _pct(row.maker_fee, 3),
            _pct(row.funding_now), _pct(row.funding_mean_30d), row.max_leverage,
            row.bracket_max_leverage, _pct(row.bracket_mmr, 2), minimum,
            _usd_pair(row.depth_half_pct_usd), _usd_pair(row.depth_one_pct_usd),
            row.average_price, _pct(row.slippage), _pct(row.round_trip_cost),
            "" if row.round_trip_cost_usd is None else f"{row.round_trip_cost_usd:,.2f}",
            f"{row.data_age_s:.0f}" if row.data_age_s is not None else ""]


QUARTERLY_HEADERS = ("venue", "dated contract", "expiry (UTC)", "days", "basis %",
                     "annualised %", "round trip %", "note")


def _quarterly_cells(row: QuarterlyRow) -> list[Any]:
    view = row.view
    return [row.venue, view.symbol, f"{view.expiry:%Y-%m-%d %H:%M}", f"{view.days_to_expiry:.1f}",
            _pct(view.basis, 3), _pct(view.annualised_basis, 2),
            "book too thin" if row.round_trip_cost is None else _pct(row.round_trip_cost),
            view.roll_warning or "no funding; carry = basis"]


def _quarterlies(args: argparse.Namespace, rows: list[PlatformRow]
                 ) -> tuple[list[QuarterlyRow], list[str]]:
    # deferred: data.quarterlies pulls pandas (~0.5 s); every command builds this parser, and
    # `rotation size` must start without pandas (bench/bench_cli_start.py)
    from rotation_addin.data.quarterlies import quarterly_rows

    found: list[QuarterlyRow] = []
    notes: list[str] = []
    urls = dict(args.api_url)
    for row in rows:
        if row.status != "ok":
            continue
        try:
            found.extend(quarterly_rows(row.venue, args.symbol, args.notional, side=args.side,
                                        api_base_url=urls.get(row.venue),
                                        holding_days=args.days))
        except DataError as exc:
            notes.append(str(exc))
    return found, notes


def _venue_list(text: str) -> list[str]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"must be a comma-separated list (got {text!r})")
    return items


def _api_url(text: str) -> tuple[str, str]:
    venue, sep, url = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"must be VENUE=URL (got {text!r})")
    return venue.strip().lower(), url.strip()


def register(subparsers: Any) -> None:
    """Add ``platforms`` to the ``rotation`` command."""
    parser = subparsers.add_parser(
        "platforms", help="where to execute: one symbol on several venues side by side",
        description="Fetches each venue's contract, order book, funding now and 30 days of "
                    "funding history (public endpoints, on demand) and walks the book for the "
                    "notional. Round trip = taker fee both sides + walked slippage both sides "
                    "+ expected funding over --days (30-day mean; a long pays positive "
                    "funding). Slippage is measured against the mid price. Read-only.")
    parser.add_argument("symbol", help="base, e.g. RENDER (RNDR and 1000PEPE are mapped)")
    parser.add_argument("--notional", type=NOTIONAL, required=True, metavar="USD",
                        help="order notional in USD")
    parser.add_argument("--side", default="long", help="long/buy (default) or short/sell")
    parser.add_argument("--venues", type=_venue_list, default=list(DEFAULT_VENUES),
                        metavar="A,B", help="ccxt ids (default binanceusdm,bybit,okx)")
    parser.add_argument("--days", type=HOLDING_DAYS, default=DEFAULT_HOLDING_DAYS, metavar="D",
                        help="holding period for the funding part (default 7)")
    parser.add_argument("--api-url", type=_api_url, action="append", default=[],
                        help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=_platforms)


def _platforms(args: argparse.Namespace) -> int:
    # deferred: data.venues pulls pandas (~0.5 s); every command builds this module's parser
    # options, and `rotation size` must start without pandas (bench/bench_cli_start.py)
    from rotation_addin.data.venues import cheapest, compare_venues

    rows = compare_venues(args.symbol, args.notional, side=args.side, venues=args.venues,
                          holding_days=args.days, api_urls=dict(args.api_url))
    best = cheapest(rows)
    dated, notes = _quarterlies(args, rows)
    if args.json:
        print(term.to_json({"symbol": args.symbol, "notional_usd": args.notional,
                            "side": args.side, "holding_days": args.days,
                            "cheapest": best.venue if best else None, "venues": rows,
                            "quarterlies": dated, "notes": notes}))
        return 0 if best else 4
    print(term.render_table(HEADERS, [_cells(r) for r in rows]))
    if dated:
        print()
        print(term.render_table(QUARTERLY_HEADERS, [_quarterly_cells(q) for q in dated]))
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if best is not None and best.round_trip_cost_usd is not None:
        print(f"cheapest round trip: {best.venue} ({best.symbol}), "
              f"{_pct(best.round_trip_cost, 3)} % = {best.round_trip_cost_usd:,.2f} USD "
              f"for {args.notional:,.0f} USD held {args.days:g} days")
    else:
        print("no venue can price this round trip (not listed, unreachable, book too "
              "thin or the size below its minimum)", file=sys.stderr)
        return 4
    return 0


def add_plan_venue_arguments(parser: argparse.ArgumentParser) -> None:
    """``rotation plan --venues A,B``: the cheapest venue of each order (fetched on demand)."""
    parser.add_argument("--venues", type=_venue_list, default=None, metavar="A,B",
                        help="also show each order's cheapest venue and round-trip cost among "
                             "these ccxt ids (public data, fetched now; e.g. "
                             "binanceusdm,bybit,okx)")
    parser.add_argument("--venue-days", type=HOLDING_DAYS, default=DEFAULT_HOLDING_DAYS,
                        metavar="D",
                        help="holding period of that round-trip cost (default 7 days)")
    parser.add_argument("--quarterlies", action="store_true",
                        help="with --venues: a venue's dated (quarterly) contracts are "
                             "candidates too (no funding; the basis carry instead; one that "
                             "expires within the holding period is not chosen)")
    parser.add_argument("--venue-api-url", type=_api_url, action="append", default=[],
                        help=argparse.SUPPRESS)


def check_plan_venue_flags(args: argparse.Namespace) -> None:
    """``rotation plan``'s venue flags, with or without ``--venues`` (before the plan is
    computed): a ``--venue-days`` outside its range is refused even when no venue is priced
    (it was ignored without ``--venues``, so ``-1`` passed silently), in the words
    ``rotation platforms --days`` says it; ``--quarterlies`` and ``--venue-api-url`` need
    ``--venues``."""
    in_range("holding_days", args.venue_days, *HOLDING_RANGE_DAYS)
    if getattr(args, "quarterlies", False) and not getattr(args, "venues", None):
        raise InputError("--quarterlies", "needs --venues A,B (the venues whose dated "
                                          "contracts are compared)")
    refuse_urls_without_venues(args)


def refuse_urls_without_venues(args: argparse.Namespace) -> None:
    """``--venue-api-url`` (``rotation plan`` / ``refresh``, hidden: tests and proxies) typed
    without ``--venues`` is refused, not ignored: no venue is priced, so the address would
    replace nothing, and the user would read the answer as coming from it. The words are
    ``--quarterlies``', the other flag that needs ``--venues``."""
    if getattr(args, "venue_api_url", None) and not getattr(args, "venues", None):
        raise InputError("--venue-api-url", "needs --venues A,B (the venues whose addresses "
                                            "it replaces)")


def order_venues(orders: Any, args: argparse.Namespace) -> list[dict[str, Any]] | None:
    """Per order: the cheapest venue, its contract and round-trip cost (None without --venues).

    One client per venue prices every order (:func:`rotation_addin.desk.venues.
    plan_order_venues`). An order that no venue can price (not listed, unreachable, book too
    thin or unusable) says so.
    """
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.desk.venues import plan_order_venues

    venues = getattr(args, "venues", None)  # the flags checked: check_plan_venue_flags
    if not venues:
        return None
    priced = plan_order_venues(orders, None, venues=venues, holding_days=args.venue_days,
                               api_urls=dict(getattr(args, "venue_api_url", [])),
                               limit=len(orders),
                               quarterlies=bool(getattr(args, "quarterlies", False)))
    out: list[dict[str, Any]] = []
    for order in priced:
        best = order.best
        out.append({"base": order.base, "action": order.action,
                    "notional_usd": order.notional_usd,
                    "venue": best.venue if best else None,
                    "symbol": best.symbol if best else None,
                    "round_trip_cost": best.round_trip_cost if best else None,
                    "round_trip_cost_usd": best.round_trip_cost_usd if best else None,
                    "days_to_expiry": best.days_to_expiry if best else None,
                    "roll_warning": best.roll_warning if best else None,
                    "status": "ok" if best else "; ".join(f"{r.venue}: {r.status}"
                                                          for r in order.rows)})
    return out


def print_order_venues(rows: list[dict[str, Any]]) -> None:
    """The ``--venues`` table under the plan."""
    print()
    print(term.render_table(
        ("order", "notional USD", "cheapest venue", "contract", "round trip %",
         "round trip USD"),
        [[f"{r['action']} {r['base']}", f"{r['notional_usd']:,.0f}", r["venue"] or r["status"],
          r["symbol"] or "", _pct(r["round_trip_cost"]),
          "" if r["round_trip_cost_usd"] is None else f"{r['round_trip_cost_usd']:,.2f}"]
         for r in rows]))
    for r in rows:
        if r.get("roll_warning"):
            print(f"warning: {r['roll_warning']}")


def add_workbook_venue_arguments(parser: argparse.ArgumentParser) -> None:
    """``rotation refresh --workbook FILE --venues A,B``: the Platforms sheet's live venues."""
    parser.add_argument("--venues", type=_venue_list, default=None, metavar="A,B",
                        help="with --workbook: the Platforms sheet also prices each plan order "
                             "on these ccxt ids (public data, fetched now; e.g. "
                             "binanceusdm,bybit,okx)")
    parser.add_argument("--quarterlies", action="store_true",
                        help="with --venues: their dated (quarterly) contracts are candidates "
                             "on the Platforms sheet too")
    parser.add_argument("--venue-api-url", type=_api_url, action="append", default=[],
                        help=argparse.SUPPRESS)
