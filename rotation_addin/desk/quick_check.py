"""The quick check, written once: size -> bracket -> liquidation -> stop check -> safe leverage.

``=POSITION_SIZE()``, ``rotation size``, the desktop app's Quick check tab and the workbook
refresh all call :func:`quick_check`, so a trade refused on one surface is refused on every
surface, with the same numbers. This module imports no pandas or NumPy (``rotation size``
starts without them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rotation_addin.core import parameters as p
from rotation_addin.core.brackets import BracketTable, default_bracket_table
from rotation_addin.core.capital import CapitalCheck, minimum_capital_check
from rotation_addin.core.leverage import SafeLeverage, safe_leverage
from rotation_addin.core.liquidation import (
    LiquidationResult,
    check_stop_before_liquidation,
    liquidation_price,
)
from rotation_addin.core.sizing import PositionSize, position_size
from rotation_addin.core.types import ContractSpec, Side
from rotation_addin.data.settings import Settings

if TYPE_CHECKING:  # the dataset module imports pandas; a quick check must start without it
    from rotation_addin.core.dataset import MarketDataset

STOP_BEFORE_LIQUIDATION = "yes — the stop fires before liquidation"


@dataclass(frozen=True)
class QuickCheckRequest:
    """One trade to check, every number explicit (fractions, not per cent; prices in USD).

    Attributes
    ----------
    equity_usd, entry_price_usd, stop_price_usd : float
        Account equity, planned entry and stop.
    side : Side or str
        ``long`` / ``short``.
    brackets : BracketTable
        Maintenance brackets of the symbol (:func:`rotation_addin.desk.market.brackets_for`).
    risk_fraction, max_risk_fraction, taker_fee_rate, stop_slippage_rate : float
        Risk per trade and its cap (of equity), costs (of notional).
    leverage : float
        Leverage of the margin figure and the liquidation price.
    contract : ContractSpec, optional
        Amount step and minimums (none: no rounding).
    daily_vol : float, optional
        Daily sigma for the safe leverage; ``None`` skips that step.
    k_sigma, holding_days, gap_buffer_fraction : float
        Safe-leverage inputs.
    min_equity_usd : float, optional
        When given, the minimum-capital check runs too (``rotation size`` shows it).
    """

    equity_usd: float
    entry_price_usd: float
    stop_price_usd: float
    side: Side | str
    brackets: BracketTable
    risk_fraction: float = p.RISK_FRACTION.default
    max_risk_fraction: float = p.MAX_RISK_FRACTION.default
    taker_fee_rate: float = p.TAKER_FEE_RATE.default
    stop_slippage_rate: float = p.STOP_SLIPPAGE_RATE.default
    leverage: float = 1.0
    contract: ContractSpec | None = None
    daily_vol: float | None = None
    k_sigma: float = p.VOL_K_SIGMA.default
    holding_days: float = p.HOLDING_DAYS.default
    gap_buffer_fraction: float = p.GAP_BUFFER_FRACTION.default
    min_equity_usd: float | None = None


@dataclass(frozen=True)
class QuickCheck:
    """What the quick check found (every part frozen, as the engine returned it).

    Attributes
    ----------
    request : QuickCheckRequest
        The inputs.
    size : PositionSize
        Risk-sized quantity, notional, margin, risk and costs.
    liquidation : LiquidationResult
        Isolated liquidation price of that size at the leverage.
    brackets : BracketTable
        The brackets used (``.source`` says where they come from).
    stop_check_text : str
        The stop fires before liquidation (otherwise :class:`TradeRefused` was raised).
    capital : CapitalCheck or None
        Minimum-capital check (when ``min_equity_usd`` was given).
    safe_leverage : SafeLeverage or None
        Largest safe leverage for ``daily_vol`` (when given).
    warnings : tuple[str, ...]
        Every part's warnings, de-duplicated, plus one when the leverage exceeds the safe one.
    """

    request: QuickCheckRequest
    size: PositionSize
    liquidation: LiquidationResult
    brackets: BracketTable
    stop_check_text: str
    capital: CapitalCheck | None
    safe_leverage: SafeLeverage | None
    warnings: tuple[str, ...]


def request_from_settings(settings: Settings, *, equity_usd: float, entry_price_usd: float,
                          stop_price_usd: float, side: Side | str, brackets: BracketTable,
                          risk_fraction: float | None = None, leverage: float = 1.0,
                          contract: ContractSpec | None = None,
                          daily_vol: float | None = None) -> QuickCheckRequest:
    """A request whose risk cap, costs and safe-leverage inputs are the user's settings."""
    return QuickCheckRequest(
        equity_usd=equity_usd, entry_price_usd=entry_price_usd, stop_price_usd=stop_price_usd,
        side=side, brackets=brackets,
        risk_fraction=settings.risk_fraction if risk_fraction is None else risk_fraction,
        max_risk_fraction=settings.max_risk_fraction, taker_fee_rate=settings.taker_fee_rate,
        stop_slippage_rate=settings.stop_slippage_rate, leverage=leverage, contract=contract,
        daily_vol=daily_vol, k_sigma=settings.vol_k_sigma, holding_days=settings.holding_days,
        gap_buffer_fraction=settings.gap_buffer_fraction,
    )


