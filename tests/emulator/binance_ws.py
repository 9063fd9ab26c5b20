"""Loopback Binance USDⓈ-M *websocket* market-stream emulator (127.0.0.1 only).

Speaks the stream dialect ``ccxt.pro.binanceusdm`` uses (read from ccxt 4.5's
``ccxt/pro/binance.py``):

- URL: ccxt joins ``urls['api']['ws']['linear']`` (``wss://fstream.binance.com/ws``), rewritten
  to ``<host>/market/ws`` (``/public/ws`` for depth/bookTicker/trade), and a stream index:
  ``/market/ws/0``. Point the client here with :meth:`BinanceStreamEmulator.ws_url`
  (``ws://127.0.0.1:PORT/ws``) as ``urls['api']['ws']['linear']``.
- Subscription: ``{"method": "SUBSCRIBE", "params": ["btcusdt@miniTicker", ...], "id": 1}``
  answered by ``{"result": null, "id": 1}``; ``UNSUBSCRIBE`` likewise.
- Streams: ``<id>@miniTicker`` / ``!miniTicker@arr`` (event ``24hrMiniTicker``: ``E`` event
  time ms, ``s`` symbol, ``c`` close, ``o`` ``h`` ``l`` ``v`` ``q``), ``<id>@ticker`` /
  ``!ticker@arr`` (``24hrTicker``, the same fields plus ``C`` close time), and
  ``<id>@markPrice@1s`` / ``!markPrice@arr@1s`` (``markPriceUpdate``: ``p`` mark, ``i``
  index, ``r`` funding, ``T`` next funding time). Per-symbol streams get one object per
  frame, ``!…@arr`` streams one array of every symbol, as Binance sends them.

Faults: :meth:`drop_connections` (abort every socket: the client sees the connection die
without a close handshake), :meth:`refuse_for` (reject new connections for a while: the
client must fall back to REST), :meth:`send_raw` (any text or bytes frame: truncated JSON,
garbage, a ticker with a non-numeric price), :meth:`publish` with many ticks at once (a
burst) and :meth:`start_ticking` (a steady rate, for the streaming bench).

The server runs aiohttp (already installed: ccxt's own websocket client uses it) on an event
loop in a daemon thread; every public method is thread-safe.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

PriceFn = Callable[[str, int], float]
"""``price(symbol_id, tick_number) -> last price``: the price path of the ticking loop."""


@dataclass(frozen=True)
class StreamTick:
    """One price update to publish: Binance symbol id (``"BTCUSDT"``), last and mark price."""

    symbol_id: str
    last: float
    mark: float | None = None
    funding_rate: float = 0.0001


@dataclass
class _Connection:
    socket: web.WebSocketResponse
    path: str
    streams: set[str] = field(default_factory=set)


def _num(value: float) -> str:
    return f"{value:.8f}".rstrip("0").rstrip(".") if value == value else "NaN"


def mini_ticker_event(tick: StreamTick, event_ms: int, full: bool = False) -> dict[str, Any]:
    """The ``24hrMiniTicker`` (or with ``full`` the ``24hrTicker``) event of one tick."""
    price = _num(tick.last)
    event: dict[str, Any] = {
        "e": "24hrTicker" if full else "24hrMiniTicker", "E": event_ms, "s": tick.symbol_id,
        "c": price, "o": price, "h": price, "l": price, "v": "1000", "q": _num(tick.last * 1000),
    }
    if full:
        event.update({"C": event_ms, "O": event_ms - 86_400_000, "p": "0", "P": "0",
                      "w": price, "b": price, "a": price, "n": 1})
    return event


def mark_price_event(tick: StreamTick, event_ms: int) -> dict[str, Any]:
    """The ``markPriceUpdate`` event of one tick (mark = last when not given)."""
    mark = tick.mark if tick.mark is not None else tick.last
    eight_h = 8 * 3_600_000
    return {"e": "markPriceUpdate", "E": event_ms, "s": tick.symbol_id, "p": _num(mark),
            "i": _num(mark), "P": _num(mark), "r": _num(tick.funding_rate),
            "T": (event_ms // eight_h + 1) * eight_h}


class BinanceStreamEmulator:
    """Threaded loopback websocket server emulating Binance USDⓈ-M market streams.

    Attributes
    ----------
    connections_opened : int
        Websocket handshakes accepted so far (a reconnect adds one).
    refused : int
        Handshakes refused by :meth:`refuse_for`.
    frames_sent : int
        Data frames sent (ticks, arrays and raw frames).
    subscribe_requests : list of list of str
        The ``params`` of every SUBSCRIBE received, in order.
    """

    def __init__(self) -> None:
        self.connections_opened = 0
        self.refused = 0
        self.frames_sent = 0
        self.subscribe_requests: list[list[str]] = []
        self._connections: list[_Connection] = []
        self._refuse_until = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._thread: threading.Thread | None = None
        self._ticking: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> BinanceStreamEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start the server thread and wait until it listens."""
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def serve() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._serve())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, name="binance-ws-emulator", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("websocket emulator did not start")

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get("/{prefix:(market/|public/)?}ws/{stream}", self._handle)
        app.router.add_get("/{prefix:(market/|public/)?}ws", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server: Any = site._server
        self._port = int(server.sockets[0].getsockname()[1])

    def stop(self) -> None:
        """Close every connection and stop the server thread."""
        if self._loop is None:
            return
        loop = self._loop

        async def shutdown() -> None:
            if self._ticking is not None:
                self._ticking.cancel()
            for conn in list(self._connections):
                await conn.socket.close()
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = None

    @property
    def ws_url(self) -> str:
        """``ws://127.0.0.1:PORT/ws`` -- replaces ``wss://fstream.binance.com/ws`` for ccxt."""
        if not self._port:
            raise RuntimeError("emulator not started (use it as a context manager)")
        return f"ws://127.0.0.1:{self._port}/ws"

    def _call(self, factory: Callable[[], Any]) -> Any:
        """Run ``factory()`` (a coroutine) on the server loop and wait for its result."""
        if self._loop is None:
            raise RuntimeError("emulator not started")
        return asyncio.run_coroutine_threadsafe(factory(), self._loop).result(10)

    # ------------------------------------------------------------------ connections
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if time.monotonic() < self._refuse_until:
            self.refused += 1
            return web.Response(status=503, text="emulated outage")
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        conn = _Connection(socket, request.path)
        self._connections.append(conn)
        self.connections_opened += 1
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    await self._on_request(conn, message.data)
        finally:
            if conn in self._connections:
                self._connections.remove(conn)
        return socket

    async def _on_request(self, conn: _Connection, text: str) -> None:
        try:
            request = json.loads(text)
        except ValueError:
            return
        method, params = request.get("method"), request.get("params") or []
        if method == "SUBSCRIBE":
            conn.streams.update(params)
            self.subscribe_requests.append(list(params))
        elif method == "UNSUBSCRIBE":
            conn.streams.difference_update(params)
        await conn.socket.send_str(json.dumps({"result": None, "id": request.get("id")}))

    def connection_count(self) -> int:
        """Open websocket connections."""
        return len(self._connections)

    def subscribed_streams(self) -> set[str]:
        """Every stream name some open connection is subscribed to."""
        return {s for conn in list(self._connections) for s in conn.streams}

    def drop_connections(self) -> int:
        """Abort every open connection (no close frame); return how many were dropped."""

        async def drop() -> int:
            dropped = 0
            for conn in list(self._connections):
                transport = conn.socket._req.transport if conn.socket._req else None
                if transport is not None:
                    transport.abort()
                    dropped += 1
                self._connections.remove(conn)
            return dropped

        return int(self._call(drop))

    def refuse_for(self, seconds: float) -> None:
        """Answer new handshakes with HTTP 503 for ``seconds`` (and drop open ones)."""
        self._refuse_until = time.monotonic() + seconds
        self.drop_connections()

    # ------------------------------------------------------------------ publishing
    def publish(self, ticks: Iterable[StreamTick], event_ms: int | None = None) -> int:
        """Send ``ticks`` to every subscriber at once; return the frames sent."""
        batch = list(ticks)
        return int(self._call(lambda: self._publish(batch, event_ms)))

    async def _publish(self, ticks: list[StreamTick], event_ms: int | None,
                       marks: bool = True) -> int:
        stamp = event_ms if event_ms is not None else int(time.time() * 1000)
        sent = 0
        for conn in list(self._connections):
            for payload in self._payloads(conn.streams, ticks, stamp, marks):
                try:
                    await conn.socket.send_str(payload)
                except (ConnectionError, RuntimeError):
                    break
                sent += 1
        self.frames_sent += sent
        return sent

    @staticmethod
    def _payloads(streams: set[str], ticks: list[StreamTick], stamp: int,
                  marks: bool = True) -> list[str]:
        out: list[str] = []
        builders: tuple[tuple[str, Callable[[StreamTick], dict[str, Any]]], ...] = (
            ("miniTicker", lambda t: mini_ticker_event(t, stamp)),
            ("ticker", lambda t: mini_ticker_event(t, stamp, full=True)),
            ("markPrice", lambda t: mark_price_event(t, stamp)))
        for channel, build in builders if marks else builders[:2]:
            if any(s.startswith(f"!{channel}@arr") for s in streams):
                out.append(json.dumps([build(t) for t in ticks]))
                continue
            for tick in ticks:
                name = f"{tick.symbol_id.lower()}@{channel}"
                if name in streams or f"{name}@1s" in streams:
                    out.append(json.dumps(build(tick)))
        return out

    def send_raw(self, frame: str | bytes) -> int:
        """Send one raw frame (text or binary) to every open connection."""

        async def send() -> int:
            sent = 0
            for conn in list(self._connections):
                if isinstance(frame, bytes):
                    await conn.socket.send_bytes(frame)
                else:
                    await conn.socket.send_str(frame)
                sent += 1
            self.frames_sent += sent
            return sent

        return int(self._call(send))

    # ------------------------------------------------------------------ steady ticking
    def start_ticking(self, symbol_ids: Iterable[str], ticks_per_second: float,
                      price: PriceFn, marks: Mapping[str, float] | None = None) -> None:
        """Publish one tick of every symbol ``ticks_per_second`` times a second until stopped.

        Each round is one :meth:`publish` of all symbols, event time = wall clock at sending
        (so a receiver measures exchange-event-to-screen latency from ``E``). Mark-price
        streams get one round a second, as Binance's ``markPrice@1s`` sends them.
        """
        ids = list(symbol_ids)
        period = 1.0 / ticks_per_second

        mark_every = max(1, round(ticks_per_second))  # markPrice@1s: one a second

        async def loop() -> None:
            n = 0
            next_at = time.monotonic()
            while True:
                ticks = [StreamTick(s, price(s, n), (marks or {}).get(s)) for s in ids]
                await self._publish(ticks, None, marks=n % mark_every == 0)
                n += 1
                next_at += period
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))

        async def begin() -> None:
            self._ticking = asyncio.ensure_future(loop())

        self._call(begin)

    def stop_ticking(self) -> None:
        """Stop :meth:`start_ticking`'s loop."""

        async def end() -> None:
            if self._ticking is not None:
                self._ticking.cancel()
                self._ticking = None

        self._call(end)
