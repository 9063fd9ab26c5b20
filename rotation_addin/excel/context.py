"""State shared by every UDF call in one Excel session: the desk session and live quotes.

Excel recalculates cells one by one; re-reading settings or recomputing a dataset or a report
per cell would be absurd. The desk session (:mod:`rotation_addin.desk.session`) memoises them
(the dataset for ``DATA_TTL_S``, the settings until ``settings.toml`` changes), and this module
keeps one :class:`~rotation_addin.data.quotes.QuoteService` per exchange so that any number of
``=CRYPTO_PRICE()`` cells share one snapshot per TTL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import DataError
from rotation_addin.core.report import DailyReport
from rotation_addin.data.quotes import Quote, QuoteService
from rotation_addin.data.settings import Settings
from rotation_addin.desk.session import DATA_TTL_S, DeskSession, default_session

__all__ = ["DATA_TTL_S", "clear", "dataset", "quote", "report", "session", "settings"]

_lock = threading.RLock()
_quote_services: dict[tuple[str, str, float, str], QuoteService] = {}
_books: dict[tuple[Any, ...], tuple[float, Any]] = {}
_open_interest: dict[tuple[str, float, str], Any] = {}


def _memoised(key: tuple[Any, ...], ttl_s: float, build: Callable[[], Any]) -> Any:
    """``build()`` kept for ``ttl_s`` seconds under ``key`` (order books per venue/symbol)."""
    now = time.monotonic()
    with _lock:
        hit = _books.get(key)
        if hit is not None and now - hit[0] < ttl_s:
            return hit[1]
    value = build()
    with _lock:
        _books[key] = (now, value)
    return value


def session() -> DeskSession:
    """The desk session the UDFs share (the process-wide one)."""
    return default_session()


def clear() -> None:
    """Forget every memoised value (tests; the Refresh button)."""
    session().clear()
    with _lock:
        _quote_services.clear()
        _books.clear()
        _open_interest.clear()


def settings() -> Settings:
    """Current settings, re-read when ``settings.toml`` changes."""
    return session().settings()


def dataset() -> MarketDataset:
    """The market dataset of the configured source (demo or cache), memoised for a minute."""
    return session().dataset()


def report(equity_usd: float | None = None) -> DailyReport:
    """Today's daily report (regime, sectors, correlation, plan) for ``equity_usd``."""
    desk = session()
    if equity_usd is None:
        return desk.report()
    return desk.report(desk.plan_parameters(equity_usd=equity_usd))


def _demo_quotes() -> dict[str, Quote]:
    """The demo market's tickers and books' best bid/ask; the 24 h change is the last daily
    close's (the demo has no index price)."""
    data = dataset()
    quotes = {}
    for base, t in data.tickers.items():
        closes = data.close[base].dropna() if base in data.close.columns else None
        change = (float(closes.iloc[-1] / closes.iloc[-2] - 1.0)
                  if closes is not None and len(closes) >= 2 else None)
        book = data.order_books.get(base)
        bid = float(book.bids[0][0]) if book and book.bids else None
        ask = float(book.asks[0][0]) if book and book.asks else None
        quotes[base] = Quote(base, t.last_price_usd, t.mark_price_usd, t.funding_rate,
                             None, change, t.volume_24h_usd, bid, ask)
    return quotes


def quote(base: str, venue: str | None = None) -> Quote:
    """Live quote of ``base`` on ``venue`` (default: the settings' exchange; the demo
    market's ticker when the source is demo and no venue is named)."""
    current = settings()
    chosen = venue or current.exchange_id
    key = (current.data_source if venue is None else "live", chosen, current.quote_ttl_s,
           current.exchange_api_url if chosen == current.exchange_id else "")
    service = _quote_services.get(key)
    if service is None:
        with _lock:
            service = _quote_services.get(key)
            if service is None:
                service = _quote_service(current, venue)
                _quote_services[key] = service
    return service.quote(base)


def _quote_service(current: Settings, venue: str | None) -> QuoteService:
    if current.data_source == "demo" and venue is None:
        return QuoteService(_demo_quotes, current.quote_ttl_s)
    chosen = venue or current.exchange_id
    url = current.exchange_api_url if chosen == current.exchange_id else ""
    return QuoteService.for_exchange(chosen, api_base_url=url or None,
                                     ttl_s=current.quote_ttl_s)


def open_interest(base: str, venue: str | None = None) -> Any:
    """Open interest of ``base`` on ``venue`` (default: the settings' exchange), kept for the
    quote TTL per base (:class:`~rotation_addin.data.open_interest.OpenInterestService`).

    Raises
    ------
    DataError
        The demo market has no open interest (name a venue, or use the cache/live source).
    """
    current = settings()
    if current.data_source == "demo" and venue is None:
        raise DataError(f"{base}: the demo market has no open interest (name an exchange, "
                        f"e.g. BINANCE:{base})")
    from rotation_addin.data.open_interest import OpenInterestService

    chosen = venue or current.exchange_id
    url = current.exchange_api_url if chosen == current.exchange_id else ""
    key = (chosen, current.quote_ttl_s, url)
    with _lock:
        service = _open_interest.get(key)
        if service is None:
            service = OpenInterestService.for_exchange(chosen, api_base_url=url or None,
                                                       ttl_s=current.quote_ttl_s)
            _open_interest[key] = service
    return service.open_interest(base)


def order_book(base: str, venue: str | None = None) -> Any:
    """Order book of ``base`` on ``venue`` (default: the settings' exchange), in base units.

    Demo source: the demo market's book. Otherwise fetched on demand
    (:func:`rotation_addin.data.on_demand.fetch_execution_inputs`) and kept for the quote
    TTL, so many cells on one symbol cost one request.
    """
    current = settings()
    if current.data_source == "demo" and venue is None:
        books = dataset().order_books
        if base not in books:
            raise DataError(f"{base}: no order book in {dataset().source}")
        return books[base]
    from rotation_addin.data.on_demand import fetch_execution_inputs

    chosen = venue or current.exchange_id
    url = current.exchange_api_url if chosen == current.exchange_id else ""
    return _memoised(("book", chosen, base, url), current.quote_ttl_s,
                     lambda: fetch_execution_inputs(chosen, base,
                                                    api_base_url=url or None).book)
