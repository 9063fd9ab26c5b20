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
import math
import zlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.core.dataset import OrderBook, Ticker
from rotation_addin.core.errors import InputError
from rotation_addin.core.types import ContractSpec
from rotation_addin.core.universe import Universe
from rotation_addin.core.validation import positive_int
from rotation_addin.data.demo.models import AssetModel, DemoParameters, asset_models
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
HOURS = 24
FUNDING_HOURS = (0, 8, 16)
FUNDING_PHI = 0.9
"""AR(1) coefficient of the funding noise per 8-hour step."""
FUNDING_NOISE_SD = 0.00006
"""Marginal s.d. of the funding noise (fraction per 8 h)."""
MIN_NOTIONAL_USD = 5.0
"""Smallest order notional of every simulated contract (Binance uses 5 USD for most alts)."""
SOURCE_LABEL = DEMO_SOURCE_LABEL

REGIMES = ("risk-on", "neutral", "risk-off")
REGIME_STAY_PROBABILITY = 0.986
MARKET_DRIFT = np.array([0.0015, 0.0, -0.0018])
ALT_DRIFT = np.array([0.0008, 0.0, -0.0008])
VOL_MULTIPLIER = np.array([0.85, 1.0, 1.3])
DOMINANCE_DRIFT = np.array([-0.0015, 0.0, 0.0015])
STABLE_REGIME_DRIFT = np.array([0.0009, 0.0, -0.0009])
JUMP_THRESHOLD = 0.01
"""A stablecoin-supply day is a jump (mint/burn step) when |log change| exceeds this."""
EQUITY_DRIFT = np.array([0.0008, 0.0003, -0.0006])
EQUITY_DAILY_VOL = 0.010

EPISODE_LENGTH_DAYS = 20
EPISODE_GAP_DAYS = (70, 160)


def _rng(seed: int, *tags: str) -> np.random.Generator:
    """Independent stream per (seed, tags): stable across runs and call order."""
    key = [seed, *(zlib.crc32(t.encode("utf-8")) for t in tags)]
    return np.random.default_rng(np.random.SeedSequence(key))


def _unit_t(rng: np.random.Generator, dof: float, size: int | tuple[int, ...]) -> np.ndarray:
    """Student-t draws scaled to unit variance (dof > 2)."""
    return rng.standard_t(dof, size) / math.sqrt(dof / (dof - 2.0))


def garch_volatility(
    z: np.ndarray, variance: np.ndarray, alpha: np.ndarray, beta: np.ndarray
) -> np.ndarray:
    """Conditional volatilities of GARCH(1,1) paths driven by unit innovations ``z``.

    ``sigma2_t = omega + alpha * sigma2_{t-1} * z_{t-1}^2 + beta * sigma2_{t-1}`` with
    ``omega = variance * (1 - alpha - beta)`` so the unconditional variance is ``variance``.
    ``z`` has shape (days, paths); the other arrays shape (paths,).
    """
    days = z.shape[0]
    sigma2 = np.empty_like(z)
    omega = variance * (1.0 - alpha - beta)
    sigma2[0] = variance
    z2 = z * z
    for t in range(1, days):
        sigma2[t] = omega + sigma2[t - 1] * (alpha * z2[t - 1] + beta)
    out: np.ndarray = np.sqrt(sigma2)
    return out


def _ar1(rng: np.random.Generator, days: int, phi: float, sd: float, width: int = 1) -> np.ndarray:
    """Stationary AR(1) noise of shape (days, width) with marginal s.d. ``sd``."""
    shocks = rng.standard_normal((days, width)) * sd * math.sqrt(1.0 - phi * phi)
    first = rng.standard_normal(width) * sd
    return _ar1_recursion(shocks, first, phi)


def _ar1_backward(rng: np.random.Generator, length: int, phi: float, sd: float) -> np.ndarray:
    """Stationary AR(1) of ``length`` steps, marginal s.d. ``sd``, generated from its end.

    ``out[-1] = sd * z_0`` (the stream's first draw) and ``out[t-1] = phi * out[t] + e_t``
    with ``e ~ N(0, sd^2 (1 - phi^2))``. A stationary Gaussian AR(1) is time-reversible, so
    this has the law of the forward recursion; the last value needs one draw only.
    """
    out = np.empty(length)
    out[-1] = rng.standard_normal() * sd
    if length > 1:
        shocks = (rng.standard_normal(length - 1) * (sd * math.sqrt(1.0 - phi * phi))).tolist()
        value = float(out[-1])
        values = [value]
        for shock in reversed(shocks):
            value = phi * value + shock
            values.append(value)
        out[:] = values[::-1]
    return out


