"""Plain value types shared across the engine."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import Enum

from rotation_addin.core import validation as v
from rotation_addin.core.errors import InputError
from rotation_addin.core.parameters import TAKER_FEE_RATE


class Side(Enum):
    """Direction of a position; ``sign`` is +1 for long and -1 for short."""

    LONG = "long"
    SHORT = "short"

    @functools.cached_property
    def sign(self) -> int:
        """+1 long, -1 short (kept on the member after the first read: a plain attribute
        look-up in the plan's per-day loops)."""
        return 1 if self is Side.LONG else -1

    def __reduce_ex__(self, protocol: object) -> tuple[type[Side], tuple[str]]:
        """Pickled as ``Side("long")`` on every Python. Some 3.11 releases (3.11.2, Debian
        12's) pickle enum members as ``getattr(Side, "LONG")``, which the journal's
        restricted unpickler refuses: its saved fold never loaded there, and every review
        replayed the whole journal."""
        return Side, (self.value,)

    @classmethod
    def parse(cls, value: object, field: str = "side") -> Side:
        """Accept ``Side``, ``"long"/"short"``, ``"buy"/"sell"``, ``+1/-1`` (case-insensitive)."""
        if isinstance(value, Side):
            return value
        if isinstance(value, str):
            text = value.strip().lower()
            if text in ("long", "buy", "l", "+1", "1"):
                return cls.LONG
            if text in ("short", "sell", "s", "-1"):
                return cls.SHORT
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if value == 1:
                return cls.LONG
            if value == -1:
                return cls.SHORT
        raise InputError(field, f"must be 'long' or 'short' (got {value!r})")


@dataclass(frozen=True)
class ContractSpec:
    """Trading rules of one perpetual contract (USDⓈ-M linear unless stated).

    Attributes
    ----------
    symbol : str
        Unified ccxt symbol, e.g. ``"RENDER/USDT:USDT"``.
    base : str
        Base asset, e.g. ``"RENDER"``.
    amount_step : float
        Quantity increment in base units (Binance LOT_SIZE stepSize); sizes round *down* to it.
    min_amount : float
        Smallest order quantity in base units (LOT_SIZE minQty).
    min_notional_usd : float
        Smallest order notional in USD (MIN_NOTIONAL notional).
    price_tick : float
        Price increment (PRICE_FILTER tickSize).
    contract_size : float
        Base units per contract (1 for Binance USDⓈ-M linear).
    taker_fee_rate : float
        Taker fee as a fraction of notional (0.0005 = 0.05 %).
    maker_fee_rate : float
        Maker fee as a fraction of notional.
    max_leverage : float
        Highest leverage the exchange allows on the first bracket.
    """

    symbol: str
    base: str
    amount_step: float = 0.001
    min_amount: float = 0.001
    min_notional_usd: float = 5.0
    price_tick: float = 0.0001
    contract_size: float = 1.0
    taker_fee_rate: float = TAKER_FEE_RATE.default
    maker_fee_rate: float = 0.0002
    max_leverage: float = 20.0

    def __post_init__(self) -> None:
        for name in ("symbol", "base"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise InputError(name, f"must be non-empty text (got {value!r})")
        v.positive("amount_step", self.amount_step)
        v.non_negative("min_amount", self.min_amount)
        v.non_negative("min_notional_usd", self.min_notional_usd)
        v.positive("price_tick", self.price_tick)
        v.positive("contract_size", self.contract_size)
        v.in_range("taker_fee_rate", self.taker_fee_rate, 0.0, 0.01)
        # maker fees can be negative (a rebate)
        v.in_range("maker_fee_rate", self.maker_fee_rate, -0.01, 0.01)
        v.in_range("max_leverage", self.max_leverage, 1.0, 1000.0)
