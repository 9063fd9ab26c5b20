"""The votes of the macro regime: one per input, with a dead band and a one-line reason.

Rules: :mod:`rotation_addin.core.regime` (import from there).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rotation_addin.core.validation import non_negative

DOMINANCE = "btc_dominance"
STABLECOINS = "stablecoin_supply_usd"
EQUITY = "equity_index"
RISK_ON, NEUTRAL, RISK_OFF = "risk-on", "neutral", "risk-off"
NO_DATA = "no data"


@dataclass(frozen=True)
class DeadBands:
    """Sizes (in %) below which an input votes 0.

    Attributes
    ----------
    dominance_pct : float
        |% change of BTC dominance over the look-back| at or below this votes 0.
    stablecoin_pct : float
        |% change of stablecoin supply over the look-back| at or below this votes 0.
    equity_pct : float
        |% gap between the equity index and its moving average| at or below this votes 0.
    """

    dominance_pct: float = 1.0
    stablecoin_pct: float = 1.0
    equity_pct: float = 1.0

    def __post_init__(self) -> None:
        non_negative("dead_bands.dominance_pct", self.dominance_pct)
        non_negative("dead_bands.stablecoin_pct", self.stablecoin_pct)
        non_negative("dead_bands.equity_pct", self.equity_pct)


@dataclass(frozen=True)
class InputVote:
    """One input's vote.

    Attributes
    ----------
    name : str
        Macro column (``btc_dominance``, ``stablecoin_supply_usd``, ``equity_index``).
    value : float or None
        The measured figure in % (change over the look-back, or gap to the average);
        None when there is no data.
    vote : int
        +1 (risk-on), 0, -1 (risk-off).
    reason : str
        One plain-language line, e.g. "BTC dominance fell 3.1 % over 30 days (alts favoured)".
    """

    name: str
    value: float | None
    vote: int
    reason: str


@dataclass(frozen=True)
class VoteSettings:
    """The checked settings of a regime verdict (look-backs, dead bands, thresholds)."""

    dominance_days: int
    stablecoin_days: int
    equity_ma_days: int
    bands: DeadBands
    max_stale_days: int
    risk_on_score: int
    risk_off_score: int
    rotation_in_risk_off: bool


@dataclass(frozen=True)
class MacroColumn:
    """Non-missing observations of one macro input as sorted day numbers and values."""

    days: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, macro: pd.DataFrame, name: str) -> MacroColumn | None:
        """The column ``name`` of ``macro`` (None when absent or all missing)."""
        if name not in macro.columns:
            return None
        series = macro[name].dropna()
        if series.empty:
            return None
        index = pd.DatetimeIndex(series.index)
        days = (index.normalize() - pd.Timestamp(0, tz=index.tz)).days.to_numpy()
        return cls(np.asarray(days, dtype=np.int64), series.to_numpy(dtype=float))


def _position_at(column: MacroColumn, day: int) -> int:
    """Index of the last observation on or before ``day`` (-1 if none)."""
    return int(np.searchsorted(column.days, day, side="right")) - 1


def _percent_change(
    column: MacroColumn | None, day: int, lookback: int, stale: int
) -> tuple[float | None, str]:
    if column is None:
        return None, NO_DATA
    end = _position_at(column, day)
    if end < 0 or day - int(column.days[end]) > stale:
        return None, f"{NO_DATA}: no value in the last {stale} days"
    start_day = int(column.days[end]) - lookback
    start = _position_at(column, start_day)
    if start < 0 or start_day - int(column.days[start]) > stale:
        return None, f"{NO_DATA}: needs {lookback} days of history"
    first, last = float(column.values[start]), float(column.values[end])
    if first <= 0:
        return None, f"{NO_DATA}: non-positive value {first:g}"
    return (last / first - 1.0) * 100.0, ""


def _vote(value: float, band: float) -> int:
    if value > band:
        return 1
    if value < -band:
        return -1
    return 0


def dominance_vote(column: MacroColumn | None, day: int, s: VoteSettings) -> InputVote:
    """BTC dominance's vote: falling beyond the dead band favours alts (+1)."""
    change, missing = _percent_change(column, day, s.dominance_days, s.max_stale_days)
    if change is None:
        return InputVote(DOMINANCE, None, 0, missing)
    vote = -_vote(change, s.bands.dominance_pct)  # falling dominance favours alts
    span = f"{s.dominance_days} days"
    if vote == 1:
        reason = f"BTC dominance fell {abs(change):.1f} % over {span} (alts favoured)"
    elif vote == -1:
        reason = f"BTC dominance rose {change:.1f} % over {span} (money hiding in BTC)"
    else:
        reason = (f"BTC dominance moved {change:+.1f} % over {span}, inside the "
                  f"±{s.bands.dominance_pct:g} % dead band (no tilt)")
    return InputVote(DOMINANCE, change, vote, reason)


def stablecoin_vote(column: MacroColumn | None, day: int, s: VoteSettings) -> InputVote:
    """Stablecoin supply's vote: growing beyond the dead band is fresh liquidity (+1)."""
    change, missing = _percent_change(column, day, s.stablecoin_days, s.max_stale_days)
    if change is None:
        return InputVote(STABLECOINS, None, 0, missing)
    vote = _vote(change, s.bands.stablecoin_pct)
    span = f"{s.stablecoin_days} days"
    if vote == 1:
        reason = f"stablecoin supply grew {change:.1f} % over {span} (fresh liquidity)"
    elif vote == -1:
        reason = f"stablecoin supply shrank {abs(change):.1f} % over {span} (liquidity leaving)"
    else:
        reason = (f"stablecoin supply moved {change:+.1f} % over {span}, inside the "
                  f"±{s.bands.stablecoin_pct:g} % dead band")
    return InputVote(STABLECOINS, change, vote, reason)


def equity_vote(column: MacroColumn | None, day: int, s: VoteSettings) -> InputVote:
    """The equity index's vote: above its moving average beyond the band (+1)."""
    if column is None:
        return InputVote(EQUITY, None, 0, NO_DATA)
    end = _position_at(column, day)
    if end < 0 or day - int(column.days[end]) > s.max_stale_days:
        return InputVote(EQUITY, None, 0, f"{NO_DATA}: no value in the last "
                                          f"{s.max_stale_days} days")
    if end + 1 < s.equity_ma_days:
        return InputVote(EQUITY, None, 0, f"{NO_DATA}: needs {s.equity_ma_days} closes")
    average = float(column.values[end + 1 - s.equity_ma_days : end + 1].mean())
    if average <= 0:
        return InputVote(EQUITY, None, 0, f"{NO_DATA}: non-positive average {average:g}")
    gap = (float(column.values[end]) / average - 1.0) * 100.0
    vote = _vote(gap, s.bands.equity_pct)
    ma = f"its {s.equity_ma_days}-day average"
    if vote == 1:
        reason = f"equity index {gap:.1f} % above {ma} (risk appetite)"
    elif vote == -1:
        reason = f"equity index {abs(gap):.1f} % below {ma} (risk aversion)"
    else:
        reason = f"equity index within ±{s.bands.equity_pct:g} % of {ma} ({gap:+.1f} %)"
    return InputVote(EQUITY, gap, vote, reason)
