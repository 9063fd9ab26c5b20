"""Every sentence in ``rotation_addin/core/claims.py`` re-computed from the data it describes.

The numbers are measured here independently of the product's analytics (pandas rolling and
correlation on the real Coin Metrics prices, requests counted at the Binance emulator), then
looked up in the sentence as printed; README and the CLI must carry the same sentence.
"""

from __future__ import annotations

import math
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rotation_addin.core import claims
from rotation_addin.data.csv_import import import_csv_folder
from rotation_addin.data.universe_io import default_universe

README = Path(__file__).resolve().parents[2] / "README.md"


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def real(coinmetrics_dir: Path) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Daily log returns of the real 2022-23 window and the sectors with real members."""
    universe = default_universe()
    close = import_csv_folder(coinmetrics_dir, universe).dataset.close
    alts = [c for c in close.columns if c != "BTC"]
    enough = close[alts].notna().sum(axis=1) > len(alts) / 2
    close = close.loc[: enough[enough].index[-1]]
    returns = np.log(close).diff().iloc[1:]
    sectors = {s: [b for b in m if b in returns.columns] for s, m in universe.sectors.items()
               if s != "benchmark"}
    return returns, {s: m for s, m in sectors.items() if m}


def _index(returns: pd.DataFrame, sectors: dict[str, list[str]]) -> pd.DataFrame:
    """Equal-weight sector index: mean of the members' available log returns each day."""
    return pd.DataFrame({s: returns[m].mean(axis=1) for s, m in sectors.items()})


def test_render_compute_sentence(real: tuple[pd.DataFrame, dict[str, list[str]]]) -> None:
    returns, sectors = real
    usd = _index(returns, sectors)
    usd30 = usd["render"].rolling(30).corr(usd["gpu_compute"]).dropna()
    relative = returns.sub(returns["BTC"], axis=0)
    rel = _index(relative, sectors)
    rel30 = rel["render"].rolling(30).corr(rel["gpu_compute"]).dropna()
    pair90 = min(relative[a].rolling(90).corr(relative[b]).min()
                 for a in sectors["render"] for b in sectors["gpu_compute"])
    assert (usd30 >= 0).all()
    text = claims.RENDER_COMPUTE
    assert f"never below {usd30.min():.2f}" in text
    assert f"below 0 on {(rel30 < 0).mean() * 100:.1f} % of days" in text
    assert f"(minimum {rel30.min():.2f})" in text
    assert f"member pairs reached {pair90:.2f} over 90 days" in text


def _fr(rho: float, delta: float) -> float:
    """Forbes-Rigobon (2002): rho / sqrt(1 + delta (1 - rho^2))."""
    return rho / math.sqrt(1.0 + delta * (1.0 - rho * rho))


def test_stress_correlation_sentence(real: tuple[pd.DataFrame, dict[str, list[str]]]) -> None:
    returns, sectors = real
    index = _index(returns, sectors)
    btc = returns["BTC"]
    stress = btc <= btc.quantile(0.10)
    delta = btc[stress].var() / btc[~stress].var() - 1.0
    names = list(index.columns)
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    normal = np.mean([index.loc[~stress, a].corr(index.loc[~stress, b]) for a, b in pairs])
    raw = [index.loc[stress, a].corr(index.loc[stress, b]) for a, b in pairs]
    adjusted = np.mean([_fr(r, delta) for r in raw])
    text = claims.STRESS_CORRELATION
    assert np.mean(raw) > normal and adjusted > normal  # between sectors: rises
    assert f"mean pair {normal:.2f} -> {np.mean(raw):.2f} raw, {adjusted:.2f} after" in text
    with_btc = {s: (index.loc[~stress, s].corr(btc[~stress]),
                    _fr(index.loc[stress, s].corr(btc[stress]), delta)) for s in names}
    assert all(after < before for before, after in with_btc.values())  # "each ... fell"
    before, after = with_btc["render"]
    assert f"(render {before:.2f} -> {after:.2f})" in text


def test_price_snapshot_sentence(tmp_path: Path) -> None:
    """10,000 CRYPTO_PRICE cells: the market list once, then three requests per TTL (emulator
    count)."""
    from rotation_addin import udfs
    from rotation_addin.data.settings import Settings, save_settings
    from rotation_addin.excel import context
    from tests.emulator.binance import BinanceEmulator
    from tests.emulator.fixture_market import FixtureMarket

    days = pd.date_range("2024-01-01", periods=40, freq="D", tz="UTC")
    bases = [f"T{i:02d}" for i in range(39)] + ["BTC"]
    prices = {b: pd.Series(np.linspace(10 + i, 12 + i, 40), index=days)
              for i, b in enumerate(bases)}
    ttl = 1.0
    with BinanceEmulator(FixtureMarket(prices)) as exchange:
        save_settings(Settings(data_source="cache", exchange_api_url=exchange.base_url,
                               quote_ttl_s=ttl))
        context.clear()
        try:
            started = time.monotonic()
            values = [udfs.CRYPTO_PRICE(bases[i % 40]) for i in range(10_000)]
            elapsed = time.monotonic() - started
            requests = [r.path for r in exchange.request_log]
        finally:
            context.clear()
    assert all(isinstance(v, float) and v > 0 for v in values)
    snapshot_paths = ("/fapi/v1/ticker/24hr", "/fapi/v1/premiumIndex",
                      "/fapi/v1/ticker/bookTicker")
    snapshots = requests.count("/fapi/v1/ticker/24hr")
    assert requests.count("/fapi/v1/premiumIndex") == snapshots >= 1
    assert requests.count("/fapi/v1/ticker/bookTicker") == snapshots
    assert snapshots <= elapsed / ttl + 1  # at most one snapshot per TTL elapsed
    market_list = [p for p in requests if p not in snapshot_paths]
    assert market_list == ["/fapi/v1/exchangeInfo"]  # once, on first use
    assert len(requests) == 1 + 3 * snapshots
    assert "three requests per TTL" in claims.PRICE_SNAPSHOT
    assert "plus the market list on first use" in claims.PRICE_SNAPSHOT


def test_readme_and_cli_carry_the_sentences() -> None:
    from rotation_addin.cli import corr_cmd

    readme = _flat(README.read_text(encoding="utf-8"))
    for sentence in (claims.RENDER_COMPUTE, claims.STRESS_CORRELATION, claims.PRICE_SNAPSHOT):
        assert _flat(sentence) in readme, sentence[:60]
    assert "correlations rise on BTC's worst days" not in readme
    assert "cost one request" not in readme
    assert claims.INVERSE_PAIRS_CAVEAT in corr_cmd.INVERSE_PAIRS_CAVEAT
