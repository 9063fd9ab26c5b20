"""The report's tables as header + rows, shared by every surface that prints or spills them.

The CLI (``--csv`` and the terminal tables) and the Excel UDFs (``=SECTOR_TABLE()``,
``=REBALANCE_ORDERS()``) show the same columns in the same order from these functions.
Percentages are in percent units (``mom_7d_pct`` = 3.1 for +3.1 %).
"""

from __future__ import annotations

import math
from typing import Any

from rotation_addin.core import formats
from rotation_addin.core.orders import RebalanceOrder
from rotation_addin.core.report import DailyReport
from rotation_addin.core.scores import SectorScore
from rotation_addin.core.types import ContractSpec

SECTOR_HEADERS: tuple[str, ...] = (
    "rank", "sector", "score", "mom_7d_pct", "mom_30d_pct", "volume_trend", "divergence",
    "beta_to_btc", "btc_explained_pct", "flags",
)
ORDER_HEADERS: tuple[str, ...] = (
    "kind", "action", "symbol", "order_side", "position_side", "quantity", "entry_price_usd",
    "notional_usd", "margin_usd", "leverage", "stop_price_usd", "take_profit_price_usd",
    "liquidation_price_usd", "risk_usd", "rule", "reason",
)


def _pct(value: float) -> float:
    return value * 100.0 if math.isfinite(value) else math.nan


def sector_rows(report: DailyReport) -> list[list[Any]]:
    """One row per sector, rank order, columns :data:`SECTOR_HEADERS`."""
    return [[s.rank, s.sector, s.score, _pct(s.momentum_7d), _pct(s.momentum_30d),
             s.volume_trend, s.divergence, s.beta_to_btc, _pct(s.btc_explained_share),
             " ".join(s.flags)] for s in report.sectors]


SECTOR_TEXT_HEADERS: tuple[str, ...] = (
    "#", "sector", "score", "mom 7d", "mom 30d", "vol trend", "D", "beta", "BTC R²", "flags",
)
"""Columns of the sector text table (``rotation sectors``); momentum is against BTC."""


def sector_text_row(s: SectorScore) -> list[Any]:
    """One sector as the terminal writes it (:mod:`rotation_addin.core.formats`, the app's and
    the workbook's decimals): score and D ``+1.30``, momentum ``+13.7%``, volume trend and
    beta ``1.04``, the BTC-explained share ``64.7%``."""
    return [s.rank, s.sector,
            formats.format_number(s.score, formats.SCORE_DECIMALS, signed=True),
            formats.format_pct(s.momentum_7d, formats.PCT_DECIMALS, signed=True),
            formats.format_pct(s.momentum_30d, formats.PCT_DECIMALS, signed=True),
            formats.format_number(s.volume_trend, formats.RATIO_DECIMALS),
            formats.format_number(s.divergence, formats.SCORE_DECIMALS, signed=True),
            formats.format_number(s.beta_to_btc, formats.RATIO_DECIMALS),
            formats.format_pct(s.btc_explained_share, formats.PCT_DECIMALS), " ".join(s.flags)]


def order_rows(report: DailyReport) -> list[list[Any]]:
    """Orders, then refusals (with their rule), columns :data:`ORDER_HEADERS`."""
    rows: list[list[Any]] = []
    for o in report.plan.orders:
        rows.append(["order", o.action, o.symbol, o.order_side, o.side.value, o.quantity_base,
                     o.entry_price_usd, o.notional_usd, o.margin_usd, o.leverage,
                     o.stop_price_usd, o.take_profit_price_usd, o.liquidation_price_usd,
                     o.risk_usd, "", o.reason])
    for r in report.plan.refusals:
        rows.append(["refusal", "", r.symbol, "", "", None, None, None, None, None, None, None,
                     None, None, r.rule, r.detail])
    return rows


ORDER_TEXT_HEADERS: tuple[str, ...] = (
    "action", "symbol", "side", "qty", "entry", "notional", "margin", "lev", "stop",
    "take-profit", "liq.", "risk",
)
"""Columns of the plan's text table (``rotation plan``), money in USD."""


def order_text_row(order: RebalanceOrder, contract: ContractSpec | None) -> list[str]:
    """One order as the plan table writes it (:mod:`rotation_addin.core.formats`): prices to
    the contract's tick, the quantity to its amount step, leverage ``3.0x``, money in USD."""
    tick = contract.price_tick if contract is not None else None
    step = contract.amount_step if contract is not None else None

    def price(value: float | None) -> str:
        return "" if value is None else formats.format_price(value, tick)

    return [order.action, order.symbol, order.order_side,
            formats.format_quantity(order.quantity_base, step), price(order.entry_price_usd),
            formats.format_money(order.notional_usd), formats.format_money(order.margin_usd),
            "" if order.leverage is None else formats.format_leverage(order.leverage),
            price(order.stop_price_usd), price(order.take_profit_price_usd),
            price(order.liquidation_price_usd), formats.format_money(order.risk_usd)]
