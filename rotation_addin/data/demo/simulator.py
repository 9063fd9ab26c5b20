"""Deterministic, seeded demo market: every artifact the live path produces, simulated.

Model (daily, log returns; see ``docs/demo-market.md``)::

    regime_t   in {risk-on, neutral, risk-off}   Markov chain, mean stay ~ 70 days
    m_t        = mu(regime) + v(regime) * s_m,t * z_m,t               market factor (= BTC)
    f_k,t      = d_k,t + v(regime) * s_k,t * z_k,t                    sector factor k
    r_i,t      = a(regime) + b_i * c_t * m_t + sqrt(rho_k) * u_i * f_k,t
                 + sqrt(1 - rho_k) * u_i * q_t * v(regime) * s_i,t * z_i,t

``s`` are GARCH(1,1) volatilities, ``z`` unit-variance Student-t innovations, ``u_i`` the
non-market volatility, ``rho_k`` the residual intra-sector correlation, ``c_t``/``q_t`` the
stress multipliers (beta up, idiosyncratic part down on BTC's worst-decile shock days),
``d_k,t`` the divergence-episode drift (run-up then decline after a social-volume spike,
rally after quiet on-chain accumulation). Daily candles are simulated directly (high and low:
the exact extremes of a Brownian bridge from open to close); hourly candles, simulated only
when asked for, are a bridge inside each daily candle, so daily OHLCV is exactly the
aggregate of the hourly candles. Everything is vectorised over bases and linear in their
number (contract rules once per market, order books on first access).

Values depend only on ``seed``, ``days`` and the universe -- never on the calendar date.
"""

from __future__ import annotations

import datetime as dt
import os

from rotation_addin.core.errors import InputError
from rotation_addin.core.universe import Universe
from rotation_addin.core.validation import positive_int
from rotation_addin.data.demo.daily_model import (
    ALT_DRIFT,
    EPISODE_GAP_DAYS,
    EPISODE_LENGTH_DAYS,
    MARKET_DRIFT,
    REGIME_STAY_PROBABILITY,
    REGIMES,
    SOURCE_LABEL,
    VOL_MULTIPLIER,
    Episode,
)
from rotation_addin.data.demo.intraday import (
    FUNDING_HOURS,
    FUNDING_NOISE_SD,
    FUNDING_PHI,
    HOURS,
    HourlyArrays,
)
from rotation_addin.data.demo.models import AssetModel, DemoParameters, asset_models
from rotation_addin.data.demo.processes import garch_volatility
from rotation_addin.data.demo.series_model import (
    DOMINANCE_DRIFT,
    EQUITY_DAILY_VOL,
    EQUITY_DRIFT,
    JUMP_THRESHOLD,
    STABLE_REGIME_DRIFT,
    SeriesModel,
)
from rotation_addin.data.demo.venue import MIN_NOTIONAL_USD, VenueModel
from rotation_addin.data.universe_io import default_universe

DEFAULT_SEED = 20240605
"""The shipped seed: the first seed from 20240601 up whose statistics meet every band the tests
check (the table's block-bootstrap bands, ``stats.CALIBRATION_BANDS`` and the qualitative
checks of tests/data/test_demo_market.py). 20240601: BTC excess kurtosis 8.63 above the band's
8.42; 20240602: four outside; 20240603: BTC |r| autocorrelation 2.5x the real; 20240604: BTC
kurtosis and the render/compute share. Only 2 of seeds 1-16 meet every band, so a seed is a
choice; the model itself is judged by the 16-seed median (docs/demo-market.md,
tests/data/test_demo_table.py), which does not depend on it."""
DEFAULT_DAYS = 1100
MIN_DAYS = 120
MAX_DAYS = 5000

DEMO_END_ENV = "ROTATION_DEMO_END"
"""Environment setting naming the demo market's last daily candle (ISO date) instead of
yesterday UTC: one fixed calendar for a whole session (the tests set it, so a run that crosses
midnight UTC keeps one demo run; a screenshot or a doc example stays on the same dates)."""


