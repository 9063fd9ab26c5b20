"""Open positions marked to live prices: P&L and liquidation distance, tick by tick.

``rotation watch`` and the app's Live toggle call :func:`live_book` once (positions from the
desk session, liquidation prices from the paper journal, daily volatility from the loaded
dataset), then :meth:`LiveBook.apply` on every batch of ticks and :meth:`LiveBook.rows` for
what changed. Formulas (per position, price ``p`` = mark price when streamed, else last):

- P&L (USD) = side × (p − entry) × quantity;  P&L % = side × (p / entry − 1);
- liquidation distance = side × (p − liq) / p (fraction of the price a move must cover),
  and in daily sigmas = distance / σ_daily (σ: EWMA λ 0.94, ``desk.market.ewma_daily_vol``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.ledger import ACCOUNT_PAPER
from rotation_addin.core.rotation import Position
from rotation_addin.desk.market import ewma_daily_vol
from rotation_addin.desk.session import DeskSession
from rotation_addin.journal.store import JournalStore
from rotation_addin.journal.store import journal_path as trade_journal_path

if TYPE_CHECKING:
    from rotation_addin.data.live import LiveTick


@dataclass(frozen=True)
class LivePositionRow:
    """One open position at the latest price (see the module docstring for the formulas)."""

    base: str
    side: str
    quantity_base: float
    entry_price_usd: float
    price_usd: float | None
    pnl_usd: float | None
    pnl_fraction: float | None
    liquidation_price_usd: float | None
    liquidation_distance_fraction: float | None
    liquidation_distance_sigma: float | None


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


class LiveBook:
    """Latest prices by base and the open positions marked to them.

    Parameters
    ----------
    positions : sequence of Position
        Open positions (the desk's book).
    liquidation_prices : mapping
        Liquidation price (USD) by base where known (paper journal entries).
    daily_vol : mapping
        Daily volatility (fraction) by base.
    """

    def __init__(self, positions: Sequence[Position],
                 liquidation_prices: Mapping[str, float] | None = None,
                 daily_vol: Mapping[str, float] | None = None) -> None:
        self.positions = tuple(positions)
        self.liquidation_prices = dict(liquidation_prices or {})
        self.daily_vol = dict(daily_vol or {})
        self.last_prices: dict[str, float] = {}
        self.mark_prices: dict[str, float] = {}
        self.exchange_ms: dict[str, int] = {}

    def apply(self, ticks: Iterable[LiveTick]) -> set[str]:
        """Take a batch of ticks (latest wins); return the bases whose price changed."""
        changed: set[str] = set()
        for tick in ticks:
            if tick.last_price_usd is not None:
                self.last_prices[tick.base] = tick.last_price_usd
            if tick.mark_price_usd is not None:
                self.mark_prices[tick.base] = tick.mark_price_usd
            self.exchange_ms[tick.base] = max(self.exchange_ms.get(tick.base, 0),
                                              tick.exchange_ms)
            changed.add(tick.base)
        return changed

    def price(self, base: str) -> float | None:
        """Mark price when streamed, else the last trade price, else None."""
        return self.mark_prices.get(base, self.last_prices.get(base))

    def prices(self) -> dict[str, float]:
        """The latest price of every base seen (mark where streamed)."""
        return {b: p for b in {*self.last_prices, *self.mark_prices}
                if (p := self.price(b)) is not None}

    def row(self, position: Position) -> LivePositionRow:
        """``position`` at the latest price of its base."""
        price = self.price(position.base)
        sign = position.side.sign
        entry = position.entry_price_usd
        liq = self.liquidation_prices.get(position.base)
        pnl = pnl_fraction = distance = sigmas = None
        if price is not None:
            pnl = sign * (price - entry) * position.quantity_base
            pnl_fraction = sign * (price / entry - 1.0)
            if liq is not None:
                distance = sign * (price - liq) / price
                vol = self.daily_vol.get(position.base)
                sigmas = distance / vol if vol else None
        return LivePositionRow(position.base, position.side.value, position.quantity_base,
                               entry, price, _finite(pnl), _finite(pnl_fraction), liq,
                               _finite(distance), _finite(sigmas))

    def rows(self, bases: set[str] | None = None) -> list[LivePositionRow]:
        """Every open position (or only those on ``bases``) at the latest prices."""
        return [self.row(p) for p in self.positions if bases is None or p.base in bases]


def liquidation_prices(journal: Path | None = None) -> dict[str, float]:
    """Liquidation price by base of the open paper trades in the journal (none without it)."""
    path = journal if journal is not None else trade_journal_path()
    if not path.exists():
        return {}
    with JournalStore(path) as store:
        ledger = store.ledger(ACCOUNT_PAPER)
    return {t.base: t.liquidation_price_usd for t in ledger.open_trades
            if t.liquidation_price_usd is not None}


def live_book(session: DeskSession, *, dataset: MarketDataset | None = None,
              journal: Path | None = None) -> LiveBook:
    """The session's open positions ready to be marked to live prices (volatility from
    ``dataset``, default the session's)."""
    positions = session.book().positions
    dataset = dataset if dataset is not None else session.dataset()
    vols = {p.base: v for p in positions if (v := ewma_daily_vol(dataset, p.base)) is not None}
    return LiveBook(positions, liquidation_prices(journal), vols)
