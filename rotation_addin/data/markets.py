"""The one mapping from a universe base to an exchange contract, and its unit conversion.

A real market list holds several contracts per base: ``BTC/USDT:USDT`` (USDT perpetual),
``BTC/USDC:USDC`` (USDC perpetual), ``BTC/USDT:USDT-261225`` (a quarterly delivery contract);
some bases trade only as a multiple (``1000PEPE/USDT:USDT``: one unit is 1,000 PEPE), some
under an old name while it settles (``RNDR`` beside ``RENDER``), some are delisted. Every
path that maps a base to a contract (refresh, the CRYPTO_PRICE/FUNDING_RATE cache, venues, brackets,
positions) goes through :class:`MarketMap`, which chooses by

1. canonical base: exchange base with its multiple prefix stripped (``1000PEPE`` -> ``PEPE``
   × 1000) and aliases applied (:data:`SYMBOL_ALIASES`: ``RNDR`` -> ``RENDER``);
2. the universe's quote, settled in the same currency (linear);
3. the contract type (``perpetual`` = ccxt ``swap``; ``quarterly`` = ccxt ``future``);
4. active before inactive (inactive ones are never chosen to trade), multiplier 1 before a
   multiple, the exchange's own name equal to the base before an alias, then the symbol.

Everything the rest of the product stores is in units of the universe base: a contract's
prices are divided by its multiplier and its amounts multiplied by the multiplier and by
ccxt's ``contractSize`` (OKX counts amounts in contracts of e.g. 0.01 BTC)
(:meth:`Contract.price`, :meth:`Contract.amount`); :meth:`Contract.contract_amount` turns a
base amount back into the exchange's units for an order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from rotation_addin.core.dataset import OrderBook, Ticker
from rotation_addin.core.types import ContractSpec

ContractKind = Literal["perpetual", "quarterly"]

SYMBOL_ALIASES: dict[str, str] = {"RNDR": "RENDER", "XBT": "BTC", "MIOTA": "IOTA"}
"""Other or former names of a base -> the name the universe uses."""

_MULTIPLE = re.compile(r"^(?:(1M)|(10{2,}))(?=[A-Z])(.+)$")


def canonical_base(exchange_base: str) -> tuple[str, float]:
    """``(base, multiplier)`` of an exchange's base asset.

    ``"1000PEPE"`` -> ``("PEPE", 1000.0)``, ``"1MBABYDOGE"`` -> ``("BABYDOGE", 1e6)``,
    ``"RNDR"`` -> ``("RENDER", 1.0)``, ``"1INCH"`` -> ``("1INCH", 1.0)``.
    """
    text = exchange_base.strip().upper()
    match = _MULTIPLE.match(text)
    multiplier = 1.0
    if match:
        multiplier = 1e6 if match.group(1) else float(match.group(2))
        text = match.group(3)
    return SYMBOL_ALIASES.get(text, text), multiplier


def normalise_base(text: str) -> str:
    """The universe's name of a typed base: ``rndr`` -> ``RENDER``, ``1000pepe`` -> ``PEPE``."""
    return canonical_base(text)[0]


@dataclass(frozen=True)
class Contract:
    """One exchange contract seen from the universe.

    Attributes
    ----------
    base : str
        Universe base (``"PEPE"``).
    symbol : str
        ccxt unified symbol (``"1000PEPE/USDT:USDT"``).
    exchange_base : str
        The exchange's base asset (``"1000PEPE"``).
    quote, settle : str
        Quote and settlement currency.
    kind : str
        ``"perpetual"`` or ``"quarterly"``.
    multiplier : float
        Base units per exchange unit (1000 for ``1000PEPE``).
    expiry : datetime or None
        Delivery time of a quarterly (UTC).
    active : bool
        The exchange lists it as trading.
    contract_size : float
        Exchange base units per contract (ccxt ``contractSize``: 1 on Binance and Bybit
        linear, 0.01 for OKX's BTC-USDT-SWAP).
    """

    base: str
    symbol: str
    exchange_base: str
    quote: str
    settle: str
    kind: ContractKind
    multiplier: float = 1.0
    expiry: datetime | None = None
    active: bool = True
    contract_size: float = 1.0

    @property
    def amount_factor(self) -> float:
        """Base units per unit of amount the exchange counts in."""
        return self.multiplier * self.contract_size

    def price(self, exchange_price: float) -> float:
        """Price of one base unit from the contract's price (USD)."""
        return exchange_price / self.multiplier

    def amount(self, exchange_amount: float) -> float:
        """Base units from an amount in the contract's units."""
        return exchange_amount * self.amount_factor

    def contract_amount(self, base_amount: float) -> float:
        """The contract's units for ``base_amount`` base units (what an order would say)."""
        return base_amount / self.amount_factor

    def spec(self, exchange_spec: ContractSpec) -> ContractSpec:
        """Contract rules in base units (steps × multiplier, tick ÷ multiplier)."""
        units = self.amount_factor
        if units == 1.0 and exchange_spec.base == self.base:
            return exchange_spec
        return replace(exchange_spec, base=self.base,
                       amount_step=exchange_spec.amount_step * units,
                       min_amount=exchange_spec.min_amount * units,
                       price_tick=exchange_spec.price_tick / self.multiplier, contract_size=1.0)

    def book(self, book: OrderBook) -> OrderBook:
        """An order book in base units."""
        m, units = self.multiplier, self.amount_factor
        return OrderBook(self.base, tuple((p / m, q * units) for p, q in book.bids),
                         tuple((p / m, q * units) for p, q in book.asks), book.timestamp)

    def ticker(self, ticker: Ticker) -> Ticker:
        """A ticker in base units (prices ÷ multiplier; USD volume unchanged)."""
        return replace(ticker, base=self.base, last_price_usd=self.price(ticker.last_price_usd),
                       mark_price_usd=self.price(ticker.mark_price_usd))


