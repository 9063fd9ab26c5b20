"""Refresh the SQLite cache from an exchange (ccxt) or from the embedded demo market.

* :func:`refresh_exchange` / :func:`refresh_exchange_async`: contract rules, mark prices and
  funding now, and per symbol closed candles (``1d`` and ``1h`` by default); the ticker's last
  price and 24 h volume come from the closed hourly candles (what Binance's 24 h ticker
  reports, without its 40-weight request). Order books and funding history are fetched on
  demand (:mod:`rotation_addin.data.on_demand`, ``rotation platforms``), not here.
  Incremental: each timeframe resumes after the last closed candle already stored;
  a first fetch goes back :data:`DEFAULT_HISTORY_DAYS`. Each symbol's data is validated and
  written in ONE transaction only after all of its fetches succeeded, so a failure (network,
  bad data, cancel, a killed process) leaves that symbol's earlier rows exactly as they were.
* :func:`refresh_demo`: writes the demo market's artifacts under exchange ``"demo"`` with the
  source ``"demo (simulated)"``; no network. All or nothing: the whole run (every symbol, the
  demo series and the run's fingerprint) is replaced in ONE transaction, so the cache never
  holds rows of two simulator runs.

Both return a :class:`RefreshSummary` (what worked, what failed and why, candles written,
weight used, gaps, 429s, duration) and log the run in the cache's ``refresh_log``.

The code lives by concept: :mod:`~rotation_addin.data.refresh_live` (the exchange),
:mod:`~rotation_addin.data.demo_refresh` (the demo market and its run fingerprint) and
:mod:`~rotation_addin.data.refresh_common` (arguments, tally, summary, log); this module is
the one place callers import from.
"""

from __future__ import annotations

from rotation_addin.data.demo_refresh import (
    DEMO_RUN_IDENTITY,
    DEMO_RUN_META_KEY,
    current_demo_fingerprint,
    demo_fingerprint,
    refresh_demo,
    simulator_hash,
    universe_fingerprint,
)
from rotation_addin.data.refresh_common import (
    DEFAULT_HISTORY_DAYS,
    DEFAULT_TIMEFRAMES,
    CancelToken,
    ProgressCallback,
    RefreshSummary,
    SymbolFailure,
    is_cancelled,
)
from rotation_addin.data.refresh_live import refresh_exchange, refresh_exchange_async

__all__ = [
    "DEFAULT_HISTORY_DAYS",
    "DEFAULT_TIMEFRAMES",
    "DEMO_RUN_IDENTITY",
    "DEMO_RUN_META_KEY",
    "CancelToken",
    "ProgressCallback",
    "RefreshSummary",
    "SymbolFailure",
    "current_demo_fingerprint",
    "demo_fingerprint",
    "is_cancelled",
    "refresh_demo",
    "refresh_exchange",
    "refresh_exchange_async",
    "simulator_hash",
    "universe_fingerprint",
]
