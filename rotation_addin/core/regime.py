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

import pandas as pd

from rotation_addin.core.dominance import dominance_proxy
from rotation_addin.core.errors import InputError
from rotation_addin.core.frames import require_dated, require_frame, window_days
from rotation_addin.core.regime_votes import (
    DOMINANCE,
    EQUITY,
    NEUTRAL,
    NO_DATA,
    RISK_OFF,
    RISK_ON,
    STABLECOINS,
    DeadBands,
    InputVote,
    MacroColumn,
    VoteSettings,
    dominance_vote,
    equity_vote,
    stablecoin_vote,
)
from rotation_addin.core.validation import in_range, positive_int

__all__ = [
    "DOMINANCE",
    "EQUITY",
    "NEUTRAL",
    "NO_DATA",
    "RISK_OFF",
    "RISK_ON",
    "STABLECOINS",
    "DeadBands",
    "InputVote",
    "RegimeVerdict",
    "dominance_proxy",
    "regime_history",
    "regime_verdict",
]


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


def _settings(
    dominance_days: object,
    stablecoin_days: object,
    equity_ma_days: object,
    dead_bands: object,
    max_stale_days: object,
    risk_on_score: object,
    risk_off_score: object,
    rotation_in_risk_off: object,
) -> VoteSettings:
    if dead_bands is None:
        dead_bands = DeadBands()
    if not isinstance(dead_bands, DeadBands):
        raise InputError("dead_bands", f"must be DeadBands (got {type(dead_bands).__name__})")
    on = int(in_range("risk_on_score", risk_on_score, 1, 3))
    off = int(in_range("risk_off_score", risk_off_score, -3, -1))
    if on != risk_on_score or off != risk_off_score:
        raise InputError("risk_on_score", "scores must be whole numbers")
    return VoteSettings(
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
    columns: tuple[MacroColumn | None, MacroColumn | None, MacroColumn | None],
    day: int,
    as_of: pd.Timestamp,
    s: VoteSettings,
) -> RegimeVerdict:
    votes = (
        dominance_vote(columns[0], day, s),
        stablecoin_vote(columns[1], day, s),
        equity_vote(columns[2], day, s),
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
) -> tuple[pd.DataFrame, tuple[MacroColumn | None, MacroColumn | None, MacroColumn | None]]:
    frame = require_frame("macro", macro, min_rows=1, min_columns=0)
    require_dated("macro", frame.index)
    return frame, (
        MacroColumn.of(frame, DOMINANCE),
        MacroColumn.of(frame, STABLECOINS),
        MacroColumn.of(frame, EQUITY),
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
