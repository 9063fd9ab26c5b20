"""Contracts an emulated exchange lists, beyond one USDT perpetual per base.

Real market lists hold more than one linear perpetual per base: Binance USDⓈ-M lists USDC
perpetuals (``BTCUSDC``), dated quarterly contracts (``BTCUSDT_261225``, contract type
``CURRENT_QUARTER`` / ``NEXT_QUARTER``), ``1000``-prefixed contracts whose price is 1,000
units of the coin (``1000PEPEUSDT``), the old symbol of a renamed token while it settles
(``RNDRUSDT`` beside ``RENDERUSDT``) and delisted markets (status ``CLOSE``).

A :class:`Listing` serves the series of a *source* base of the market scaled to the contract:
``price = source price · multiplier · premium`` and ``amount = source amount / multiplier``
(a constant ``premium`` models a quarterly's basis; real basis decays towards expiry).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

PERPETUAL_DELIVERY_MS = 4133404800000
"""Binance's delivery date of a perpetual (2100-12-25)."""


@dataclass(frozen=True)
class Listing:
    """One listed contract.

    Attributes
    ----------
    id : str
        Exchange id (``"BTCUSDT_261225"``).
    source : str
        Base of the market source whose series it serves (``"BTC"``, ``"PEPE"``).
    base_asset : str
        Base asset as the exchange names it (``"1000PEPE"``).
    quote : str
        Quote and margin asset (``"USDT"``, ``"USDC"``).
    contract_type : str
        ``"PERPETUAL"``, ``"CURRENT_QUARTER"`` or ``"NEXT_QUARTER"``.
    delivery_ms : int
        Delivery time (ms); perpetuals carry Binance's 2100-12-25.
    status : str
        ``"TRADING"``, ``"SETTLING"`` or ``"CLOSE"``.
    multiplier : float
        Source units per contract unit (1000 for ``1000PEPE``).
    premium : float
        Price factor over the perpetual (a quarterly's basis: 1.01 = 1 % above).
    replaces_default : bool
        The source's default ``<source>USDT`` perpetual is not listed (1000PEPE instead of
        PEPE).
    """

    id: str
    source: str
    base_asset: str
    quote: str = "USDT"
    contract_type: str = "PERPETUAL"
    delivery_ms: int = PERPETUAL_DELIVERY_MS
    status: str = "TRADING"
    multiplier: float = 1.0
    premium: float = 1.0
    replaces_default: bool = False

    @property
    def price_factor(self) -> float:
        return self.multiplier * self.premium

    @property
    def is_perpetual(self) -> bool:
        return self.contract_type == "PERPETUAL"


def default_listing(base: str, quote: str = "USDT") -> Listing:
    """The plain ``<base><quote>`` perpetual every base gets."""
    return Listing(id=f"{base}{quote}", source=base, base_asset=base, quote=quote)


def quarterly(source: str, delivery: datetime, *, premium: float, next_quarter: bool = False,
              quote: str = "USDT") -> Listing:
    """A dated delivery contract ``<source><quote>_YYMMDD`` at ``premium`` over the perpetual."""
    return Listing(id=f"{source}{quote}_{delivery:%y%m%d}", source=source, base_asset=source,
                   quote=quote, contract_type="NEXT_QUARTER" if next_quarter else
                   "CURRENT_QUARTER", delivery_ms=int(delivery.timestamp() * 1000),
                   premium=premium)


def market_shapes(bases: Iterable[str], now: datetime) -> tuple[Listing, ...]:
    """The shapes of a real USDⓈ-M list, built on the bases the source has.

    * every base: a USDC perpetual trading 0.03 % below the USDT one (``premium`` 0.9997);
    * ``BTC`` and ``ETH`` (when present): a current quarter 20 days after ``now`` at a 0.5 %
      premium and a next quarter 111 days after ``now`` at 2 %;
    * ``PEPE``: listed only as ``1000PEPEUSDT`` (×1000);
    * ``RENDER``: the old ``RNDRUSDT`` beside it, status ``SETTLING``;
    * ``LUNA``: ``LUNAUSDT`` delisted (status ``CLOSE``; its only contract).
    """
    present = set(bases)
    out: list[Listing] = []
    for base in sorted(present):
        if base not in ("PEPE", "LUNA"):
            out.append(Listing(id=f"{base}USDC", source=base, base_asset=base, quote="USDC",
                               premium=0.9997))
    midnight = now.replace(hour=8, minute=0, second=0, microsecond=0)
    for base in ("BTC", "ETH"):
        if base in present:
            out.append(quarterly(base, midnight + timedelta(days=20), premium=1.005))
            out.append(quarterly(base, midnight + timedelta(days=111), premium=1.02,
                                 next_quarter=True))
    if "PEPE" in present:
        out.append(Listing(id="1000PEPEUSDT", source="PEPE", base_asset="1000PEPE",
                           multiplier=1000.0, replaces_default=True))
    if "RENDER" in present:
        out.append(Listing(id="RNDRUSDT", source="RENDER", base_asset="RNDR", status="SETTLING"))
    if "LUNA" in present:
        out.append(Listing(id="LUNAUSDT", source="LUNA", base_asset="LUNA", status="CLOSE",
                           replaces_default=True))
    return tuple(out)


__all__ = ["PERPETUAL_DELIVERY_MS", "Listing", "default_listing", "market_shapes", "quarterly"]
