"""Liquidation price of USDⓈ-M linear perpetuals in one-way mode (Binance convention).

    LP = (WB − TMM + UPNL + cum − side·Q·EP) / (Q·MMR − side·Q)

side = +1 long / −1 short, Q = quantity (base units), EP = entry price, MMR and cum from the
position's maintenance bracket. Isolated margin: WB = the position's margin, TMM = UPNL = 0.
Cross margin: WB = the wallet balance, TMM and UPNL = maintenance margin and unrealised PnL of
all OTHER positions. Source: Binance FAQ "How to Calculate Liquidation Price of USDⓈ-M Futures
Contracts" (www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93), including its
rule that the bracket must be re-checked at the liquidation price's notional. The inputs
(mode, position, bracket table, margin) are checked in
:mod:`~rotation_addin.core.liquidation_inputs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rotation_addin.core.brackets import Bracket, BracketTable
from rotation_addin.core.constants import PRICE_RANGE_USD
from rotation_addin.core.errors import InputError, TradeRefused
from rotation_addin.core.liquidation_inputs import (
    MODES,
    OTHER_POSITIONS_LIMIT_USD,
    OtherPosition,
    bracket_table_for,
    checked_position,
    cross_margin,
    flat_bracket_table,
    isolated_margin,
    parse_others,
)
from rotation_addin.core.types import Side
from rotation_addin.core.validation import in_range, non_negative


@dataclass(frozen=True)
class LiquidationResult:
    """Where a position would be liquidated.

    Attributes
    ----------
    side : Side
    mode : str
        ``"isolated"`` or ``"cross"``.
    entry_price_usd, quantity_base, notional_usd : float
        The position (notional = quantity · entry price).
    leverage : float | None
        Leverage used (isolated: notional / margin; cross: as given, else None).
    margin_usd : float | None
        Position margin (isolated) or initial margin notional / leverage (cross, if given).
    wallet_balance_usd : float
        WB in the formula: position margin (isolated) or wallet balance (cross).
    maintenance_margin_usd : float
        Maintenance margin at entry: notional · MMR − cum of the entry bracket.
    liquidation_price_usd : float
        LP; 0 when a long cannot be liquidated (its margin covers a fall to zero).
    distance_fraction : float
        Adverse move from entry to LP as a fraction of entry (0.046 = 4.6 %).
    bracket : Bracket
        Bracket consistent with the notional at the liquidation price (MMR, cum used).
    entry_bracket : Bracket
        Bracket of the notional at entry.
    can_be_liquidated : bool
        False for a long whose formula gives LP <= 0.
    warnings : tuple[str, ...]
    """

    side: Side
    mode: str
    entry_price_usd: float
    quantity_base: float
    notional_usd: float
    leverage: float | None
    margin_usd: float | None
    wallet_balance_usd: float
    maintenance_margin_usd: float
    liquidation_price_usd: float
    distance_fraction: float
    bracket: Bracket
    entry_bracket: Bracket
    can_be_liquidated: bool
    warnings: tuple[str, ...]


def liquidation_price_for_bracket(
    *,
    side_sign: int,
    wallet_balance_usd: float,
    quantity_base: float,
    entry_price_usd: float,
    bracket: Bracket,
    other_maintenance_margin_usd: float = 0.0,
    other_unrealized_pnl_usd: float = 0.0,
) -> float:
    """The raw formula for one bracket (may be <= 0 for a long that cannot be liquidated).

    ``LP = (WB − TMM + UPNL + cum − side·Q·EP) / (Q·MMR − side·Q)``.
    """
    numerator = (
        wallet_balance_usd
        - other_maintenance_margin_usd
        + other_unrealized_pnl_usd
        + bracket.maintenance_amount_usd
        - side_sign * quantity_base * entry_price_usd
    )
    denominator = quantity_base * bracket.maintenance_margin_rate - side_sign * quantity_base
    return numerator / denominator


def _solve_consistent(
    table: BracketTable, start: Bracket, solve: _Solver, quantity_base: float
) -> tuple[Bracket, float, bool]:
    """Iterate bracket -> LP -> bracket at LP's notional until they agree.

    Returns the bracket, its LP and whether a consistent pair was found.
    """
    bracket = start
    visited: set[int] = set()
    for _ in range(len(table.brackets) + 1):
        lp = solve(bracket)
        at_lp = table.for_notional(max(lp, 0.0) * quantity_base)
        if at_lp == bracket:
            return bracket, lp, True
        visited.add(table.index_of(bracket))
        if table.index_of(at_lp) in visited:
            break
        bracket = at_lp
    for candidate in table.brackets:  # fall back to a full scan
        lp = solve(candidate)
        if table.for_notional(max(lp, 0.0) * quantity_base) == candidate:
            return candidate, lp, True
    return bracket, solve(bracket), False


class _Solver:
    def __init__(self, side_sign: int, wb: float, q: float, ep: float, tmm: float, upnl: float):
        self.args = (side_sign, wb, q, ep, tmm, upnl)

    def __call__(self, bracket: Bracket) -> float:
        side_sign, wb, q, ep, tmm, upnl = self.args
        return liquidation_price_for_bracket(
            side_sign=side_sign, wallet_balance_usd=wb, quantity_base=q, entry_price_usd=ep,
            bracket=bracket, other_maintenance_margin_usd=tmm, other_unrealized_pnl_usd=upnl,
        )


def liquidation_price(
    *,
    side: object,
    entry_price_usd: float,
    quantity_base: float,
    leverage: float | None = None,
    margin_usd: float | None = None,
    mode: str = "isolated",
    wallet_balance_usd: float | None = None,
    other_positions: Sequence[OtherPosition] = (),
    brackets: BracketTable | None = None,
    maintenance_margin_rate: float | None = None,
) -> LiquidationResult:
    """Liquidation price of a one-way USDⓈ-M linear position.

    Parameters
    ----------
    side : "long" | "short" | Side
    entry_price_usd : float
        Entry price (> 0).
    quantity_base : float
        Position size in base units (> 0).
    leverage : float, optional
        Isolated: the position margin is notional / leverage (give this or ``margin_usd``).
        Cross: only checked against the bracket's maximum and used for ``margin_usd``.
    margin_usd : float, optional
        Isolated: the position's margin in USD (instead of ``leverage``).
    mode : "isolated" | "cross"
    wallet_balance_usd : float, optional
        Cross only (required): the wallet balance backing every cross position.
    other_positions : sequence of OtherPosition
        Cross only: the other positions' maintenance margin and unrealised PnL.
    brackets : BracketTable, optional
        Maintenance brackets; default: ``maintenance_margin_rate`` as a flat table, else the
        bundled default (mid-cap alt) schedule.
    maintenance_margin_rate : float, optional
        A flat MMR with cum = 0 instead of a table.

    Returns
    -------
    LiquidationResult
        ``LP = (WB − TMM + UPNL + cum − side·Q·EP) / (Q·MMR − side·Q)`` with the bracket
        re-checked at the liquidation price. A long whose LP <= 0 cannot be liquidated:
        ``liquidation_price_usd = 0``, ``can_be_liquidated = False`` and a warning.

    Raises
    ------
    InputError
        Any input outside its range (field named).
    TradeRefused
        Leverage above the bracket's maximum, or a position that would be liquidated at once.
    """
    position_side = Side.parse(side)
    entry, quantity, margin_mode, notional = checked_position(entry_price_usd, quantity_base, mode)
    table, warnings = bracket_table_for(brackets, maintenance_margin_rate)
    account = _Account.of(margin_mode, table.for_notional(notional), notional, table.source,
                          leverage, margin_usd, wallet_balance_usd, other_positions, warnings)
    return _solve(position_side, entry, quantity, margin_mode, table, account, warnings)


@dataclass(frozen=True)
class _Account:
    """What backs the position: WB, leverage and margin used, TMM and UPNL of the others."""

    entry_bracket: Bracket
    notional: float
    wallet_balance: float
    leverage: float | None
    margin: float | None
    leverage_field: str
    other_maintenance: float
    other_unrealized: float

    @staticmethod
    def of(
        margin_mode: str,
        entry_bracket: Bracket,
        notional: float,
        source: str,
        leverage: float | None,
        margin_usd: float | None,
        wallet_balance_usd: float | None,
        other_positions: Sequence[OtherPosition],
        warnings: list[str],
    ) -> _Account:
        """The account of ``margin_mode``; leverage above the bracket's maximum is refused."""
        tmm, upnl = parse_others(other_positions)
        if margin_mode == "isolated":
            wb, used_leverage, used_margin, lev_field = isolated_margin(
                leverage, margin_usd, notional, wallet_balance_usd, len(other_positions), warnings
            )
            tmm = upnl = 0.0
        else:
            wb, used_leverage, used_margin, lev_field = cross_margin(
                leverage, margin_usd, notional, wallet_balance_usd
            )
        if used_leverage is not None and used_leverage > entry_bracket.max_leverage:
            raise TradeRefused(
                lev_field,
                f"leverage {used_leverage:g}x exceeds the {entry_bracket.max_leverage:g}x maximum "
                f"for a {notional:,.2f} USD position in this bracket ({source})",
            )
        return _Account(entry_bracket, notional, wb, used_leverage, used_margin, lev_field,
                        tmm, upnl)


