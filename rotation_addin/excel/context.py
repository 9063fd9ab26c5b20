"""State shared by every UDF call in one Excel session: settings, data, report, live quotes.

Excel recalculates cells one by one; recomputing a dataset or a report per cell would be
absurd. This module memoises them for a short time (``DATA_TTL_S``) keyed by the settings that
change them, and keeps one :class:`~rotation_addin.data.quotes.QuoteService` per exchange so
that any number of ``=PRICE()`` cells share one snapshot per TTL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.data.quotes import Quote, QuoteService
from rotation_addin.data.settings import Settings, load_settings, settings_path

DATA_TTL_S = 60.0
T = TypeVar("T")

_lock = threading.RLock()
_memo: dict[tuple[Any, ...], tuple[float, Any]] = {}
_quote_services: dict[tuple[str, str, float, str], QuoteService] = {}


def _memoised(key: tuple[Any, ...], ttl_s: float, build: Callable[[], T]) -> T:
    now = time.monotonic()
    with _lock:
        hit = _memo.get(key)
        if hit is not None and now - hit[0] < ttl_s:
            return hit[1]  # type: ignore[no-any-return]
        value = build()
        _memo[key] = (now, value)
        return value


def clear() -> None:
    """Forget every memoised value (tests; the Refresh button)."""
    with _lock:
        _memo.clear()
        _quote_services.clear()


def settings() -> Settings:
    """Current settings, re-read when ``settings.toml`` changes."""
    path = settings_path()
    stamp = path.stat().st_mtime_ns if path.exists() else 0
    return _memoised(("settings", str(path), stamp), float("inf"), load_settings)


def dataset() -> MarketDataset:
    """The market dataset of the configured source (demo or cache), memoised for a minute."""
    from rotation_addin.data.loader import load_market

    current = settings()
    key = ("dataset", current.data_source, current.exchange_id)
    return _memoised(key, DATA_TTL_S,
                     lambda: load_market(current.data_source, exchange_id=current.exchange_id))


def report(equity_usd: float | None = None) -> Any:
    """Today's daily report (regime, sectors, correlation, plan) for ``equity_usd``."""
    from rotation_addin.core.report import daily_report
    from rotation_addin.core.rotation import PlanParameters
    from rotation_addin.data.positions import journal_path, load_book, positions_path

    current = settings()
    equity = current.equity_usd if equity_usd is None else equity_usd
    data = dataset()

    def build() -> Any:
        params = PlanParameters.from_settings(current, equity_usd=equity)
        return daily_report(data, load_book(), params)

    # an edit of positions.csv or the journal shows at the next recalculation, not a minute later
    from rotation_addin.journal.store import journal_path as trade_journal_path

    trade_journal = trade_journal_path()
    wal = trade_journal.with_name(trade_journal.name + "-wal")
    books = tuple(_mtime_ns(path) for path in (positions_path(), journal_path(), trade_journal,
                                                 wal))
    return _memoised(("report", id(data), equity, current, books), DATA_TTL_S, build)


def _mtime_ns(path: Any) -> int:
    return path.stat().st_mtime_ns if path.exists() else 0


def _demo_quotes() -> dict[str, Quote]:
    tickers = dataset().tickers
    return {base: Quote(base, t.last_price_usd, t.mark_price_usd, t.funding_rate)
            for base, t in tickers.items()}


def quote(base: str) -> Quote:
    """Live quote of ``base`` (the demo market's ticker when the source is demo)."""
    current = settings()
    key = (current.data_source, current.exchange_id, current.quote_ttl_s,
           current.exchange_api_url)
    with _lock:
        service = _quote_services.get(key)
        if service is None:
            if current.data_source == "demo":
                service = QuoteService(_demo_quotes, current.quote_ttl_s)
            else:
                service = QuoteService.for_exchange(
                    current.exchange_id, api_base_url=current.exchange_api_url or None,
                    ttl_s=current.quote_ttl_s)
            _quote_services[key] = service
    return service.quote(base)
