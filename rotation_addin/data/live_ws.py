"""The websocket half of the live price stream: a guarded ``ccxt.pro`` exchange.

ccxt 4.5's websocket client decodes every frame inside an asyncio done-callback: a frame
that is not valid JSON (or a ticker ccxt cannot parse) raises there, asyncio prints the
traceback and the receive loop silently stops -- the stream stalls with the socket open.
:func:`open_guarded_exchange` builds a subclass of the ccxt.pro class that catches those
errors, counts them as malformed frames and carries on, and that hands every ticker ccxt
parsed (``parse_ws_ticker``) to a sink, so no update is lost between two ``watch_*`` calls.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from rotation_addin.core.errors import DataError

TICKER_CHANNEL = "miniTicker"
"""Binance stream of the last price (``<symbol>@miniTicker``: one update per second live)."""


@dataclass
class FrameCounts:
    """Frames seen by the guarded exchange: parsed tickers and malformed frames ignored."""

    parsed: int = 0
    malformed: int = 0
    last_malformed: str = ""


@dataclass(frozen=True)
class RawTick:
    """One ticker as ccxt parsed it: ccxt symbol, last or mark price, event time (ms)."""

    symbol: str
    last: float | None
    mark: float | None
    event_ms: int | None


def _finite_positive(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def raw_tick(parsed: dict[str, Any]) -> RawTick | None:
    """A ccxt ticker dict -> :class:`RawTick`, or None when it carries no usable price."""
    symbol = parsed.get("symbol")
    info = parsed.get("info")
    is_mark = isinstance(info, dict) and info.get("e") in ("markPriceUpdate", "markPrice")
    last = None if is_mark else _finite_positive(parsed.get("last"))
    mark = _finite_positive(parsed.get("markPrice")) if is_mark else None
    stamp = parsed.get("timestamp")
    if not isinstance(symbol, str) or (last is None and mark is None):
        return None
    return RawTick(symbol, last, mark, int(stamp) if isinstance(stamp, int | float) else None)


def rebase_urls(urls: Any, rest_base_url: str | None, ws_base_url: str | None) -> Any:
    """Point ccxt's ``urls['api']`` at other hosts (the loopback emulators in tests).

    ``rest_base_url`` (``http://127.0.0.1:PORT``) replaces the scheme and host of every
    https URL; ``ws_base_url`` (``ws://127.0.0.1:PORT/ws``) replaces the USDⓈ-M stream base
    ``urls['api']['ws']['linear']`` whole (ccxt inserts ``/market`` before its ``/ws``).
    """
    def rest(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: rest(v) for k, v in value.items()}
        if rest_base_url and isinstance(value, str) and value.startswith("https://"):
            parts = urlsplit(value)
            return value.replace(f"{parts.scheme}://{parts.netloc}", rest_base_url, 1)
        return value

    out = rest(urls)
    if ws_base_url is not None:
        if not isinstance(out, dict) or not isinstance(out.get("ws"), dict):
            raise DataError("this exchange has no websocket URLs in ccxt.pro")
        out["ws"] = {**out["ws"], "linear": ws_base_url}
    return out


def open_guarded_exchange(exchange_id: str, sink: Callable[[RawTick], None],
                          counts: FrameCounts, *, on_connect: Callable[[], None] | None = None,
                          on_drop: Callable[[str], None] | None = None,
                          rest_base_url: str | None = None,
                          ws_base_url: str | None = None, timeout_s: float = 10.0) -> Any:
    """A ``ccxt.pro`` exchange whose bad frames are counted, not fatal.

    Parameters
    ----------
    exchange_id : str
        ccxt id with websocket support (``"binanceusdm"``).
    sink : callable
        Receives every ticker ccxt parsed from a frame, in arrival order.
    counts : FrameCounts
        Updated in place (parsed tickers, malformed frames).
    on_connect : callable or None
        Called each time a websocket connection opens (a reconnect included).
    on_drop : callable or None
        Called with one line when a connection fails or closes (noticed at once, even when
        no ``watch_*`` call is waiting).
    rest_base_url, ws_base_url : str or None
        Loopback hosts (see :func:`rebase_urls`).
    timeout_s : float
        REST timeout of the instance (it is used for nothing but the websocket here).

    Raises
    ------
    DataError
        ccxt.pro has no such exchange.
    """
    import ccxt.pro as ccxt_pro  # ~1 s: only when a stream starts

    base_class = getattr(ccxt_pro, exchange_id, None)
    if base_class is None:
        raise DataError(f"{exchange_id}: ccxt has no websocket support for this exchange")

    methods = {**_frame_guards(base_class, sink, counts),
               **_connection_hooks(base_class, on_connect, on_drop)}
    hooked = type(f"{exchange_id}_rotation_live", (base_class,), methods)
    exchange = hooked({"enableRateLimit": False, "timeout": int(timeout_s * 1000)})
    exchange.urls["api"] = rebase_urls(exchange.urls["api"], rest_base_url, ws_base_url)
    return exchange


def _frame_guards(
    base_class: Any, sink: Callable[[RawTick], None], counts: FrameCounts
) -> dict[str, Callable[..., Any]]:
    """Overrides that count a bad frame instead of dying on it and sink every parsed ticker."""

    def guarded_client(self: Any, url: str) -> Any:
        client = base_class.client(self, url)
        if not getattr(client, "_rotation_guarded", False):
            decode = client.handle_text_or_binary_message

            def safe_decode(data: Any) -> None:
                try:
                    decode(data)
                except (ValueError, UnicodeDecodeError) as exc:  # orjson/json decode errors
                    counts.malformed += 1
                    counts.last_malformed = f"{type(exc).__name__}: {exc}"[:200]

            client.handle_text_or_binary_message = safe_decode
            client._rotation_guarded = True
        return client

    def guarded_message(self: Any, client: Any, message: Any) -> None:
        try:
            base_class.handle_message(self, client, message)
        except Exception as exc:  # a frame ccxt could decode but not parse
            counts.malformed += 1
            counts.last_malformed = f"{type(exc).__name__}: {exc}"[:200]

    def sinking_parse(self: Any, message: Any, market_type: Any) -> Any:
        parsed = base_class.parse_ws_ticker(self, message, market_type)
        tick = raw_tick(parsed) if isinstance(parsed, dict) else None
        if tick is None:
            counts.malformed += 1
            counts.last_malformed = f"ticker without a usable price: {str(message)[:120]}"
        else:
            counts.parsed += 1
            sink(tick)
        return parsed

    return {"client": guarded_client, "handle_message": guarded_message,
            "parse_ws_ticker": sinking_parse}


def _connection_hooks(
    base_class: Any,
    on_connect: Callable[[], None] | None,
    on_drop: Callable[[str], None] | None,
) -> dict[str, Callable[..., Any]]:
    """Overrides that report each connection opened, failed or closed (then do ccxt's part)."""

    def connected(self: Any, client: Any, message: Any = None) -> None:
        base_class.on_connected(self, client, message)
        if on_connect is not None:
            on_connect()

    def errored(self: Any, client: Any, error: Any) -> None:
        base_class.on_error(self, client, error)
        if on_drop is not None:
            on_drop(f"{type(error).__name__}: {error}"[:200])

    def closed(self: Any, client: Any, error: Any) -> None:
        base_class.on_close(self, client, error)
        if on_drop is not None:
            on_drop(f"connection closed ({error})"[:200])

    return {"on_connected": connected, "on_error": errored, "on_close": closed}
