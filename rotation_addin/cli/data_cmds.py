"""``rotation refresh`` and ``rotation data ...``: fill the market-data cache and inspect it.

* ``rotation refresh [--demo | --exchange ID] [--symbols A,B] [--since YYYY-MM-DD]
  [--timeframes 1d,1h] [--workbook FILE] [--json]``
* ``rotation data status [--exchange ID] [--json]``
* ``rotation data import-csv FOLDER [--exchange ID]`` (when ``data/csv_import.py`` is present)
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rotation_addin.cli import term
from rotation_addin.cli.alerts_cmd import refresh_alerts
from rotation_addin.cli.venues_cmd import add_workbook_venue_arguments, refuse_urls_without_venues
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.data.settings import load_settings
from rotation_addin.data.universe_io import load_universe

MAX_WARNINGS_SHOWN = 8


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date like 2024-01-31 (got {text!r})") from None


def _csv_list(text: str) -> list[str]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"must be a comma-separated list (got {text!r})")
    return items


def register(subparsers: Any) -> None:
    """Add ``refresh`` and ``data`` to the ``rotation`` command."""
    refresh = subparsers.add_parser(
        "refresh", help="refresh market data into the local cache (exchange or --demo)",
        description="Fetch closed candles, mark prices, funding now and contract rules for the "
                    "sector universe into the local SQLite cache. Incremental: only candles "
                    "after the last stored one are fetched. Order books and funding history "
                    "are fetched on demand (`rotation platforms`).",
        epilog="Exit codes: 0 every symbol refreshed, 1 some symbols failed (their cached "
               "rows are unchanged), 4 nothing refreshed or the exchange was unreachable, "
               "2 invalid input.")
    which = refresh.add_mutually_exclusive_group()
    which.add_argument("--demo", action="store_true",
                       help="write the simulated demo market (no network)")
    which.add_argument("--exchange", metavar="ID", default=None,
                       help="ccxt exchange id (default: settings exchange_id, binanceusdm)")
    refresh.add_argument("--symbols", type=_csv_list, default=None, metavar="A,B,...",
                         help="only these bases of the universe")
    refresh.add_argument("--since", type=_day, default=None, metavar="YYYY-MM-DD",
                         help="start of a first fetch, or of a backfill before the stored "
                              "history (default: 365 days back)")
    refresh.add_argument("--timeframes", type=_csv_list, default=["1d", "1h"], metavar="1d,1h",
                         help="candle timeframes (default 1d,1h)")
    refresh.add_argument("--api-url", default=None, help=argparse.SUPPRESS)
    refresh.add_argument("--cache", type=Path, default=None, help=argparse.SUPPRESS)
    refresh.add_argument("--workbook", type=Path, default=None, metavar="FILE",
                         help="then refresh this workbook with the new data")
    _add_venue_arguments(refresh)
    refresh.add_argument("--json", action="store_true", help="machine-readable summary")
    refresh.set_defaults(handler=_refresh)

    data = subparsers.add_parser("data", help="inspect or import cached market data")
    commands = data.add_subparsers(dest="data_command", metavar="ACTION")
    status = commands.add_parser("status", help="coverage, freshness and gaps per symbol")
    status.add_argument("--exchange", metavar="ID", default=None,
                        help="exchange id (default: every exchange in the cache); an exchange "
                             "with no data in the cache is an error (exit 4)")
    status.add_argument("--cache", type=Path, default=None, help=argparse.SUPPRESS)
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(handler=_status)

    importer = commands.add_parser(
        "import-csv", help="import candle CSVs (and macro/sentiment CSVs) into the cache",
        description="Read <base>*.csv candle files (any frequency, brought to daily) for the "
                    "universe's symbols and store them in the cache under --exchange (default "
                    "'csv'); read them back with data_source 'cache' and exchange 'csv'.")
    importer.add_argument("folder", type=Path, help="folder of per-symbol candle CSV files")
    importer.add_argument("--macro", type=Path, default=None, metavar="FILE",
                          help="CSV of btc_dominance / stablecoin_supply_usd / equity_index")
    importer.add_argument("--social", type=Path, default=None, metavar="FILE",
                          help="CSV of social volume, one column per symbol")
    importer.add_argument("--onchain", type=Path, default=None, metavar="FILE",
                          help="CSV of on-chain activity, one column per symbol")
    importer.add_argument("--exchange", metavar="ID", default="csv",
                          help="exchange id to store the candles under (default: csv)")
    importer.add_argument("--cache", type=Path, default=None, help=argparse.SUPPRESS)
    importer.add_argument("--json", action="store_true", help="machine-readable output")
    importer.set_defaults(handler=_import_csv)
    data.set_defaults(handler=lambda _args: (data.print_help(), 2)[1])


def _add_venue_arguments(parser: argparse.ArgumentParser) -> None:
    add_workbook_venue_arguments(parser)


def _check_venue_flags(args: argparse.Namespace) -> None:
    """``--venues``/``--quarterlies``/``--venue-api-url`` price the workbook's Platforms
    sheet: checked up front."""
    if args.quarterlies and not args.venues:
        raise InputError("--quarterlies", "needs --venues A,B (the venues whose dated "
                                          "contracts the Platforms sheet compares)")
    refuse_urls_without_venues(args)
    if args.venues:
        # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
        from rotation_addin.data.venues import check_venues

        if args.workbook is None:
            raise InputError("--venues", "prices the workbook's Platforms sheet: give "
                                         "--workbook FILE too")
        try:
            args.venues = list(check_venues(args.venues))
        except InputError as exc:
            raise InputError("--venues", exc.reason) from None


# ---------------------------------------------------------------------- refresh
def _refresh(args: argparse.Namespace) -> int:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.data.cache import MarketCache
    from rotation_addin.data.refresh import refresh_demo, refresh_exchange

    if args.workbook is not None and not args.workbook.is_file():
        raise InputError("--workbook", f"file not found: {args.workbook}")
    _check_venue_flags(args)
    universe = load_universe()
    bar = term.ProgressBar("refresh", stream=sys.stderr)
    cancel = threading.Event()
    with MarketCache(args.cache) as cache:
        if args.demo:
            if args.symbols or args.since or args.api_url:
                raise InputError("--demo", "takes no --symbols/--since/--api-url: the demo "
                                           "market is written whole")
            summary = refresh_demo(universe, cache=cache, progress=bar, cancel=cancel)
        else:
            settings = load_settings()
            exchange_id = args.exchange or settings.exchange_id
            if exchange_id == "demo":
                raise InputError("--exchange", "'demo' is the simulated market: run "
                                               "`rotation refresh --demo`")
            api_url = args.api_url or settings.exchange_api_url or None
            try:
                summary = refresh_exchange(
                    universe, exchange_id=exchange_id, cache=cache, symbols=args.symbols,
                    since=args.since, timeframes=args.timeframes, api_base_url=api_url,
                    progress=lambda done, total, detail: bar(done, total, detail),
                    cancel=cancel,
                )
            except KeyboardInterrupt:
                cancel.set()
                raise

        alert_lines, alert_json = refresh_alerts(summary, args.cache)
        workbook_note = _refresh_workbook(args.workbook, summary, args.cache, args)
    if args.json:
        payload = json.loads(term.to_json(summary))
        payload["outcome"] = summary.outcome
        if workbook_note:
            payload["workbook"] = workbook_note
        payload.update(alert_json)
        print(term.to_json(payload))
    else:
        print(_summary_text(summary))
        for line in alert_lines:
            print(line)
        if workbook_note:
            print(f"workbook refreshed: {workbook_note}")
    if summary.ok:
        return 0
    return 4 if not summary.symbols_ok else 1


def _refresh_workbook(path: Path | None, summary: Any, cache_file: Path | None,
                      args: argparse.Namespace) -> str:
    if path is None:
        return ""
    try:
        # deferred: pandas + openpyxl off CLI start-up (bench/bench_cli_start.py)
        from workbook.refresh import refresh_workbook
    except ModuleNotFoundError as exc:
        raise DataError(f"--workbook: workbook refresh is not available ({exc}); the data "
                        "refresh itself succeeded") from None
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.data.loader import load_market

    dataset = load_market("cache", exchange_id=summary.exchange_id, cache_file=cache_file)
    result = refresh_workbook(path, dataset, venues=args.venues or (),
                              venue_api_urls=dict(args.venue_api_url),
                              venue_quarterlies=args.quarterlies)
    return f"{path} ({getattr(result, 'source', dataset.source)})"


def _summary_text(summary: Any) -> str:
    rows: list[tuple[str, Any]] = [
        ("source", summary.source),
        ("symbols", f"{len(summary.symbols_ok)} ok / {len(summary.symbols_requested)} requested"),
        ("candles written", summary.candles_written),
        *[(f"  {tf}", n) for tf, n in summary.candles_by_timeframe.items()],
    ]
    if summary.exchange_id != "demo":
        rows += [("weight used", summary.weight_used), ("requests", summary.requests),
                 ("gaps", summary.gaps), ("429 answers", summary.rate_limited_429)]
    rows += [("duration (s)", round(summary.duration_s, 2)), ("outcome", summary.outcome)]
    parts = [term.render_key_values(rows)]
    if summary.unlisted:
        parts.append(f"not listed on {summary.exchange_id}: {', '.join(summary.unlisted)}")
    if summary.failures:
        parts.append("failures (cached rows of these symbols are unchanged):")
        parts.append(term.render_table(["symbol", "reason"],
                                       [(f.base, f.reason) for f in summary.failures]))
    grouped = _group_warnings(summary.warnings, set(summary.symbols_requested))
    shown = grouped[:MAX_WARNINGS_SHOWN]
    parts.extend(f"note: {w}" for w in shown)
    if len(grouped) > len(shown):
        parts.append(f"... and {len(grouped) - len(shown)} more notes (--json lists them all)")
    return "\n".join(parts)


def _group_warnings(warnings: Sequence[str], bases: set[str]) -> list[str]:
    """Merge ``"<BASE> <tf>: text"`` notes with the same text into one line naming the bases."""
    by_text: dict[str, list[str]] = {}
    for warning in warnings:
        head, sep, text = warning.partition(" ")
        if sep and head in bases:
            by_text.setdefault(text, []).append(head)
        else:
            by_text.setdefault(warning, [])
    lines = []
    for text, names in by_text.items():
        if len(names) > 3:
            lines.append(f"{text} ({len(names)} symbols: {', '.join(names[:3])}, ...)")
        elif names:
            lines.append(f"{text} ({', '.join(names)})")
        else:
            lines.append(text)
    return lines


# ---------------------------------------------------------------------- data status
def _status(args: argparse.Namespace) -> int:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.data.cache import MarketCache
    from rotation_addin.data.loader import check_exchange_id

    if args.cache is not None and not args.cache.exists():
        raise DataError(f"cache file {args.cache} does not exist: run `rotation refresh` first")
    if args.exchange is not None:
        check_exchange_id("--exchange", args.exchange)
    bases = load_universe().bases
    order = {b: i for i, b in enumerate(bases)}
    with MarketCache(args.cache, read_only=None) as cache:  # read-only files are fine here
        cached = cache.exchanges()
        if args.exchange and args.exchange not in cached:
            listed = ", ".join(cached) if cached else "none (run `rotation refresh` first)"
            raise DataError(f"no data for exchange {args.exchange!r} in the cache {cache.path}; "
                            f"exchanges in the cache: {listed}")
        exchanges = [args.exchange] if args.exchange else cached
        rows = sorted((s for ex in exchanges for s in cache.status(ex)),
                      key=lambda s: (s.exchange, order.get(s.base, len(order)), s.base,
                                     s.timeframe))
        history = cache.refresh_history(args.exchange, limit=1)
        path = cache.path
        notes = _status_notes(cache, exchanges, rows)
    absent = {ex: [b for b in bases if b not in {s.base for s in rows if s.exchange == ex}]
              for ex in exchanges}
    if args.json:
        print(term.to_json({"cache": str(path), "symbols": rows,
                            "universe_symbols_without_data": absent,
                            "last_refresh": history[0] if history else None,
                            "notes": notes}))
        return 0
    if not rows:
        where = f" for {args.exchange}" if args.exchange else ""
        print(f"cache {path}: no candles{where}. Run `rotation refresh` "
              "(or `rotation refresh --demo` for the simulated market).")
        return 0
    now = datetime.now(UTC)
    print(f"cache {path}")
    print(term.render_table(
        ["exchange", "symbol", "tf", "rows", "first", "last close", "age (h)", "gaps",
         "missing", "source"],
        [(s.exchange, s.base, s.timeframe, s.rows, s.first_open.strftime("%Y-%m-%d %H:%M"),
          s.last_close.strftime("%Y-%m-%d %H:%M"), round((now - s.last_close).total_seconds()
                                                         / 3600.0, 1),
          s.gaps, s.missing_candles, s.source) for s in rows],
    ))
    for ex, missing in absent.items():
        if missing:
            print(f"{ex}: no data for {', '.join(missing)}")
    if history:
        last = history[0]
        failed = f", failed: {', '.join(last.failures)}" if last.failures else ""
        unlisted = ", ".join(last.detail.get("unlisted", []))  # not refreshed: rows may be old
        failed += f", not listed (not refreshed): {unlisted}" if unlisted else ""
        print(f"last refresh: {last.exchange} {last.finished:%Y-%m-%d %H:%M} UTC, "
              f"{last.outcome}{failed}")
    for note in notes:
        print(f"note: {note}")
    return 0


def _status_notes(cache: Any, exchanges: Sequence[str], rows: Sequence[Any]) -> list[str]:
    """Ragged daily ends per exchange, and whether the cached demo run is the current one."""
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.data.demo import default_end
    from rotation_addin.data.loader import ragged_end_warnings
    from rotation_addin.data.refresh import DEMO_RUN_META_KEY

    notes: list[str] = []
    for exchange in exchanges:
        last_days = {s.base: s.last_open.date() for s in rows
                     if s.exchange == exchange and s.timeframe == "1d"}
        if exchange != "demo":
            notes.extend(f"{exchange}: {w}" for w in ragged_end_warnings(last_days, exchange))
            continue
        run = cache.read_meta(DEMO_RUN_META_KEY)
        yesterday = default_end().isoformat()
        if run is None:
            notes.append("demo: no fingerprint of the cached demo run (older cache): "
                         "run `rotation refresh --demo` before reading it")
        elif run.get("end") != yesterday:
            notes.append(f"demo: the cached run (seed {run.get('seed')}) ends {run.get('end')}, "
                         f"the demo market now ends {yesterday}: run `rotation refresh --demo` "
                         "again before reading it")
    return notes


# ---------------------------------------------------------------------- import-csv
def _import_csv(args: argparse.Namespace) -> int:
    # Deferred on purpose (measured, docs/benchmarks.md): every `rotation` command imports
    # this module, and `rotation size` starts without NumPy/pandas.
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    import numpy as np
    import pandas as pd

    try:
        csv_import = importlib.import_module("rotation_addin.data.csv_import")
    except ModuleNotFoundError:
        raise DataError("CSV import is not available in this build") from None
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.data.cache import (
        DEMO_EXCHANGE,
        SERIES_MACRO,
        SERIES_ONCHAIN_ACTIVITY,
        SERIES_SOCIAL_VOLUME,
        MarketCache,
    )

    if not args.exchange.isidentifier() or args.exchange == DEMO_EXCHANGE:
        raise InputError("--exchange", f"must be an identifier other than 'demo' "
                                       f"(got {args.exchange!r})")
    for flag in ("macro", "social", "onchain"):
        path = getattr(args, flag)
        if path is not None and not path.is_file():
            raise InputError(f"--{flag}", f"file not found: {path}")
    result = csv_import.import_csv_folder(args.folder, macro_csv=args.macro,
                                          social_csv=args.social, onchain_csv=args.onchain)
    dataset, source = result.dataset, csv_import.CSV_SOURCE_LABEL
    rows: dict[str, int] = {}
    with MarketCache(args.cache) as cache:
        for base in dataset.close.columns:
            frame = pd.DataFrame({
                "open": dataset.open[base], "high": dataset.high[base], "low": dataset.low[base],
                "close": dataset.close[base], "volume": np.nan,
                "volume_usd": dataset.volume_usd[base],
            }).dropna(subset=["close"])
            rows[base] = cache.write_candles(args.exchange, base, "1d", frame, source)
        series = {SERIES_MACRO: dataset.macro, SERIES_SOCIAL_VOLUME: dataset.social_volume,
                  SERIES_ONCHAIN_ACTIVITY: dataset.onchain_activity}
        values = {name: cache.write_series(name, None, frame, source)
                  for name, frame in series.items() if frame.shape[1]}
    payload = {"exchange": args.exchange, "candles_by_symbol": rows, "series_values": values,
               "missing_symbols": list(dataset.missing_symbols),
               "warnings": list(result.warnings)}
    if args.json:
        print(term.to_json(payload))
        return 0
    print(term.render_table(["symbol", "daily candles"], sorted(rows.items())))
    for name, n in values.items():
        print(f"{name}: {n} values")
    for warning in result.warnings:  # the symbols with no file are one of them
        print(f"warning: {warning}")
    print(f"stored under exchange '{args.exchange}': use `rotation data status --exchange "
          f"{args.exchange}` or load_market('cache', exchange_id='{args.exchange}')")
    return 0
