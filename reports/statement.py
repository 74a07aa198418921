"""The Statement sheet in front of a statement's workbook (DOMAIN.md rules 10-13).

A statement's workbook is the cost report of its period (:mod:`reports.cost_split`) with this
sheet first: the parties' figures (opening balance, share, paid, balance, payments made and
received, closing balance), the settlement transfers of the closing balances, the share
versions in force, the adjustments of closed periods recorded in the period, and an
acceptance block for each party. The balance and closing columns and the totals are live
formulas (rounded to the currency's minor units) over the figures beside them, so a
recalculating spreadsheet shows the application's figures to the cent.

:func:`statement_front` returns the callable that :func:`reports.cost_split.write_cost_split`
runs (``front=``) before its own sheets, so the Statement sheet comes first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from jointprojects.money import minor_units
from reports.cells import CellFactory, Styles, excel_datetime
from reports.sheets import RowWriter, prepare_sheet

__all__ = [
    "ADJUSTMENTS_SHEET",
    "STATEMENT_SHEET",
    "StatementAdjustment",
    "StatementSheet",
    "StatementSheetParty",
    "StatementSheetTransfer",
    "statement_front",
]

#: ``date`` under another name, for the fields that follow a field called ``date``.
_Day = date

STATEMENT_SHEET = "Statement"
ADJUSTMENTS_SHEET = "Adjustments of closed periods"


@dataclass(frozen=True)
class StatementSheetParty:
    organization: str
    name: str
    opening_balance: Decimal
    share: Decimal
    paid: Decimal
    payments_made: Decimal
    payments_received: Decimal
    balance: Decimal
    closing_balance: Decimal


@dataclass(frozen=True)
class StatementSheetTransfer:
    from_org: str
    to_org: str
    amount: Decimal


@dataclass(frozen=True)
class StatementAdjustment:
    """An expense of the period that corrects an expense of a closed period."""

    expense_id: int
    date: date
    category: str
    description: str
    paid_by: str
    reporting_amount: Decimal
    adjusts_id: int
    adjusts_date: _Day
    adjusts_amount: Decimal
    reason: str


@dataclass(frozen=True)
class StatementSheet:
    reference: str
    title: str
    number: int
    date_from: date
    date_to: date
    due_date: date
    currency: str
    issued_at: datetime
    issued_by: str
    parties: Sequence[StatementSheetParty]
    transfers: Sequence[StatementSheetTransfer]
    unallocated: Decimal
    share_versions: Sequence[int]
    adjustments: Sequence[StatementAdjustment]
    expense_count: int


def statement_front(sheet: StatementSheet) -> Callable[[Workbook, Styles], None]:
    """The ``front=`` callable of :func:`reports.cost_split.write_cost_split`."""

    def write(wb: Workbook, styles: Styles) -> None:
        _write_statement(wb.create_sheet(STATEMENT_SHEET), styles, sheet)
        _write_adjustments(wb.create_sheet(ADJUSTMENTS_SHEET), styles, sheet)

    return write


_HEADERS = ("Organization", "Name", "Opening balance", "Share", "Paid",
            "Balance of the period (paid - share)", "Payments made", "Payments received",
            "Closing balance")


def _write_statement(ws: Any, styles: Styles, data: StatementSheet) -> None:
    places = minor_units(data.currency)
    prepare_sheet(ws, [16, 30, 16, 16, 16, 20, 16, 16, 18], landscape=True)
    f = CellFactory(ws, styles)
    out = RowWriter(ws)
    amount = styles.amount(places)
    out.append([f.title(f"Statement {data.number} of {data.reference}")])
    out.append([f.text(data.title)])
    out.blank()
    out.append([f.label("Period"), f.date(data.date_from), f.text("to"), f.date(data.date_to)])
    out.append([f.label("Currency"), f.text(data.currency)])
    out.append([f.label("Due date"), f.date(data.due_date)])
    out.append([f.label("Issued"), f.styled(excel_datetime(data.issued_at), Styles.DATETIME),
                f.text(data.issued_by)])
    out.append([f.label("Expenses in the period"), data.expense_count])
    out.append([f.label("Share versions in force"),
                f.text(", ".join(str(n) for n in data.share_versions))])
    out.blank()
    out.append([f.section("Parties")])
    out.append(f.header(_HEADERS))
    first = out.next_row
    for p in data.parties:
        row = out.next_row
        out.append([
            f.text(p.organization), f.text(p.name), f.amount(p.opening_balance, places),
            f.amount(p.share, places), f.amount(p.paid, places),
            f.formula(f"=ROUND(E{row}-D{row},{places})", amount),
            f.amount(p.payments_made, places), f.amount(p.payments_received, places),
            f.formula(f"=ROUND(C{row}+F{row}+G{row}-H{row},{places})", amount),
        ])
    last = out.row
    total = styles.total(places)
    out.append([f.label("Total"), None] + [
        f.formula(f"=ROUND(SUM({col}{first}:{col}{last}),{places})", total)
        for col in "CDEFGHI"])
    out.append([f.label("Unallocated (ceilings)"), None, None, None, None,
                f.amount(data.unallocated, places)])
    out.blank()
    out.append([f.section("Settlement transfers of the closing balances (rule 7)")])
    out.append(f.header(("From", "To", "Amount")))
    if not data.transfers:
        out.append([f.text("Nothing to transfer: every closing balance is zero.")])
    for t in data.transfers:
        out.append([f.text(t.from_org), f.text(t.to_org), f.amount(t.amount, places)])
    out.blank()
    out.append([f.section("Adjustments of closed periods")])
    out.append([f.text(f"{len(data.adjustments)} adjustment(s) recorded in this period: "
                       f"see the sheet {ADJUSTMENTS_SHEET!r}.")])
    out.blank()
    out.append([f.section("Acceptance (rule 12)")])
    out.append(f.header(("Organization", "Accepts / disputes", "Date", "Name and title",
                         "Signature", "Reason of a dispute")))
    for p in data.parties:
        out.append([f.text(p.organization)])


def _write_adjustments(ws: Any, styles: Styles, data: StatementSheet) -> None:
    places = minor_units(data.currency)
    prepare_sheet(ws, [10, 11, 18, 36, 10, 16, 12, 13, 16, 40], freeze="A2",
                  title_rows="1:1")
    f = CellFactory(ws, styles)
    ws.append(f.header(("Expense", "Date", "Category", "Description", "Paid by",
                        f"Amount ({data.currency})", "Corrects expense", "of date",
                        f"Its amount ({data.currency})", "Reason")))
    for a in data.adjustments:
        ws.append([a.expense_id, f.date(a.date), f.text(a.category), f.text(a.description),
                   f.text(a.paid_by), f.amount(a.reporting_amount, places), a.adjusts_id,
                   f.date(a.adjusts_date), f.amount(a.adjusts_amount, places),
                   f.wrap(a.reason)])
