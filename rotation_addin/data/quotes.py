"""Live last/mark prices and funding for UDFs, with a TTL cache that coalesces requests.

One refresh asks the exchange for ALL tickers, ALL mark prices and ALL best bids/asks at once
(Binance ``/fapi/v1/ticker/24hr``, ``/fapi/v1/premiumIndex`` and ``/fapi/v1/ticker/bookTicker``
without a symbol), so any number of ``=CRYPTO_PRICE()`` cells costs at most those three requests per
TTL, whatever the symbols and fields. Concurrent
callers wait for the one request in flight instead of sending their own.

Each base's price is its chosen perpetual's (:class:`~rotation_addin.data.markets.MarketMap`:
the universe's quote, perpetual before quarterly, aliases, ``1000``-prefixed contracts
divided by their multiple), never whichever contract of the base came last.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from rotation_addin.core import validation as v
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.data.markets import MarketMap, normalise_base

DEFAULT_TTL_S = 10.0


@dataclass(frozen=True)
class Quote:
    """Latest figures for one perpetual (USD; ``funding_rate`` per 8 h as a fraction).

    ``index_price_usd`` is the exchange's index (spot basket) price, ``change_24h`` the last
    price's change over 24 h as a fraction (0.05 = +5 %), ``volume_24h_usd`` the quote
    volume over 24 h, ``bid_usd``/``ask_usd`` the best bid and ask; each None when the
    exchange gave none.
    """

    base: str
    last_price_usd: float | None
    mark_price_usd: float | None
    funding_rate: float | None
    index_price_usd: float | None = None
    change_24h: float | None = None
    volume_24h_usd: float | None = None
    bid_usd: float | None = None
    ask_usd: float | None = None


def point_exchange_at(exchange: Any, base_url: str) -> None:
    """Rewrite every REST URL of a ccxt exchange to ``base_url`` (scheme://host:port).

    Used to aim the real ccxt code at a loopback emulator; paths are kept.
    """
    target = urlsplit(base_url)
    if target.scheme not in ("http", "https") or not target.netloc:
        raise InputError("api_base_url", f"must look like http://127.0.0.1:8080 (got {base_url!r})")

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: rewrite(value) for key, value in node.items()}
        if isinstance(node, str) and node.startswith(("http://", "https://")):
            parts = urlsplit(node)
            return parts._replace(scheme=target.scheme, netloc=target.netloc).geturl()
        return node

    exchange.urls["api"] = rewrite(exchange.urls["api"])


def _price(contract: Any, value: Any) -> float | None:
    return None if value is None else float(contract.price(float(value)))


def quotes_by_base(markets: Any, tickers: dict[str, Any], marks: dict[str, Any],
                   quote: str = "USDT", books: dict[str, Any] | None = None) -> dict[str, Quote]:
    """One :class:`Quote` per base from ccxt's markets, tickers and funding rates.

    Parameters
    ----------
    markets : iterable of ccxt market dicts
        ``exchange.markets.values()``.
    tickers, marks : dict
        ccxt ``fetch_tickers()`` and ``fetch_funding_rates()`` answers by unified symbol.
    books : dict, optional
        ccxt ``fetch_bids_asks()`` answer (best bid/ask of every symbol), when the exchange
        has it; else bid/ask come from the tickers (None where they give none).
    quote : str
        Quote currency of the universe's perpetuals.
    """
    quotes: dict[str, Quote] = {}
    for base, contract in MarketMap.from_ccxt(markets, quote).perpetuals().items():
        ticker = tickers.get(contract.symbol)
        if not ticker:
            continue
        mark = marks.get(contract.symbol) or {}
        last, mark_price = ticker.get("last"), mark.get("markPrice")
        percent, volume = ticker.get("percentage"), ticker.get("quoteVolume")
        top = (books or {}).get(contract.symbol) or ticker
        quotes[base] = Quote(base, _price(contract, last), _price(contract, mark_price),
                             mark.get("fundingRate"), _price(contract, mark.get("indexPrice")),
                             None if percent is None else float(percent) / 100.0,
                             None if volume is None else float(volume),
                             _price(contract, top.get("bid")), _price(contract, top.get("ask")))
    return quotes


def _ccxt_fetcher(exchange_id: str, api_base_url: str | None, timeout_s: float,
                  quote: str = "USDT") -> Callable[[], dict[str, Quote]]:
    import ccxt  # deferred: importing ccxt costs ~0.3 s

    if not hasattr(ccxt, exchange_id):
        raise InputError("exchange_id", f"unknown ccxt exchange {exchange_id!r}")
    exchange = getattr(ccxt, exchange_id)({"enableRateLimit": False,
                                           "timeout": int(timeout_s * 1000)})
    if api_base_url:
        point_exchange_at(exchange, api_base_url)

    def fetch() -> dict[str, Quote]:
        try:
            tickers = exchange.fetch_tickers()
            marks = exchange.fetch_funding_rates() if exchange.has.get("fetchFundingRates") else {}
            books = exchange.fetch_bids_asks() if exchange.has.get("fetchBidsAsks") else {}
        except Exception as exc:  # ccxt raises its own hierarchy; report it as data trouble
            raise DataError(f"{exchange_id}: price request failed ({type(exc).__name__})") from None
        return quotes_by_base(exchange.markets.values(), tickers, marks, quote, books)

    return fetch


class QuoteService:
    """Thread-safe TTL cache of all quotes of one exchange.

    Parameters
    ----------
    fetch_all : callable
        Returns every quote by base; called at most once per ``ttl_s``.
    ttl_s : float
        Seconds a snapshot stays fresh.
    """

    def __init__(self, fetch_all: Callable[[], dict[str, Quote]], ttl_s: float = DEFAULT_TTL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch_all = fetch_all
        self._ttl_s = v.in_range("ttl_s", ttl_s, 0.0, 86_400.0, low_inclusive=False)
        self._clock = clock
        self._lock = threading.Lock()
        self._snapshot: dict[str, Quote] = {}
        self._fetched_at = -float("inf")
        self.requests_made = 0

    @classmethod
    def for_exchange(cls, exchange_id: str = "binanceusdm", *, api_base_url: str | None = None,
                     ttl_s: float = DEFAULT_TTL_S, timeout_s: float = 10.0,
                     quote: str = "USDT") -> QuoteService:
        """A service backed by the real ccxt client of ``exchange_id`` (``quote`` perpetuals)."""
        return cls(_ccxt_fetcher(exchange_id, api_base_url, timeout_s, quote), ttl_s)

    def quote(self, base: str) -> Quote:
        """The quote of ``base`` (aliases resolved: ``RNDR`` = ``RENDER``), refreshing the whole
        snapshot when it is older than the TTL."""
        with self._lock:  # one fetch at a time; later callers reuse its result
            if self._clock() - self._fetched_at >= self._ttl_s:
                self._snapshot = self._fetch_all()
                self._fetched_at = self._clock()
                self.requests_made += 1
            snapshot = self._snapshot
        try:
            return snapshot[normalise_base(base)]
        except KeyError:
            raise DataError(f"{base}: not listed by the exchange") from None
