"""Live prices: ccxt.pro websockets, REST fallback, reconnect and gap backfill.

:class:`LivePrices` streams last (and optionally mark) prices of a list of bases and yields
them in batches (:meth:`LivePrices.batches`), typed against :class:`PriceStream` the way the
refresh is typed against ``MarketDataClient``:

- websocket: ``ccxt.pro`` ``watch_tickers`` (Binance ``<symbol>@miniTicker``) and, with
  ``marks=True``, ``watch_mark_prices``, through the guarded exchange of
  :mod:`rotation_addin.data.live_ws` (malformed frames counted and ignored);
- drop: the failure is noticed (error or ``silence_s`` without a frame), one REST snapshot
  (``fetch_tickers``) is yielded at once and every ``rest_poll_s`` while the socket is
  down, and the socket is re-dialled after ``reconnect_delay_s`` (doubling, capped at
  ``RECONNECT_CAP_S`` so a reconnect is tried at least every 2 s);
- backfill: at the start, after every reconnect and when an hour closes, the hourly and
  daily candles after the last stored one are fetched over REST and written to the SQLite
  cache, so the stored candles have no gap however long the socket was down.

Nothing here raises into a caller's event loop except :class:`DataError` with one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.validation import positive
from rotation_addin.data.cache import MarketCache, ms_to_datetime
from rotation_addin.data.candles import TIMEFRAME_MS
from rotation_addin.data.exchange import ExchangeClient
from rotation_addin.data.live_ws import TICKER_CHANNEL, FrameCounts, RawTick, open_guarded_exchange

RECONNECT_CAP_S = 2.0
"""Longest wait between two websocket dials (a drop is re-dialled well within 5 s)."""
WATCH_PAUSE_S = 0.2
"""Pause between two ``watch_*`` calls on a healthy socket (drops are reported by ccxt's
close/error hooks at once, not by the next call)."""
BACKFILL_TIMEFRAMES = ("1h", "1d")
TickVia = Literal["stream", "rest"]


@dataclass(frozen=True)
class LiveTick:
    """One price update of one base.

    Attributes
    ----------
    base : str
        Universe base (``"RENDER"``); prices are per base unit (``1000PEPE`` divided by 1,000).
    last_price_usd, mark_price_usd : float or None
        Last trade / mark price (one of them is set).
    exchange_ms : int
        Exchange event time, Unix ms.
    received_ms : int
        Local wall clock when it arrived, Unix ms (latency = received - exchange).
    via : str
        ``"stream"`` (websocket) or ``"rest"`` (fallback snapshot).
    """

    base: str
    last_price_usd: float | None
    mark_price_usd: float | None
    exchange_ms: int
    received_ms: int
    via: TickVia


@dataclass(frozen=True)
class StreamStatus:
    """Health of a stream (a snapshot; every field counts since the start).

    ``mode`` is ``"connecting"``, ``"stream"`` or ``"rest fallback"``; ``reconnect_s`` holds
    the seconds from each noticed drop to the next open websocket connection.
    """

    mode: str = "connecting"
    ticks: int = 0
    malformed_frames: int = 0
    drops: int = 0
    reconnect_s: tuple[float, ...] = ()
    rest_snapshots: int = 0
    backfilled_candles: int = 0
    backfill_errors: int = 0
    last_problem: str = ""


class PriceStream(Protocol):
    """What ``rotation watch`` and the app's Live toggle need from a live price source."""

    def batches(self) -> AsyncIterator[list[LiveTick]]:
        """Price updates in arrival order, until :meth:`stop`."""
        ...

    @property
    def status(self) -> StreamStatus:
        """Current health."""
        ...

    def stop(self) -> None:
        """Ask the stream to end (thread-safe); ``batches`` returns within ~0.2 s."""
        ...


@dataclass
class _State:
    status: StreamStatus = field(default_factory=StreamStatus)
    pending: list[RawTick] = field(default_factory=list)
    down_since: float | None = None
    last_frame: float = field(default_factory=time.monotonic)
    hour_seen: int = -1