def default_end() -> dt.date:
    """Open date of the demo's last daily candle when no end is given: ``$ROTATION_DEMO_END``
    if set (an ISO date), else yesterday UTC. Every surface asks here (the simulator, the
    memoised dataset, a demo refresh's fingerprint, ``rotation data status``), so a cached
    demo run and the demo built now agree on one day."""
    text = os.environ.get(DEMO_END_ENV, "").strip()
    if not text:
        return (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(DEMO_END_ENV, f"must be an ISO date like 2026-11-20 (got {text!r})") \
            from None


class DemoMarket(VenueModel, SeriesModel):
    """Seeded simulated market for a universe (default: the bundled sector universe).

    Parameters
    ----------
    seed : int
        Random seed; the same seed gives identical data.
    days : int
        Number of daily candles (>= 120; default 1100, a little over 3 years).
    end : datetime.date or None
        Open date of the last (closed) daily candle; default :func:`default_end` (yesterday
        UTC unless ``$ROTATION_DEMO_END`` names a date). Only the dates
        depend on it, not the simulated values.
    universe : Universe or None
        Sectors to simulate (default: the bundled universe).
    parameters : DemoParameters or None
        Model parameters (default: the fitted values in ``params.py``).

    The model lives by concept: :mod:`~rotation_addin.data.demo.daily_model` (regimes,
    returns, daily candles), :mod:`~rotation_addin.data.demo.intraday` (hourly bridge,
    funding), :mod:`~rotation_addin.data.demo.venue` (contracts, tickers, books),
    :mod:`~rotation_addin.data.demo.series_model` (macro, sentiment) and
    :mod:`~rotation_addin.data.demo.processes` (the random processes).
    """

    source = SOURCE_LABEL

    def __init__(
        self,
        seed: int = DEFAULT_SEED,
        days: int = DEFAULT_DAYS,
        end: dt.date | None = None,
        *,
        universe: Universe | None = None,
        parameters: DemoParameters | None = None,
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise InputError("seed", f"must be an integer >= 0 (got {seed!r})")
        self.seed = seed
        self.days = positive_int("days", days, minimum=MIN_DAYS)
        if self.days > MAX_DAYS:
            raise InputError("days", f"must be <= {MAX_DAYS} (got {days})")
        if end is None:
            end = default_end()
        elif isinstance(end, dt.datetime):
            end = end.date()
        elif not isinstance(end, dt.date):
            raise InputError("end", f"must be a date (got {end!r})")
        self.end: dt.date = end
        self.universe = universe if universe is not None else default_universe()
        self.parameters = parameters or DemoParameters.from_module()
        self.models: dict[str, AssetModel] = asset_models(self.universe, self.parameters)
        self._hourly_cache: dict[str, HourlyArrays] = {}


__all__ = [
    "ALT_DRIFT",
    "DEFAULT_DAYS",
    "DEFAULT_SEED",
    "DEMO_END_ENV",
    "DOMINANCE_DRIFT",
    "EPISODE_GAP_DAYS",
    "EPISODE_LENGTH_DAYS",
    "EQUITY_DAILY_VOL",
    "EQUITY_DRIFT",
    "FUNDING_HOURS",
    "FUNDING_NOISE_SD",
    "FUNDING_PHI",
    "HOURS",
    "JUMP_THRESHOLD",
    "MARKET_DRIFT",
    "MAX_DAYS",
    "MIN_DAYS",
    "MIN_NOTIONAL_USD",
    "REGIMES",
    "REGIME_STAY_PROBABILITY",
    "SOURCE_LABEL",
    "STABLE_REGIME_DRIFT",
    "VOL_MULTIPLIER",
    "DemoMarket",
    "Episode",
    "default_end",
    "garch_volatility",
]
