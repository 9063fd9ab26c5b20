"""The Journal and Review sheets against the trade journal, on every headless refresh.

1. Rows the trader typed (no ``journal`` status yet, or flagged before) are read: each one
   goes through the journal's rules (:func:`rotation_addin.desk.journal.open_trade`) with the
   row as its import key, so a row is journaled once however often the workbook is
   refreshed. A refused row stays in the sheet, flagged ``REFUSED rule: numbers`` (and is
   tried again at the next refresh: a cool-down ends); a row with a bad cell is flagged
   ``INPUT field: range``. An ``Override reason`` lets a refused row through (recorded).
   An ``Exit`` typed on a row closes it at that price (``Closed`` date, default now).
2. A journal row whose ``Exit`` or ``Stop`` the trader filled in closes it / moves its stop
   (an edit refused, e.g. a stop across the current price, stays on its row, flagged after
   the row's journal status: tried again at the next refresh, never journaled as a new trade).
3. The sheet is rewritten: every journal trade (paper and real, labelled) then the flagged
   rows, so no typed row is ever lost. The Review sheet gets the week's review.

One home for both refresh paths: :func:`sync_rows` does steps 1-3 on rows already read and
returns what to write; the headless refresh (openpyxl, :func:`sync_journal_sheet`) and the
Excel button (xlwings, :mod:`workbook.sheets.journal_excel`) only read and write cells.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from openpyxl.styles import Font
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from rotation_addin.cli.journal_cmds import review_rows
from rotation_addin.core.errors import InputError, RotationError
from rotation_addin.core.ledger_fold import fold_ledger
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.core.typed_numbers import number_field
from rotation_addin.desk.journal import JournalInputs, OrderRequest, open_trade
from rotation_addin.desk.journal_ops import add_note, close_trade, move_levels, review
from rotation_addin.journal.store import JournalStore
from workbook import styles as st
from workbook.layout import JOURNAL
from workbook.safe_text import safe_cell_value
from workbook.sheets import journal as sheet

EXTRA_COLUMNS: tuple[tuple[str, str, float, str], ...] = (
    ("M", "Closed", 12, st.FMT_DATE),
    ("N", "Account", 9, "@"),
    ("O", "Override reason", 30, "@"),
    ("P", "Journal status (tool)", 60, "@"),
    ("Q", "Net P&L USD (fees, funding)", 14, st.FMT_USD),
)
INPUT_LETTERS = ("A", "B", "C", "D", "E", "F", "G", "H", "K", "L", "M", "N", "O", "P", "Q")
STATUS = "P"
JOURNALED = "journal"
EDIT_FLAG = " -- edit not applied: "
"""Between a journal row's status and the reason an edit typed on it was refused."""
FLAG_FONT = Font(bold=True, color="C00000")
REVIEW_SHEET = "Review"


def owns(sheet_name: str, row: int, column: int) -> bool:
    """True for the cells the journal sync rewrites: the Journal sheet's rows (and the
    headers of its added columns) and the whole Review sheet."""
    if sheet_name == REVIEW_SHEET:
        return True
    return sheet_name == JOURNAL and (
        row >= sheet.FIRST_ROW or (row == sheet.HEADER_ROW and column >= 13))


@dataclass(frozen=True)
class SheetRow:
    """One row of the Journal sheet as typed (cell values by column letter)."""

    number: int
    cells: dict[str, Any]

    def value(self, letter: str) -> Any:
        raw = self.cells.get(letter)
        return raw.strip() if isinstance(raw, str) else raw

    @property
    def empty(self) -> bool:
        return all(self.value(x) in (None, "") for x in INPUT_LETTERS if x != STATUS)

    @property
    def status(self) -> str:
        return str(self.value(STATUS) or "")


def ensure_columns(ws: Worksheet) -> None:
    """Add the journal columns to a Journal sheet built before they existed."""
    for letter, header, width, fmt in EXTRA_COLUMNS:
        head = ws[f"{letter}{sheet.HEADER_ROW}"]
        if head.value != header:
            head.value = header
            head.font, head.fill = st.HEADER_FONT, st.HEADER_FILL
        ws.column_dimensions[letter].width = width
        for row in range(sheet.FIRST_ROW, sheet.LAST_ROW + 1):
            cell = ws[f"{letter}{row}"]
            cell.number_format = fmt
            cell.protection = st.LOCKED if letter in (STATUS, "Q") else st.UNLOCKED


def read_rows(ws: Worksheet) -> list[SheetRow]:
    """Every non-empty row below the header."""
    rows = []
    for number in range(sheet.FIRST_ROW, sheet.LAST_ROW + 1):
        row = SheetRow(number, {x: ws[f"{x}{number}"].value for x in INPUT_LETTERS})
        if not row.empty:
            rows.append(row)
    return rows


def _number(row: SheetRow, letter: str, field: str) -> float | None:
    value = row.value(letter)
    if value in (None, ""):
        return None
    if isinstance(value, str):
        number = number_field(field, value)
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InputError(field, f"must be a number (got {value!r})") from None
    if not math.isfinite(number):
        raise InputError(field, f"must be a finite number (got {value!r})")
    return number


