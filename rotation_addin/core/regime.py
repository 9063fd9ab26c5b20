"""Macro regime (strategy layer 1): risk-on / neutral / risk-off from three daily inputs.

Each input votes +1 / 0 / -1, with a dead band around zero so that noise does not vote:

* BTC dominance, % change over ``dominance_days``: falling = alts favoured (+1).
* Stablecoin supply, % change over ``stablecoin_days``: rising = fresh liquidity (+1).
* Equity index vs its ``equity_ma_days`` average: above = risk appetite (+1).

An input with no usable data votes 0 with the reason "no data". The label follows the
sum of votes (the score); rotation within alts is enabled unless the label is risk-off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from rotation_addin.core.dominance import dominance_proxy
from rotation_addin.core.errors import InputError
from rotation_addin.core.frames import require_dated, require_frame, window_days
from rotation_addin.core.validation import in_range, non_negative, positive_int

DOMINANCE = "btc_dominance"
STABLECOINS = "stablecoin_supply_usd"
EQUITY = "equity_index"
RISK_ON, NEUTRAL, RISK_OFF = "risk-on", "neutral", "risk-off"
NO_DATA = "no data"

__all__ = [
    "DeadBands",
    "InputVote",
    "RegimeVerdict",
    "dominance_proxy",
    "regime_history",
    "regime_verdict",
]


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
class RegimeVerdict:
    """The regime on one day.

    Attributes
    ----------
    as_of : pd.Timestamp
        Day the verdict is for (last row of the macro frame, or the requested day).
    label : str
        ``"risk-on"``, ``"neutral"`` or ``"risk-off"``.
    score : int
        Sum of the votes (-3 .. +3).
    votes : tuple[InputVote, ...]
        Dominance, stablecoins, equity -- always all three, in that order.
    rotation_enabled : bool
        Whether rotation within alts is allowed under this regime.
    summary : str
        One line: label, score and the votes.
    warnings : tuple[str, ...]
        Inputs that had no data.
    """

    as_of: pd.Timestamp
    label: str
    score: int
    votes: tuple[InputVote, ...]
    rotation_enabled: bool
    summary: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Settings:
    dominance_days: int
    stablecoin_days: int
    equity_ma_days: int
    bands: DeadBands
    max_stale_days: int
    risk_on_score: int
    risk_off_score: int
    rotation_in_risk_off: bool


@dataclass(frozen=True)
class _Column:
    """Non-missing observations of one macro input as sorted day numbers and values."""

    days: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, macro: pd.DataFrame, name: str) -> _Column | None:
        if name not in macro.columns:
            return None
        series = macro[name].dropna()
        if series.empty:
            return None
        index = pd.DatetimeIndex(series.index)
        days = (index.normalize() - pd.Timestamp(0, tz=index.tz)).days.to_numpy()
        return cls(np.asarray(days, dtype=np.int64), series.to_numpy(dtype=float))


def _position_at(column: _Column, day: int) -> int:
    """Index of the last observation on or before ``day`` (-1 if none)."""
    return int(np.searchsorted(column.days, day, side="right")) - 1


def _percent_change(
    column: _Column | None, day: int, lookback: int, stale: int
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


def _dominance_vote(column: _Column | None, day: int, s: _Settings) -> InputVote:
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


def _stablecoin_vote(column: _Column | None, day: int, s: _Settings) -> InputVote:
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


def _equity_vote(column: _Column | None, day: int, s: _Settings) -> InputVote:
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


def _settings(
    dominance_days: object,
    stablecoin_days: object,
    equity_ma_days: object,
    dead_bands: object,
    max_stale_days: object,
    risk_on_score: object,
    risk_off_score: object,
    rotation_in_risk_off: object,
) -> _Settings:
    if dead_bands is None:
        dead_bands = DeadBands()
    if not isinstance(dead_bands, DeadBands):
        raise InputError("dead_bands", f"must be DeadBands (got {type(dead_bands).__name__})")
    on = int(in_range("risk_on_score", risk_on_score, 1, 3))
    off = int(in_range("risk_off_score", risk_off_score, -3, -1))
    if on != risk_on_score or off != risk_off_score:
        raise InputError("risk_on_score", "scores must be whole numbers")
    return _Settings(
        dominance_days=window_days("dominance_days", dominance_days, minimum=1),
        stablecoin_days=window_days("stablecoin_days", stablecoin_days, minimum=1),
        equity_ma_days=window_days("equity_ma_days", equity_ma_days, minimum=2),
        bands=dead_bands,
        max_stale_days=positive_int("max_stale_days", max_stale_days, minimum=0),
        risk_on_score=on,
        risk_off_score=off,
        rotation_in_risk_off=bool(rotation_in_risk_off),
    )


def _verdict_on(
    columns: tuple[_Column | None, _Column | None, _Column | None],
    day: int,
    as_of: pd.Timestamp,
    s: _Settings,
) -> RegimeVerdict:
    votes = (
        _dominance_vote(columns[0], day, s),
        _stablecoin_vote(columns[1], day, s),
        _equity_vote(columns[2], day, s),
    )
    score = sum(v.vote for v in votes)
    label = RISK_ON if score >= s.risk_on_score else RISK_OFF if score <= s.risk_off_score \
        else NEUTRAL
    enabled = label != RISK_OFF or s.rotation_in_risk_off
    parts = ", ".join(f"{v.name} {v.vote:+d}" for v in votes)
    warnings = tuple(f"{v.name}: {v.reason} -- it votes 0" for v in votes
                     if v.reason.startswith(NO_DATA))
    summary = f"{label} (score {score:+d}: {parts}); rotation {'on' if enabled else 'off'}"
    return RegimeVerdict(as_of, label, score, votes, enabled, summary, warnings)


def _macro_columns(
    macro: object,
) -> tuple[pd.DataFrame, tuple[_Column | None, _Column | None, _Column | None]]:
    frame = require_frame("macro", macro, min_rows=1, min_columns=0)
    require_dated("macro", frame.index)
    return frame, (
        _Column.of(frame, DOMINANCE),
        _Column.of(frame, STABLECOINS),
        _Column.of(frame, EQUITY),
    )


def _day_number(stamp: pd.Timestamp) -> int:
    epoch = pd.Timestamp(0, tz=stamp.tz)
    return int((stamp.normalize() - epoch).days)


def regime_verdict(
    macro: pd.DataFrame,
    *,
    as_of: pd.Timestamp | None = None,
    dominance_days: int = 30,
    stablecoin_days: int = 30,
    equity_ma_days: int = 50,
    dead_bands: DeadBands | None = None,
    max_stale_days: int = 4,
    risk_on_score: int = 1,
    risk_off_score: int = -1,
    rotation_in_risk_off: bool = False,
) -> RegimeVerdict:
    """Regime verdict with a vote and a one-line reason per macro input.

    Parameters
    ----------
    macro : pd.DataFrame
        Daily, date-indexed; columns ``btc_dominance`` (fraction), ``stablecoin_supply_usd``,
        ``equity_index`` -- any may be absent or NaN on some days (weekends for equities).
    as_of : pd.Timestamp or None
        Day to judge; default the last row. Only data on or before it is used.
    dominance_days, stablecoin_days : int
        Look-back in calendar days of the % changes (value at the latest observation vs
        the last observation at least that many days earlier).
    equity_ma_days : int
        Number of index closes (non-missing rows, i.e. trading days) in the average.
    dead_bands : DeadBands or None
        Sizes in % within which an input votes 0 (default 1 % each).
    max_stale_days : int
        A value older than this (in days) counts as missing.
    risk_on_score, risk_off_score : int
        Score at or above which the label is risk-on (default +1) / at or below which it is
        risk-off (default -1).
    rotation_in_risk_off : bool
        Allow rotation within alts even when risk-off (default False).
    """
    frame, columns = _macro_columns(macro)
    s = _settings(dominance_days, stablecoin_days, equity_ma_days, dead_bands,
                  max_stale_days, risk_on_score, risk_off_score, rotation_in_risk_off)
    if frame.empty and as_of is None:
        raise InputError("macro", "needs at least one day (or give as_of)")
    day_stamp = _as_of_day(as_of) if as_of is not None else pd.Timestamp(frame.index[-1])
    return _verdict_on(columns, _day_number(day_stamp), day_stamp, s)


def _as_of_day(as_of: object) -> pd.Timestamp:
    """``as_of`` as a Timestamp, or InputError (a bool, NaN, text or 1e300 is not a day)."""
    if isinstance(as_of, bool) or not isinstance(as_of, str | date | datetime | pd.Timestamp):
        raise InputError("as_of", f"must be a date or timestamp (got {as_of!r})")
    try:
        stamp = pd.Timestamp(as_of)
    except (ValueError, TypeError, OverflowError) as error:
        raise InputError("as_of", f"must be a date or timestamp (got {as_of!r}): {error}") from None
    if pd.isna(stamp):
        raise InputError("as_of", f"must be a date or timestamp (got {as_of!r})")
    return stamp


def regime_history(
    macro: pd.DataFrame,
    *,
    dominance_days: int = 30,
    stablecoin_days: int = 30,
    equity_ma_days: int = 50,
    dead_bands: DeadBands | None = None,
    max_stale_days: int = 4,
    risk_on_score: int = 1,
    risk_off_score: int = -1,
    rotation_in_risk_off: bool = False,
) -> pd.DataFrame:
    """The verdict :func:`regime_verdict` would have given on every day of ``macro``.

    Uses only data up to each day (no look-ahead), for backtests.

    Returns
    -------
    pd.DataFrame
        Same index as ``macro``. Columns: ``dominance_change_pct``, ``dominance_vote``,
        ``stablecoin_change_pct``, ``stablecoin_vote``, ``equity_gap_pct``, ``equity_vote``,
        ``score``, ``label``, ``rotation_enabled``.
    """
    frame, columns = _macro_columns(macro)
    s = _settings(dominance_days, stablecoin_days, equity_ma_days, dead_bands,
                  max_stale_days, risk_on_score, risk_off_score, rotation_in_risk_off)
    rows = []
    for stamp in frame.index:
        verdict = _verdict_on(columns, _day_number(pd.Timestamp(stamp)), pd.Timestamp(stamp), s)
        dom, stable, equity = verdict.votes
        rows.append(
            {
                "dominance_change_pct": dom.value,
                "dominance_vote": dom.vote,
                "stablecoin_change_pct": stable.value,
                "stablecoin_vote": stable.vote,
                "equity_gap_pct": equity.value,
                "equity_vote": equity.vote,
                "score": verdict.score,
                "label": verdict.label,
                "rotation_enabled": verdict.rotation_enabled,
            }
        )
    return pd.DataFrame(rows, index=frame.index)
