"""THE definition of every risk and plan parameter: default, valid range, unit, label.

``data.settings.Settings`` (what the user stores), ``core.rotation.PlanParameters`` (what the
plan computes with), the engine's keyword defaults (``position_size``, ``minimum_capital_check``)
and the Sizing sheet's starting values and data validation are all derived from this table, so
a default or a range is written once. The values are the engine's: the taker fee is Binance
USDⓈ-M's regular-tier 0.05 %, the risk rules those of the strategy (2 % per trade, 3 % cap).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from rotation_addin.core import validation as v
from rotation_addin.core.constants import (
    DEFAULT_MAX_RISK_FRACTION,
    DEFAULT_MIN_EQUITY_USD,
    DEFAULT_RISK_FRACTION,
)


@dataclass(frozen=True)
class Parameter:
    """One tunable number: its default, its valid interval and how it is shown.

    Attributes
    ----------
    name : str
        Field name in ``Settings`` / ``PlanParameters`` (``"taker_fee_rate"``).
    default : float
        Built-in default.
    low, high : float
        Valid interval; ``low_inclusive`` / ``high_inclusive`` say whether the ends are allowed.
    unit : str
        Unit in words (``"fraction of notional"``, ``"USD"``, ``"days"``).
    label : str
        Human label (forms, sheets).
    integer : bool
        Whole numbers only (``low`` is then the minimum; ``high`` is not checked).
    unbounded : bool
        Only ``>= low`` is checked (``high`` is the sheet's practical limit).
    smallest : float, optional
        Smallest value a form or sheet validation offers when ``low`` itself is excluded
        (Excel's "between" includes both ends).
    """

    name: str
    default: float
    low: float
    high: float
    unit: str
    label: str
    low_inclusive: bool = True
    high_inclusive: bool = True
    integer: bool = False
    unbounded: bool = False
    smallest: float | None = None

    def check(self, value: object, *, high: float | None = None) -> float:
        """``value`` as a float if valid, else :class:`InputError` naming the field and range.

        ``high`` replaces the upper end when it depends on another value (the risk per trade
        is capped by the hard cap the user chose).
        """
        if self.integer:
            return float(v.positive_int(self.name, value, minimum=int(self.low)))
        if self.unbounded:
            return v.non_negative(self.name, value)
        return v.in_range(self.name, value, self.low, self.high if high is None else high,
                          low_inclusive=self.low_inclusive,
                          high_inclusive=self.high_inclusive)

    def check_int(self, value: object) -> int:
        """``value`` as an int (integer parameters)."""
        return v.positive_int(self.name, value, minimum=int(self.low))

    @property
    def words(self) -> str:
        """The valid range as :meth:`check` says it refusing a value outside: ``in (0, 10]``,
        ``an integer >= 1``, ``>= 0`` (``unbounded``); the sweep grid says it of a word."""
        if self.integer:
            return v.integer_words(int(self.low))
        if self.unbounded:
            return ">= 0"  # v.non_negative's
        return v.interval_words(self.low, self.high, low_inclusive=self.low_inclusive,
                                high_inclusive=self.high_inclusive)


EQUITY_USD = Parameter("equity_usd", 10_000.0, 0.01, 1e13, "USD", "Account equity")
RISK_FRACTION = Parameter("risk_fraction", DEFAULT_RISK_FRACTION, 0.0, DEFAULT_MAX_RISK_FRACTION,
                          "fraction of equity", "Risk per trade", low_inclusive=False,
                          smallest=0.0001)
MAX_RISK_FRACTION = Parameter("max_risk_fraction", DEFAULT_MAX_RISK_FRACTION, 0.0, 0.10,
                              "fraction of equity", "Hard cap on risk", low_inclusive=False,
                              smallest=0.0001)
TAKER_FEE_RATE = Parameter("taker_fee_rate", 0.0005, 0.0, 0.01, "fraction of notional, per fill",
                           "Taker fee")
STOP_SLIPPAGE_RATE = Parameter("stop_slippage_rate", 0.0005, 0.0, 0.05,
                               "fraction of the stop price", "Stop slippage")
MIN_EQUITY_USD = Parameter("min_equity_usd", DEFAULT_MIN_EQUITY_USD, 0.0, 1e13, "USD",
                           "Minimum equity", unbounded=True)
MAX_OPEN_POSITIONS = Parameter("max_open_positions", 5, 1, 1e6, "positions",
                               "Most open positions", integer=True)
COOLDOWN_DAYS = Parameter("cooldown_days", 3, 0, 1e6, "days", "Cool-down after a loss",
                          integer=True)
VOL_K_SIGMA = Parameter("vol_k_sigma", 3.0, 0.0, 10.0, "daily sigmas", "k (sigmas survived)",
                        low_inclusive=False)
HOLDING_DAYS = Parameter("holding_days", 1.0, 0.0, 365.0, "days", "Holding days h",
                         low_inclusive=False)
GAP_BUFFER_FRACTION = Parameter("gap_buffer_fraction", 0.02, 0.0, 0.5, "fraction of price",
                                "Gap buffer")
PORTFOLIO_RISK_CAP_FRACTION = Parameter("portfolio_risk_cap_fraction", 0.06, 0.0, 0.5,
                                        "fraction of equity", "Stressed-loss cap",
                                        low_inclusive=False)
CORRELATION_WINDOW_DAYS = Parameter("correlation_window_days", 30, 5, 1e6, "days",
                                    "Correlation window", integer=True)

# the plan's own parameters and the score's momentum windows: what the sweep grid varies
TOP_N_LONG = Parameter("top_n_long", 1, 1, 1e6, "sectors", "Sectors held long", integer=True)
THETA = Parameter("theta", 2.0, 0.0, 10.0, "divergence z-score", "Divergence threshold",
                  low_inclusive=False)
MAX_LEVERAGE = Parameter("max_leverage", 5.0, 1.0, 125.0, "x", "Leverage ceiling")
ATR_STOP_MULTIPLE = Parameter("atr_stop_multiple", 2.0, 0.0, 20.0, "ATRs", "Stop distance",
                              low_inclusive=False)
TAKE_PROFIT_ATR_MULTIPLE = Parameter("take_profit_atr_multiple", 3.0, 0.0, 50.0, "ATRs",
                                     "Take-profit distance", low_inclusive=False)
SHORT_WINDOW = Parameter("short_days", 7, 1, 365, "days", "Short momentum window",
                         integer=True)
LONG_WINDOW = Parameter("long_days", 30, 2, 365, "days", "Long momentum window", integer=True)
"""The windows' ``high`` is checked by ``core.bt_features.MomentumWindows`` itself (with the
short window below the long one)."""
SCORE_WEIGHT_RANGE: tuple[float, float] = (0.0, 10.0)
"""Each weight of the sector score (``core.scores.ScoreWeights``), both ends allowed."""

RISK_PARAMETERS: tuple[Parameter, ...] = (
    EQUITY_USD, RISK_FRACTION, MAX_RISK_FRACTION, TAKER_FEE_RATE, STOP_SLIPPAGE_RATE,
    MIN_EQUITY_USD, MAX_OPEN_POSITIONS, COOLDOWN_DAYS, VOL_K_SIGMA, HOLDING_DAYS,
    GAP_BUFFER_FRACTION,
)
"""The parameters a user sets in ``settings.toml`` and the plan uses, in settings order."""

BY_NAME: dict[str, Parameter] = {p.name: p for p in (*RISK_PARAMETERS,
                                                      PORTFOLIO_RISK_CAP_FRACTION,
                                                      CORRELATION_WINDOW_DAYS)}


def check_risk_pair(risk_fraction: object, max_risk_fraction: object) -> tuple[float, float]:
    """Validate the hard cap, then the risk per trade against that cap (both fractions)."""
    cap = MAX_RISK_FRACTION.check(max_risk_fraction)
    return RISK_FRACTION.check(risk_fraction, high=cap), cap


class RiskSettings(Protocol):
    """What ``PlanParameters.from_settings`` reads: the shared fields, by name, typed.

    ``data.settings.Settings`` satisfies it; the core cannot import the data layer.
    """

    @property
    def equity_usd(self) -> float: ...
    @property
    def risk_fraction(self) -> float: ...
    @property
    def max_risk_fraction(self) -> float: ...
    @property
    def taker_fee_rate(self) -> float: ...
    @property
    def stop_slippage_rate(self) -> float: ...
    @property
    def min_equity_usd(self) -> float: ...
    @property
    def max_open_positions(self) -> int: ...
    @property
    def cooldown_days(self) -> int: ...
    @property
    def vol_k_sigma(self) -> float: ...
    @property
    def holding_days(self) -> float: ...
    @property
    def gap_buffer_fraction(self) -> float: ...


def check_all(values: RiskSettings) -> None:
    """Validate every shared field of ``values`` against this table (first error raised).

    The order is the table's, except that the hard cap is checked before the risk per trade
    it caps (the message names the cap the user chose).
    """
    EQUITY_USD.check(values.equity_usd)
    check_risk_pair(values.risk_fraction, values.max_risk_fraction)
    for parameter in RISK_PARAMETERS:
        if parameter not in (EQUITY_USD, RISK_FRACTION, MAX_RISK_FRACTION):
            parameter.check(getattr(values, parameter.name))
