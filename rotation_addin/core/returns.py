"""Daily log returns, BTC-relative returns, sector index returns and momentum.

Every analytic in the rotation framework starts from daily *log* returns
``r_t = ln(P_t / P_{t-1})``: they add over time (a 30-day return is the sum of 30 daily
ones) and a BTC-relative return is a plain difference.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from rotation_addin.core.errors import InputError
from rotation_addin.core.frames import drop_columns, require_column, require_frame, window_days
from rotation_addin.core.universe import Universe
from rotation_addin.core.validation import positive


def log_returns(close: pd.DataFrame) -> pd.DataFrame:
    """Daily log returns of wide close prices.

    Parameters
    ----------
    close : pd.DataFrame
        Close prices in USD (or any positive unit), one column per asset, ascending dates.
        NaN marks a day without a price; it yields NaN returns on that day and the next.

    Returns
    -------
    pd.DataFrame
        ``r_t = ln(P_t / P_{t-1})`` (dimensionless, per day); the first row is dropped.
        pandas equivalent: ``np.log(close).diff().iloc[1:]``.

    Raises
    ------
    InputError
        ``close`` is not a frame of finite numbers, has fewer than 2 rows, or holds a price
        <= 0.
    """
    prices = require_frame("close", close, min_rows=2)
    values = prices.to_numpy()
    if (values[~np.isnan(values)] <= 0.0).any():
        raise InputError("close", "prices must be > 0 (found a zero or negative price)")
    logs = np.log(values)
    result = pd.DataFrame(
        logs[1:] - logs[:-1], index=prices.index[1:], columns=prices.columns
    )
    return result


def relative_returns(returns: pd.DataFrame, benchmark: str = "BTC") -> pd.DataFrame:
    """Log returns relative to the benchmark: ``r_asset - r_benchmark`` per day.

    Parameters
    ----------
    returns : pd.DataFrame
        Daily log returns (from :func:`log_returns`) including the benchmark column.
    benchmark : str
        Column of the market factor, ``"BTC"`` by default.

    Returns
    -------
    pd.DataFrame
        Same index, every column except the benchmark (whose relative return is 0).
        The sum over N days is the log of the asset's price *in BTC* change.
        pandas equivalent: ``returns.sub(returns[benchmark], axis=0).drop(columns=benchmark)``.
    """
    frame = require_frame("returns", returns)
    market = require_column("benchmark", frame, benchmark)
    others = drop_columns(frame, [benchmark])
    relative = pd.DataFrame(
        others.to_numpy() - market.to_numpy()[:, None], index=frame.index, columns=others.columns
    )
    return relative


def _sector_weights(
    members: tuple[str, ...], weights: Mapping[str, float] | None
) -> np.ndarray:
    if weights is None:
        return np.ones(len(members))
    chosen = []
    for base in members:
        if base not in weights:
            raise InputError("weights", f"has no weight for {base} (give one per member)")
        chosen.append(positive(f"weights.{base}", weights[base]))
    return np.asarray(chosen, dtype=float)


def sector_index_returns(
    returns: pd.DataFrame,
    universe: Universe,
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Daily log return of each sector's index: the weighted mean of its members' returns.

    Parameters
    ----------
    returns : pd.DataFrame
        Daily log returns by base (USD or BTC-relative -- the index inherits the unit).
    universe : Universe
        Sectors and members. Members without a column in ``returns`` are ignored.
    weights : Mapping[str, float] or None
        Weight per base (e.g. market cap). ``None`` = equal weight.

    Returns
    -------
    pd.DataFrame
        One column per sector that has at least one member in ``returns``, in universe
        order. On each day the members with a return that day are averaged
        ``sum(w_i r_i) / sum(w_i)``; members missing that day are skipped; a day where no
        member has data is NaN. Equal-weight pandas equivalent:
        ``returns[members].mean(axis=1)``.
    """
    frame = require_frame("returns", returns)
    if not isinstance(universe, Universe):
        raise InputError("universe", f"must be a Universe (got {type(universe).__name__})")
    columns: dict[str, np.ndarray] = {}
    for sector, members in universe.sectors.items():
        present = tuple(b for b in members if b in frame.columns)
        if not present:
            continue
        w = _sector_weights(present, weights)
        values = frame[list(present)].to_numpy()
        available = ~np.isnan(values)
        weight_sum = (available * w).sum(axis=1)
        weighted = np.where(available, values, 0.0) @ w
        with np.errstate(invalid="ignore", divide="ignore"):
            columns[sector] = np.where(weight_sum > 0, weighted / weight_sum, np.nan)
    return pd.DataFrame(columns, index=frame.index)


def momentum(close: pd.DataFrame, days: int) -> pd.DataFrame:
    """Log return over the last ``days`` days: ``ln(P_t / P_{t-days})``.

    Parameters
    ----------
    close : pd.DataFrame
        Close prices (> 0), one row per day.
    days : int
        Look-back in rows (days), >= 1.

    Returns
    -------
    pd.DataFrame
        Same shape as ``close``; the first ``days`` rows are NaN.
        pandas equivalent: ``np.log(close).diff(days)``.
    """
    lookback = window_days("days", days, minimum=1)
    prices = require_frame("close", close)
    values = prices.to_numpy()
    if (values[~np.isnan(values)] <= 0.0).any():
        raise InputError("close", "prices must be > 0 (found a zero or negative price)")
    logs = np.log(values)
    out = np.full_like(logs, np.nan)
    if lookback < len(logs):
        out[lookback:] = logs[lookback:] - logs[:-lookback]
    return pd.DataFrame(out, index=prices.index, columns=prices.columns)
