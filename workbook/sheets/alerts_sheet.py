"""The Alerts sheet (rules editable, firings listed) and the Dashboard's alert flags.

Rule table ``A5:H45`` (block ``alerts_rules``): type a rule on an empty row (kind, subject,
threshold, unit, hysteresis, note; leave the id empty); the next refresh validates it, stores
it in the alerts file and writes its id back; a refused row stays, flagged in ``status``
(:mod:`workbook.sheets.alerts_sync`). Firings ``J5:P55`` (block ``alerts_firings``): the most
recent first, each labelled with its data (``demo (simulated)`` on the demo market). The
kinds, their units and ranges are listed below the rule table. Dashboard ``D11:G15``: how
many alerts fired on the data shown, and which.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from openpyxl.formatting.rule import FormulaRule
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from rotation_addin.core.alert_eval import AlertFiring
from rotation_addin.core.alerts import KINDS
from rotation_addin.desk import alerts as desk_alerts
from workbook import layout as lay
from workbook import styles as st
from workbook.context import AlertsView, FillContext, Rows, utc_text
from workbook.sheets import alerts_sync
from workbook.sheets.protection import protect, replace_validations

HEADER_ROW = 5
RULES = lay.block("alerts_rules")
FIRINGS = lay.block("alerts_firings")
FIRST_ROW = RULES.top
LAST_ROW = RULES.bottom
KINDS_ROW = LAST_ROW + 3
FIRING_HEADERS = ("No.", "Fired (UTC)", "Rule", "Kind", "Subject", "Data", "Message")
RULE_HEADERS = ("Id (tool)", "Kind", "Subject", "Threshold", "Unit", "Hysteresis", "Note",
                "Status (tool)")
INPUT_COLUMNS = range(2, 8)  # B..G
RED_BOLD = st.Font(bold=True, color="C00000")
FLAG_RULE = FormulaRule(formula=[f'LEFT($H{FIRST_ROW},7)="{alerts_sync.REFUSED}"'],
                        font=RED_BOLD)


def build(ws: Worksheet) -> None:
    """Titles, headers, the kinds reference and the editable cells."""
    st.write_title(ws, "Alerts",
                   "Type a rule on an empty row (leave the id empty); refresh stores it and "
                   "evaluates every rule. Clear a kind to remove its rule.")
    ws["A4"] = "Rules (read back and validated on refresh)"
    ws["A4"].font = st.SECTION_FONT
    ws["J4"] = "Firings (newest first; the alerts file keeps them all)"
    ws["J4"].font = st.SECTION_FONT
    st.write_header(ws, HEADER_ROW, 1, list(RULE_HEADERS))
    st.write_header(ws, HEADER_ROW, FIRINGS.left, list(FIRING_HEADERS))
    st.format_cells(ws, ((r, c) for r in range(FIRST_ROW, LAST_ROW + 1) for c in INPUT_COLUMNS),
                    fill=st.INPUT_FILL, unlocked=True)
    st.column_formats(ws, FIRINGS.top, FIRINGS.bottom, {FIRINGS.left + 1: "yyyy-mm-dd hh:mm"})
    ws.cell(KINDS_ROW, 1, "Kinds").font = st.SECTION_FONT
    for col, name in ((2, "Kind"), (3, "Subject"), (7, "Unit: threshold range"),
                      (8, "What fires")):
        st.write_header(ws, KINDS_ROW + 1, col, [name])
    for offset, spec in enumerate(KINDS.values(), start=KINDS_ROW + 2):
        units = "; ".join(f"{u or '-'}: {p.unit or 'no threshold'}"
                          + (f" ({p.low:g}, {p.high:g}]" if p.unit else "")
                          for u, p in spec.thresholds.items())
        subject = {"symbol": "symbol", "sector": "sector", "none": "(empty)"}[spec.subject]
        ws.cell(offset, 2, spec.kind)
        ws.cell(offset, 3, subject + (" or *" if spec.any_subject else ""))
        ws.cell(offset, 7, units)
        ws.cell(offset, 8, spec.description)
    st.set_widths(ws, {"A": 9, "B": 24, "C": 14, "D": 12, "E": 8, "F": 11, "G": 34, "H": 60,
                       "I": 3, "J": 6, "K": 17, "L": 6, "M": 22, "N": 10, "O": 22, "P": 70})
    ws.freeze_panes = ws[f"A{FIRST_ROW}"]
    st.print_one_page(ws)


def ensure_sheet(wb: Workbook) -> Worksheet:
    """The Alerts sheet, added (after the Journal) to a workbook built before it existed."""
    if lay.ALERTS in wb.sheetnames:
        return wb[lay.ALERTS]
    after = wb.sheetnames.index(lay.JOURNAL) + 1 if lay.JOURNAL in wb.sheetnames else None
    ws = wb.create_sheet(lay.ALERTS, after)
    build(ws)
    return ws


def validations() -> list[DataValidation]:
    """Kind from the list; threshold and hysteresis numbers."""
    kind = DataValidation(type="list", formula1='"' + ",".join(KINDS) + '"', allow_blank=True,
                          showErrorMessage=True, error="one of the kinds listed below")
    kind.add(f"B{FIRST_ROW}:B{LAST_ROW}")
    numbers = DataValidation(type="decimal", operator="between", formula1="-1000000000000",
                             formula2="1000000000000", allow_blank=True,
                             showErrorMessage=True, error="a number")
    numbers.add(f"D{FIRST_ROW}:D{LAST_ROW}")
    numbers.add(f"F{FIRST_ROW}:F{LAST_ROW}")
    return [kind, numbers]


def decorate(wb: Workbook) -> None:
    """Re-apply validation, the REFUSED highlight and protection (added sheet if missing)."""
    ws = ensure_sheet(wb)
    replace_validations(ws, validations())
    ref = f"H{FIRST_ROW}:H{LAST_ROW}"
    _add_format(ws, ref, FLAG_RULE)
    protect(ws)
    flags = lay.block("dashboard_alerts")
    dashboard = wb[lay.DASHBOARD]
    _add_format(dashboard, f"D{flags.top}:G{flags.bottom}", FormulaRule(
        formula=[f'OR($D{flags.top}="{FLAG}",LEFT($E${flags.top},5)<>"none ")'], font=RED_BOLD))
    dashboard.cell(flags.top, flags.left).font = st.BOLD


def _add_format(ws: Worksheet, ref: str, rule: FormulaRule) -> None:
    """Add the tool's conditional format on ``ref`` unless a round trip kept it."""
    if not any(str(rng.sqref) == ref for rng in ws.conditional_formatting):
        ws.conditional_formatting.add(ref, rule)


