"""``rotation watch``: stream prices, evaluate the stored alerts, print what fires.

``rotation watch`` runs until Ctrl-C (or SIGTERM from a service manager), one summary line at
the end, exit 0. ``rotation watch --once`` is for cron or a task scheduler: one REST snapshot
of the tickers, one evaluation, the firings printed, then the exit code says what happened:

====  ======================================================
0     evaluated, nothing fired
1     evaluated, at least one alert fired (lines on stdout)
2     bad flag (one line naming it and its range)
4     the exchange could not be read (one line)
====  ======================================================

Alerts are the ones ``rotation alerts add`` stored, evaluated through the desk
(:func:`rotation_addin.desk.live_alerts.live_alert_lines`) at most every ``--every`` seconds
on the latest prices. Stream events (a drop, the reconnect) go to stderr, one line each.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from datetime import UTC, datetime
from typing import Any

from rotation_addin.cli.quick_args import _in_range
from rotation_addin.core.errors import InputError
from rotation_addin.data.settings import load_settings
from rotation_addin.data.universe_io import load_universe

EVERY_RANGE_S = (1.0, 3600.0)
"""``--every``: seconds between two alert evaluations while watching (read, and refused in
its range's words, by ``quick_args._in_range`` as every number flag is: ``1,000`` works)."""
DURATION_RANGE_S = (1.0, 7 * 86400.0)
EXIT_FIRED = 1


def _symbols(text: str) -> list[str]:
    names = [s.strip().upper() for s in text.split(",") if s.strip()]
    if not names:
        raise argparse.ArgumentTypeError("must list at least one base, e.g. BTC,ETH")
    return names


def register(subparsers: Any) -> None:
    """Add ``rotation watch``."""
    watch = subparsers.add_parser(
        "watch", help="stream live prices and print alert firings (Ctrl-C stops)",
        description="Stream prices over the exchange's websocket (REST fallback, reconnect, "
                    "candle backfill), evaluate the stored alerts and print each firing. "
                    "--once: one REST snapshot and evaluation for cron / a task scheduler "
                    "(exit 0 nothing fired, 1 something fired, 4 exchange unreachable).")
    watch.add_argument("--once", action="store_true",
                       help="one REST snapshot, evaluate, print, exit (for cron)")
    watch.add_argument("--symbols", type=_symbols, default=None, metavar="A,B,...",
                       help="bases to watch (default: the universe)")
    watch.add_argument("--every", type=_in_range(*EVERY_RANGE_S, "s"), default=10.0,
                       metavar="SECONDS", help="seconds between alert evaluations (1-3600, "
                       "default 10)")
    watch.add_argument("--exchange", metavar="ID", default=None,
                       help="ccxt exchange id (default: the settings' exchange)")
    watch.add_argument("--duration", type=_in_range(*DURATION_RANGE_S, "s"),
                       default=None, help=argparse.SUPPRESS)  # benches and tests
    watch.add_argument("--api-url", default=None, help=argparse.SUPPRESS)
    watch.add_argument("--ws-url", default=None, help=argparse.SUPPRESS)
    watch.add_argument("--cache", default=None, help=argparse.SUPPRESS)
    watch.set_defaults(handler=run_watch)


def _target(args: argparse.Namespace) -> tuple[str, list[str], str | None]:
    settings = load_settings()
    exchange_id = args.exchange or settings.exchange_id
    if exchange_id == "demo":
        raise InputError("--exchange", "must be a live exchange such as binanceusdm: the demo "
                                       "market has no live prices")
    bases = args.symbols or list(load_universe().bases)
    return exchange_id, bases, args.api_url or settings.exchange_api_url or None


def run_watch(args: argparse.Namespace) -> int:
    """Handler of ``rotation watch``."""
    # deferred: pandas + ccxt off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.data.live_runner import run_stream_loop

    exchange_id, bases, api_url = _target(args)
    if args.once:
        return run_stream_loop(_once(exchange_id, bases, api_url))
    return _watch(args, exchange_id, bases, api_url)


def _alert_lines(prices: dict[str, float], as_of: datetime, source: str) -> list[str]:
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.desk.live_alerts import live_alert_lines
    from rotation_addin.desk.session import default_session

    return live_alert_lines(default_session(), prices, as_of, source)


async def _once(exchange_id: str, bases: list[str], api_url: str | None) -> int:
    # deferred: pandas + ccxt off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.data.exchange import ExchangeClient

    async with ExchangeClient(exchange_id, api_base_url=api_url, max_retries=2) as client:
        await client.load_markets()
        unlisted = client.missing_bases(bases)
        listed = [b for b in bases if b not in unlisted]
        tickers = await client.fetch_tickers(listed) if listed else {}
    prices = {b: t.mark_price_usd for b, t in tickers.items()}
    as_of = max((t.timestamp for t in tickers.values()), default=datetime.now(UTC))
    lines = await asyncio.to_thread(_alert_lines, prices, as_of, exchange_id)
    for line in lines:
        print(line)
    print(f"checked {len(prices)} of {len(bases)} symbols on {exchange_id} at "
          f"{as_of:%Y-%m-%d %H:%M:%S} UTC: {_fired(len(lines))}"
          + (f"; not listed there: {', '.join(unlisted)}" if unlisted else ""), file=sys.stderr)
    return EXIT_FIRED if lines else 0


def _fired(n: int) -> str:
    return "no alert fired" if n == 0 else f"{n} alert{'s' if n > 1 else ''} fired"


def _watch(args: argparse.Namespace, exchange_id: str, bases: list[str],
           api_url: str | None) -> int:
    # deferred: pandas + ccxt off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.data.cache import MarketCache
    from rotation_addin.data.live import LivePrices
    from rotation_addin.data.live_runner import run_stream_loop

    with MarketCache(args.cache) as cache:
        stream = LivePrices(bases, exchange_id=exchange_id, api_base_url=api_url,
                            ws_base_url=args.ws_url, cache=cache)
        tally = _Tally(time.monotonic())
        previous = signal.signal(signal.SIGTERM, lambda *_: stream.stop())
        print(f"watching {len(bases)} symbols on {exchange_id} over websocket (REST "
              f"fallback); alerts every {args.every:g} s; Ctrl-C stops", file=sys.stderr)
        try:
            run_stream_loop(_consume(stream, args, tally))
        except KeyboardInterrupt:
            stream.stop()
        finally:
            signal.signal(signal.SIGTERM, previous)
    status = stream.status
    minutes = (time.monotonic() - tally.started) / 60
    print(f"watch stopped after {minutes:.1f} min: {status.ticks:,} price updates, "
          f"{_fired(tally.fired)}, {status.drops} drop(s), {status.malformed_frames} "
          f"malformed frame(s) ignored, {status.backfilled_candles} candles backfilled",
          file=sys.stderr)
    return 0


class _Tally:
    def __init__(self, started: float) -> None:
        self.started = started
        self.fired = 0
        self.mode = "connecting"


async def _consume(stream: Any, args: argparse.Namespace, tally: _Tally) -> None:
    prices: dict[str, float] = {}
    stamp_ms = 0
    due = time.monotonic()
    if args.duration:
        asyncio.get_running_loop().call_later(args.duration, stream.stop)
    async for batch in stream.batches():
        for tick in batch:
            price = tick.mark_price_usd if tick.mark_price_usd is not None else tick.last_price_usd
            if price is not None:
                prices[tick.base] = price
            stamp_ms = max(stamp_ms, tick.exchange_ms)
        _report_mode(stream.status, tally)
        now = time.monotonic()
        if now >= due and prices:
            due = now + args.every
            as_of = datetime.fromtimestamp(stamp_ms / 1000, tz=UTC)
            lines = await asyncio.to_thread(_alert_lines, dict(prices), as_of,
                                            f"live {stream.exchange_id}")
            for line in lines:
                print(line, flush=True)
            tally.fired += len(lines)


def _report_mode(status: Any, tally: _Tally) -> None:
    if status.mode == tally.mode:
        return
    if status.mode == "rest fallback":
        print(f"websocket down ({status.last_problem}): REST prices until it reconnects",
              file=sys.stderr)
    elif status.mode == "stream" and tally.mode == "rest fallback" and status.reconnect_s:
        print(f"websocket back after {status.reconnect_s[-1]:.1f} s", file=sys.stderr)
    tally.mode = status.mode
