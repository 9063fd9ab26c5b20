"""THE entry point every surface (CLI, workbook, UDFs, GUI) calls to get market data.

``load_market("demo")`` returns the embedded simulator's dataset; ``load_market("cache")``
builds a :class:`MarketDataset` from the SQLite cache filled by ``rotation refresh``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from rotation_addin.core.brackets import BracketTable, bracket_table_from_ccxt
from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.core.dataset import MarketDataset, OrderBook, Ticker
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.types import ContractSpec
from rotation_addin.core.universe import Universe
from rotation_addin.data.cache import (
    DEMO_EXCHANGE,
    MACRO_KEYS,
    SERIES_MACRO,
    SERIES_ONCHAIN_ACTIVITY,
    SERIES_SOCIAL_VOLUME,
    MarketCache,
)

SOURCES = ("demo", "cache")


def check_exchange_id(field: str, exchange_id: object) -> str:
    """``exchange_id`` if it is a ccxt-style id (letters, digits, ``_``), else InputError.

    ``../../x`` or ``a b`` would otherwise travel into cache queries and advice text.
    """
    if not isinstance(exchange_id, str) or not exchange_id.isidentifier():
        raise InputError(field, f"must be an exchange id like binanceusdm or demo "
                         f"(got {exchange_id!r})")
    return exchange_id


def load_market(
    source: str = "demo",
    *,
    exchange_id: str = "binanceusdm",
    universe: Universe | None = None,
    cache_file: Path | str | None = None,
    seed: int | None = None,
) -> MarketDataset:
    """Load market, macro and sentiment data for the sector universe.

    Parameters
    ----------
    source : {"demo", "cache"}
        ``"demo"``: the embedded simulated market (no network, label ``"demo (simulated)"``).
        ``"cache"``: the last data ``rotation refresh`` stored (label ``"cache (<exchange>)"``;
        ``exchange_id="demo"`` reads a cached demo refresh and keeps the demo label).
    exchange_id : str
        Exchange whose cached data to read (``source="cache"`` only).
    universe : Universe, optional
        Sectors to load; default the user's universe (``universe_io.load_universe``).
    cache_file : path, optional
        Cache file; default the user's ``cache.sqlite3``.
    seed : int, optional
        Demo simulator seed (default the simulator's default seed): the run ``"demo"``
        simulates, or the run a cached demo (``"cache"`` with ``exchange_id="demo"``) must
        come from.

    Raises
    ------
    InputError
        Unknown ``source``, or ``exchange_id`` is not an exchange id.
    DataError
        ``source="cache"`` and the cache holds no daily candles for the universe; or
        ``exchange_id="demo"`` and the cached rows are not the run ``source="demo"`` gives
        now (see :func:`cache_dataset`).
    """
    if source not in SOURCES:
        raise InputError("source", f"must be one of {SOURCES} (got {source!r})")
    check_exchange_id("exchange", exchange_id)
    universe = _resolve_universe(universe)
    if source == "demo":
        from rotation_addin.data.demo import DEFAULT_SEED, demo_dataset

        return demo_dataset(DEFAULT_SEED if seed is None else seed, universe=universe)
    path = Path(cache_file) if cache_file is not None else None
    if path is not None and not path.exists():
        raise DataError(f"cache file {path} does not exist: run `rotation refresh` first")
    with MarketCache(path, read_only=None) as cache:  # a read-only file is read as is
        return cache_dataset(cache, exchange_id=exchange_id,
                             universe=universe or _default_universe(), demo_seed=seed)


def _resolve_universe(universe: Universe | None) -> Universe | None:
    """The user's universe, or None when it is the bundled default (shares the demo memo)."""
    if universe is not None:
        if not isinstance(universe, Universe):
            raise InputError("universe", f"must be a Universe (got {type(universe).__name__})")
        return universe
    from rotation_addin.data.universe_io import default_universe, load_universe

    user = load_universe()
    return None if user == default_universe() else user


def _default_universe() -> Universe:
    from rotation_addin.data.universe_io import default_universe

    return default_universe()


def cache_dataset(
    cache: MarketCache,
    *,
    exchange_id: str = "binanceusdm",
    universe: Universe,
    demo_seed: int | None = None,
) -> MarketDataset:
    """Build a :class:`MarketDataset` from the daily candles and snapshots in ``cache``.

    Days missing inside the covered range become NaN rows (the calendar is complete); macro
    and sentiment come from the cache's ``series`` table (demo realm for ``"demo"``), NaN
    where absent. ``as_of`` is the close time of the last stored daily candle.

    Consistency checks (every surface must get the same numbers):

    * ``exchange_id="demo"``: the cache's demo-run fingerprint must equal the run
      ``load_market("demo", seed=demo_seed)`` simulates now (seed, days, end date yesterday
      UTC, simulator parameters and code, universe) and every symbol must end on that run's
      last day; otherwise :class:`DataError` -- a simulated price depends on the run's end
      date, so rows of another run would silently give other numbers.
    * any other exchange: when the symbols' last daily candles are on different days (a
      symbol failed or was not refreshed), the dataset carries a warning naming the lagging
      symbols. A warning, not an error: a live refresh writes symbol by symbol on purpose, so
      the up-to-date symbols are correct data and stay usable; the lagging ones show NaN on
      their missing last days (never a value of another date).
    """
    is_demo = exchange_id == DEMO_EXCHANGE
    wide = _stored_daily(cache, exchange_id, universe)
    close = wide["close"]
    warnings = _end_warnings(cache, exchange_id, universe, demo_seed, close)
    calendar = pd.date_range(close.index[0], close.index[-1], freq="D", name="date")
    frames = {k: v.reindex(calendar) for k, v in wide.items()}
    present = list(close.columns)
    contracts, tickers, books = _cached_snapshots(cache, exchange_id, present)
    brackets, bracket_notes = cached_brackets(cache, exchange_id, universe, present)
    macro = _series_frame(cache, SERIES_MACRO, list(MACRO_KEYS), calendar, demo=is_demo)
    social = _series_frame(cache, SERIES_SOCIAL_VOLUME, present, calendar, demo=is_demo)
    onchain = _series_frame(cache, SERIES_ONCHAIN_ACTIVITY, present, calendar, demo=is_demo)
    return MarketDataset(
        source=f"{DEMO_SOURCE_LABEL}, cached" if is_demo else f"cache ({exchange_id})",
        as_of=(calendar[-1] + pd.Timedelta(days=1)).to_pydatetime(),
        universe=universe,
        open=frames["open"],
        high=frames["high"],
        low=frames["low"],
        close=frames["close"],
        volume_usd=frames["volume_usd"],
        macro=macro,
        social_volume=social,
        onchain_activity=onchain,
        contracts=contracts,
        tickers=tickers,
        order_books=books,
        brackets=brackets,
        missing_symbols=tuple(b for b in universe.bases if b not in present),
        warnings=(*warnings, *bracket_notes),
    )


def _stored_daily(
    cache: MarketCache, exchange_id: str, universe: Universe
) -> dict[str, pd.DataFrame]:
    """The universe's stored daily candles as wide frames; none at all is a DataError."""
    wide = cache.read_wide(exchange_id, universe.bases, "1d")
    close = wide["close"]
    if close.empty or close.shape[1] == 0:
        hint = ("`rotation refresh --demo`" if exchange_id == DEMO_EXCHANGE
                else f"`rotation refresh --exchange {exchange_id}`")
        raise DataError(
            f"the cache {cache.path} holds no daily candles of {exchange_id} for this universe: "
            f"run {hint} first (or use the demo market)"
        )
    return wide


def _end_warnings(cache: MarketCache, exchange_id: str, universe: Universe,
                  demo_seed: int | None, close: pd.DataFrame) -> tuple[str, ...]:
    """Demo: the stored run must be today's (else DataError). Live: lagging symbols, named."""
    last_days = _last_days(close)
    if exchange_id == DEMO_EXCHANGE:
        _check_demo_run(cache, universe, demo_seed, last_days)
        return ()
    return ragged_end_warnings(last_days, exchange_id)


def _cached_snapshots(
    cache: MarketCache, exchange_id: str, present: Sequence[str]
) -> tuple[dict[str, ContractSpec], dict[str, Ticker], dict[str, OrderBook]]:
    """Contract rules, tickers and order books stored for the bases with candles."""
    contracts = {b: s for b, s in cache.read_markets(exchange_id).items() if b in present}
    tickers = {b: t for b, t in cache.read_tickers(exchange_id).items() if b in present}
    books = {b: o for b, o in cache.read_order_books(exchange_id).items() if b in present}
    return contracts, tickers, books


def cached_brackets(cache: MarketCache, exchange_id: str, universe: Universe,
                    bases: Sequence[str]) -> tuple[dict[str, BracketTable], tuple[str, ...]]:
    """Leverage tiers the last refresh stored for ``bases`` (ccxt ``fetch_leverage_tiers``).

    A base without stored tiers is left out (the bundled defaults apply to it); stored tiers
    the engine cannot read are left out with a note naming the symbol.
    """
    tables: dict[str, BracketTable] = {}
    notes: list[str] = []
    for base in bases:
        tiers = cache.read_brackets(exchange_id, base)
        if not tiers:
            continue
        symbol = universe.symbol_for(base)
        try:
            tables[base] = bracket_table_from_ccxt(
                symbol, tiers, source=f"{exchange_id} leverage tiers of {symbol}, cached by "
                                      "the last refresh")
        except InputError as error:
            notes.append(f"{base}: cached leverage tiers not usable ({error}); bundled "
                         "default brackets apply")
    return tables, tuple(notes)


def _last_days(close: pd.DataFrame) -> dict[str, date]:
    """Open day (UTC) of each symbol's last stored daily close, in column order."""
    out: dict[str, date] = {}
    index = pd.DatetimeIndex(close.index)
    for i, base in enumerate(close.columns):
        valid = np.flatnonzero(close.iloc[:, i].notna().to_numpy())
        if len(valid):
            out[str(base)] = index[int(valid[-1])].date()
    return out


def ragged_end_warnings(last_days: Mapping[str, date], exchange_id: str) -> tuple[str, ...]:
    """A warning when symbols' last daily candles are on different days, else ``()``.

    Parameters
    ----------
    last_days : mapping
        Base -> open day of its last daily candle.
    exchange_id : str
        Exchange the candles come from (named in the advice).
    """
    if len(set(last_days.values())) <= 1:
        return ()
    newest = max(last_days.values())
    behind = [f"{b} ({d.isoformat()})" for b, d in last_days.items() if d < newest]
    return (
        f"daily candles end on different days: most recent {newest.isoformat()}, but "
        f"{', '.join(behind)} stop earlier; their last days are NaN, so momentum and "
        f"correlations over those days leave them out. Run `rotation refresh --exchange "
        f"{exchange_id}` to bring them up to date.",
    )


DEMO_RUN_MISMATCH = ("cached demo data comes from another simulator run: "
                     "run `rotation refresh --demo` again")
"""Start of the :class:`DataError` raised when a cached demo market is not the current run."""


def _check_demo_run(
    cache: MarketCache, universe: Universe, seed: int | None, last_days: Mapping[str, date]
) -> None:
    """Raise DataError unless the cached demo rows are exactly the run the demo gives now."""
    from rotation_addin.data.refresh import (
        DEMO_RUN_IDENTITY,
        DEMO_RUN_META_KEY,
        current_demo_fingerprint,
    )

    stored = cache.read_meta(DEMO_RUN_META_KEY)
    if stored is None:
        raise DataError(f"{DEMO_RUN_MISMATCH} (the cache {cache.path} stores no fingerprint of "
                        "its demo run: it was written by an older Rotation Desk or mixes runs)")
    current = current_demo_fingerprint(seed, universe)
    differ = [k for k in DEMO_RUN_IDENTITY if stored.get(k) != current[k]]
    if differ:
        detail = "; ".join(_describe_difference(k, stored.get(k), current[k]) for k in differ)
        raise DataError(f"{DEMO_RUN_MISMATCH} ({detail})")
    ragged = {b: d for b, d in last_days.items() if d.isoformat() != current["end"]}
    if ragged:
        names = ", ".join(f"{b} ends {d.isoformat()}" for b, d in ragged.items())
        raise DataError(f"{DEMO_RUN_MISMATCH} (the run ends {current['end']} but {names})")


def _describe_difference(key: str, cached: object, now: object) -> str:
    if key == "simulator_sha256":
        return "the simulator's parameters or code changed since the refresh"
    if key == "universe":
        return "the sector universe changed since the refresh"
    return f"{key}: cached {cached}, current {now}"


def _series_frame(
    cache: MarketCache, name: str, columns: list[str], calendar: pd.DatetimeIndex, *, demo: bool
) -> pd.DataFrame:
    stored = cache.read_series(name, demo=demo)
    assert isinstance(stored, pd.DataFrame)
    frame = stored.reindex(index=calendar, columns=columns).astype(float)
    frame.index.name = "date"
    return frame


def dataset_freshness(dataset: MarketDataset, now: datetime | None = None) -> timedelta:
    """Time since the dataset's last daily candle closed (``now - as_of``), for stale warnings."""
    as_of = dataset.as_of if dataset.as_of.tzinfo else dataset.as_of.replace(tzinfo=UTC)
    return (now or datetime.now(UTC)) - as_of
