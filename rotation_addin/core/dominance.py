"""A BTC-dominance proxy built from exchange data, for backtests without dominance history.

Real BTC dominance is BTC's market cap over the *whole* crypto market cap (CoinGecko
``/global``). An exchange gives neither circulating supplies nor the whole market, so the
proxy here is **not** that number. It is BTC's share of the tracked universe, measured one
of two ways:

* ``method="cap"`` (default): a *cap proxy*. Supplies are assumed constant, so each asset's
  "cap" moves with its price; BTC starts at ``start_share`` of the total and the alts share
  the rest equally. The level depends on ``start_share``; the *direction* of its change is
  exactly the sign of BTC's performance against the equal-weight buy-and-hold alt basket,
  which is what drives real dominance over weeks (supplies change slowly).
* ``method="volume"``: BTC's share of the universe's USD trading volume, summed over
  ``smoothing_days``. This measures where trading activity is, not capitalisation.

Use it only to feed the dominance *trend* vote; label any output that relies on it as a proxy.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from rotation_addin.core.errors import InputError
from rotation_addin.core.frames import require_column, require_frame, window_days
from rotation_addin.core.validation import in_range


def _cap_share(close: pd.DataFrame, benchmark: str, start_share: float) -> pd.Series:
    prices = close.ffill()
    market = prices[benchmark].to_numpy()
    priced = np.flatnonzero(np.isfinite(market))
    if len(priced) == 0:
        raise InputError("close", f"has no {benchmark} price")
    start = int(priced[0])
    alts = [c for c in prices.columns
            if c != benchmark and np.isfinite(prices[c].to_numpy()[start])]
    if not alts:
        raise InputError("close", f"needs at least one other asset priced on "
                                  f"{prices.index[start]} (the first {benchmark} day)")
    alt_prices = prices[alts].to_numpy()[start:]  # priced from start on (carried forward)
    market_cap = start_share * market[start:] / market[start]
    alt_cap = (1.0 - start_share) * (alt_prices / alt_prices[0]).mean(axis=1)
    share = np.full(len(market), np.nan)
    share[start:] = market_cap / (market_cap + alt_cap)
    return pd.Series(share, index=prices.index)


def _volume_share(volume: pd.DataFrame, benchmark: str, days: int) -> pd.Series:
    if (volume.to_numpy()[np.isfinite(volume.to_numpy())] < 0).any():
        raise InputError("volume_usd", "volumes must be >= 0")
    filled = volume.fillna(0.0)
    market = filled[benchmark].rolling(days, min_periods=days).sum()
    total = filled.sum(axis=1).rolling(days, min_periods=days).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = market / total
    return share.where(total > 0)


def dominance_proxy(
    close: pd.DataFrame,
    volume_usd: pd.DataFrame | None = None,
    benchmark: str = "BTC",
    *,
    method: Literal["cap", "volume"] = "cap",
    start_share: float = 0.5,
    smoothing_days: int = 7,
) -> pd.Series:
    """BTC's share of the tracked universe (0..1) -- a proxy, see the module docstring.

    Parameters
    ----------
    close : pd.DataFrame
        Daily close prices by base, including ``benchmark``. Missing prices are carried
        forward (cap unchanged on a day without a price).
    volume_usd : pd.DataFrame or None
        Daily USD volume by base; required for ``method="volume"``.
    benchmark : str
        The BTC column.
    method : {"cap", "volume"}
        Constant-supply cap share (default) or volume share.
    start_share : float
        BTC's share on the first day for ``method="cap"``, in (0, 1).
    smoothing_days : int
        Volume summed over this many days for ``method="volume"``.

    Returns
    -------
    pd.Series
        Named ``"btc_dominance"``, fraction in (0, 1), NaN before enough data; ready to
        be the ``btc_dominance`` column of a macro frame.
    """
    prices = require_frame("close", close, min_columns=2)
    require_column("benchmark", prices, benchmark)
    if method == "cap":
        share = in_range("start_share", start_share, 0.0, 1.0, low_inclusive=False,
                         high_inclusive=False)
        result = _cap_share(prices, benchmark, share)
    elif method == "volume":
        if volume_usd is None:
            raise InputError("volume_usd", "is required for method='volume'")
        volume = require_frame("volume_usd", volume_usd, min_columns=2)
        require_column("benchmark", volume, benchmark)
        result = _volume_share(volume, benchmark, window_days("smoothing_days", smoothing_days,
                                                              minimum=1))
    else:
        raise InputError("method", f"must be 'cap' or 'volume' (got {method!r})")
    return result.rename("btc_dominance")


def cap_share_dominance(
    market_caps_usd: pd.DataFrame,
    benchmark: str,
    *,
    anchor_dominance: float | None = None,
    max_fill_days: int = 2,
) -> pd.Series:
    """BTC dominance history from market-cap histories of BTC and the largest coins (proxy).

    Formula: ``share_t = cap_BTC,t / sum_i cap_i,t`` over the coins given (BTC included),
    then, with ``anchor_dominance`` D (today's true dominance, e.g. CoinGecko ``/global``),
    ``dominance_t = share_t x D / share_T`` (T the last day), so the last value is D and the
    history moves with BTC's share of the largest coins. It is a **proxy**: the coins outside
    the list are assumed to move with those in it. A coin's missing day is carried forward up
    to ``max_fill_days``; a day with a coin still missing is dropped (NaN).

    Parameters
    ----------
    market_caps_usd : pd.DataFrame
        Daily market caps in USD by coin (columns), ``benchmark`` among them.
    benchmark : str
        The BTC column.
    anchor_dominance : float, optional
        True dominance on the last day, in (0, 1).
    max_fill_days : int
        Longest gap carried forward, days (>= 0).

    Returns
    -------
    pd.Series
        Named ``"btc_dominance"``, fractions in (0, 1].
    """
    caps = require_frame("market_caps_usd", market_caps_usd, min_columns=2)
    require_column("benchmark", caps, benchmark)
    values = caps.to_numpy(dtype=float)
    if (values[np.isfinite(values)] <= 0).any():
        raise InputError("market_caps_usd", "market caps must be > 0")
    fill = int(max_fill_days) if max_fill_days >= 0 else -1
    if fill < 0:
        raise InputError("max_fill_days", f"must be >= 0 (got {max_fill_days})")
    filled = caps.ffill(limit=fill) if fill else caps
    total = filled.sum(axis=1, min_count=filled.shape[1])
    share = (filled[benchmark] / total).where(filled.notna().all(axis=1))
    if anchor_dominance is not None:
        anchor = in_range("anchor_dominance", anchor_dominance, 0.0, 1.0,
                          low_inclusive=False, high_inclusive=False)
        last = share.dropna()
        if last.empty:
            raise InputError("market_caps_usd", "has no day with every coin's market cap")
        share = share * (anchor / float(last.iloc[-1]))
    return share.rename("btc_dominance")
