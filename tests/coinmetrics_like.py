"""A small synthetic folder in the Coin Metrics layout, written by the tests themselves.

Tests that only need *prices in that file layout* (the CSV importer, ``data import-csv``,
the stale-altcoin warnings, the calibration arithmetic) run on it, so a clean clone with no
``../shared`` beside it passes. Tests that check *findings* on the real data keep the
``coinmetrics_dir`` fixture (skipped, with one reason, when the real folder is absent).

The layout copies ``shared/data/coinmetrics/README.md``: ``date,price_usd,price_btc`` (BTC:
``date,price_usd``), one row per UTC day, no gaps; the altcoin files end on 2023-12-15 (two
start 2023-08-18), BTC/LTC/BCH and the stablecoins run to 2025-12-17;
``stablecoin_supply.csv`` has ``date,usdt_supply,usdc_supply``. Prices are a seeded random
walk (a shared BTC factor plus an own part), not real data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

LONG_END = "2025-12-17"
ALT_END = "2023-12-15"
START = "2022-01-01"
LATE_START = "2023-08-18"

#: file stem -> (first day, last day, first price in USD, beta to BTC)
FILES: dict[str, tuple[str, str, float, float]] = {
    "btc": (START, LONG_END, 46000.0, 1.0),
    "ltc": (START, LONG_END, 146.0, 1.1),
    "bch": (START, LONG_END, 431.0, 1.2),
    "usdt": (START, LONG_END, 1.0, 0.0),
    "usdc": (START, LONG_END, 1.0, 0.0),
    "rndr": (START, ALT_END, 4.6, 1.4),
    "theta": (START, ALT_END, 4.7, 1.2),
    "akt": (START, ALT_END, 1.9, 1.3),
    "glm": (START, ALT_END, 0.46, 1.1),
    "rlc": (START, ALT_END, 2.9, 1.2),
    "fet": (START, ALT_END, 0.51, 1.5),
    "fil": (START, ALT_END, 34.0, 1.1),
    "ar": (START, ALT_END, 60.0, 1.3),
    "grt": (START, ALT_END, 0.65, 1.2),
    "wld": (LATE_START, ALT_END, 1.37, 1.4),
    "arkm": (LATE_START, ALT_END, 0.37, 1.3),
}
PRICE_FILES = tuple(sorted(FILES))


def _btc_factor(rng: np.random.Generator, days: pd.DatetimeIndex) -> pd.Series:
    """Daily BTC log returns (t(4) tails, 3 % daily volatility)."""
    return pd.Series(rng.standard_t(4, len(days)) * 0.03 / np.sqrt(2.0), index=days)


def write_coinmetrics_like(folder: Path, seed: int = 5) -> Path:
    """Write the synthetic Coin Metrics-layout folder into ``folder`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    all_days = pd.date_range(START, LONG_END, freq="D")
    btc_moves = _btc_factor(rng, all_days)
    btc_price = 46000.0 * np.exp(btc_moves.cumsum() - btc_moves.iloc[0])
    for stem, (first, last, start_price, beta) in FILES.items():
        days = pd.date_range(first, last, freq="D")
        if stem in ("usdt", "usdc"):
            price = pd.Series(1.0 + rng.normal(0.0, 2e-4, len(days)), index=days)
        else:
            own = rng.normal(0.0, 0.035 if beta != 1.0 else 0.0, len(days))
            moves = beta * btc_moves.loc[days].to_numpy() + own
            moves[0] = 0.0
            price = pd.Series(start_price * np.exp(np.cumsum(moves)), index=days)
        frame = pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "price_usd": price.to_numpy()})
        if stem != "btc":
            frame["price_btc"] = price.to_numpy() / btc_price.loc[days].to_numpy()
        frame.to_csv(folder / f"{stem}.csv", index=False, float_format="%.12g")
    usdt = 8.2e10 * np.exp(np.cumsum(rng.normal(4e-4, 1e-3, len(all_days))))
    usdc = 4.3e10 * np.exp(np.cumsum(rng.normal(-2e-4, 1e-3, len(all_days))))
    pd.DataFrame(
        {"date": all_days.strftime("%Y-%m-%d"), "usdt_supply": usdt, "usdc_supply": usdc}
    ).to_csv(folder / "stablecoin_supply.csv", index=False, float_format="%.12g")
    return folder


__all__ = ["ALT_END", "FILES", "LONG_END", "PRICE_FILES", "write_coinmetrics_like"]
