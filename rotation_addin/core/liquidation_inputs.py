"""Checked inputs of :func:`rotation_addin.core.liquidation.liquidation_price`.

Margin mode, the position, the bracket table (given, flat MMR or bundled default), the other
cross positions and the margin backing the position (isolated: its own margin; cross: the
wallet balance). Every value outside its range is an :class:`InputError` naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rotation_addin.core.brackets import Bracket, BracketTable, default_bracket_table
from rotation_addin.core.constants import (
    FLAT_MMR_RANGE,
    PRICE_RANGE_USD,
    QUANTITY_RANGE_BASE,
    WALLET_RANGE_USD,
)
from rotation_addin.core.errors import InputError
from rotation_addin.core.validation import in_range, positive

MODES: tuple[str, ...] = ("isolated", "cross")

OTHER_POSITIONS_LIMIT_USD: float = 1e13
"""Largest maintenance margin or |unrealised PnL| of other cross positions (the equity bound
of the sizing engine): beyond it the figure is a typo, not an account."""


@dataclass(frozen=True)
class OtherPosition:
    """Another open position sharing the cross-margin wallet.

    Attributes
    ----------
    maintenance_margin_usd : float
        Its maintenance margin (USD, >= 0).
    unrealized_pnl_usd : float
        Its unrealised profit (+) or loss (−) in USD at the mark price.
    """

    maintenance_margin_usd: float
    unrealized_pnl_usd: float


def checked_position(
    entry_price_usd: float, quantity_base: float, mode: object
) -> tuple[float, float, str, float]:
    """(entry, quantity, mode, notional) checked against their ranges."""
    entry = in_range("entry_price_usd", entry_price_usd, *PRICE_RANGE_USD)
    quantity = in_range("quantity_base", quantity_base, *QUANTITY_RANGE_BASE)
    margin_mode = parse_mode(mode)
    notional = entry * quantity
    if not math.isfinite(notional) or notional < 1e-12:
        raise InputError(
            "quantity_base",
            f"gives a notional of {notional:g} USD, outside [1e-12, inf) (got {quantity:g})",
        )
    return entry, quantity, margin_mode, notional


def bracket_table_for(
    brackets: BracketTable | None, maintenance_margin_rate: float | None
) -> tuple[BracketTable, list[str]]:
    """The table to use (given, flat MMR, or the bundled default) and the warnings so far."""
    if brackets is not None and maintenance_margin_rate is not None:
        raise InputError("maintenance_margin_rate", "give brackets or a flat MMR, not both")
    if brackets is not None and not isinstance(brackets, BracketTable):
        raise InputError("brackets", f"must be a BracketTable (got {type(brackets).__name__})")
    warnings: list[str] = []
    if brackets is not None:
        table = brackets
    elif maintenance_margin_rate is not None:
        table = flat_bracket_table(maintenance_margin_rate)
    else:
        table = default_bracket_table("default")
        warnings.append(f"no brackets given: used {table.source}")
    warnings.extend(table.warnings)
    return table, warnings


def flat_bracket_table(maintenance_margin_rate: float, symbol: str = "flat") -> BracketTable:
    """A one-bracket table with a fixed MMR and ``cum = 0`` (for quick what-ifs)."""
    mmr = in_range(
        "maintenance_margin_rate", maintenance_margin_rate, *FLAT_MMR_RANGE, high_inclusive=False
    )
    bracket = Bracket(
        floor_notional_usd=0.0,
        cap_notional_usd=math.inf,
        maintenance_margin_rate=mmr,
        max_leverage=math.nextafter(1.0 / mmr, 0.0),
        maintenance_amount_usd=0.0,
    )
    return BracketTable(symbol=symbol, brackets=(bracket,), source=f"flat MMR {mmr:g}")


def parse_mode(mode: object) -> str:
    """``"isolated"`` or ``"cross"`` (case and spaces ignored)."""
    text = mode.strip().lower() if isinstance(mode, str) else None
    if text not in MODES:
        raise InputError("mode", f"must be 'isolated' or 'cross' (got {mode!r})")
    return text


def parse_others(other_positions: Sequence[OtherPosition]) -> tuple[float, float]:
    """(TMM, UPNL): the other cross positions' maintenance margin and unrealised PnL, summed."""
    if type(other_positions) not in (tuple, list) and (isinstance(other_positions, str | bytes)
            or not isinstance(other_positions, Sequence)):  # concrete types skip the ABC check
        raise InputError("other_positions", "must be a list of OtherPosition")
    tmm = 0.0
    upnl = 0.0
    for i, other in enumerate(other_positions):
        if not isinstance(other, OtherPosition):
            raise InputError(f"other_positions[{i}]", "must be an OtherPosition")
        tmm += in_range(
            f"other_positions[{i}].maintenance_margin_usd", other.maintenance_margin_usd,
            0.0, OTHER_POSITIONS_LIMIT_USD,
        )
        upnl += in_range(
            f"other_positions[{i}].unrealized_pnl_usd", other.unrealized_pnl_usd,
            -OTHER_POSITIONS_LIMIT_USD, OTHER_POSITIONS_LIMIT_USD,
        )
    return tmm, upnl


def isolated_margin(
    leverage: float | None,
    margin_usd: float | None,
    notional: float,
    wallet_balance_usd: float | None,
    other_count: int,
    warnings: list[str],
) -> tuple[float, float | None, float | None, str]:
    """(WB, leverage, margin, field) of an isolated position: WB is its own margin."""
    if (leverage is None) == (margin_usd is None):
        raise InputError(
            "leverage", "isolated mode needs exactly one of leverage or margin_usd"
        )
    if leverage is not None:
        lev = in_range("leverage", leverage, 1.0, 1_000.0)
        margin = notional / lev
        field = "leverage"
    else:
        margin = positive("margin_usd", margin_usd)
        lev = notional / margin
        field = "margin_usd"
    if wallet_balance_usd is not None:
        warnings.append("wallet_balance_usd ignored: isolated margin uses the position margin")
    if other_count > 0:
        warnings.append("other_positions ignored: they only matter in cross margin")
    return margin, lev, margin, field


def cross_margin(
    leverage: float | None,
    margin_usd: float | None,
    notional: float,
    wallet_balance_usd: float | None,
) -> tuple[float, float | None, float | None, str]:
    """(WB, leverage, margin, field) of a cross position: WB is the wallet balance."""
    if wallet_balance_usd is None:
        raise InputError("wallet_balance_usd", "is required in cross mode (got nothing)")
    wb = in_range("wallet_balance_usd", wallet_balance_usd, *WALLET_RANGE_USD)
    if margin_usd is not None:
        raise InputError("margin_usd", "only applies to isolated mode; use wallet_balance_usd")
    if leverage is None:
        return wb, None, None, "wallet_balance_usd"
    lev = in_range("leverage", leverage, 1.0, 1_000.0)
    return wb, lev, notional / lev, "leverage"
