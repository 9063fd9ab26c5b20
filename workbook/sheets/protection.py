"""Sheet protection and data-validation helpers shared by the sheet modules."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet


def protect(ws: Worksheet) -> None:
    """Protect ``ws`` without a password: locked (formula) cells read-only, inputs editable.

    Formatting columns/rows, sorting and autofilter stay allowed so the sheet remains usable.
    """
    prot = ws.protection
    prot.sheet = True
    prot.formatColumns = False
    prot.formatRows = False
    prot.formatCells = False
    prot.sort = False
    prot.autoFilter = False
    prot.selectLockedCells = False
    prot.selectUnlockedCells = False


def replace_validations(ws: Worksheet, rules: Sequence[DataValidation]) -> None:
    """Put the tool's validation ``rules`` on ``ws``, replacing earlier copies of them.

    Validations whose ranges differ from the tool's (e.g. the user's own) are kept.
    """
    ours = {str(rule.sqref) for rule in rules}
    kept = [dv for dv in ws.data_validations.dataValidation if str(dv.sqref) not in ours]
    ws.data_validations.dataValidation = kept
    for rule in rules:
        ws.add_data_validation(rule)