class LivePrices:
    """Live prices of ``bases`` from one exchange (see the module docstring).

    Parameters
    ----------
    bases : sequence of str
        Universe bases to stream.
    exchange_id : str
        ccxt id (``"binanceusdm"``).
    api_base_url, ws_base_url : str or None
        Loopback REST / websocket hosts (tests and benches).
    cache : MarketCache or None
        Where backfilled candles go (None: no backfill).
    marks : bool
        Also stream mark prices (``watch_mark_prices``).
    reconnect_delay_s, rest_poll_s, silence_s : float
        First re-dial delay, REST snapshot period while the socket is down, and how long
        without a frame counts as a dead socket.
    """

    def __init__(self, bases: Sequence[str], *, exchange_id: str = "binanceusdm",
                 api_base_url: str | None = None, ws_base_url: str | None = None,
                 cache: MarketCache | None = None, marks: bool = False,
                 reconnect_delay_s: float = 0.25, rest_poll_s: float = 2.0,
                 silence_s: float = 15.0) -> None:
        if not bases:
            raise InputError("symbols", "must name at least one base to stream")
        self.bases = tuple(dict.fromkeys(str(b).upper() for b in bases))
        self.exchange_id = exchange_id
        self.api_base_url, self.ws_base_url = api_base_url, ws_base_url
        self.cache = cache
        self.marks = marks
        self.reconnect_delay_s = positive("reconnect_delay_s", reconnect_delay_s)
        self.rest_poll_s = positive("rest_poll_s", rest_poll_s)
        self.silence_s = positive("silence_s", silence_s)
        self._stop = threading.Event()
        self._state = _State()
        self._counts = FrameCounts()
        self._wake: asyncio.Event | None = None
        self._backfill_task: asyncio.Task[None] | None = None
        self._reconnected = False

    # ------------------------------------------------------------------ public
    @property
    def status(self) -> StreamStatus:
        return replace(self._state.status, malformed_frames=self._counts.malformed)

    def stop(self) -> None:
        self._stop.set()

    async def batches(self) -> AsyncIterator[list[LiveTick]]:
        """Yield price updates until :meth:`stop` (see the module docstring)."""
        async with ExchangeClient(self.exchange_id, api_base_url=self.api_base_url,
                                  cancel=self._stop, max_retries=2) as rest:
            await rest.load_markets()
            symbols = {await rest._symbol(b): b for b in self.bases if b in rest._symbols}
            if not symbols:
                raise DataError(f"{self.exchange_id}: none of {', '.join(self.bases)} is listed")
            self._wake = asyncio.Event()
            pro = open_guarded_exchange(self.exchange_id, self._on_raw, self._counts,
                                        on_connect=self._connected,
                                        on_drop=lambda why: self._dropped(f"stream: {why}"),
                                        rest_base_url=self.api_base_url,
                                        ws_base_url=self.ws_base_url)
            pro.set_markets(list(rest._exchange.markets.values()))
            watchers = [asyncio.ensure_future(self._watch(pro, list(symbols), "tickers"))]
            if self.marks:
                watchers.append(asyncio.ensure_future(self._watch(pro, list(symbols), "marks")))
            self._request_backfill(rest)
            try:
                async for batch in self._drain(rest, symbols):
                    yield batch
            finally:
                for task in [*watchers, self._backfill_task]:
                    if task is not None:
                        task.cancel()
                        with contextlib.suppress(BaseException):
                            await task
                with contextlib.suppress(Exception):
                    await pro.close()

    # ------------------------------------------------------------------ websocket
    def _on_raw(self, tick: RawTick) -> None:
        self._state.pending.append(tick)
        self._state.last_frame = time.monotonic()
        self._connected()
        if self._wake is not None:
            self._wake.set()

    async def _watch(self, pro: Any, symbols: list[str], what: str) -> None:
        """Keep one websocket subscription alive: re-dial after every failure."""
        method = pro.watch_tickers if what == "tickers" else pro.watch_mark_prices
        params = {"name": TICKER_CHANNEL} if what == "tickers" else {}
        delay = self.reconnect_delay_s
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(method(symbols, params), timeout=self.silence_s)
                delay = self.reconnect_delay_s
                self._connected()
                # ticks reach the sink without a waiting watch call; this one only keeps the
                # subscription (and re-dials): calling it per frame would cost ccxt's whole
                # subscription path 1,000 times a second
                await asyncio.sleep(WATCH_PAUSE_S)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # ccxt NetworkError, timeouts: re-dial
                self._dropped(f"{what} stream: {type(exc).__name__}: {exc}"[:200])
                with contextlib.suppress(Exception):
                    await pro.close_ws_clients()
                await asyncio.sleep(delay)
                delay = min(RECONNECT_CAP_S, delay * 2)

    def _connected(self) -> None:
        state = self._state
        if state.down_since is not None:
            took = time.monotonic() - state.down_since
            state.status = replace(state.status, reconnect_s=(*state.status.reconnect_s, took))
            state.down_since = None
            self._reconnected = True
            if self._wake is not None:
                self._wake.set()
        if state.status.mode != "stream":
            state.status = replace(state.status, mode="stream")

    def _dropped(self, problem: str) -> None:
        if self._stop.is_set():  # our own close at the end is not a drop
            return
        state = self._state
        if state.down_since is None:
            state.down_since = time.monotonic()
            state.status = replace(state.status, drops=state.status.drops + 1)
        state.status = replace(state.status, mode="rest fallback", last_problem=problem)
        if self._wake is not None:
            self._wake.set()

    # ------------------------------------------------------------------ the consumer side
    async def _drain(self, rest: ExchangeClient, symbols: dict[str, str]
                     ) -> AsyncIterator[list[LiveTick]]:
        assert self._wake is not None
        self._reconnected = False
        next_rest = 0.0
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=0.2)
            self._wake.clear()
            batch = self._take_pending(rest, symbols)
            if self._reconnected:
                self._reconnected = False
                self._request_backfill(rest)
            if self._state.down_since is not None and time.monotonic() >= next_rest:
                next_rest = time.monotonic() + self.rest_poll_s
                batch.extend(await self._rest_snapshot(rest))
            if batch:
                self._note_hour(rest, batch)
                self._state.status = replace(self._state.status,
                                             ticks=self._state.status.ticks + len(batch))
                yield batch

    def _take_pending(self, rest: ExchangeClient, symbols: dict[str, str]) -> list[LiveTick]:
        pending, self._state.pending = self._state.pending, []
        now_ms = int(time.time() * 1000)
        out: list[LiveTick] = []
        for raw in pending:
            base = symbols.get(raw.symbol)
            if base is None:
                continue
            factor = rest._multiplier(base)
            out.append(LiveTick(
                base, raw.last / factor if raw.last is not None else None,
                raw.mark / factor if raw.mark is not None else None,
                raw.event_ms if raw.event_ms is not None else now_ms, now_ms, "stream"))
        return out

    async def _rest_snapshot(self, rest: ExchangeClient) -> list[LiveTick]:
        try:
            tickers = await rest.fetch_tickers([b for b in self.bases if b in rest._symbols])
        except DataError as exc:
            self._state.status = replace(self._state.status, last_problem=f"REST: {exc}"[:200])
            return []
        now_ms = int(time.time() * 1000)
        self._state.status = replace(self._state.status,
                                     rest_snapshots=self._state.status.rest_snapshots + 1)
        return [LiveTick(t.base, t.last_price_usd, t.mark_price_usd,
                         int(t.timestamp.timestamp() * 1000), now_ms, "rest")
                for t in tickers.values()]

    # ------------------------------------------------------------------ candles
    def _note_hour(self, rest: ExchangeClient, batch: list[LiveTick]) -> None:
        hour = max(t.exchange_ms for t in batch) // TIMEFRAME_MS["1h"]
        if self._state.hour_seen >= 0 and hour > self._state.hour_seen:
            self._request_backfill(rest)  # an hour closed: store its candle
        self._state.hour_seen = max(self._state.hour_seen, hour)

    def _request_backfill(self, rest: ExchangeClient) -> None:
        if self.cache is None:
            return
        if self._backfill_task is not None and not self._backfill_task.done():
            return
        self._backfill_task = asyncio.ensure_future(self._backfill(rest))

    async def _backfill(self, rest: ExchangeClient) -> None:
        assert self.cache is not None
        try:
            written = await backfill_candles(rest, self.cache, self.exchange_id, self.bases)
        except Exception as exc:  # reported in the status, the stream goes on
            written = (0, len(self.bases))
            self._state.status = replace(self._state.status,
                                         last_problem=f"backfill: {exc}".splitlines()[0][:200])
        status = self._state.status
        self._state.status = replace(status, backfilled_candles=status.backfilled_candles
                                     + written[0], backfill_errors=status.backfill_errors
                                     + written[1])


async def backfill_candles(rest: ExchangeClient, cache: MarketCache, exchange_id: str,
                           bases: Sequence[str]) -> tuple[int, int]:
    """Fetch the closed candles after the last stored one of each base and store them.

    Bases with no stored candles of a timeframe are left to ``rotation refresh`` (it owns
    the first download). The market list is re-read first (weight 1): it re-syncs the
    exchange clock that decides which candles are closed, however long the stream has run.
    Returns ``(candles written, bases that failed)``.
    """
    written = failed = 0
    await rest.load_markets()
    for base in bases:
        starts = {}
        for tf in BACKFILL_TIMEFRAMES:
            last = cache.last_closed_open_time(exchange_id, base, tf)
            if last is not None:
                starts[tf] = ms_to_datetime(last + TIMEFRAME_MS[tf])
        if not starts or base not in rest._symbols:
            continue
        try:
            results = await rest.fetch_candles(base, starts)
            with cache.transaction():
                for result in results.values():
                    if len(result.candles):
                        written += cache.write_candles(exchange_id, base, result.timeframe,
                                                       result.candles, exchange_id)
        except DataError:
            failed += 1
    return written, failed
