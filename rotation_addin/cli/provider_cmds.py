"""``rotation providers``: refresh macro and sentiment series into the cache, manage keys.

* ``rotation providers refresh [--sentiment] [--since DAY] [--equity-csv FILE]``
* ``rotation providers status``
* ``rotation providers set-key santiment`` (prompts; or ``--stdin``) -- stored in the keyring
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from rotation_addin.cli import term
from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.core.errors import InputError
from rotation_addin.data.providers.keys import get_provider_key, set_provider_key
from rotation_addin.data.universe_io import load_universe


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date like 2024-01-31 (got {text!r})") from None


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "providers", help="macro and sentiment data providers (CoinGecko, DefiLlama, FRED, "
                          "Santiment)")
    commands = parser.add_subparsers(dest="providers_command", metavar="ACTION")

    refresh = commands.add_parser("refresh",
                                  help="fetch macro (and sentiment) series into the cache")
    refresh.add_argument("--sentiment", action="store_true",
                         help="also fetch Santiment social volume / on-chain activity "
                              "(needs `rotation providers set-key santiment`)")
    refresh.add_argument("--since", type=_day, default=None,
                         help="first day for sentiment history (default: 365 days ago)")
    refresh.add_argument("--equity-csv", type=Path, default=None,
                         help="read the equity index from this CSV instead of FRED")
    refresh.add_argument("--equity-series", default="SP500", help="FRED series id (default SP500)")
    for name in ("coingecko", "defillama", "fred", "santiment"):
        refresh.add_argument(f"--{name}-url", default=None, help=argparse.SUPPRESS)
    refresh.add_argument("--json", action="store_true", help="machine-readable output")
    refresh.set_defaults(handler=_refresh)

    status = commands.add_parser("status", help="stored macro and sentiment coverage")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(handler=_status)

    set_key = commands.add_parser("set-key", help="store a provider API key in the OS keyring")
    set_key.add_argument("provider", choices=["santiment"])
    set_key.add_argument("--stdin", action="store_true", help="read the key from standard input")
    set_key.set_defaults(handler=_set_key)
    parser.set_defaults(handler=lambda _args: (parser.print_help(), 2)[1])


def _urls(args: argparse.Namespace) -> Any:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.data.providers.store import ProviderUrls

    defaults = ProviderUrls()
    return ProviderUrls(
        coingecko=args.coingecko_url or defaults.coingecko,
        defillama=args.defillama_url or defaults.defillama,
        fred=args.fred_url or defaults.fred,
        santiment=args.santiment_url or defaults.santiment,
    )


def _refresh(args: argparse.Namespace) -> int:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.data.cache import MarketCache
    from rotation_addin.data.providers.store import refresh_macro, refresh_sentiment

    if args.equity_csv is not None and not args.equity_csv.is_file():
        raise InputError("--equity-csv", f"file not found: {args.equity_csv}")
    urls = _urls(args)
    key = None
    if args.sentiment:  # before any network work: a missing key must not cost a macro refresh
        key = get_provider_key("santiment")
        if key is None:
            raise InputError("--sentiment", "no Santiment key stored: run "
                                            "`rotation providers set-key santiment` first")
    with MarketCache() as cache:
        outcomes = list(refresh_macro(cache, urls=urls, equity_csv=args.equity_csv,
                                      equity_series_id=args.equity_series))
        if key is not None:
            since = args.since or (datetime.now(UTC).date() - timedelta(days=365))
            outcomes += refresh_sentiment(cache, load_universe().bases, since=since,
                                          api_key=key, urls=urls)
    if args.json:
        print(term.to_json([{**o.__dict__, "ok": o.ok} for o in outcomes]))
    else:
        print(term.render_table(
            ["provider", "series", "values", "result"],
            [[o.provider, o.series, o.values_written, "ok" if o.ok else o.error] for o in outcomes],
        ))
    failed = [o for o in outcomes if not o.ok]
    if failed:
        names = ", ".join(f"{o.provider} ({o.series})" for o in failed)
        print(f"rotation: data error: {len(failed)} of {len(outcomes)} series failed: {names} "
              "(see the table)", file=sys.stderr)
        return 4
    return 0


def _status(args: argparse.Namespace) -> int:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.data.cache import MarketCache

    rows = []
    with MarketCache() as cache:
        # live provider data first, then the simulated series `rotation refresh --demo` keeps
        # apart (they feed `--source cache --exchange demo`, never the live figures)
        for demo, label in ((False, "provider"), (True, DEMO_SOURCE_LABEL)):
            for name in ("macro", "social_volume", "onchain_activity"):
                frame = cache.read_series(name, demo=demo)
                for key in frame.columns:
                    values = frame[key].dropna()
                    rows.append([name, str(key), int(values.size),
                                 values.index[0].date().isoformat() if values.size else "",
                                 values.index[-1].date().isoformat() if values.size else "",
                                 label])
    headers = ["series", "key", "days", "first", "last", "source"]
    if args.json:
        print(term.to_json([dict(zip(headers, r, strict=True)) for r in rows]))
    elif rows:
        print(term.render_table(headers, rows))
    if not any(r[5] == "provider" for r in rows) and not args.json:
        print("No macro or sentiment series from the providers stored yet: run "
              "`rotation providers refresh`.")
    return 0


def _set_key(args: argparse.Namespace) -> int:
    if args.stdin:
        key = sys.stdin.readline().strip()
    elif not sys.stdin.isatty():
        # getpass would fall back to an echoed prompt with warnings on stderr
        raise InputError("--stdin", "no terminal to prompt on: pipe the key in with "
                                    f"`rotation providers set-key {args.provider} --stdin`")
    else:
        key = getpass.getpass(f"{args.provider} API key (input hidden): ").strip()
    set_provider_key(args.provider, key)
    print(f"Stored the {args.provider} API key in the OS keyring.")
    return 0
