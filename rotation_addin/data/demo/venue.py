"""The demo market's venue: contract rules, tickers and order books of every listed base."""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np

from rotation_addin.core.dataset import OrderBook, Ticker
from rotation_addin.core.errors import InputError
from rotation_addin.core.formats import typical_step_and_tick
from rotation_addin.core.types import ContractSpec
from rotation_addin.core.validation import positive_int
from rotation_addin.data.demo.intraday import IntradayModel
from rotation_addin.data.demo.processes import seeded_rng

MIN_NOTIONAL_USD = 5.0
"""Smallest order notional of every simulated contract (Binance uses 5 USD for most alts)."""


class VenueModel(IntradayModel):
    """Binance-like contract rules, tickers at ``as_of`` and order books around the last price."""

    def contract_specs(self) -> dict[str, ContractSpec]:
        """Binance-like contract rules sized to each base's last price (a new dict each call)."""
        return dict(self._contract_specs)

    @cached_property
    def _contract_specs(self) -> dict[str, ContractSpec]:
        """The contract rules, built once per market (order books read them per base)."""
        specs: dict[str, ContractSpec] = {}
        for j, base in enumerate(self.universe.bases):
            price = float(np.exp(self._log_close[-1, j]))
            step, tick = typical_step_and_tick(price)
            specs[base] = ContractSpec(
                symbol=self.universe.symbol_for(base),
                base=base,
                amount_step=step,
                min_amount=step,
                min_notional_usd=MIN_NOTIONAL_USD,
                price_tick=tick,
                contract_size=1.0,
                taker_fee_rate=0.0005,
                maker_fee_rate=0.0002,
                max_leverage=_max_leverage(base, self.models[base].volume_usd),
            )
        return specs

    def tickers(self) -> dict[str, Ticker]:
        """Last/mark price, current funding and 24 h volume of every base at ``as_of``."""
        out: dict[str, Ticker] = {}
        rng = seeded_rng(self.seed, "tickers")
        basis = rng.normal(0.0, 0.0002, len(self.universe.bases))
        for j, base in enumerate(self.universe.bases):
            last = float(self._daily_ohlc["close"][-1, j])
            funding = self.current_funding(base)
            out[base] = Ticker(
                base=base,
                last_price_usd=last,
                mark_price_usd=last * (1.0 + float(basis[j])),
                funding_rate=funding,
                volume_24h_usd=float(self._daily_ohlc["volume_usd"][-1, j]),
                timestamp=self.as_of,
            )
        return out

    def order_book(self, base: str, depth: int = 100) -> OrderBook:
        """Order book around the last price: ``depth`` levels per side, best first."""
        depth = positive_int("depth", depth)
        if depth > 1000:
            raise InputError("depth", f"must be <= 1000 (got {depth})")
        j = self._column(base)
        spec = self._contract_specs[base]
        tick = spec.price_tick
        last = float(np.exp(self._log_close[-1, j]))
        mid_ticks = round(last / tick)
        rng = seeded_rng(self.seed, "book", base)
        level_usd = self.models[base].volume_usd * 2e-5
        k = np.arange(depth)
        gaps = 1 + rng.poisson(0.3 * (1 + k / 20), (2, depth))
        ask_ticks = mid_ticks + np.cumsum(gaps[0])
        bid_ticks = mid_ticks + 1 - np.cumsum(gaps[1])
        bid_ticks = bid_ticks[bid_ticks > 0]
        sizes = level_usd * (1 + k / 10) * rng.lognormal(0.0, 0.6, (2, depth)) / last
        step = spec.amount_step
        sizes = np.maximum(np.floor(sizes / step) * step, step)
        digits = max(0, round(-math.log10(tick)))
        step_digits = max(0, round(-math.log10(step)))
        bids = tuple(
            (round(float(t) * tick, digits), round(float(s), step_digits))
            for t, s in zip(bid_ticks, sizes[1], strict=False)
        )
        asks = tuple(
            (round(float(t) * tick, digits), round(float(s), step_digits))
            for t, s in zip(ask_ticks, sizes[0], strict=False)
        )
        return OrderBook(base=base, bids=bids, asks=asks, timestamp=self.as_of)


def _max_leverage(base: str, volume_usd: float) -> float:
    if base == "BTC":
        return 125.0
    if base == "ETH":
        return 100.0
    return 75.0 if volume_usd >= 1e8 else 50.0 if volume_usd >= 2e7 else 25.0
