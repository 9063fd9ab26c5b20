"""``rotation doctor``: is this installation complete? One OK / WARN / FAIL line per part.

Exit code 0 when nothing FAILs (warnings are optional parts), 1 otherwise; ``--json`` prints
``{"ok": ..., "checks": [{"name", "status", "detail", "fix"}, ...]}``.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rotation_addin.cli.quick_args import _in_range
from rotation_addin.core.errors import InputError
from rotation_addin.data import paths
from rotation_addin.data.settings import load_settings
from rotation_addin.diagnostics import checks as c

EXIT_FAILED = 1
MAX_TIMEOUT_S = 30.0
TIMEOUT = _in_range(0.0, MAX_TIMEOUT_S, "s", low_inclusive=False)
"""argparse type of ``--timeout``: seconds in (0, 30], refused at parse time (a word, ``nan``,
``inf`` or a number outside) in the words every ranged flag uses."""


def register(subparsers: Any) -> None:
    """Add the ``doctor`` command to the ``rotation`` parser."""
    parser = subparsers.add_parser(
        "doctor",
        help="check the installation (folders, cache, keyring, Qt, network) and say the fix",
        description="Check every part Rotation Desk needs and print OK / WARN / FAIL with the "
                    "fix. Exits 1 when something FAILs.",
    )
    parser.add_argument("--json", action="store_true", help="print the checks as JSON")
    parser.add_argument("--api-url", default=None, metavar="URL",
                        help="exchange address to test (default: settings, else the exchange's)")
    parser.add_argument("--provider-url", default=None, metavar="URL",
                        help="test this address instead of each data provider's (proxy, tests)")
    parser.add_argument("--timeout", type=TIMEOUT, default=c.DEFAULT_NETWORK_TIMEOUT_S,
                        metavar="S", help="seconds allowed per network check (default 2)")
    parser.set_defaults(handler=run_doctor)


def _exchange_url(exchange_id: str, configured: str) -> str:
    """The REST address the live refresh would use (settings override, else ccxt's)."""
    if configured:
        return configured
    # deferred: ccxt off CLI start-up (bench/bench_cli_start.py)
    import ccxt

    api = getattr(ccxt, exchange_id)().urls.get("api", "")
    if isinstance(api, dict):
        preferred = api.get("fapiPublic") or next(
            (v for v in api.values() if isinstance(v, str) and v.startswith("http")), "")
        return str(preferred)
    return str(api)


def _network_checks(args: argparse.Namespace) -> list[Callable[[], c.Check]]:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.data.providers.store import ProviderUrls

    settings = load_settings()
    exchange = _exchange_url(settings.exchange_id, args.api_url or settings.exchange_api_url)
    targets = {f"exchange {settings.exchange_id}": exchange}
    urls = ProviderUrls()
    for provider in ("coingecko", "defillama", "fred", "santiment"):
        targets[f"provider {provider}"] = args.provider_url or getattr(urls, provider)
    return [functools.partial(c.check_reachable, name, url, args.timeout)
            for name, url in targets.items()]


def all_checks(args: argparse.Namespace) -> list[Callable[[], c.Check]]:
    """Every check in display order (network last: it is the slowest)."""
    workbook = paths.data_dir() / "workbooks" / "rotation_desk.xlsx"
    installed_copy = Path.home() / "Documents" / "Rotation Desk" / "rotation_desk.xlsx"
    local: list[Callable[[], c.Check]] = [
        c.check_python,
        c.check_packages,
        functools.partial(c.check_folder, "config dir", paths.config_dir),
        functools.partial(c.check_folder, "data dir", paths.data_dir),
        lambda: c.check_cache(paths.data_dir() / "cache.sqlite3"),
        lambda: c.check_workbook(workbook, installed_copy),
        c.check_keyring,
        c.check_qt,
        c.check_libreoffice,
        c.check_xlwings_addin,
    ]
    try:
        return local + _network_checks(args)
    except Exception as exc:  # a broken settings file is itself a finding
        broken = c.Check("network", c.FAIL, f"cannot read the settings: {exc}",
                         "fix or delete settings.toml")
        return [*local, lambda: broken]


def _print_table(results: list[c.Check]) -> None:
    width = max(len(r.name) for r in results)
    for result in results:
        print(f"{result.status:<4}  {result.name:<{width}}  {result.detail}")
        if result.fix:
            print(f"{'':<4}  {'':<{width}}  fix: {result.fix}")
    failed = sum(r.status == c.FAIL for r in results)
    warned = sum(r.status == c.WARN for r in results)
    print(f"\n{len(results)} checks: {failed} failed, {warned} warnings")


def _check_url(flag: str, url: str | None) -> None:
    """Refuse an address that has no scheme or host (``notaurl``): nothing to connect to."""
    if url is None:
        return
    try:
        parts = urllib.parse.urlsplit(url)
        host, _ = parts.hostname, parts.port  # .port raises on a port that is not a number
    except ValueError:
        host = None
    if parts.scheme not in ("http", "https", "ws", "wss") or not host:
        raise InputError(flag, f"must be a URL like http://host:port (got {url!r})")


def _check_flags(args: argparse.Namespace) -> None:
    """``--api-url``/``--provider-url`` real URLs (``--timeout``: :data:`TIMEOUT`)."""
    _check_url("--api-url", args.api_url)
    _check_url("--provider-url", args.provider_url)


def run_doctor(args: argparse.Namespace) -> int:
    """Run every check, print them (table or JSON); exit 1 when one FAILs."""
    _check_flags(args)
    results = c.run_checks(all_checks(args))
    failed = any(r.status == c.FAIL for r in results)
    if args.json:
        json.dump({"ok": not failed, "checks": [r.as_dict() for r in results]}, sys.stdout,
                  indent=2)
        print()
    else:
        _print_table(results)
    return EXIT_FAILED if failed else 0
