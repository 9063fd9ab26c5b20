"""State shared by every UDF call in one Excel session: the desk session and live quotes.

Excel recalculates cells one by one; re-reading settings or recomputing a dataset or a report
per cell would be absurd. The desk session (:mod:`rotation_addin.desk.session`) memoises them
(the dataset for ``DATA_TTL_S``, the settings until ``settings.toml`` changes), and this module
keeps one :class:`~rotation_addin.data.quotes.QuoteService` per exchange so that any number of
``=PRICE()`` cells share one snapshot per TTL.
"""

from __future__ import annotations

import threading

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.report import DailyReport
from rotation_addin.data.quotes import Quote, QuoteService
from rotation_addin.data.settings import Settings
from rotation_addin.desk.session import DATA_TTL_S, DeskSession, default_session

__all__ = ["DATA_TTL_S", "clear", "dataset", "quote", "report", "session", "settings"]

_lock = threading.RLock()
_quote_services: dict[tuple[str, str, float, str], QuoteService] = {}


def session() -> DeskSession:
    """The desk session the UDFs share (the process-wide one)."""
    return default_session()


def clear() -> None:
    """Forget every memoised value (tests; the Refresh button)."""
    session().clear()
    with _lock:
        _quote_services.clear()


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
    tickers = dataset().tickers
    return {base: Quote(base, t.last_price_usd, t.mark_price_usd, t.funding_rate)
            for base, t in tickers.items()}


def quote(base: str) -> Quote:
    """Live quote of ``base`` (the demo market's ticker when the source is demo)."""
    current = settings()
    key = (current.data_source, current.exchange_id, current.quote_ttl_s,
           current.exchange_api_url)
    service = _quote_services.get(key)
    if service is None:
        with _lock:
            service = _quote_services.get(key)
            if service is None:
                service = _quote_service(current)
                _quote_services[key] = service
    return service.quote(base)


def _quote_service(current: Settings) -> QuoteService:
    if current.data_source == "demo":
        return QuoteService(_demo_quotes, current.quote_ttl_s)
    return QuoteService.for_exchange(current.exchange_id,
                                     api_base_url=current.exchange_api_url or None,
                                     ttl_s=current.quote_ttl_s)
