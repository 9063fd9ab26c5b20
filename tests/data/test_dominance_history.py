"""Dominance history from day one (#11 item 4): BTC's share of the largest coins' market caps
from the CoinGecko emulator, scaled to today's /global snapshot, stored as a labelled proxy;
the regime's dominance vote has a value after the very first refresh."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rotation_addin.core.regime import regime_verdict
from rotation_addin.data.cache import MarketCache
from rotation_addin.data.providers import coingecko_caps
from rotation_addin.data.providers.http import HttpPolicy
from rotation_addin.data.providers.store import ProviderUrls, refresh_macro
from tests.emulator.providers import ProviderData, ProviderEmulator

FAST = HttpPolicy(timeout_s=5.0, max_retries=0, backoff_s=0.0)
DAYS = pd.date_range(end="2026-11-30", periods=60, freq="D", tz="UTC", name="date")


def _data() -> ProviderData:
    true_dominance = np.full(60, 0.55)  # /global today says 55 %
    macro = pd.DataFrame({"btc_dominance": true_dominance,
                          "stablecoin_supply_usd": np.linspace(1.3e11, 1.4e11, 60),
                          "equity_index": np.linspace(4800, 5000, 60)}, index=DAYS)
    btc = np.linspace(1.0e12, 1.2e12, 60)  # BTC grows 20 %
    caps = {coin: np.full(60, 1.0e11) for coin in coingecko_caps.LARGEST_COINS[1:]}
    caps["bitcoin"] = btc
    return ProviderData(macro=macro, market_caps=pd.DataFrame(caps, index=DAYS))


def test_first_refresh_stores_a_scaled_proxy_history_and_the_regime_votes(tmp_path: Path) -> None:
    with ProviderEmulator(_data()) as emulator:
        urls = ProviderUrls(coingecko=emulator.base_urls["coingecko"],
                            defillama=emulator.base_urls["defillama"],
                            fred=emulator.base_urls["fred"])
        with MarketCache(tmp_path / "cache.sqlite3") as cache:
            outcomes = refresh_macro(cache, urls=urls, policy=FAST)
            assert all(o.ok for o in outcomes), outcomes
            assert any(o.provider == coingecko_caps.PROVIDER and o.values_written == 59
                       for o in outcomes)
            macro = cache.read_series("macro")
    # by hand: share_t = btc_t / (btc_t + 9e11); scaled so the last day is /global's 0.55
    btc = np.linspace(1.0e12, 1.2e12, 60)
    share = btc / (btc + 9 * 1.0e11)
    expected = share * 0.55 / share[-1]
    np.testing.assert_allclose(macro["btc_dominance"].to_numpy(), expected, rtol=1e-12)
    verdict = regime_verdict(macro, dominance_days=30)
    vote = next(v for v in verdict.votes if v.name == "btc_dominance")
    change = 100 * (expected[-1] / expected[-31] - 1)
    assert change > 1.0  # BTC's share rose beyond the 1 % dead band
    assert vote.value is not None and abs(vote.value - change) < 1e-6
    assert vote.vote == -1  # rising dominance: alts not favoured


def test_a_real_snapshot_is_never_overwritten(tmp_path: Path) -> None:
    with MarketCache(tmp_path / "cache.sqlite3") as cache:
        cache.write_series("macro", "btc_dominance",
                           pd.Series([0.5], index=pd.DatetimeIndex([DAYS[10]], name="date")),
                           source="CoinGecko /global")
        with ProviderEmulator(_data()) as emulator:
            refresh_macro(cache, urls=ProviderUrls(coingecko=emulator.base_urls["coingecko"],
                                                   defillama=emulator.base_urls["defillama"],
                                                   fred=emulator.base_urls["fred"]),
                          policy=FAST)
        assert cache.read_series("macro", "btc_dominance")[DAYS[10]] == 0.5
