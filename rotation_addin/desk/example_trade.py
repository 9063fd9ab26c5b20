"""The one example trade every surface starts from: today's top order.

The workbook's Sizing sheet and the desktop app's Quick check are pre-filled with the same
trade -- the first order of today's plan that opens or adds risk (symbol, side, entry, stop,
leverage), so a trader meets one example, with the numbers the plan itself proposes. Without
such an order (a risk-off day, no data) the example is the top sector's first member at
today's price with the plan's own stop distance (``atr_stop_multiple`` x ATR).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.formats import step_decimals, typical_step_and_tick
from rotation_addin.core.orders import RISK_ADDING_ACTIONS
from rotation_addin.core.report import DailyReport, market_snapshot


@dataclass(frozen=True)
class ExampleTrade:
    """A trade to pre-fill a sizing form with.

    Attributes
    ----------
    base : str
        Base asset (``"TAO"``).
    side : str
        ``"long"`` or ``"short"``.
    entry_price_usd, stop_price_usd : float
        Entry and stop (USD).
    leverage : float | None
        The plan's leverage for the trade (None: the form keeps its own).
    origin : str
        Where it comes from, in words (``"today's top order"``).
    """

    base: str
    side: str
    entry_price_usd: float
    stop_price_usd: float
    leverage: float | None
    origin: str


def _tick(dataset: MarketDataset, base: str, price: float) -> float:
    contract = dataset.contracts.get(base)
    return contract.price_tick if contract is not None else typical_step_and_tick(price)[1]


def to_tick(price: float, tick: float) -> float:
    """``price`` on the tick grid, written exactly with the tick's decimals (198.05)."""
    return round(round(price / tick) * tick, step_decimals(tick))


def example_trade(dataset: MarketDataset, report: DailyReport) -> ExampleTrade | None:
    """Today's top order that opens or adds risk; else the top sector's first member with the
    plan's ATR stop; None without usable data."""
    for order in report.plan.orders:
        if order.action in RISK_ADDING_ACTIONS and order.stop_price_usd is not None:
            tick = _tick(dataset, order.base, order.entry_price_usd)
            return ExampleTrade(order.base, order.side.value,
                                to_tick(order.entry_price_usd, tick),
                                to_tick(order.stop_price_usd, tick), order.leverage,
                                "today's top order")
    members: tuple[str, ...] = ()
    if report.sectors:
        members = tuple(dataset.universe.sectors.get(report.sectors[0].sector, ()))
    base = next((b for b in (*members, *dataset.bases) if b in dataset.close.columns), None)
    if base is None:
        return None
    params = report.parameters
    snap = market_snapshot(dataset, base, params)
    if snap is None or not math.isfinite(snap.atr_usd) or snap.atr_usd <= 0:
        return None
    stop = max(snap.price_usd - params.atr_stop_multiple * snap.atr_usd, snap.price_usd * 0.5)
    tick = _tick(dataset, base, snap.price_usd)
    return ExampleTrade(base, "long", to_tick(snap.price_usd, tick), to_tick(stop, tick), None,
                        f"no order today: {base} (top sector) with a "
                        f"{params.atr_stop_multiple:g}×ATR stop")
