"""The "Changes in the period" sheet of the cost-split workbook (:mod:`reports.cost_split`):
every edit and deletion of an expense dated in the period, from the audit trail."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reports.cells import CellFactory, Styles, excel_datetime
from reports.data import ExpenseChange
from reports.sheets import PrintHeader, RowWriter, prepare_sheet

__all__ = ["CHANGES_SHEET", "write_changes_sheet"]

#: The sheet listing the edits and deletions of the period's expenses (audit trail).
CHANGES_SHEET = "Changes in the period"


def write_changes_sheet(ws: Any, changes: Sequence[ExpenseChange], styles: Styles,
                        page: PrintHeader, t: Callable[[str], str] = str) -> None:
    """Every edit and deletion of an expense dated in the period (the audit trail): one
    row per field changed, before and after; a deletion shows what was deleted. ``t``
    gives the sheet's words in the workbook's language."""
    widths = [8, 11, 10, 20, 16.5, 20, 34, 34]
    prepare_sheet(ws, widths, freeze="A2", title_rows="1:1", page=page)
    f = CellFactory(ws, styles)
    w = RowWriter(ws, widths)
    w.append(f.header([t("Expense"), t("Expense date"), t("Change"),
                       t("By"), t("At (UTC)"), t("Field"),
                       t("Before"), t("After")]))
    text = Styles.TEXT
    for change in changes:
        what = "Deleted" if change.action == "delete" else "Edited"
        common = [f.styled(change.expense_id, Styles.NUMBER), f.date(change.date),
                  f.text(what, text), f.text(change.by, text),
                  f.styled(excel_datetime(change.at), Styles.MINUTE)]
        if change.action == "delete" or not change.changes:
            w.append([*common, f.text("Whole expense" if change.action == "delete"
                                      else "No field", text),
                      f.wrap(change.summary),
                      f.text("\u2014" if change.action == "delete" else "", text)])
            continue
        for field in change.changes:
            w.append([*common, f.text(field.field, text), f.wrap(field.before or "\u2014"),
                      f.wrap(field.after or "\u2014")])
    if not changes:
        w.append([f.wrap(t("No expense dated in the period was edited or deleted."))])
    else:
        ws.auto_filter.ref = f"A1:H{w.row}"

