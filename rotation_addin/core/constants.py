"""Annualisation and other constants, kept in one place (crypto trades 365 days a year)."""

from __future__ import annotations

import math
from datetime import timedelta

DAYS_PER_YEAR: int = 365
"""Crypto markets trade every calendar day; annualise daily figures with this."""

SQRT_DAYS_PER_YEAR: float = math.sqrt(DAYS_PER_YEAR)
"""Factor turning a daily volatility into an annual one: sigma_annual = sigma_daily * sqrt(365)."""

HOURS_PER_DAY: int = 24

HISTORY_DAYS: int = 180
"""Daily candles behind a symbol's volatility and ATR on every surface (the plan's stops,
``=HIST_VOL()``, ``rotation leverage --symbol``, the app's Quick check)."""

RANKING_HORIZON_DAYS: int = 7
"""Days after each decision the ranking walk-forward scores it on (``rotation backtest``)."""

RANKING_EVERY_DAYS: int = 7
"""Days between the ranking walk-forward's decisions."""

MIN_WARMUP_DAYS: int = 30
"""Fewest price rows before a backtest's first decision (the ranking's and the whole
strategy's, ``rotation backtest --warmup``): the 30-day momentum
(``core.scores.LONG_WINDOW_DAYS``) needs 31 prices, so the first decision is at row 30."""

DEFAULT_WARMUP_DAYS: int = 60
"""Price rows before a backtest's first decision unless ``--warmup`` says otherwise."""
SWEEP_WORKERS_DEFAULT_MAX: int = 8
"""Most processes a parameter sweep runs on unless told otherwise (``--workers``): each one
holds its own memos of the market's figures, so memory grows with them, not only cores."""

SWEEP_WORKERS_MAX: int = 64
"""Most processes ``rotation backtest --workers`` accepts."""

MAX_HORIZON_DAYS: int = 365
"""The longest horizon and rebalance interval of the ranking backtest, in days."""

DEFAULT_RISK_FRACTION: float = 0.02
"""Risk per trade as a fraction of equity (2 %)."""

DEFAULT_MAX_RISK_FRACTION: float = 0.03
"""Hard cap on risk per trade (3 %); larger requests are refused."""

DEFAULT_MIN_EQUITY_USD: float = 5_000.0
"""Minimum account equity the framework recommends before trading it."""

HEDGE_THRESHOLD: float = -0.2
"""Sector pairs whose correlation is below this are listed as inverse pairs (a measurement,
never called a hedge): the correlation picture computes them with it and every surface's
label says it (``core.correlation_picture.INVERSE_PAIRS_LABEL``, ``rotation corr``)."""

STALE_AFTER: timedelta = timedelta(hours=36)
"""Data whose last daily candle closed longer ago than this is flagged on every surface."""

DEMO_SOURCE_LABEL: str = "demo (simulated)"
"""Label every output built from the embedded demo market must carry."""

PRICE_RANGE_USD: tuple[float, float] = (1e-12, 1e12)
"""Prices outside this range are refused on every engine input: nothing trades there, and
sub-normal floats would turn ratios into inf."""

QUANTITY_RANGE_BASE: tuple[float, float] = (1e-12, 1e15)
"""Position sizes (base units) outside this range are refused by the sizing, liquidation and
plan engines alike."""

FLAT_MMR_RANGE: tuple[float, float] = (1e-6, 1.0)
"""A flat maintenance margin rate is at least ``low`` and below ``high`` (a fraction): at 1 the
position is liquidated at entry. The liquidation and safe-leverage engines check it, and the
CLI's ``--mmr`` and the UDFs' ``mmr`` say it."""

WALLET_RANGE_USD: tuple[float, float] = (1e-12, 1e13)
"""A cross wallet balance from a fraction of a cent to the equity bound of the sizing engine
(ten trillion USD): beyond it the figure is a typo, and a liquidation price would overflow."""