def contract_of_market(market: Mapping[str, Any]) -> Contract | None:
    """The :class:`Contract` of a ccxt market, or None for spot, options and inverse ones."""
    if not market.get("linear") or not (market.get("swap") or market.get("future")):
        return None
    base, multiplier = canonical_base(str(market.get("base") or ""))
    if not base:
        return None
    expiry_ms = market.get("expiry")
    return Contract(
        base=base,
        symbol=str(market["symbol"]),
        exchange_base=str(market["base"]),
        quote=str(market.get("quote") or ""),
        settle=str(market.get("settle") or market.get("quote") or ""),
        kind="perpetual" if market.get("swap") else "quarterly",
        multiplier=multiplier,
        expiry=datetime.fromtimestamp(int(expiry_ms) / 1000, tz=UTC) if expiry_ms else None,
        active=market.get("active") is not False,
        contract_size=float(market.get("contractSize") or 1.0),
    )


def _preference(contract: Contract) -> tuple[bool, bool, bool, str]:
    return (not contract.active, contract.multiplier != 1.0,
            contract.exchange_base != contract.base, contract.symbol)


class MarketMap:
    """Contracts of one exchange, chosen per base for one quote currency.

    Parameters
    ----------
    contracts : iterable of Contract
        Every linear contract of the exchange (see :meth:`from_ccxt`).
    quote : str
        The universe's quote (``"USDT"``); contracts quoted or settled otherwise are ignored.
    """

    def __init__(self, contracts: Iterable[Contract], quote: str = "USDT") -> None:
        self.quote = quote
        self._all = tuple(c for c in contracts if c.quote == quote and c.settle == quote)
        self._by_symbol = {c.symbol: c for c in self._all}

    @classmethod
    def from_ccxt(cls, markets: Iterable[Mapping[str, Any]], quote: str = "USDT") -> MarketMap:
        """Build from ccxt's ``exchange.markets.values()``."""
        found = (contract_of_market(m) for m in markets)
        return cls((c for c in found if c is not None), quote)

    def candidates(self, base: str, kind: ContractKind = "perpetual") -> tuple[Contract, ...]:
        """Every contract of ``base`` (aliases resolved) of ``kind``, best first."""
        wanted = normalise_base(base)
        return tuple(sorted((c for c in self._all if c.base == wanted and c.kind == kind),
                            key=_preference))

    def perpetual(self, base: str) -> Contract | None:
        """The active perpetual chosen for ``base``, or None."""
        found = self.candidates(base, "perpetual")
        return found[0] if found and found[0].active else None

    def quarterlies(self, base: str) -> tuple[Contract, ...]:
        """Active quarterly contracts of ``base``, nearest expiry first."""
        found = [c for c in self.candidates(base, "quarterly") if c.active]
        return tuple(sorted(found, key=lambda c: (c.expiry or datetime.max.replace(tzinfo=UTC),
                                                  c.symbol)))

    def perpetuals(self, bases: Iterable[str] | None = None) -> dict[str, Contract]:
        """Chosen perpetual by base, for ``bases`` (default: every base listed)."""
        wanted = sorted({c.base for c in self._all}) if bases is None else list(bases)
        out: dict[str, Contract] = {}
        for base in wanted:
            contract = self.perpetual(base)
            if contract is not None:
                out[base] = contract
        return out

    def by_symbol(self, symbol: str) -> Contract | None:
        """The contract with ccxt symbol ``symbol`` (any kind), or None."""
        return self._by_symbol.get(symbol)

    def status(self, base: str) -> str:
        """``"listed"``; ``"not trading (<symbols>)"`` (settling, delisted); ``"not listed"``."""
        if self.perpetual(base) is not None:
            return "listed"
        dormant = self.candidates(base, "perpetual")
        if dormant:
            return f"not trading ({', '.join(c.symbol for c in dormant)})"
        return "not listed"


__all__ = [
    "SYMBOL_ALIASES",
    "Contract",
    "MarketMap",
    "canonical_base",
    "contract_of_market",
    "normalise_base",
]
