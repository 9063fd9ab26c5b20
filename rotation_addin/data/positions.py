"""The user's positions and trade journal: two small CSV files in the config directory.

``positions.csv`` (one row per open position)::

    symbol,side,quantity,entry_price,stop_price,take_profit_price,opened_at
    RENDER/USDT:USDT,long,120,7.45,6.90,8.60,2026-11-20T00:00:00+00:00

``trade_journal.csv`` (one row per closed trade; losses drive the cool-down rule)::

    symbol,side,quantity,entry_price,exit_price,opened_at,closed_at,realised_pnl_usd,reason

``symbol`` may be the base (``RENDER``) or the unified symbol; ``side`` long/short (or
buy/sell); a contract's own name is mapped to the universe base (``RNDR`` -> ``RENDER``;
``1000PEPE/USDT:USDT`` -> ``PEPE`` with quantity × 1000 and prices ÷ 1000, see
:mod:`rotation_addin.data.markets`); ``stop_price`` and ``take_profit_price`` may be empty;
times are ISO 8601 (a date alone or a time without zone means UTC). Every bad cell raises
:class:`InputError` naming the file, line and column. Writes are atomic.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from rotation_addin.core.errors import InputError
from rotation_addin.core.rotation import ClosedTrade, Position, PositionBook
from rotation_addin.core.types import Side
from rotation_addin.data.atomic import atomic_write_text
from rotation_addin.data.markets import canonical_base
from rotation_addin.data.paths import config_dir
from rotation_addin.data.text_files import read_user_text
from rotation_addin.journal.store import book_from_journal, merge_books

POSITION_COLUMNS = ("symbol", "side", "quantity", "entry_price", "stop_price",
                    "take_profit_price", "opened_at")
JOURNAL_COLUMNS = ("symbol", "side", "quantity", "entry_price", "exit_price", "opened_at",
                   "closed_at", "realised_pnl_usd", "reason")


def positions_path() -> Path:
    """Default positions file: ``<config dir>/positions.csv``."""
    return config_dir() / "positions.csv"


def journal_path() -> Path:
    """Default trade journal: ``<config dir>/trade_journal.csv``."""
    return config_dir() / "trade_journal.csv"


def base_of(symbol: str, field: str = "symbol") -> str:
    """Base asset of ``RENDER``, ``render``, ``RNDR`` or ``RENDER/USDT:USDT``."""
    return units_of(symbol, field)[0]


def units_of(symbol: str, field: str = "symbol") -> tuple[str, float]:
    """``(base, multiplier)`` of a symbol: ``1000PEPE/USDT:USDT`` -> ``("PEPE", 1000.0)``."""
    text = symbol.strip().split("/")[0].strip().upper()
    if not text or not text.replace("_", "").isalnum():
        raise InputError(field, "must be a symbol like RENDER or RENDER/USDT:USDT "
                         f"(got {symbol!r})")
    return canonical_base(text)


def _scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


def _number(field: str, text: str, *, optional: bool = False) -> float | None:
    raw = text.strip()
    if not raw:
        if optional:
            return None
        raise InputError(field, "is required (got an empty cell)")
    try:
        value = float(raw)
    except ValueError:
        raise InputError(field, f"must be a number (got {raw!r})") from None
    if not math.isfinite(value):
        raise InputError(field, f"must be a finite number (got {raw!r})")
    return value


def _time(field: str, text: str) -> datetime:
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(field, f"must be an ISO 8601 date/time like 2026-11-20T08:00:00Z "
                         f"(got {raw!r})") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _rows(text: str, columns: Sequence[str], where: str) -> Iterable[tuple[str, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in columns if c not in header]
    if missing:
        raise InputError(where, f"missing column(s) {missing}; expected {list(columns)}")
    reader.fieldnames = header
    line = 1
    try:
        for line, row in enumerate(reader, start=2):
            if all(not (v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            yield f"{where} line {line}", {k: (v or "") for k, v in row.items() if k}
    except csv.Error as exc:  # e.g. a cell over the csv module's 131,072-character limit
        raise InputError(f"{where} line {line + 1}", f"is not valid CSV ({exc})") from None


def parse_positions(text: str, where: str = "positions.csv") -> tuple[Position, ...]:
    """Parse and validate positions CSV text (see module docstring)."""
    positions: list[Position] = []
    for at, row in _rows(text, POSITION_COLUMNS, where):
        try:
            base, units = units_of(row["symbol"])
            positions.append(Position(
                base=base,
                side=Side.parse(row["side"]),
                quantity_base=(_number("quantity", row["quantity"]) or 0.0) * units,
                entry_price_usd=(_number("entry_price", row["entry_price"]) or 0.0) / units,
                stop_price_usd=_scaled(_number("stop_price", row["stop_price"], optional=True),
                                       1 / units),
                take_profit_price_usd=_scaled(_number("take_profit_price",
                                                      row["take_profit_price"], optional=True),
                                              1 / units),
                opened_at=_time("opened_at", row["opened_at"]),
            ))
        except InputError as error:
            raise InputError(f"{at}: {error.field}", error.reason) from None
    try:
        PositionBook(positions=tuple(positions))
    except InputError as error:
        raise InputError(where, error.reason) from None
    return tuple(positions)


def parse_journal(text: str, where: str = "trade_journal.csv") -> tuple[ClosedTrade, ...]:
    """Parse and validate trade-journal CSV text (see module docstring)."""
    trades: list[ClosedTrade] = []
    for at, row in _rows(text, JOURNAL_COLUMNS, where):
        try:
            base, units = units_of(row["symbol"])
            trades.append(ClosedTrade(
                base=base,
                side=Side.parse(row["side"]),
                quantity_base=(_number("quantity", row["quantity"]) or 0.0) * units,
                entry_price_usd=(_number("entry_price", row["entry_price"]) or 0.0) / units,
                exit_price_usd=(_number("exit_price", row["exit_price"]) or 0.0) / units,
                opened_at=_time("opened_at", row["opened_at"]),
                closed_at=_time("closed_at", row["closed_at"]),
                realised_pnl_usd=_number("realised_pnl_usd", row["realised_pnl_usd"]) or 0.0,
                reason=row.get("reason", "").strip(),
            ))
        except InputError as error:
            raise InputError(f"{at}: {error.field}", error.reason) from None
    return tuple(trades)


def _read(path: Path) -> str | None:
    if not path.exists():
        return None
    try:
        return read_user_text(path, path.name)
    except OSError as error:
        raise InputError(str(path), f"cannot be read: {error.strerror or error}") from None


def _require_named_file(path: Path | None, field: str) -> None:
    """A file the user named explicitly must exist: a typo must not read as "no positions"
    (the plan would then open what is already held)."""
    if path is not None and not Path(path).exists():
        raise InputError(field, f"file {path} does not exist (omit it to use the default "
                                "file in the config folder)")


def read_positions(path: Path | None = None) -> tuple[Position, ...]:
    """Positions from ``path`` (default :func:`positions_path`).

    A missing default file means no positions; a missing file named in ``path`` is an
    :class:`InputError`.
    """
    _require_named_file(path, "positions")
    target = Path(path) if path is not None else positions_path()
    text = _read(target)
    return () if text is None else parse_positions(text, str(target))


def read_journal(path: Path | None = None) -> tuple[ClosedTrade, ...]:
    """Closed trades from ``path`` (default :func:`journal_path`).

    A missing default file means no trades; a missing file named in ``path`` is an
    :class:`InputError`.
    """
    _require_named_file(path, "journal")
    target = Path(path) if path is not None else journal_path()
    text = _read(target)
    return () if text is None else parse_journal(text, str(target))


def load_book(positions_file: Path | None = None, journal_file: Path | None = None,
              *, trade_journal: Path | None = None) -> PositionBook:
    """Positions and closed trades, ready for ``daily_report``: the CSV files merged with the
    paper account of the trade journal (``<data dir>/journal.sqlite3`` or ``trade_journal``),
    each trade once, so the cool-down sees losses journaled anywhere."""
    csv_book = PositionBook(positions=read_positions(positions_file),
                            closed_trades=read_journal(journal_file))
    return merge_books(csv_book, book_from_journal(trade_journal))


def load_positions(positions_file: Path | None = None) -> PositionBook:
    """The user's positions and journal from their default files (same as :func:`load_book`).

    Kept for surfaces that ask for "the positions": the journal comes along because the
    cool-down rule needs it.
    """
    return load_book(positions_file)


def _fmt(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def positions_csv(positions: Sequence[Position]) -> str:
    """CSV text of ``positions`` (round-trips through :func:`parse_positions`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(POSITION_COLUMNS)
    for p in positions:
        writer.writerow([p.base, p.side.value, _fmt(p.quantity_base), _fmt(p.entry_price_usd),
                         _fmt(p.stop_price_usd), _fmt(p.take_profit_price_usd),
                         p.opened_at.isoformat()])
    return buffer.getvalue()


def journal_csv(trades: Sequence[ClosedTrade]) -> str:
    """CSV text of ``trades`` (round-trips through :func:`parse_journal`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(JOURNAL_COLUMNS)
    for t in trades:
        writer.writerow([t.base, t.side.value, _fmt(t.quantity_base), _fmt(t.entry_price_usd),
                         _fmt(t.exit_price_usd), t.opened_at.isoformat(), t.closed_at.isoformat(),
                         _fmt(t.realised_pnl_usd), t.reason])
    return buffer.getvalue()


def write_positions(positions: Sequence[Position], path: Path | None = None) -> Path:
    """Replace the positions file atomically; returns its path."""
    target = Path(path) if path is not None else positions_path()
    PositionBook(positions=tuple(positions))  # validates one position per symbol
    atomic_write_text(target, positions_csv(positions))
    return target


def write_journal(trades: Sequence[ClosedTrade], path: Path | None = None) -> Path:
    """Replace the trade journal atomically; returns its path."""
    target = Path(path) if path is not None else journal_path()
    atomic_write_text(target, journal_csv(trades))
    return target


def close_position(
    book: PositionBook,
    base: str,
    *,
    exit_price_usd: float,
    closed_at: datetime,
    fees_usd: float = 0.0,
    reason: str = "",
) -> PositionBook:
    """Book with ``base`` moved from positions to the journal, P&L realised.

    realised P&L = side x (exit - entry) x quantity - fees.
    """
    wanted = base_of(base)
    position = next((p for p in book.positions if p.base == wanted), None)
    if position is None:
        held = ", ".join(p.base for p in book.positions) or "none"
        raise InputError("symbol", f"no open position in {wanted} (held: {held})")
    exit_price = _number("exit_price", str(exit_price_usd)) or 0.0
    pnl = position.side.sign * (exit_price - position.entry_price_usd) * position.quantity_base
    trade = ClosedTrade(
        base=wanted, side=position.side, quantity_base=position.quantity_base,
        entry_price_usd=position.entry_price_usd, exit_price_usd=exit_price,
        opened_at=position.opened_at, closed_at=closed_at, realised_pnl_usd=pnl - fees_usd,
        reason=reason,
    )
    return PositionBook(
        positions=tuple(p for p in book.positions if p.base != wanted),
        closed_trades=(*book.closed_trades, trade),
    )


def save_book(
    book: PositionBook, positions_file: Path | None = None, journal_file: Path | None = None
) -> None:
    """Write both files atomically (each one on its own)."""
    write_positions(book.positions, positions_file)
    write_journal(book.closed_trades, journal_file)
