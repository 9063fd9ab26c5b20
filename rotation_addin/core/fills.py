"""Execution model of the backtest: fill prices, fees, intrabar exits, funding, the ledger.

Conventions (stated in every backtest output and in ``docs/backtest.md``):

* Orders decided at the close of day ``t`` fill at the open of ``t + 1`` at
  ``open x (1 + slippage)`` when buying and ``open x (1 - slippage)`` when selling, and pay
  the taker fee ``|quantity| x fill price x fee rate``.
* Protective levels are watched intrabar on the daily high and low. In one bar, in this
  order: an open already beyond the liquidation price liquidates at that price; an open
  beyond the stop (or take-profit) fills there at the open; then the **stop first** when
  the bar's range holds both the stop and the take-profit (the conservative reading: the
  daily bar does not tell which came first); then the take-profit. A stop fills at
  ``stop x (1 -/+ slippage)`` (a stop-market order), a take-profit at its level (a limit).
  A liquidation is only possible on a gap: the stop sits strictly between entry and the
  liquidation price (``core.orders``), so inside a bar the stop is reached first.
* A liquidation loses the position's whole isolated margin (``notional / leverage`` at
  entry): the exit is at the liquidation price and the rest of the margin goes as the
  clearance fee, as on Binance USDⓈ-M.
* Funding is paid every 8 h: ``payment = -side x quantity x mark x rate`` (a long pays a
  positive rate), for the funding times in ``(entry, exit]``; an exit inside day ``D``
  counts D's 08:00 and 16:00 funding; the mark is taken as that day's close.
* Accounting is cash + positions: equity = cash + sum(quantity x close), quantity signed
  (a short is negative). For linear USDⓈ-M perpetuals this equals wallet balance plus
  unrealised profit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rotation_addin.core import validation as v
from rotation_addin.core.errors import InputError

EXIT_STOP = "stop"
EXIT_TAKE_PROFIT = "take-profit"
EXIT_LIQUIDATION = "liquidation"
EXIT_PLAN = "plan"
EXIT_END = "end of data"


def fill_price(reference_usd: float, buys: bool, slippage_rate: float) -> float:
    """Price a market order fills at: ``reference x (1 + s)`` buying, ``x (1 - s)`` selling."""
    price = v.positive("price_usd", reference_usd)
    slip = v.in_range("slippage_rate", slippage_rate, 0.0, 0.05)
    return price * (1.0 + slip) if buys else price * (1.0 - slip)


def taker_fee(quantity_base: float, price_usd: float, fee_rate: float) -> float:
    """Fee of one fill in USD: ``|quantity| x price x rate``."""
    return abs(quantity_base) * price_usd * fee_rate


def funding_payment(side_sign: int, quantity_base: float, mark_usd: float,
                    rate: float) -> float:
    """Cash flow of one funding time (USD, + = received): ``-side x Q x mark x rate``."""
    return -float(side_sign) * abs(quantity_base) * mark_usd * rate


@dataclass(frozen=True)
class Bar:
    """One daily candle (USD)."""

    open: float
    high: float
    low: float
    close: float


@dataclass(frozen=True)
class Exit:
    """Where and why a position left the market inside a bar.

    Attributes
    ----------
    kind : str
        ``stop``, ``take-profit`` or ``liquidation``.
    price_usd : float
        Fill price (slippage included for stops; the liquidation price for liquidations).
    at_open : bool
        True when the open had already passed the level (a gap).
    """

    kind: str
    price_usd: float
    at_open: bool


def _beyond(side_sign: int, price: float, level: float | None, adverse: bool) -> bool:
    """Has ``price`` reached ``level``? Adverse levels (stop, liquidation) lie against the
    side, the take-profit with it."""
    if level is None:
        return False
    return side_sign * (price - level) <= 0 if adverse else side_sign * (price - level) >= 0


def intrabar_exit(side_sign: int, bar: Bar, *, stop_usd: float | None,
                  take_profit_usd: float | None, liquidation_usd: float | None,
                  slippage_rate: float) -> Exit | None:
    """First protective level a bar reaches (order in the module docstring), or None.

    ``liquidation_usd`` None or <= 0 means the position cannot be liquidated.
    """
    if side_sign not in (1, -1):
        raise InputError("side", f"must be +1 or -1 (got {side_sign})")
    liq = liquidation_usd if liquidation_usd is not None and liquidation_usd > 0 else None
    worst = bar.low if side_sign > 0 else bar.high
    best = bar.high if side_sign > 0 else bar.low
    buys_to_close = side_sign < 0
    if _beyond(side_sign, bar.open, liq, adverse=True):
        return Exit(EXIT_LIQUIDATION, float(liq), True)  # type: ignore[arg-type]
    if _beyond(side_sign, bar.open, stop_usd, adverse=True):
        return Exit(EXIT_STOP, fill_price(bar.open, buys_to_close, slippage_rate), True)
    if _beyond(side_sign, bar.open, take_profit_usd, adverse=False):
        return Exit(EXIT_TAKE_PROFIT, bar.open, True)
    if stop_usd is not None and _beyond(side_sign, worst, stop_usd, adverse=True):
        return Exit(EXIT_STOP, fill_price(stop_usd, buys_to_close, slippage_rate), False)
    if liq is not None and _beyond(side_sign, worst, liq, adverse=True):
        return Exit(EXIT_LIQUIDATION, liq, False)  # no stop: the bar reached liquidation
    if take_profit_usd is not None and _beyond(side_sign, best, take_profit_usd, adverse=False):
        return Exit(EXIT_TAKE_PROFIT, take_profit_usd, False)
    return None


@dataclass
class Ledger:
    """Cash and signed quantities; every fill, fee and funding payment goes through here.

    Attributes
    ----------
    cash_usd : float
        Cash (starts at the initial equity).
    quantities : dict[str, float]
        Signed quantity per base (short < 0).
    fees_usd, funding_usd, traded_notional_usd : float
        Running totals (funding: + = received).
    """

    cash_usd: float
    quantities: dict[str, float] = field(default_factory=dict)
    fees_usd: float = 0.0
    funding_usd: float = 0.0
    traded_notional_usd: float = 0.0

    def fill(self, base: str, signed_quantity: float, price_usd: float, fee_rate: float,
             extra_fee_usd: float = 0.0) -> float:
        """Buy (> 0) or sell (< 0) ``signed_quantity`` at ``price_usd``; returns the fee paid."""
        fee = taker_fee(signed_quantity, price_usd, fee_rate) + extra_fee_usd
        self.cash_usd -= signed_quantity * price_usd + fee
        held = self.quantities.get(base, 0.0) + signed_quantity
        if abs(held) <= 1e-12:
            self.quantities.pop(base, None)
        else:
            self.quantities[base] = held
        self.fees_usd += fee
        self.traded_notional_usd += abs(signed_quantity) * price_usd
        return fee

    def fund(self, amount_usd: float) -> None:
        """Book one funding cash flow (+ = received)."""
        self.cash_usd += amount_usd
        self.funding_usd += amount_usd

    def equity(self, marks_usd: dict[str, float]) -> float:
        """Cash + sum of signed quantity x mark (a base without a mark is a KeyError)."""
        return self.cash_usd + sum(q * marks_usd[b] for b, q in self.quantities.items())

    def gross_exposure(self, marks_usd: dict[str, float]) -> float:
        """Sum of |quantity| x mark (USD)."""
        return sum(abs(q) * marks_usd[b] for b, q in self.quantities.items())


def fixed_weight_run(open_usd: np.ndarray, close_usd: np.ndarray, weights: np.ndarray, *,
                     initial_equity_usd: float, fee_rate: float,
                     slippage_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Simplified variant of the backtest: constant target weights, no stops, same ledger.

    At the close of day ``t`` the target quantity of asset ``j`` is
    ``w_j x equity_t / close_t,j`` (signed weights: a negative weight is a short); the
    difference to the held quantity fills at the open of ``t + 1`` with slippage and the
    taker fee (module docstring). Day 0 starts in cash and is decided at its close.

    Parameters
    ----------
    open_usd, close_usd : np.ndarray
        Shape (days, assets), finite and > 0.
    weights : np.ndarray
        Shape (assets,), sum of |w| <= 1 keeps the cash >= 0.

    Returns
    -------
    (orders, equity)
        ``orders[t, j]`` = signed quantity filled at the open of ``t`` (row 0 is 0);
        ``equity[t]`` = equity at the close of ``t``.
    """
    opens = np.asarray(open_usd, dtype=float)
    closes = np.asarray(close_usd, dtype=float)
    w = np.asarray(weights, dtype=float)
    if opens.shape != closes.shape or opens.ndim != 2 or w.shape != (opens.shape[1],):
        raise InputError("prices", "open and close must be (days, assets) with one weight "
                                   "per asset")
    if not (np.isfinite(opens).all() and np.isfinite(closes).all()) or (opens <= 0).any() \
            or (closes <= 0).any():
        raise InputError("prices", "must be finite and > 0")
    names = [str(j) for j in range(len(w))]
    ledger = Ledger(cash_usd=v.positive("initial_equity_usd", initial_equity_usd))
    orders = np.zeros(opens.shape)
    equity = np.zeros(len(opens))
    targets = np.zeros(len(w))
    for t in range(len(opens)):
        for j, name in enumerate(names):
            delta = targets[j] - ledger.quantities.get(name, 0.0)
            if t > 0 and delta != 0.0:
                price = fill_price(opens[t, j], delta > 0, slippage_rate)
                ledger.fill(name, delta, price, fee_rate)
                orders[t, j] = delta
        marks = {name: float(closes[t, j]) for j, name in enumerate(names)}
        equity[t] = ledger.equity(marks)
        targets = w * equity[t] / closes[t]
    return orders, equity
