"""Market listing of the exchange client: contract rules of the linear perpetuals, symbols,
and the exchange clock.

:class:`MarketListing` adds them to the transport; see
:class:`~rotation_addin.data.exchange.ExchangeClient` for the whole client.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from typing import Any

from rotation_addin.core.errors import DataError
from rotation_addin.core.parameters import TAKER_FEE_RATE
from rotation_addin.core.types import ContractSpec
from rotation_addin.data.exchange_results import (
    SymbolFetchError,
)
from rotation_addin.data.exchange_transport import ExchangeTransport
from rotation_addin.data.markets import Contract, MarketMap


class MarketListing(ExchangeTransport):
    """Markets loaded once per client (``load_markets``), then served from memory."""

    # ------------------------------------------------------------------ markets
    async def load_markets(self) -> dict[str, ContractSpec]:
        """Contract rules of every linear perpetual quoted in ``quote``, by base.

        The perpetual of each base is chosen by :class:`~rotation_addin.data.markets.MarketMap`
        (quote, contract type, aliases, ``1000``-prefixed multiples); rules, prices and
        amounts this client returns are in units of the universe base.

        Precision (tick, step), limits (min amount, min notional), contract size and fees
        come from ccxt's parse of the exchange's market list; ``max_leverage`` from the
        exchange's ``requiredMarginPercent`` (Binance: 100 / initial margin %) when sent.
        """
        return await self._cancellable(self._load_markets())

    async def _load_markets(self) -> dict[str, ContractSpec]:
        exchange = self._require_open()
        started = time.time() * 1000

        async def call() -> Any:
            return await exchange.load_markets(reload=True)

        markets, record = await self._request(1, call, label="markets")
        if record.server_time_ms is not None:
            self._clock_offset_ms = record.server_time_ms - started
        specs: dict[str, ContractSpec] = {}
        symbols: dict[str, str] = {}
        self.market_map = MarketMap.from_ccxt(markets.values(), self.quote)
        contracts = self.market_map.perpetuals()
        for base, contract in contracts.items():
            try:
                specs[base] = contract.spec(self._spec_from_market(markets[contract.symbol]))
            except (TypeError, ValueError):
                continue
            symbols[base] = contract.symbol
        self._contracts = {b: contracts[b] for b in specs}
        if not specs:
            raise DataError(
                f"{self.exchange_id}: no active linear perpetuals quoted in {self.quote}"
            )
        self._specs, self._symbols = specs, symbols
        return dict(specs)

    @staticmethod
    def _spec_from_market(market: Mapping[str, Any]) -> ContractSpec:
        precision = market.get("precision") or {}
        limits = market.get("limits") or {}
        info = market.get("info") or {}
        step = float(precision.get("amount") or 0.001)
        tick = float(precision.get("price") or 0.0001)
        min_amount = float((limits.get("amount") or {}).get("min") or step)
        min_notional = float((limits.get("cost") or {}).get("min") or 5.0)
        leverage_max = (limits.get("leverage") or {}).get("max")
        required = info.get("requiredMarginPercent") if isinstance(info, dict) else None
        if leverage_max is None and required not in (None, "", "0"):
            leverage_max = 100.0 / float(required)
        values = [step, tick, min_amount, min_notional]
        if not all(math.isfinite(v) and v > 0 for v in values):
            raise ValueError("non-positive precision")
        return ContractSpec(
            symbol=str(market["symbol"]),
            base=str(market["base"]),
            amount_step=step,
            min_amount=min_amount,
            min_notional_usd=min_notional,
            price_tick=tick,
            contract_size=float(market.get("contractSize") or 1.0),
            taker_fee_rate=float(market.get("taker") or TAKER_FEE_RATE.default),
            maker_fee_rate=float(market.get("maker") or 0.0002),
            max_leverage=float(leverage_max) if leverage_max else 20.0,
        )

    def contract(self, base: str) -> Contract | None:
        """The perpetual chosen for ``base`` (after :meth:`load_markets`), or None."""
        return self._contracts.get(base)

    def _multiplier(self, base: str) -> float:
        """Contract price / base price (1000 for ``1000PEPE``)."""
        contract = self._contracts.get(base)
        return contract.multiplier if contract is not None else 1.0

    def _amount_factor(self, base: str) -> float:
        """Base units per exchange amount unit (multiple × ccxt ``contractSize``)."""
        contract = self._contracts.get(base)
        return contract.amount_factor if contract is not None else 1.0

    def missing_bases(self, bases: Iterable[str]) -> tuple[str, ...]:
        """Bases the exchange does not list (after :meth:`load_markets`)."""
        return tuple(b for b in bases if b not in self._symbols)

    async def _symbol(self, base: str) -> str:
        if not self._symbols:
            await self._load_markets()
        symbol = self._symbols.get(base)
        if symbol is None:
            raise SymbolFetchError(
                base, f"not listed as a {self.quote} perpetual on {self.exchange_id}"
            )
        return symbol

    def _server_now_ms(self) -> int:
        offset = self._clock_offset_ms or 0.0
        return int(time.time() * 1000 + offset)

    def server_now_ms(self) -> int:
        """The exchange's clock (our clock corrected by its ``Date`` headers), ms."""
        return self._server_now_ms()