def typed_rows_openpyxl(wb: Workbook) -> list[list[Any]]:
    """The rule table as typed in a workbook file."""
    ws = ensure_sheet(wb)
    return [[ws.cell(r, c).value for c in range(1, 9)] for r in range(FIRST_ROW, LAST_ROW + 1)]


def typed_rows_xlwings(book: Any) -> list[list[Any]] | None:
    """The rule table as typed in the workbook open in Excel (None: no Alerts sheet, or a
    range that did not read as rows)."""
    if lay.ALERTS not in [s.name for s in book.sheets]:
        return None
    grid = book.sheets[lay.ALERTS].range(RULES.ref).value
    if not isinstance(grid, list) or not all(isinstance(row, list) for row in grid):
        return None
    return grid


def sync_typed(typed: list[list[Any]] | None) -> alerts_sync.RuleSync:
    """Apply the typed rule rows to the alerts file (None: none read, the stored rules)."""
    if typed is None:
        return alerts_sync.stored_table(RULES.rows)
    return alerts_sync.sync_rules(typed, FIRST_ROW, RULES.rows)


def alerts_view(synced: alerts_sync.RuleSync, data_as_of: datetime | None) -> AlertsView:
    """What the sheets show after the sync and the evaluation (the history read last);
    the Dashboard flags the firings stamped with the data's time (``data_as_of``)."""
    history = tuple(reversed(desk_alerts.history(FIRINGS.rows)))
    stamp = None if data_as_of is None else (
        data_as_of if data_as_of.tzinfo else data_as_of.replace(tzinfo=UTC))
    fired = tuple(f for f in history if f.fired_at == stamp)
    return AlertsView(rule_rows=synced.rows, fired=fired, history=history,
                      active_rules=synced.active_rules)


def _firing_row(firing: AlertFiring) -> list[object]:
    return [firing.firing_id, firing.fired_at, firing.rule_id, firing.kind,
            firing.subject or "-", firing.label, firing.message]


FLAG = "!"
"""Column D of a Dashboard alert row: it fired on the data shown (red)."""


def dashboard_flags(view: AlertsView) -> Rows:
    """The Dashboard's alert block: the firings on the data shown, else the last one."""
    count = len(view.fired)
    summary = f"{count} FIRED on this data" if count else "none fired on this data"
    plural = "" if view.active_rules == 1 else "s"
    rows: Rows = [["Alerts", f"{summary} · {view.active_rules} rule{plural}", None, None]]
    for firing in view.fired[:4]:
        rows.append([FLAG, firing.kind, firing.subject or "-",
                     f"{utc_text(firing.fired_at)} [{firing.label}] {firing.message}"])
    if not view.fired and view.history:
        last = view.history[0]
        rows.append(["", last.kind, last.subject or "-",
                     f"last fired {utc_text(last.fired_at)} [{last.label}] {last.message}"])
    if count > 4:
        rows[-1][3] = f"{rows[-1][3]} (+{count - 4} more on the Alerts sheet)"
    return rows


def content(ctx: FillContext) -> dict[str, Rows]:
    """Owned-range values of the Alerts sheet and the Dashboard's alert flags."""
    view = ctx.alerts
    return {
        "alerts_rules": [list(row) for row in view.rule_rows],
        "alerts_firings": [_firing_row(f) for f in view.history],
        "dashboard_alerts": dashboard_flags(view),
    }
