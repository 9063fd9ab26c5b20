"""Shared pieces of the quick checks (``rotation size | liq | leverage``): flag types, output,
the settings and the dataset a ``--symbol`` reads.

:func:`_number` (and :func:`_fraction` on it) is how every number flag of the CLI reads its
value (``rotation plan``, ``trade``, ``platforms``, ``doctor``, ``alerts`` too), and
:func:`_whole_number` every count, so ``1,000`` or ``$5`` means the same on every command;
:func:`_in_range` on them checks a range the CLI owns (``watch --every``, ``corr --window``).
Fractions accept ``0.02`` or ``2%``. Nothing here imports pandas: ``rotation size`` without
``--symbol`` starts without it.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rotation_addin.cli import term
from rotation_addin.cli.flag_errors import USD, range_words
from rotation_addin.core import formats
from rotation_addin.core.constants import HISTORY_DAYS
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.liquidation import LiquidationResult
from rotation_addin.core.parameters import EQUITY_USD
from rotation_addin.core.typed_numbers import NotANumber, typed_number, typed_whole_number
from rotation_addin.data.settings import Settings, load_settings

if TYPE_CHECKING:
    from rotation_addin.core.dataset import MarketDataset
    from rotation_addin.desk.session import DeskSession

ESTIMATORS = ("ewma", "close", "parkinson", "garman-klass")
VOL_LOOKBACK_DAYS = HISTORY_DAYS
"""Daily candles behind ``--symbol`` volatility: the plan's window, so the CLI, the UDFs and
``rotation plan`` quote the same sigma for the same symbol."""

DAILY_VOL_PLAIN_MAX = 1.0
"""A bare ``--daily-vol`` above 1 (100 % a day) is taken as a forgotten ``%`` and refused."""
ANNUAL_VOL_PLAIN_MAX = 5.0
"""A bare ``--annual-vol`` above 5 (500 % a year) is taken as a forgotten ``%`` and refused."""



def _number(text: str, valid: str = "") -> float:
    """argparse type: a number as typed (``1,000``, ``$5``, ``1e3``: read by
    :func:`~rotation_addin.core.typed_numbers.typed_number`, so ``1,5`` is refused, not read
    as 15); ``valid`` is the flag's range in words (``above 0 USD``), said when the text is no
    number. A flag with a range takes ``functools.partial(_number, valid=...)``, or
    :func:`_in_range` to check it too."""
    try:
        return typed_number(text, dollar=True)
    except NotANumber as exc:
        raise argparse.ArgumentTypeError(
            f"must be a number{f' {valid}' if valid else ''} (got {text!r}){exc.hint}") from None


def _whole_number(text: str, valid: str = "") -> int:
    """argparse type: a count as typed (``1,000`` as :func:`_number` reads it; ``1.5``,
    ``1e3`` and ``$5`` refused); ``valid`` is the range in words, said when the text is no
    whole number."""
    try:
        return typed_whole_number(text)
    except NotANumber as exc:
        raise argparse.ArgumentTypeError(
            f"must be a whole number{f' {valid}' if valid else ''} (got {text!r}){exc.hint}"
        ) from None


def _in_range(low: float, high: float, suffix: str = "", *, whole: bool = False,
              low_inclusive: bool = True) -> Callable[[str], float]:
    """argparse type of a flag whose range the CLI checks itself: a number (a whole number
    with ``whole``) in ``[low, high]`` (``(low, high]`` without ``low_inclusive``; ``high``
    ``math.inf``: no upper limit), else refused in one line whose range words are
    :func:`~rotation_addin.cli.flag_errors.range_words`' and ``suffix`` (``s``, ``days``), the
    same for a word (``must be a whole number at least 1 (got 'x')``) as for a number outside
    it (``must be at least 1 (got 0)``, ``nan`` and ``inf`` too)."""
    valid = range_words(low, high, low_inclusive=low_inclusive) + (f" {suffix}" if suffix else "")

    def parse(text: str) -> float:
        value = _whole_number(text, valid) if whole else _number(text, valid)
        above = low <= value if low_inclusive else low < value
        if not (above and value <= high):  # nan too
            raise argparse.ArgumentTypeError(f"must be {valid} (got {text.strip()})")
        return value

    return parse


EQUITY = functools.partial(_number, valid=range_words(EQUITY_USD.low, EQUITY_USD.high, USD))
"""argparse type of ``--equity`` (``rotation size``, ``rotation plan``): a word is refused with
the range the engine checks (:data:`rotation_addin.core.parameters.EQUITY_USD`)."""


def _fraction(plain_max: float | None) -> Any:
    """Argparse type for fractions: ``0.02`` or ``2%``; plain numbers above ``plain_max`` are
    refused as probably meant as percentages."""

    def parse(text: str) -> float:
        stripped = text.strip()
        if stripped.endswith("%"):
            return _number(stripped[:-1]) / 100.0
        value = _number(stripped)
        if not math.isfinite(value):
            return value  # the engine names the field: "must be a finite number"
        if plain_max is not None and value > plain_max:
            raise argparse.ArgumentTypeError(
                f"must be a fraction like 0.02 or a percentage like 2% (got {text!r}; "
                f"did you mean {text.strip()}%?)"
            )
        return value

    return parse


def _pct(value: float | None, digits: int = 2) -> str:
    """A fraction as ``core.formats.format_pct`` writes it (``1.976%``); n/a when missing."""
    if value is None or not math.isfinite(value):
        return term.MISSING
    return formats.format_pct(value, digits)


def _usd(value: float) -> str:
    """An amount in a row named USD: to the cent (``3,840.00``)."""
    return formats.format_number(value, 2)


def _print_result(pairs: list[tuple[str, Any]], warnings: tuple[str, ...] | list[str],
                  footer: str | None = None) -> None:
    print(term.render_key_values(pairs))
    for warning in warnings:
        print(f"warning: {warning}")
    if footer:
        print(footer)


def _data_flags(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--source", choices=("demo", "cache"), default=None,
                        help=f"dataset for {what} (default: the data_source setting, demo = "
                             "the simulated market)")
    parser.add_argument("--exchange", metavar="ID", default=None,
                        help="exchange whose cached data to read with --source cache "
                             "(default: settings exchange_id; 'demo' = `rotation refresh "
                             "--demo`)")


def _session() -> DeskSession:
    # Deferred on purpose (measured, docs/benchmarks.md): the session module imports pandas;
    # `rotation size` without --symbol starts without it.
    try:
        importlib.import_module("rotation_addin.data.loader")  # the optional data layer
        # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
        from rotation_addin.desk.session import default_session
    except ImportError as exc:  # the pure quick checks work without the data layer
        raise DataError(f"--symbol needs the market data loader ({exc}); use --daily-vol or "
                        "--annual-vol, or --step/--min-qty/--min-notional") from None
    return default_session()


def _load_dataset(args: argparse.Namespace, settings: Settings) -> MarketDataset:
    """The dataset ``--source``/``--exchange`` name (defaults: the settings), as the UDFs read."""
    return _session().dataset(args.source or settings.data_source,
                              args.exchange or settings.exchange_id)


def _settings(notes: list[str]) -> Settings:
    """The settings, or the defaults when ``settings.toml`` cannot be read (``notes`` says why),
    read without the desk session when no data is needed (start-up: no pandas)."""
    try:
        return load_settings()
    except InputError as error:
        notes.append(f"settings not read ({error}): built-in defaults used")
        return Settings()


def _given(value: float | None, default: float) -> float:
    return default if value is None else value


def _base(symbol: str | None) -> str | None:
    """The base a ``--symbol`` names (``RENDER/USDT:USDT`` -> ``RENDER``), None when absent."""
    if symbol is None or not symbol.strip():
        return None
    return symbol.strip().upper().split("/")[0]


def _liq_text(liq: LiquidationResult) -> Any:
    if liq.can_be_liquidated:
        return liq.liquidation_price_usd
    return "none (margin covers a fall to 0)"
