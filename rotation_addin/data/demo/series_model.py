"""The demo market's daily series: macro inputs, social volume and on-chain activity."""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np
import pandas as pd

from rotation_addin.data.demo.daily_model import DailyModel, labelled
from rotation_addin.data.demo.processes import ar1, ramp, seeded_rng, unit_t

DOMINANCE_DRIFT = np.array([-0.0015, 0.0, 0.0015])
STABLE_REGIME_DRIFT = np.array([0.0009, 0.0, -0.0009])
JUMP_THRESHOLD = 0.01
"""A stablecoin-supply day is a jump (mint/burn step) when |log change| exceeds this."""
EQUITY_DRIFT = np.array([0.0008, 0.0003, -0.0006])
EQUITY_DAILY_VOL = 0.010


class SeriesModel(DailyModel):
    """BTC dominance, stablecoin supply, an equity index and the sentiment counts."""

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
        rng = seeded_rng(self.seed, "macro")
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

        eq_steps = EQUITY_DRIFT[regime] + EQUITY_DAILY_VOL * unit_t(rng, 5.0, n)
        eq_steps[0] = 0.0
        equity = 4500.0 * np.exp(np.cumsum(eq_steps))
        return labelled(
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
        social_noise = ar1(seeded_rng(self.seed, "social"), n, 0.7, 0.22, len(bases))
        chain_noise = ar1(seeded_rng(self.seed, "onchain"), n, 0.9, 0.08, len(bases))
        social_bump = {s: np.zeros(n) for s in self.universe.sectors}
        chain_bump = {s: np.zeros(n) for s in self.universe.sectors}
        for e in self.episodes:
            if e.kind == "top":
                ramp(social_bump[e.sector], e.day - 12, e.day, 1.6, decay=6)
                ramp(chain_bump[e.sector], e.day, e.day + 8, 0.15, decay=8)
            else:
                ramp(chain_bump[e.sector], e.day - 15, e.day, 1.0, decay=8)
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
        return labelled(self._sentiment[0].copy())

    def onchain_activity(self) -> pd.DataFrame:
        """Daily on-chain activity counts, wide by base (rises before quiet sector rallies)."""
        return labelled(self._sentiment[1].copy())

    def sentiment(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(social_volume, onchain_activity)``."""
        return self.social_volume(), self.onchain_activity()
