"""The desk session: settings, dataset, positions, plan parameters and the daily report.

One :class:`DeskSession` per process (:func:`default_session`) serves every call of a surface:
Excel recalculating 10,000 cells, the app's tabs, one ``rotation`` command. What it holds is
memoised and invalidated by what changes it:

* the settings when ``settings.toml`` changes (its path is resolved once per
  ``ROTATION_DESK_HOME``; the file is stat-ed, never re-parsed, and at most once per
  ``settings_poll_s``; :func:`rotation_addin.data.settings.save_settings` in this process is
  seen at once);
* the dataset when the source, the exchange or the cache file's run (its modification time)
  changes, and after ``dataset_ttl_s``;
* the positions when ``positions.csv`` or ``trade_journal.csv`` change;
* the daily report when any of those, the equity or the plan parameters change.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, Unpack, cast

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import InputError
from rotation_addin.core.report import DailyReport, daily_report
from rotation_addin.core.rotation import PlanOverrides, PlanParameters, PositionBook
from rotation_addin.data import settings as settings_mod
from rotation_addin.data.loader import load_market
from rotation_addin.data.paths import HOME_ENV, cache_path
from rotation_addin.data.positions import journal_path, load_book, positions_path
from rotation_addin.data.settings import Settings, load_settings, settings_path
from rotation_addin.journal.store import journal_path as trade_journal_path

T = TypeVar("T")

DATA_TTL_S = 60.0
"""Seconds a loaded dataset (and the report built on it) is reused by a long-lived session."""
SETTINGS_POLL_S = 0.5
"""A long-lived session stats ``settings.toml`` at most this often (an edit shows within it)."""


def _mtime_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


@dataclass(frozen=True)
class DatasetKey:
    """What a loaded dataset depends on."""

    source: str
    exchange_id: str
    cache_file: str
    cache_run: tuple[int, int]


class DeskSession:
    """Memoised settings, dataset, positions and report for one surface process.

    Parameters
    ----------
    dataset_ttl_s : float
        Seconds a dataset is reused (``inf``: until its key changes).
    settings_poll_s : float
        Seconds between two stats of ``settings.toml`` (0: every call).
    loader : callable, optional
        ``load_market``-compatible loader (default :func:`rotation_addin.data.loader.load_market`).
    """

    def __init__(self, *, dataset_ttl_s: float = DATA_TTL_S,
                 settings_poll_s: float = SETTINGS_POLL_S,
                 loader: Callable[..., MarketDataset] = load_market) -> None:
        self.dataset_ttl_s = dataset_ttl_s
        self.settings_poll_s = settings_poll_s
        self._loader = loader
        self._lock = threading.RLock()
        self._memo: dict[Hashable, tuple[float, object]] = {}
        self._settings: Settings | None = None
        self._settings_key: tuple[str | None, int, int] | None = None
        self._settings_path: Path | None = None
        self._settings_checked = -float("inf")

    def clear(self) -> None:
        """Forget everything memoised (tests; the Refresh button)."""
        with self._lock:
            self._memo.clear()
            self._settings = None
            self._settings_key = None
            self._settings_path = None
            self._settings_checked = -float("inf")

    # -- settings ----------------------------------------------------------------------------
    def settings(self) -> Settings:
        """The user's settings, re-read only when ``settings.toml`` changed.

        Raises
        ------
        InputError
            The file is not valid TOML or holds an invalid value (the field is named).
        """
        home = os.environ.get(HOME_ENV)
        generation = settings_mod.SAVED_GENERATION[0]
        now = time.monotonic()
        current = self._settings
        key = self._settings_key
        if (current is not None and key is not None and key[0] == home and key[1] == generation
                and now - self._settings_checked < self.settings_poll_s):
            return current
        with self._lock:
            if self._settings_path is None or key is None or key[0] != home:
                self._settings_path = settings_path()
            stamp = _mtime_ns(self._settings_path)
            if current is None or key != (home, generation, stamp):
                current = load_settings(self._settings_path)
                self._settings = current
                self._settings_key = (home, generation, stamp)
            self._settings_checked = now
            return current

    def settings_or_defaults(self, notes: list[str]) -> Settings:
        """The settings, or the built-in defaults when they cannot be read (``notes`` says why).

        A broken ``settings.toml`` must not stop a quick check whose inputs say everything.
        """
        try:
            return self.settings()
        except InputError as error:
            notes.append(f"settings not read ({error}): built-in defaults used")
            return Settings()

    # -- dataset -----------------------------------------------------------------------------
    def dataset(self, source: str | None = None, exchange_id: str | None = None,
                cache_file: Path | None = None) -> MarketDataset:
        """The market dataset of ``source`` (default: the ``data_source`` setting)."""
        current = self.settings() if source is None or exchange_id is None else None
        chosen = source or (current.data_source if current else "demo")
        exchange = exchange_id or (current.exchange_id if current else "binanceusdm")
        key = self.dataset_key(chosen, exchange, cache_file)
        return self._memoised(key, self.dataset_ttl_s, lambda: self._loader(
            chosen, exchange_id=exchange, cache_file=cache_file))

    def dataset_key(self, source: str, exchange_id: str,
                    cache_file: Path | None = None) -> DatasetKey:
        """Key of a dataset: the cache run is the cache file's (and its WAL's) mtime."""
        if source != "cache":
            return DatasetKey(source, exchange_id, "", (0, 0))
        path = cache_file if cache_file is not None else cache_path()
        run = (_mtime_ns(path), _mtime_ns(path.with_name(path.name + "-wal")))
        return DatasetKey(source, exchange_id, str(path), run)

    # -- positions, parameters, report -------------------------------------------------------
    def book(self, positions_file: Path | None = None,
             journal_file: Path | None = None) -> PositionBook:
        """Positions and trade journal, re-read when either file changes."""
        files = (positions_file or positions_path(), journal_file or journal_path())
        trades = trade_journal_path()  # the paper journal (SQLite + its WAL) is merged in too
        watched = (*files, trades, trades.with_name(trades.name + "-wal"))
        key = ("book", *map(str, files), *map(_mtime_ns, watched))
        # the named files, not the defaults: a named file that is missing is an error
        return self._memoised(key, float("inf"),
                              lambda: load_book(positions_file, journal_file))

    def plan_parameters(self, settings: Settings | None = None,
                        **overrides: Unpack[PlanOverrides]) -> PlanParameters:
        """Plan parameters from the settings, then ``overrides`` (flags, a cell's equity)."""
        return PlanParameters.from_settings(settings or self.settings(), **overrides)

    def report(self, params: PlanParameters | None = None, *,
               dataset: MarketDataset | None = None,
               book: PositionBook | None = None) -> DailyReport:
        """Today's daily report, memoised on the dataset, the positions and the parameters."""
        data = dataset if dataset is not None else self.dataset()
        positions = book if book is not None else self.book()
        chosen = params if params is not None else self.plan_parameters()
        key = ("report", id(data), data.as_of, id(positions), chosen)
        # the inputs travel with the report, so a recycled id() never serves another's report
        inputs, report = self._memoised(
            key, self.dataset_ttl_s, lambda: ((data, positions), daily_report(data, positions,
                                                                              chosen)))
        if inputs[0] is not data or inputs[1] is not positions:
            with self._lock:
                self._memo.pop(key, None)
            return self.report(chosen, dataset=data, book=positions)
        return report

    def _memoised(self, key: Hashable, ttl_s: float, build: Callable[[], T]) -> T:
        now = time.monotonic()
        with self._lock:
            hit = self._memo.get(key)
            if hit is not None and now - hit[0] < ttl_s:
                return cast(T, hit[1])
            value = build()
            self._memo[key] = (now, value)
            return value


_DEFAULT: list[DeskSession] = []


def default_session() -> DeskSession:
    """The process-wide session every surface shares."""
    if not _DEFAULT:
        _DEFAULT.append(DeskSession())
    return _DEFAULT[0]
