"""Open interest of one perpetual, fetched on demand and kept for a TTL (``=OPEN_INTEREST()``).

The exchange answers per symbol (Binance ``/fapi/v1/openInterest``), so each distinct base
costs one request per TTL whatever the number of cells; the market list is loaded once per
service. The contract is the one :class:`~rotation_addin.data.markets.MarketMap` chooses
(``1000PEPE`` counted in PEPE), amounts converted to base units.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rotation_addin.core import validation as v
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.data.markets import MarketMap, normalise_base
from rotation_addin.data.quotes import DEFAULT_TTL_S, point_exchange_at


@dataclass(frozen=True)
class OpenInterest:
    """Open interest of ``base``'s perpetual: ``amount_base`` in base units, stamped (UTC)."""

    base: str
    amount_base: float
    timestamp: datetime


class OpenInterestService:
    """Thread-safe TTL cache of open interest by base on one exchange.

    Parameters
    ----------
    exchange : ccxt exchange (synchronous)
        Its ``fetch_open_interest`` is called at most once per base per ``ttl_s``.
    ttl_s : float
        Seconds a figure stays fresh.
    quote : str
        Quote currency of the universe's perpetuals.
    """

    def __init__(self, exchange: Any, ttl_s: float = DEFAULT_TTL_S, quote: str = "USDT",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._exchange = exchange
        self._ttl_s = v.in_range("ttl_s", ttl_s, 0.0, 86_400.0, low_inclusive=False)
        self._quote = quote
        self._clock = clock
        self._lock = threading.Lock()
        self._markets: MarketMap | None = None
        self._figures: dict[str, tuple[float, OpenInterest]] = {}
        self.requests_made = 0

    @classmethod
    def for_exchange(cls, exchange_id: str, *, api_base_url: str | None = None,
                     ttl_s: float = DEFAULT_TTL_S, timeout_s: float = 10.0,
                     quote: str = "USDT") -> OpenInterestService:
        """A service backed by the real ccxt client of ``exchange_id``."""
        import ccxt  # deferred: importing ccxt costs ~0.3 s

        if not hasattr(ccxt, exchange_id):
            raise InputError("exchange_id", f"unknown ccxt exchange {exchange_id!r}")
        exchange = getattr(ccxt, exchange_id)({"enableRateLimit": False,
                                               "timeout": int(timeout_s * 1000)})
        if api_base_url:
            point_exchange_at(exchange, api_base_url)
        return cls(exchange, ttl_s, quote)

    def open_interest(self, base: str) -> OpenInterest:
        """Open interest of ``base`` (aliases resolved), fetched when older than the TTL."""
        wanted = normalise_base(base)
        with self._lock:  # one request at a time; later callers reuse its answer
            hit = self._figures.get(wanted)
            if hit is not None and self._clock() - hit[0] < self._ttl_s:
                return hit[1]
            figure = self._fetch(wanted)
            self._figures[wanted] = (self._clock(), figure)
            return figure

    def _fetch(self, base: str) -> OpenInterest:
        exchange_id = getattr(self._exchange, "id", "exchange")
        if not self._exchange.has.get("fetchOpenInterest"):
            raise DataError(f"{exchange_id} publishes no open interest")
        try:
            if self._markets is None:
                self._markets = MarketMap.from_ccxt(self._exchange.load_markets().values(),
                                                    self._quote)
            contract = self._markets.perpetual(base)
            if contract is None:
                raise DataError(f"{base}: not listed as a {self._quote} perpetual on "
                                f"{exchange_id}")
            answer = self._exchange.fetch_open_interest(contract.symbol)
            self.requests_made += 1
        except DataError:
            raise
        except Exception as exc:  # ccxt raises its own hierarchy; report it as data trouble
            raise DataError(f"{exchange_id}: open interest request failed "
                            f"({type(exc).__name__})") from None
        amount = answer.get("openInterestAmount")
        if amount is None:
            raise DataError(f"{base}: {exchange_id} gave no open interest amount")
        stamp = answer.get("timestamp")
        when = (datetime.fromtimestamp(int(stamp) / 1000, tz=UTC) if stamp
                else datetime.now(UTC))
        return OpenInterest(base, contract.amount(float(amount)), when)
