"""Plan parameters: every number the daily plan depends on, validated on construction, and the
overrides a surface may set over the user's settings.

Split out of :mod:`rotation_addin.core.rotation` (which still re-exports both names).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TypedDict, Unpack

from rotation_addin.core import parameters as pdef
from rotation_addin.core import validation as v
from rotation_addin.core.errors import InputError
from rotation_addin.core.scores import ScoreWeights


class PlanOverrides(TypedDict, total=False):
    """Plan fields a surface sets over the settings (a flag, a cell's equity)."""

    equity_usd: float
    risk_fraction: float
    top_n_long: int
    portfolio_risk_cap_fraction: float
    correlation_window_days: int


@dataclass(frozen=True)
class PlanParameters:
    """Every number the daily plan depends on, validated on construction.

    Attributes
    ----------
    equity_usd : float
        Account equity in USD (0.01 to 1e13, as in :mod:`rotation_addin.core.sizing`).
    risk_fraction, max_risk_fraction : float
        Risk per trade and its hard cap, fractions of equity.
    taker_fee_rate, stop_slippage_rate : float
        Costs assumed on entry and at the stop, fractions of notional.
    min_equity_usd : float
        Below this equity no new position is opened (rule ``minimum-equity``).
    max_open_positions : int
        Most positions open at once (rule ``max-open-positions``).
    cooldown_days : int
        Days after a losing trade before re-entering its sector (rule ``cool-down``).
    vol_k_sigma, holding_days, gap_buffer_fraction : float
        Safe-leverage inputs: k, holding period h (days) and the weekend-gap buffer.
    portfolio_risk_cap_fraction : float
        Cap on the stressed loss (every stop hit at once, correlation 1), fraction of equity.
    top_n_long : int
        Number of top-ranked sectors to hold long.
    theta : float
        Divergence threshold: D >= theta is FOMO (exit/avoid/short), D <= -theta accumulation.
    max_leverage : float
        Leverage ceiling whatever the safe-leverage figure says.
    atr_window_days : int
        ATR look-back (Wilder), days.
    atr_stop_multiple : float
        Stop distance m in ATRs: stop = entry - side * m * ATR.
    take_profit_atr_multiple : float
        Take-profit distance k in ATRs: take-profit = entry + side * k * ATR.
    hedge_risk_multiplier : float
        Hedges (shorts of over-extended sectors) risk this share of ``risk_fraction``.
    take_profit_cut_fraction : float
        Share of a position closed when its take-profit is hit (1 = close, 0.5 = cut half).
    rotation_in_risk_off : bool
        If False (default) no new alt longs are opened while the regime is risk-off.
    short_over_extended : bool
        If True the most over-extended sector is shorted as a hedge; else only avoided.
    require_weekly_confirmation : bool
        Discipline rule "weekly confirms daily": a long needs positive BTC-relative momentum
        over both 7 and 30 days.
    weights : ScoreWeights
        Weights of the sector score's z-score components.
    correlation_window_days : int
        Window of the correlation picture (30 or 90 by default).
    """

    equity_usd: float = pdef.EQUITY_USD.default
    risk_fraction: float = pdef.RISK_FRACTION.default
    max_risk_fraction: float = pdef.MAX_RISK_FRACTION.default
    taker_fee_rate: float = pdef.TAKER_FEE_RATE.default
    stop_slippage_rate: float = pdef.STOP_SLIPPAGE_RATE.default
    min_equity_usd: float = pdef.MIN_EQUITY_USD.default
    max_open_positions: int = int(pdef.MAX_OPEN_POSITIONS.default)
    cooldown_days: int = int(pdef.COOLDOWN_DAYS.default)
    vol_k_sigma: float = pdef.VOL_K_SIGMA.default
    holding_days: float = pdef.HOLDING_DAYS.default
    gap_buffer_fraction: float = pdef.GAP_BUFFER_FRACTION.default
    portfolio_risk_cap_fraction: float = pdef.PORTFOLIO_RISK_CAP_FRACTION.default
    top_n_long: int = int(pdef.TOP_N_LONG.default)
    theta: float = pdef.THETA.default
    max_leverage: float = pdef.MAX_LEVERAGE.default
    atr_window_days: int = 14
    atr_stop_multiple: float = pdef.ATR_STOP_MULTIPLE.default
    take_profit_atr_multiple: float = pdef.TAKE_PROFIT_ATR_MULTIPLE.default
    hedge_risk_multiplier: float = 0.5
    take_profit_cut_fraction: float = 1.0
    rotation_in_risk_off: bool = False
    short_over_extended: bool = True
    require_weekly_confirmation: bool = True
    weights: ScoreWeights = field(default_factory=ScoreWeights)
    correlation_window_days: int = int(pdef.CORRELATION_WINDOW_DAYS.default)

    def __post_init__(self) -> None:
        pdef.check_all(self)
        pdef.PORTFOLIO_RISK_CAP_FRACTION.check(self.portfolio_risk_cap_fraction)
        pdef.TOP_N_LONG.check_int(self.top_n_long)
        pdef.THETA.check(self.theta)
        pdef.MAX_LEVERAGE.check(self.max_leverage)
        v.positive_int("atr_window_days", self.atr_window_days, minimum=2)
        pdef.ATR_STOP_MULTIPLE.check(self.atr_stop_multiple)
        pdef.TAKE_PROFIT_ATR_MULTIPLE.check(self.take_profit_atr_multiple)
        v.in_range("hedge_risk_multiplier", self.hedge_risk_multiplier, 0.0, 1.0,
                   low_inclusive=False)
        v.in_range("take_profit_cut_fraction", self.take_profit_cut_fraction, 0.0, 1.0,
                   low_inclusive=False)
        pdef.CORRELATION_WINDOW_DAYS.check(self.correlation_window_days)
        for name in ("rotation_in_risk_off", "short_over_extended",
                     "require_weekly_confirmation"):
            if not isinstance(getattr(self, name), bool):
                raise InputError(name, f"must be true or false (got {getattr(self, name)!r})")
        if not isinstance(self.weights, ScoreWeights):
            raise InputError("weights", f"must be ScoreWeights (got {self.weights!r})")

    @property
    def portfolio_risk_cap_usd(self) -> float:
        """Stressed-loss cap in USD: equity x ``portfolio_risk_cap_fraction``."""
        return self.equity_usd * self.portfolio_risk_cap_fraction

    @classmethod
    def from_settings(cls, settings: pdef.RiskSettings,
                      **overrides: Unpack[PlanOverrides]) -> PlanParameters:
        """Parameters from the user's settings (each shared field named here), then ``overrides``.

        ``overrides`` are plan fields given by a surface (a flag, a cell's equity); the plan's
        own fields (``top_n_long``, ``theta``...) keep their defaults unless overridden.
        """
        unknown = sorted(set(overrides) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise InputError("parameters", f"unknown plan parameter(s) {unknown}")
        params = cls(
            equity_usd=settings.equity_usd, risk_fraction=settings.risk_fraction,
            max_risk_fraction=settings.max_risk_fraction, taker_fee_rate=settings.taker_fee_rate,
            stop_slippage_rate=settings.stop_slippage_rate, min_equity_usd=settings.min_equity_usd,
            max_open_positions=settings.max_open_positions, cooldown_days=settings.cooldown_days,
            vol_k_sigma=settings.vol_k_sigma, holding_days=settings.holding_days,
            gap_buffer_fraction=settings.gap_buffer_fraction,
        )
        return dataclasses.replace(params, **overrides) if overrides else params
