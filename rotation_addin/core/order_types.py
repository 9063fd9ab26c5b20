"""What the order builder reads and writes: a symbol's market snapshot, an order, a refusal.

Built by :mod:`rotation_addin.core.orders` (import from there).
"""

from __future__ import annotations

from dataclasses import dataclass

from rotation_addin.core.brackets import BracketTable
from rotation_addin.core.types import ContractSpec, Side

ACTION_OPEN = "open"
ACTION_CLOSE = "close"
ACTION_REDUCE = "reduce"
ACTION_INCREASE = "increase"
RISK_ADDING_ACTIONS = (ACTION_OPEN, ACTION_INCREASE)


@dataclass(frozen=True)
class MarketSnapshot:
    """What the order builder needs to know about one symbol today.

    Attributes
    ----------
    base, symbol, sector : str
        Base asset, unified ccxt symbol and sector.
    price_usd : float
        Reference entry price (mark price when known, else the last daily close).
    atr_usd : float
        Average true range in USD (NaN when unknown -> no new position).
    daily_vol : float
        Daily volatility of log returns (fraction, e.g. 0.05).
    contract : ContractSpec | None
        Exchange rules for rounding; None -> unrounded sizes (with a warning).
    brackets : BracketTable | None
        Maintenance brackets; None -> the risk engine's default.
    """

    base: str
    symbol: str
    sector: str
    price_usd: float
    atr_usd: float
    daily_vol: float
    contract: ContractSpec | None = None
    brackets: BracketTable | None = None


@dataclass(frozen=True)
class RebalanceOrder:
    """One proposed order (never sent anywhere).

    Attributes
    ----------
    symbol, base, sector : str
        Unified symbol (``"RENDER/USDT:USDT"``), base and sector.
    side : Side
        Side of the *position* the order concerns (a ``close`` of a long sells).
    action : str
        ``open``, ``close``, ``reduce`` or ``increase``.
    quantity_base : float
        Order quantity in base units, rounded down to the exchange's amount step.
    entry_price_usd : float
        Reference price the order was sized at.
    notional_usd, margin_usd : float
        Quantity x price, and the margin at ``leverage`` (0 for closes).
    leverage : float | None
        Leverage of the new position (None for closes and reductions).
    stop_price_usd, take_profit_price_usd, liquidation_price_usd : float | None
        Protective levels of the new position (None for closes and reductions).
    risk_usd : float
        Loss if the stop is hit, fees and stop slippage included (0 for closes).
    conviction : float
        Order of sizes and of cuts under the portfolio cap (higher = kept first).
    role : str
        ``leader``, ``hedge``, ``reallocation`` for opens; ``take-profit``/``exit`` for closes.
    reason : str
        Plain-language reason.
    warnings : tuple[str, ...]
        Notes from the risk engine (rounding, bracket, leverage limits...).
    position_risk_usd : float
        Stop-out loss of the whole position after the order (= ``risk_usd`` for an open;
        held loss + added risk for an increase; 0 for closes).
    """

    symbol: str
    base: str
    sector: str
    side: Side
    action: str
    quantity_base: float
    entry_price_usd: float
    notional_usd: float
    margin_usd: float
    leverage: float | None
    stop_price_usd: float | None
    take_profit_price_usd: float | None
    liquidation_price_usd: float | None
    risk_usd: float
    conviction: float
    role: str
    reason: str
    warnings: tuple[str, ...] = ()
    position_risk_usd: float = 0.0

    @property
    def order_side(self) -> str:
        """Exchange side of the order: ``buy`` or ``sell``."""
        adds = self.action in RISK_ADDING_ACTIONS
        buys = (self.side is Side.LONG) == adds
        return "buy" if buys else "sell"

    @property
    def adds_risk(self) -> bool:
        """True for ``open`` and ``increase``."""
        return self.action in RISK_ADDING_ACTIONS


@dataclass(frozen=True)
class Refusal:
    """An order the plan wanted but a rule stopped.

    Attributes
    ----------
    symbol : str
        Unified symbol (or base) concerned.
    rule : str
        ``risk-cap``, ``cool-down``, ``max-open-positions``, ``stop-required``,
        ``minimum-equity``, ``stressed-exposure``, ``exchange-minimum``,
        ``stop-before-liquidation``, ``leverage-above-bracket`` or ``no-market-data``.
    detail : str
        The numbers that broke the rule.
    """

    symbol: str
    rule: str
    detail: str