def _solve(
    position_side: Side,
    entry: float,
    quantity: float,
    margin_mode: str,
    table: BracketTable,
    account: _Account,
    warnings: list[str],
) -> LiquidationResult:
    """Solve LP with the bracket re-checked at LP, refuse an at-once liquidation, report."""
    entry_bracket, notional, wb = account.entry_bracket, account.notional, account.wallet_balance
    tmm, upnl = account.other_maintenance, account.other_unrealized
    solve = _Solver(position_side.sign, wb, quantity, entry, tmm, upnl)
    bracket, lp, consistent = _solve_consistent(table, entry_bracket, solve, quantity)
    if not consistent:
        warnings.append("no bracket is consistent with its own liquidation price "
                        "(check the table's cum values); result uses the last bracket tried")
    if bracket != entry_bracket:
        warnings.append(
            f"bracket re-checked at the liquidation price: MMR "
            f"{bracket.maintenance_margin_rate:.4%} (entry bracket "
            f"{entry_bracket.maintenance_margin_rate:.4%})"
        )
    mm_entry = entry_bracket.maintenance_margin_usd(notional)
    _refuse_if_liquidated_at_once(position_side, entry, lp, wb - tmm + upnl, mm_entry,
                                  margin_mode, account.leverage_field)

    can_liquidate = lp > 0.0
    if not can_liquidate:
        lp = 0.0
        warnings.append(
            "cannot be liquidated: the margin covers a fall of the price to zero "
            "(the exchange shows '--')"
        )
    return LiquidationResult(
        side=position_side,
        mode=margin_mode,
        entry_price_usd=entry,
        quantity_base=quantity,
        notional_usd=notional,
        leverage=account.leverage,
        margin_usd=account.margin,
        wallet_balance_usd=wb,
        maintenance_margin_usd=mm_entry,
        liquidation_price_usd=lp,
        distance_fraction=position_side.sign * (entry - lp) / entry,
        bracket=bracket,
        entry_bracket=entry_bracket,
        can_be_liquidated=can_liquidate,
        warnings=tuple(warnings),
    )