def safe_leverage_cap(contract: ContractSpec | None, brackets: BracketTable) -> float | None:
    """The cap a symbol's safe leverage obeys: min(contract maximum, bracket maximum).

    The contract's own maximum never lifts the bracket's; without a contract the bracket's
    maximum applies inside ``safe_leverage`` itself (``None`` here).
    """
    return None if contract is None else min(contract.max_leverage, brackets.max_leverage)


def quick_check(request: QuickCheckRequest) -> QuickCheck:
    """Size the trade, find its liquidation price, refuse a stop beyond it, and its safe leverage.

    Raises
    ------
    InputError
        A value out of range (the field is named).
    TradeRefused
        Risk above the cap, leverage above the bracket's maximum, or a stop at or beyond the
        liquidation price.
    """
    size = position_size(
        equity_usd=request.equity_usd, entry_price_usd=request.entry_price_usd,
        stop_price_usd=request.stop_price_usd, side=request.side,
        risk_fraction=request.risk_fraction, max_risk_fraction=request.max_risk_fraction,
        taker_fee_rate=request.taker_fee_rate, stop_slippage_rate=request.stop_slippage_rate,
        leverage=request.leverage, contract=request.contract,
    )
    liquidation = liquidation_price(
        side=size.side, entry_price_usd=size.entry_price_usd, quantity_base=size.quantity_base,
        leverage=size.leverage, brackets=request.brackets,
    )
    check_stop_before_liquidation(size.side, size.entry_price_usd, size.stop_price_usd,
                                  liquidation.liquidation_price_usd)
    capital = None if request.min_equity_usd is None else minimum_capital_check(
        equity_usd=request.equity_usd, entry_price_usd=request.entry_price_usd,
        stop_price_usd=request.stop_price_usd, side=size.side,
        risk_fraction=request.risk_fraction, min_equity_usd=request.min_equity_usd,
        contract=request.contract, taker_fee_rate=request.taker_fee_rate,
        stop_slippage_rate=request.stop_slippage_rate,
    )
    safe = None if request.daily_vol is None else safe_leverage(
        daily_vol=request.daily_vol, k_sigma=request.k_sigma, holding_days=request.holding_days,
        gap_buffer_fraction=request.gap_buffer_fraction, brackets=request.brackets,
        max_leverage=safe_leverage_cap(request.contract, request.brackets),
    )
    return QuickCheck(request=request, size=size, liquidation=liquidation,
                      brackets=request.brackets, stop_check_text=STOP_BEFORE_LIQUIDATION,
                      capital=capital, safe_leverage=safe,
                      warnings=_warnings(request, size, liquidation, capital, safe))


def _warnings(request: QuickCheckRequest, size: PositionSize, liquidation: LiquidationResult,
              capital: CapitalCheck | None, safe: SafeLeverage | None) -> tuple[str, ...]:
    warnings = [*size.warnings, *liquidation.warnings]
    if capital is not None:
        warnings += capital.warnings
    if safe is not None:
        warnings += safe.warnings
        if math.isfinite(safe.leverage) and request.leverage > safe.leverage:
            warnings.append(
                f"leverage {request.leverage:g}× is above the safe leverage "
                f"{safe.leverage:.2f}× for a {safe.daily_vol * 100:.2f} % daily volatility")
    return tuple(dict.fromkeys(warnings))


def brackets_for(dataset: MarketDataset | None, base: str | None) -> BracketTable:
    """Maintenance brackets of ``base``: the dataset's (cached exchange tiers) when it has
    them, else the bundled defaults (``"default"``: mid-cap alt tiers). ``.source`` says which."""
    if dataset is not None and base is not None:
        cached = dataset.brackets.get(base)
        if cached is not None:
            return cached
    return default_bracket_table(base or "default")
