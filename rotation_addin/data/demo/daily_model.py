"""The demo market's daily core: regimes, divergence episodes, returns and daily candles.

Model and references: :mod:`rotation_addin.data.demo.simulator`. :class:`DailyModel` holds
the calendar and every daily array; the hourly bridge, the venue and the macro / sentiment
series build on it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.core.errors import InputError
from rotation_addin.core.universe import Universe
from rotation_addin.data.demo.models import AssetModel, DemoParameters
from rotation_addin.data.demo.processes import ar1, garch_volatility, seeded_rng, unit_t

SOURCE_LABEL = DEMO_SOURCE_LABEL
REGIMES = ("risk-on", "neutral", "risk-off")
REGIME_STAY_PROBABILITY = 0.986
MARKET_DRIFT = np.array([0.0015, 0.0, -0.0018])
ALT_DRIFT = np.array([0.0008, 0.0, -0.0008])
VOL_MULTIPLIER = np.array([0.85, 1.0, 1.3])

EPISODE_LENGTH_DAYS = 20
EPISODE_GAP_DAYS = (70, 160)


@dataclass(frozen=True)
class Episode:
    """A divergence episode of one sector: the sector move starts on ``day`` (row index)."""

    sector: str
    kind: str  # "top" (social spike, run-up, then decline) or "accumulation" (quiet rally)
    day: int
    size_log: float


class DailyModel:
    """Calendar and daily arrays of a seeded demo market (the attributes are set by
    :class:`~rotation_addin.data.demo.simulator.DemoMarket`)."""

    seed: int
    days: int
    end: dt.date
    universe: Universe
    parameters: DemoParameters
    models: dict[str, AssetModel]

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
        rng = seeded_rng(self.seed, "regime")
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
            rng = seeded_rng(self.seed, "episodes", sector)
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
        regime = self.regimes
        vol_mult = VOL_MULTIPLIER[regime]
        market, s_m = self._market_returns(regime, vol_mult)
        stress = market <= np.quantile(market, self.parameters.stress["market_quantile"])
        returns, cond_vol = self._asset_returns(regime, vol_mult, market, s_m, stress)
        return {"returns": returns, "cond_vol": cond_vol, "stress": stress, "market": market}

    def _market_returns(
        self, regime: np.ndarray, vol_mult: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(market log return, its GARCH volatility) per day: the BTC factor ``m_t``."""
        mk = self.parameters.market
        z_m = unit_t(seeded_rng(self.seed, "market"), mk["t_dof"], self.days)
        s_m = garch_volatility(
            z_m[:, None],
            np.array([mk["daily_vol"] ** 2]),
            np.array([mk["garch_alpha"]]),
            np.array([mk["garch_beta"]]),
        )[:, 0]
        return MARKET_DRIFT[regime] + vol_mult * s_m * z_m, s_m

    def _factor_moves(self, vol_mult: np.ndarray) -> dict[str, np.ndarray]:
        """Daily move of the alt factor (``"_alt"``) and of each sector factor ``f_k,t``."""
        factors = ["_alt", *self.universe.sectors]
        af = self.parameters.alt_factor
        z_f = np.column_stack(
            [unit_t(seeded_rng(self.seed, "factor", s), af["t_dof"], self.days) for s in factors]
        )
        k = len(factors)
        s_f = garch_volatility(
            z_f, np.ones(k), np.full(k, af["garch_alpha"]), np.full(k, af["garch_beta"])
        )
        return {s: vol_mult * s_f[:, j] * z_f[:, j] for j, s in enumerate(factors)}

    def _asset_returns(
        self,
        regime: np.ndarray,
        vol_mult: np.ndarray,
        market: np.ndarray,
        s_m: np.ndarray,
        stress: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(log returns ``r_i,t``, conditional vols) of every base, shape (days, bases)."""
        n = self.days
        p = self.parameters
        mk = p.market
        beta_mult = np.where(stress, p.stress["beta_multiplier"], 1.0)
        idio_mult = np.where(stress, p.stress["idio_multiplier"], 1.0)
        alt_mult = np.where(stress, p.stress.get("alt_factor_multiplier", 1.0), 1.0)
        factor = self._factor_moves(vol_mult)
        sector_drift = self._sector_drift()
        models = [self.models[b] for b in self.universe.bases]
        z_i = np.column_stack(
            [unit_t(seeded_rng(self.seed, "asset", m.base), m.t_dof, n) for m in models]
        )
        s_i = garch_volatility(
            z_i,
            np.ones(len(models)),
            np.array([m.garch_alpha for m in models]),
            np.array([m.garch_beta for m in models]),
        )
        returns = np.empty((n, len(models)))
        cond_vol = np.empty((n, len(models)))
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
        return returns, cond_vol

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
        jitter = seeded_rng(self.seed, "levels").normal(0.0, 0.25, len(self.universe.bases))
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
        noise = ar1(seeded_rng(self.seed, "volume"), n, 0.85, 0.25, width)
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
            draws[j] = seeded_rng(self.seed, "range", base).random((2, self.days))
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
        return labelled(pd.DataFrame(values, index=self.dates, columns=list(self.universe.bases)))


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """Tag a frame with the demo label (``frame.attrs["source"] == "demo (simulated)"``)."""
    frame.attrs["source"] = SOURCE_LABEL
    return frame