def _when(row: SheetRow, letter: str, field: str) -> datetime | None:
    value = row.value(letter)
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise InputError(field, f"must be a date like 2026-11-20 (got {value!r})") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _key_text(value: Any) -> str:
    """A cell as key text; Excel (xlwings) reads every number as a float, openpyxl reads a
    typed 1 as an int: an integral float is written like the int, so both paths agree."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value or "")


def row_key(row: SheetRow) -> str:
    """Import key of a typed row: its trade cells (a changed row is a new trade)."""
    parts = [_key_text(row.value(x)) for x in ("A", "B", "D", "E", "F", "G", "N")]
    return "sheet:" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _journal_typed(inputs: Any, row: SheetRow) -> str:
    """Journal one typed row; return its new status."""
    quantity = _number(row, "G", "Quantity")
    if quantity is None:
        raise InputError("Quantity", "is required: > 0 base units")
    account = str(row.value("N") or "paper").lower()
    override = row.value("O")
    request = OrderRequest(symbol=str(row.value("B") or ""), side=str(row.value("D") or ""),
                           stop=_number(row, "F", "Stop"), quantity=quantity,
                           entry=_number(row, "E", "Entry"), account=account,
                           reason=str(row.value("K") or ""), at=_when(row, "A", "Date"))
    result = open_trade(inputs, request, str(override) if override else None,
                        import_key=row_key(row))
    if row.value("L"):
        add_note(inputs, str(row.value("L")), symbol=result.check.base, account=account)
    exit_price = _number(row, "H", "Exit")
    if exit_price is not None:
        close_trade(inputs, result.check.base, account=account, price=exit_price,
                    at=_when(row, "M", "Closed"), reason="closed in the workbook")
    return f"{JOURNALED} {account} {result.trade_id}"


def journaled_trade_id(status: str) -> str:
    """The trade id in a status the sync wrote: ``journal <account> <id>[ (open)]``."""
    words = status.split()
    return words[2] if len(words) >= 3 else ""


def _apply_edits(inputs: Any, row: SheetRow, open_ids: dict[str, Any]) -> None:
    """A journal row whose Exit or Stop was filled in: close it or move its stop."""
    trade = open_ids.get(journaled_trade_id(row.status))
    if trade is None:
        return
    exit_price = _number(row, "H", "Exit")
    if exit_price is not None:
        close_trade(inputs, trade.base, account=trade.account, price=exit_price,
                    at=_when(row, "M", "Closed"), reason="closed in the workbook")
        return
    stop = _number(row, "F", "Stop")
    if stop is not None and stop != trade.stop_price_usd:
        move_levels(inputs, trade.base, stop=stop, account=trade.account,
                    reason="stop moved in the workbook")


def _process(inputs: Any, rows: list[SheetRow]) -> tuple[list[tuple[SheetRow, str]], list[str]]:
    with JournalStore(inputs.path) as store:
        ledger = fold_ledger(store.events(), None)
    open_ids = {t.trade_id: t for t in ledger.open_trades}
    kept: list[tuple[SheetRow, str]] = []
    notes: list[str] = []
    for row in rows:
        if row.status.startswith(JOURNALED):
            try:
                _apply_edits(inputs, row, open_ids)
            except RotationError as error:
                # still the journal's row: flagged but never journaled again as a new trade
                kept.append((row, f"{row.status.split(EDIT_FLAG)[0]}{EDIT_FLAG}"
                                  f"{_flag(error)}"))
            continue
        try:
            _journal_typed(inputs, row)
            notes.append(f"Journal row {row.number}: journaled")
        except RotationError as error:
            kept.append((row, _flag(error)))
    return kept, notes


def _flag(error: RotationError) -> str:
    """A row's status for an error: ``INPUT field: range`` or ``REFUSED rule: numbers``."""
    if isinstance(error, InputError):
        return f"INPUT {error.field}: {error.reason}"
    return f"REFUSED {error}"


def _journal_lines(inputs: Any) -> list[list[Any]]:
    with JournalStore(inputs.path) as store:
        ledger = fold_ledger(store.events(), None)
    last_note = {n.trade_id: n.reason for n in ledger.notes if n.trade_id}
    lines: list[list[Any]] = []
    for t in sorted(ledger.closed_trades, key=lambda t: t.opened_at):
        lines.append([t.opened_at.date(), t.base, t.sector, t.side.value, t.entry_price_usd,
                      None, t.quantity_base, t.exit_price_usd, t.reason,
                      last_note.get(t.trade_id, t.exit_reason), t.closed_at.date(), t.account,
                      "override" if t.overridden else "",
                      f"{JOURNALED} {t.account} {t.trade_id}", t.realised_pnl_usd])
    for o in sorted(ledger.open_trades, key=lambda t: t.opened_at):
        lines.append([o.opened_at.date(), o.base, o.sector, o.side.value, o.entry_price_usd,
                      o.stop_price_usd, o.quantity_base, None, o.reason,
                      last_note.get(o.trade_id, ""), None, o.account,
                      "override" if o.overridden else "",
                      f"{JOURNALED} {o.account} {o.trade_id} (open)", None])
    return lines