def _funding_rate(momentum: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Funding per 8 h: ``0.01 % + 0.002 * momentum + noise``, clipped to +-0.75 %."""
    rate: np.ndarray = np.clip(0.0001 + 0.002 * momentum + noise, -0.0075, 0.0075)
    return rate


def _ar1_recursion(shocks: np.ndarray, first: np.ndarray, phi: float) -> np.ndarray:
    """``out[0] = first``, ``out[t] = phi * out[t-1] + shocks[t]`` (row-wise, all columns)."""
    out = np.empty_like(shocks)
    out[0] = first
    for t in range(1, shocks.shape[0]):
        out[t] = phi * out[t - 1] + shocks[t]
    return out


@dataclass(frozen=True)
class Episode:
    """A divergence episode of one sector: the sector move starts on ``day`` (row index)."""

    sector: str
    kind: str  # "top" (social spike, run-up, then decline) or "accumulation" (quiet rally)
    day: int
    size_log: float


@dataclass(frozen=True)
class _HourlyArrays:
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    volume_usd: np.ndarray


class DemoMarket:
    """Seeded simulated market for a universe (default: the bundled sector universe).

    Parameters
    ----------
    seed : int
        Random seed; the same seed gives identical data.
    days : int
        Number of daily candles (>= 120; default 1100, a little over 3 years).
    end : datetime.date or None
        Open date of the last (closed) daily candle; default yesterday UTC. Only the dates
        depend on it, not the simulated values.
    universe : Universe or None
        Sectors to simulate (default: the bundled universe).
    parameters : DemoParameters or None
        Model parameters (default: the fitted values in ``params.py``).
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
            end = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).date()
        elif isinstance(end, dt.datetime):
            end = end.date()
        elif not isinstance(end, dt.date):
            raise InputError("end", f"must be a date (got {end!r})")
        self.end: dt.date = end
        self.universe = universe if universe is not None else default_universe()
        self.parameters = parameters or DemoParameters.from_module()
        self.models: dict[str, AssetModel] = asset_models(self.universe, self.parameters)
        self._hourly_cache: dict[str, _HourlyArrays] = {}

    # ------------------------------------------------------------------ calendar
    @cached_property
    def dates(self) -> pd.DatetimeIndex:
        """Open times of the daily candles (UTC midnights), named ``date``."""
        end = pd.Timestamp(self.end, tz="UTC")
        return pd.date_range(end=end, periods=self.days, freq="D", name="date")

    @property
    def as_of(self) -> dt.datetime:
        """Close time of the last daily candle (UTC)."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)

    def listed_bases(self) -> tuple[str, ...]:
        """Bases the simulated exchange lists (every universe member)."""
        return self.universe.bases

    # ------------------------------------------------------------------ daily core
    @cached_property
    def regimes(self) -> np.ndarray:
        """Regime index per day: 0 risk-on, 1 neutral, 2 risk-off."""
        rng = _rng(self.seed, "regime")
        u = rng.random(self.days)
        pick = rng.integers(0, 2, self.days)
        state = np.empty(self.days, dtype=np.int64)
        state[0] = 1
        for t in range(1, self.days):
            prev = state[t - 1]
            state[t] = prev if u[t] < REGIME_STAY_PROBABILITY else (prev + 1 + pick[t]) % 3
        return state

    def regime_labels(self) -> pd.Series:
        """Simulated regime per day (``risk-on`` / ``neutral`` / ``risk-off``), ground truth."""
        return pd.Series(np.array(REGIMES)[self.regimes], index=self.dates, name="regime")

    @cached_property
    def episodes(self) -> tuple[Episode, ...]:
        """Divergence episodes per trading sector (ground truth for the analytics' tests)."""
        out: list[Episode] = []
        for sector in self.universe.trading_sectors():
            rng = _rng(self.seed, "episodes", sector)
            day = int(rng.integers(40, 100))
            while day < self.days - 5:
                kind = "top" if rng.random() < 0.5 else "accumulation"
                size = float(rng.uniform(0.18, 0.32))
                out.append(Episode(sector, kind, day, size))
                day += int(rng.integers(*EPISODE_GAP_DAYS))
        return tuple(out)

    def episode_table(self) -> pd.DataFrame:
        """Episodes as a frame: date (move start), sector, kind, size_log."""
        rows = [(self.dates[e.day], e.sector, e.kind, e.size_log) for e in self.episodes]
        return pd.DataFrame(rows, columns=["date", "sector", "kind", "size_log"])

    def _sector_drift(self) -> dict[str, np.ndarray]:
        length = EPISODE_LENGTH_DAYS
        drift = {s: np.zeros(self.days) for s in self.universe.sectors}
        for e in self.episodes:
            d = drift[e.sector]
            if e.kind == "top":
                d[max(e.day - length, 0) : e.day] += e.size_log / length
                d[e.day : e.day + length] -= 1.2 * e.size_log / length
            else:
                d[e.day : e.day + length] += e.size_log / length
        return drift

    @cached_property
    def _daily(self) -> dict[str, np.ndarray]:
        """Daily log returns, conditional vols and stress flags for every base."""
        n = self.days
        regime = self.regimes
        vol_mult = VOL_MULTIPLIER[regime]
        p = self.parameters
        mk = p.market
        z_m = _unit_t(_rng(self.seed, "market"), mk["t_dof"], n)
        s_m = garch_volatility(
            z_m[:, None],
            np.array([mk["daily_vol"] ** 2]),
            np.array([mk["garch_alpha"]]),
            np.array([mk["garch_beta"]]),
        )[:, 0]
        market = MARKET_DRIFT[regime] + vol_mult * s_m * z_m
        stress = market <= np.quantile(market, p.stress["market_quantile"])
        beta_mult = np.where(stress, p.stress["beta_multiplier"], 1.0)
        idio_mult = np.where(stress, p.stress["idio_multiplier"], 1.0)
        alt_mult = np.where(stress, p.stress.get("alt_factor_multiplier", 1.0), 1.0)

        factors = ["_alt", *self.universe.sectors]
        af = p.alt_factor
        z_f = np.column_stack(
            [_unit_t(_rng(self.seed, "factor", s), af["t_dof"], n) for s in factors]
        )
        k = len(factors)
        s_f = garch_volatility(
            z_f, np.ones(k), np.full(k, af["garch_alpha"]), np.full(k, af["garch_beta"])
        )
        factor = {s: vol_mult * s_f[:, j] * z_f[:, j] for j, s in enumerate(factors)}
        sector_drift = self._sector_drift()

        bases = list(self.universe.bases)
        models = [self.models[b] for b in bases]
        z_i = np.column_stack(
            [_unit_t(_rng(self.seed, "asset", m.base), m.t_dof, n) for m in models]
        )
        s_i = garch_volatility(
            z_i,
            np.ones(len(bases)),
            np.array([m.garch_alpha for m in models]),
            np.array([m.garch_beta for m in models]),
        )
        returns = np.empty((n, len(bases)))
        cond_vol = np.empty((n, len(bases)))
        for j, m in enumerate(models):
            if m.base == self.universe.benchmark:
                returns[:, j] = market
                cond_vol[:, j] = vol_mult * s_m
                continue
            market_var = (m.beta * mk["daily_vol"]) ** 2
            u = math.sqrt(max(m.daily_vol**2 - market_var, (0.25 * m.daily_vol) ** 2))
            alt_share = min(m.alt_share, 0.9)
            sector_share = min(m.residual_corr, 0.9 - alt_share)
            idio_share = 1.0 - alt_share - sector_share
            common = u * (
                math.sqrt(alt_share) * alt_mult * factor["_alt"]
                + math.sqrt(sector_share) * factor[m.sector]
            )
            idio = math.sqrt(idio_share) * u * idio_mult * vol_mult * s_i[:, j] * z_i[:, j]
            returns[:, j] = (
                ALT_DRIFT[regime]
                + m.beta * beta_mult * market
                + common
                + sector_drift[m.sector]
                + idio
            )
            cond_vol[:, j] = vol_mult * np.sqrt((m.beta * s_m) ** 2 + (u * s_i[:, j]) ** 2)
        return {"returns": returns, "cond_vol": cond_vol, "stress": stress, "market": market}

    @cached_property
    def _positions(self) -> dict[str, int]:
        """Column of each base in the simulated arrays (universe order)."""
        return {base: j for j, base in enumerate(self.universe.bases)}

    def _column(self, base: str) -> int:
        try:
            return self._positions[base]
        except KeyError:
            raise InputError("base", f"{base} is not in the demo universe") from None

    @cached_property
    def _log_close(self) -> np.ndarray:
        """Daily log closes anchored so the last close sits at each base's reference level."""
        r = self._daily["returns"]
        jitter = _rng(self.seed, "levels").normal(0.0, 0.25, len(self.universe.bases))
        levels = np.log([self.models[b].price_usd for b in self.universe.bases]) + jitter
        cum = np.cumsum(r, axis=0)
        out: np.ndarray = levels[None, :] + cum - cum[-1][None, :]
        return out

    @cached_property
    def _sector_momentum(self) -> dict[str, np.ndarray]:
        """7-day log return of each sector's equal-weight index."""
        r = self._daily["returns"]
        out: dict[str, np.ndarray] = {}
        for sector, members in self.universe.sectors.items():
            cols = [self._column(b) for b in members]
            idx = np.cumsum(r[:, cols].mean(axis=1))
            mom = np.zeros(self.days)
            mom[7:] = idx[7:] - idx[:-7]
            out[sector] = mom
        return out

    @cached_property
    def _volume_usd(self) -> np.ndarray:
        """Daily quote volume: reference level x momentum x |return| x AR(1) noise."""
        r = self._daily["returns"]
        n, width = r.shape
        noise = _ar1(_rng(self.seed, "volume"), n, 0.85, 0.25, width)
        out = np.empty((n, width))
        for j, base in enumerate(self.universe.bases):
            m = self.models[base]
            mom = self._sector_momentum[m.sector]
            shock = np.abs(r[:, j]) / m.daily_vol
            out[:, j] = m.volume_usd * np.exp(
                1.5 * mom + 1.0 * np.abs(mom) + 0.15 * shock + noise[:, j] - 0.2
            )
        return out

    # ------------------------------------------------------------------ daily candles
    @cached_property
    def _daily_ohlc(self) -> dict[str, np.ndarray]:
        """Daily open, high, low, close and quote volume of every base, shape (days, bases).

        The high and low are the extremes of a Brownian bridge from the open to the close
        with the day's conditional variance ``sigma^2``, drawn exactly (Borodin & Salminen,
        *Handbook of Brownian Motion*, 1.1.8): with ``a = ln(C / O)`` and ``U ~ U(0, 1)``,
        ``ln(H / O) = (a + sqrt(a^2 - 2 sigma^2 ln U_1)) / 2`` and
        ``ln(L / O) = (a - sqrt(a^2 - 2 sigma^2 ln U_2)) / 2``. No hourly path is needed.
        """
        log_close = self._log_close
        r = self._daily["returns"]
        log_open = np.empty_like(log_close)
        log_open[1:] = log_close[:-1]
        log_open[0] = log_close[0] - r[0]
        r = log_close - log_open  # the day's move as the candle shows it
        var = self._daily["cond_vol"] ** 2
        draws = np.empty((r.shape[1], 2, self.days))
        for j, base in enumerate(self.universe.bases):
            draws[j] = _rng(self.seed, "range", base).random((2, self.days))
        # ln U, U in (0, 1]; in place, as below: the same operations in the same order as
        # ``up = 0.5 * (r + sqrt(r * r - 2 var ln U1))``, ``high = max(exp(log_open + up),
        # max(open, close))`` (bit-identical), without ~20 fresh (days x bases) temporaries
        np.log1p(np.negative(draws, out=draws), out=draws)
        log_u = np.ascontiguousarray(draws.transpose(1, 2, 0))
        del draws
        square, twice_var = r * r, 2.0 * var
        up = np.multiply(twice_var, log_u[0], out=log_u[0])
        down = np.multiply(twice_var, log_u[1], out=log_u[1])
        for extreme, combine in ((up, np.add), (down, np.subtract)):
            np.subtract(square, extreme, out=extreme)
            np.sqrt(extreme, out=extreme)
            combine(r, extreme, out=extreme)
            np.multiply(0.5, extreme, out=extreme)
            np.exp(np.add(log_open, extreme, out=extreme), out=extreme)
        close = np.exp(log_close)
        open_ = np.exp(log_open)
        body = np.maximum(open_, close, out=square)
        high = np.maximum(up, body, out=up)
        body = np.minimum(open_, close, out=twice_var)
        low = np.minimum(down, body, out=down)
        return {"open": open_, "high": high, "low": low, "close": close,
                "volume_usd": self._volume_usd}

    def daily_frame(self, column: str) -> pd.DataFrame:
        """One daily column (``open``, ``high``, ``low``, ``close``, ``volume_usd``) wide by base.

        Exactly the values of :meth:`daily_candles` for every base, without hourly candles.
        """
        if column not in ("open", "high", "low", "close", "volume_usd"):
            raise InputError("column", f"must be open, high, low, close or volume_usd ({column!r})")
        values = self._daily_ohlc[column]
        return _labelled(pd.DataFrame(values, index=self.dates, columns=list(self.universe.bases)))

    # ------------------------------------------------------------------ hourly
    def _hourly(self, base: str) -> _HourlyArrays:
        """Hourly bridge inside the day's candle: every day aggregates to the daily candle.

        The path runs from the open to the close, clipped to the daily low..high; the hour
        whose body reaches highest gets the daily high as its high, the lowest body the low.
        Quote volume is the daily quote volume split by an intraday profile.
        """
        cached = self._hourly_cache.get(base)
        if cached is not None:
            return cached
        j = self._column(base)
        rng = _rng(self.seed, "hourly", base)
        day = {k: v[:, j] for k, v in self._daily_ohlc.items()}
        r = self._daily["returns"][:, j]
        sigma = self._daily["cond_vol"][:, j]
        log_open = np.log(day["open"])
        log_high, log_low = np.log(day["high"])[:, None], np.log(day["low"])[:, None]
        z = rng.standard_normal((self.days, HOURS))
        z -= z.mean(axis=1, keepdims=True)
        step = (sigma / math.sqrt(HOURS))[:, None]
        path = log_open[:, None] + np.cumsum(r[:, None] / HOURS + step * z, axis=1)
        path = np.clip(path, log_low, log_high)
        c = np.exp(path)
        c[:, -1] = day["close"]  # exact by construction; removes float drift
        o = np.empty_like(c)
        o[:, 0] = day["open"]
        o[:, 1:] = c[:, :-1]
        wick = np.abs(rng.standard_normal((2, self.days, HOURS))) * 0.35 * step
        h = np.minimum(np.maximum(o, c) * np.exp(wick[0]), day["high"][:, None])
        lo = np.maximum(np.minimum(o, c) * np.exp(-wick[1]), day["low"][:, None])
        rows = np.arange(self.days)
        h[rows, np.argmax(np.maximum(o, c), axis=1)] = day["high"]
        lo[rows, np.argmin(np.minimum(o, c), axis=1)] = day["low"]
        profile = 1.0 + 0.35 * np.sin((np.arange(HOURS) - 9) / HOURS * 2 * np.pi)
        weights = profile[None, :] * np.exp(
            0.3 * rng.standard_normal((self.days, HOURS)) + 0.4 * np.abs(z)
        )
        weights /= weights.sum(axis=1, keepdims=True)
        vol_usd = day["volume_usd"][:, None] * weights
        typical = (h + lo + c) / 3.0
        arrays = _HourlyArrays(o, h, lo, c, vol_usd / typical, vol_usd)
        self._hourly_cache[base] = arrays
        return arrays

    def hourly_candles(self, base: str) -> pd.DataFrame:
        """Hourly candles of ``base``: open, high, low, close (USD), volume (base), volume_usd.

        Index: tz-aware UTC open times named ``date`` (``days * 24`` rows).
        """
        a = self._hourly(base)
        index = pd.date_range(self.dates[0], periods=self.days * HOURS, freq="h", name="date")
        return _labelled(
            pd.DataFrame(
                {
                    "open": a.open.ravel(),
                    "high": a.high.ravel(),
                    "low": a.low.ravel(),
                    "close": a.close.ravel(),
                    "volume": a.volume.ravel(),
                    "volume_usd": a.volume_usd.ravel(),
                },
                index=index,
            )
        )

    def daily_candles(self, base: str) -> pd.DataFrame:
        """Daily candles of ``base`` (the aggregate of :meth:`hourly_candles`), same columns.

        Open, high, low, close and quote volume come from the daily model; the base volume is
        the sum of the hourly base volumes (the only column that needs the hourly bridge).
        """
        j = self._column(base)
        a = self._hourly(base)
        day = self._daily_ohlc
        return _labelled(
            pd.DataFrame(
                {
                    "open": day["open"][:, j],
                    "high": day["high"][:, j],
                    "low": day["low"][:, j],
                    "close": day["close"][:, j],
                    "volume": a.volume.sum(axis=1),
                    "volume_usd": day["volume_usd"][:, j],
                },
                index=self.dates,
            )
        )

    # ------------------------------------------------------------------ derivatives data
    def funding_history(self, base: str) -> pd.DataFrame:
        """8-hourly funding (00, 08, 16 UTC): ``funding_rate`` (fraction per 8 h), ``mark_price``.

        Funding follows the 3-day momentum of the closed daily candles (crowded longs pay)
        plus stationary AR(1) noise, clipped to +-0.75 %; the mark price is the hourly open.
        """
        j = self._column(base)
        a = self._hourly(base)
        mark = a.open[:, list(FUNDING_HOURS)].ravel()
        stamps = np.arange(self.days)[:, None] * HOURS + np.array(FUNDING_HOURS)[None, :]
        noise = _ar1_backward(
            _rng(self.seed, "funding", base), stamps.size, FUNDING_PHI, FUNDING_NOISE_SD
        )
        rate = _funding_rate(np.repeat(self._funding_momentum[:, j], len(FUNDING_HOURS)), noise)
        index = self.dates[0] + pd.to_timedelta(stamps.ravel(), unit="h")
        return _labelled(
            pd.DataFrame(
                {"funding_rate": rate, "mark_price": mark},
                index=pd.DatetimeIndex(index, name="date"),
            )
        )

    @cached_property
    def _funding_momentum(self) -> np.ndarray:
        """Log return over the 3 closed daily candles before each day, shape (days, bases)."""
        log_close = self._log_close
        days = np.arange(self.days)
        momentum: np.ndarray = (
            log_close[np.clip(days - 1, 0, None)] - log_close[np.clip(days - 4, 0, None)]
        )
        return momentum

    def current_funding(self, base: str) -> float:
        """The last funding rate of :meth:`funding_history` without building the history.

        The AR(1) noise is generated backwards from its last value (a stationary Gaussian
        AR(1) is time-reversible), so the current value is the stream's first draw.
        """
        j = self._column(base)
        noise = _ar1_backward(_rng(self.seed, "funding", base), 1, FUNDING_PHI, FUNDING_NOISE_SD)
        return float(_funding_rate(self._funding_momentum[-1:, j], noise)[0])

    def contract_specs(self) -> dict[str, ContractSpec]:
        """Binance-like contract rules sized to each base's last price (a new dict each call)."""
        return dict(self._contract_specs)

    @cached_property
    def _contract_specs(self) -> dict[str, ContractSpec]:
        """The contract rules, built once per market (order books read them per base)."""
        specs: dict[str, ContractSpec] = {}
        for j, base in enumerate(self.universe.bases):
            price = float(np.exp(self._log_close[-1, j]))
            step, tick = _step_and_tick(price)
            specs[base] = ContractSpec(
                symbol=self.universe.symbol_for(base),
                base=base,
                amount_step=step,
                min_amount=step,
                min_notional_usd=MIN_NOTIONAL_USD,
                price_tick=tick,
                contract_size=1.0,
                taker_fee_rate=0.0005,
                maker_fee_rate=0.0002,
                max_leverage=_max_leverage(base, self.models[base].volume_usd),
            )
        return specs

    def tickers(self) -> dict[str, Ticker]:
        """Last/mark price, current funding and 24 h volume of every base at ``as_of``."""
        out: dict[str, Ticker] = {}
        rng = _rng(self.seed, "tickers")
        basis = rng.normal(0.0, 0.0002, len(self.universe.bases))
        for j, base in enumerate(self.universe.bases):
            last = float(self._daily_ohlc["close"][-1, j])
            funding = self.current_funding(base)
            out[base] = Ticker(
                base=base,
                last_price_usd=last,
                mark_price_usd=last * (1.0 + float(basis[j])),
                funding_rate=funding,
                volume_24h_usd=float(self._daily_ohlc["volume_usd"][-1, j]),
                timestamp=self.as_of,
            )
        return out

    def order_book(self, base: str, depth: int = 100) -> OrderBook:
        """Order book around the last price: ``depth`` levels per side, best first."""
        depth = positive_int("depth", depth)
        if depth > 1000:
            raise InputError("depth", f"must be <= 1000 (got {depth})")
        j = self._column(base)
        spec = self._contract_specs[base]
        tick = spec.price_tick
        last = float(np.exp(self._log_close[-1, j]))
        mid_ticks = round(last / tick)
        rng = _rng(self.seed, "book", base)
        level_usd = self.models[base].volume_usd * 2e-5
        k = np.arange(depth)
        gaps = 1 + rng.poisson(0.3 * (1 + k / 20), (2, depth))
        ask_ticks = mid_ticks + np.cumsum(gaps[0])
        bid_ticks = mid_ticks + 1 - np.cumsum(gaps[1])
        bid_ticks = bid_ticks[bid_ticks > 0]
        sizes = level_usd * (1 + k / 10) * rng.lognormal(0.0, 0.6, (2, depth)) / last
        step = spec.amount_step
        sizes = np.maximum(np.floor(sizes / step) * step, step)
        digits = max(0, round(-math.log10(tick)))
        step_digits = max(0, round(-math.log10(step)))
        bids = tuple(
            (round(float(t) * tick, digits), round(float(s), step_digits))
            for t, s in zip(bid_ticks, sizes[1], strict=False)
        )
        asks = tuple(
            (round(float(t) * tick, digits), round(float(s), step_digits))
            for t, s in zip(ask_ticks, sizes[0], strict=False)
        )
        return OrderBook(base=base, bids=bids, asks=asks, timestamp=self.as_of)

    # ------------------------------------------------------------------ macro and sentiment
    def macro(self) -> pd.DataFrame:
        """Daily ``btc_dominance`` (fraction), ``stablecoin_supply_usd``, ``equity_index``.

        Dominance falls and stablecoin supply grows in risk-on; the equity index has its own
        trend (it trades every simulated day; real indices skip weekends).
        """
        n = self.days
        regime = self.regimes
        r = self._daily["returns"]
        btc = self._column(self.universe.benchmark)
        alts = [i for i in range(r.shape[1]) if i != btc]
        rel = r[:, btc] - r[:, alts].mean(axis=1) if alts else np.zeros(n)
        rng = _rng(self.seed, "macro")
        noise = rng.normal(0.0, 0.004, n)
        logit = np.empty(n)
        logit[0] = math.log(0.55 / 0.45)
        target = logit[0]
        drift = DOMINANCE_DRIFT[regime]
        for t in range(1, n):
            logit[t] = (
                logit[t - 1] + 0.5 * rel[t] + drift[t] + noise[t] - 0.01 * (logit[t - 1] - target)
            )
        dominance = 1.0 / (1.0 + np.exp(-logit))

        sc = self.parameters.stablecoin
        jump_days = rng.random(n) < sc["jump_probability"]
        jump_sign = np.where(rng.random(n) < sc["jump_up_share"], 1.0, -1.0)
        jump_size = JUMP_THRESHOLD + rng.exponential(
            max(sc["jump_abs_mean"] - JUMP_THRESHOLD, 1e-6), n
        )
        jumps = jump_days * jump_sign * jump_size
        steps = (
            sc["daily_log_drift"]
            + STABLE_REGIME_DRIFT[regime]
            + rng.normal(0.0, sc["daily_log_vol"], n)
            + jumps
        )
        steps[0] = 0.0
        supply = sc["start_supply_usd"] * np.exp(np.cumsum(steps))

        eq_steps = EQUITY_DRIFT[regime] + EQUITY_DAILY_VOL * _unit_t(rng, 5.0, n)
        eq_steps[0] = 0.0
        equity = 4500.0 * np.exp(np.cumsum(eq_steps))
        return _labelled(
            pd.DataFrame(
                {
                    "btc_dominance": dominance,
                    "stablecoin_supply_usd": supply,
                    "equity_index": equity,
                },
                index=self.dates,
            )
        )

    @cached_property
    def _sentiment(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        n = self.days
        bases = list(self.universe.bases)
        social_noise = _ar1(_rng(self.seed, "social"), n, 0.7, 0.22, len(bases))
        chain_noise = _ar1(_rng(self.seed, "onchain"), n, 0.9, 0.08, len(bases))
        social_bump = {s: np.zeros(n) for s in self.universe.sectors}
        chain_bump = {s: np.zeros(n) for s in self.universe.sectors}
        for e in self.episodes:
            if e.kind == "top":
                _ramp(social_bump[e.sector], e.day - 12, e.day, 1.6, decay=6)
                _ramp(chain_bump[e.sector], e.day, e.day + 8, 0.15, decay=8)
            else:
                _ramp(chain_bump[e.sector], e.day - 15, e.day, 1.0, decay=8)
                social_bump[e.sector][max(e.day - 15, 0) : max(e.day, 0)] -= 0.25
        social = np.empty((n, len(bases)))
        chain = np.empty((n, len(bases)))
        for j, base in enumerate(bases):
            m = self.models[base]
            level = max(m.volume_usd, 1e6)
            # counts are noise plus the documented episode bumps only: no term in momentum
            # or returns, so the divergence D is not a function of momentum by construction
            social[:, j] = 40.0 * level**0.35 * np.exp(social_noise[:, j] + social_bump[m.sector])
            chain[:, j] = 30.0 * level**0.3 * np.exp(chain_noise[:, j] + chain_bump[m.sector])
        return (
            pd.DataFrame(np.round(social), index=self.dates, columns=bases),
            pd.DataFrame(np.round(chain), index=self.dates, columns=bases),
        )

    def social_volume(self) -> pd.DataFrame:
        """Daily social-volume counts, wide by base (spikes ahead of sector tops)."""
        return _labelled(self._sentiment[0].copy())

    def onchain_activity(self) -> pd.DataFrame:
        """Daily on-chain activity counts, wide by base (rises before quiet sector rallies)."""
        return _labelled(self._sentiment[1].copy())

    def sentiment(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(social_volume, onchain_activity)``."""
        return self.social_volume(), self.onchain_activity()


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """Tag a frame with the demo label (``frame.attrs["source"] == "demo (simulated)"``)."""
    frame.attrs["source"] = SOURCE_LABEL
    return frame


def _ramp(target: np.ndarray, start: int, peak: int, height: float, *, decay: int) -> None:
    """Add a linear rise from ``start`` to ``height`` at ``peak``, then exponential decay."""
    n = target.size
    for t in range(max(start, 0), min(peak + 4 * decay, n)):
        if t <= peak:
            target[t] += height * (t - start + 1) / (peak - start + 1)
        else:
            target[t] += height * math.exp(-(t - peak) / decay)


def _step_and_tick(price: float) -> tuple[float, float]:
    """Quantity step and price tick like Binance uses for a contract at ``price`` USD."""
    if price >= 10_000:
        return 0.001, 0.1
    if price >= 1_000:
        return 0.001, 0.01
    if price >= 100:
        return 0.001, 0.01
    if price >= 10:
        return 0.01, 0.001
    if price >= 1:
        return 0.1, 0.0001
    if price >= 0.1:
        return 1.0, 0.00001
    if price >= 0.01:
        return 1.0, 0.000001
    return 10.0, 0.0000001


def _max_leverage(base: str, volume_usd: float) -> float:
    if base == "BTC":
        return 125.0
    if base == "ETH":
        return 100.0
    return 75.0 if volume_usd >= 1e8 else 50.0 if volume_usd >= 2e7 else 25.0