def _refuse_if_liquidated_at_once(
    side: Side, entry: float, lp: float, wb: float, mm_entry: float, mode: str, field: str
) -> None:
    immediately = lp >= entry if side is Side.LONG else lp <= entry
    if immediately:
        what = "margin" if mode == "isolated" else "wallet balance (after other positions)"
        raise TradeRefused(
            field,
            f"the position would be liquidated at once: {what} {wb:,.2f} USD does not cover "
            f"the maintenance margin {mm_entry:,.2f} USD at entry",
        )


def check_stop_before_liquidation(
    side: object,
    entry_price_usd: float,
    stop_price_usd: float,
    liquidation_price_usd: float,
) -> None:
    """Require the stop to lie strictly between entry and the liquidation price.

    Raises
    ------
    InputError
        ``stop_price_usd`` on the wrong side of entry.
    TradeRefused
        ``stop_price_usd`` at or beyond the liquidation price: the loss would be the whole
        margin (the exchange liquidates before the stop can fire).
    """
    position_side = Side.parse(side)
    entry = in_range("entry_price_usd", entry_price_usd, *PRICE_RANGE_USD)
    stop = in_range("stop_price_usd", stop_price_usd, *PRICE_RANGE_USD)
    lp = non_negative("liquidation_price_usd", liquidation_price_usd)
    if position_side is Side.LONG:
        if stop >= entry:
            raise InputError(
                "stop_price_usd", f"must be below entry {entry:g} for a long (got {stop:g})"
            )
        if lp > 0.0 and stop <= lp:
            raise TradeRefused(
                "stop_price_usd",
                f"must be above the liquidation price {lp:g} for a long (got {stop:g}): "
                "the loss would be the whole margin",
            )
    else:
        if stop <= entry:
            raise InputError(
                "stop_price_usd", f"must be above entry {entry:g} for a short (got {stop:g})"
            )
        if stop >= lp:
            raise TradeRefused(
                "stop_price_usd",
                f"must be below the liquidation price {lp:g} for a short (got {stop:g}): "
                "the loss would be the whole margin",
            )


__all__ = [
    "MODES",
    "OTHER_POSITIONS_LIMIT_USD",
    "LiquidationResult",
    "OtherPosition",
    "check_stop_before_liquidation",
    "flat_bracket_table",
    "liquidation_price",
    "liquidation_price_for_bracket",
]