@dataclass(frozen=True)
class SyncOutcome:
    """What a sync writes: ``grid`` is the Journal sheet's rows (:data:`sheet.ROWS` rows of
    :data:`INPUT_LETTERS` values, cell-safe), the rows ``flagged`` (offsets) are typed rows
    the journal refused, kept with their status; ``review`` is the Review sheet (title,
    subtitle, then (figure, value) rows); ``notes`` go into the refresh result."""

    grid: list[list[Any]]
    flagged: range
    review_title: str
    review_subtitle: str
    review: list[tuple[str, Any]]
    notes: list[str]


def sync_rows(inputs: Any, rows: list[SheetRow]) -> SyncOutcome:
    """Steps 1-3 of the module docstring on rows already read from the sheet (both refresh
    paths call this): journal the typed rows, apply edits, build the sheet and the review."""
    flagged, notes = _process(inputs, rows)
    lines = _journal_lines(inputs)
    if len(lines) + len(flagged) > sheet.ROWS:
        notes.append(f"Journal sheet shows the first {sheet.ROWS} rows of "
                     f"{len(lines) + len(flagged)}: the journal file keeps them all")
    typed = [[row.cells.get(x) for x in INPUT_LETTERS[:-2]] + [status, None]
             for row, status in flagged]
    kept = (lines + typed)[: sheet.ROWS]
    grid = [[safe_cell_value(v) if isinstance(v, str) else v for v in values]
            for values in kept]
    grid += [[None] * len(INPUT_LETTERS) for _ in range(sheet.ROWS - len(grid))]
    notes += [f"Journal row {r.number} flagged: {s}" for r, s in flagged]
    title, subtitle, review_rows = review_content(inputs)
    return SyncOutcome(grid=grid, flagged=range(min(len(lines), sheet.ROWS), len(kept)),
                       review_title=title, review_subtitle=subtitle, review=review_rows,
                       notes=notes)


def _write(ws: Worksheet, outcome: SyncOutcome) -> None:
    for offset, values in enumerate(outcome.grid):
        number = sheet.FIRST_ROW + offset
        for letter, value in zip(INPUT_LETTERS, values, strict=True):
            cell = ws[f"{letter}{number}"]
            cell.value = value
            cell.font = FLAG_FONT if letter == STATUS and offset in outcome.flagged else Font()


def sync_journal_sheet(wb: Workbook, inputs: Any) -> list[str]:
    """Read typed rows into the journal, rewrite the Journal sheet and the Review sheet
    (the headless refresh, openpyxl).

    Returns notes for the refresh result (rows journaled, rows flagged, rows cut to fit).
    """
    ws = wb[JOURNAL]
    ensure_columns(ws)
    outcome = sync_rows(inputs, read_rows(ws))
    _write(ws, outcome)
    write_review_sheet(wb, outcome)
    return outcome.notes


def review_content(inputs: Any) -> tuple[str, str, list[tuple[str, Any]]]:
    """Title, subtitle and (figure, value) rows of the Review sheet: the paper account's
    review of the last 7 days (values cell-safe; a figure that is not a number is n/a)."""
    result = review(inputs)
    rows: list[tuple[str, Any]] = []
    for name, value in review_rows(result):
        shown = value if not isinstance(value, float) or math.isfinite(value) else "n/a"
        rows.append((str(safe_cell_value(name)),
                     safe_cell_value(shown) if isinstance(shown, str) else shown))
    return ("Weekly review (paper)",
            f"{result.start:%Y-%m-%d %H:%M} to {result.end:%Y-%m-%d %H:%M} UTC; "
            f"prices: {inputs.dataset.source}. Written from the journal on refresh.", rows)


REVIEW_HEADER_ROW = 4


def write_review_sheet(wb: Workbook, outcome: SyncOutcome) -> None:
    """The Review sheet (rewritten) from a sync's review."""
    ws = wb[REVIEW_SHEET] if REVIEW_SHEET in wb.sheetnames else wb.create_sheet(REVIEW_SHEET)
    ws.delete_rows(1, ws.max_row + 1)
    st.write_title(ws, outcome.review_title, outcome.review_subtitle)
    st.write_header(ws, REVIEW_HEADER_ROW, 1, ["figure", "value"])
    for offset, (name, value) in enumerate(outcome.review, start=REVIEW_HEADER_ROW + 1):
        ws.cell(offset, 1, name)
        ws.cell(offset, 2, value)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 40


def journal_inputs(dataset: Any, settings: Any, now: datetime) -> Any:
    """The journal inputs of a refresh: its dataset and settings, the user's journal file."""
    return JournalInputs(params=PlanParameters.from_settings(settings), dataset=dataset,
                         now=max(now, dataset.as_of))


def sync_for_refresh(wb: Workbook, dataset: Any, settings: Any, now: datetime) -> list[str]:
    """:func:`sync_journal_sheet` with the refresh's dataset and settings (the user's journal
    file); a workbook without a Journal sheet is left alone."""
    if JOURNAL not in wb.sheetnames:
        return []
    return sync_journal_sheet(wb, journal_inputs(dataset, settings, now))
