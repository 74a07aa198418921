"""The Statement sheet in front of a statement's workbook (DOMAIN.md rules 10-13).

A statement's workbook is the cost report of its period (:mod:`reports.cost_split`) with this
sheet first: the parties' figures (opening balance, share, paid, balance, payments made and
received, closing balance), the settlement transfers of the closing balances, the share
versions in force, the adjustments of closed periods recorded in the period, and an
acceptance block for each party. The balance and closing columns and the totals are live
formulas (rounded to the currency's minor units) over the figures beside them, so a
recalculating spreadsheet shows the application's figures to the cent.

Each language a statement is issued in has its own workbook (issue 17): the words through
``StatementSheet.translate`` (English message ids), the language in a cell of this sheet
(``Language``, its code beside) and in the document's properties (the cost report writes
them), the figures the same to the cent.

:func:`statement_front` returns the callable that :func:`reports.cost_split.write_cost_split`
runs (``front=``) before its own sheets, so the Statement sheet comes first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from jointprojects.money import minor_units
from jointprojects.vocabulary import N_, label
from reports.cells import CellFactory, Styles, excel_datetime
from reports.sheets import RowWriter, prepare_sheet

__all__ = [
    "ADJUSTMENTS_SHEET",
    "LANGUAGE_WORDS",
    "STATEMENT_SHEET",
    "StatementAdjustment",
    "StatementSheet",
    "StatementSheetParty",
    "StatementSheetTransfer",
    "statement_front",
]

#: ``date`` under another name, for the fields that follow a field called ``date``.
_Day = date

STATEMENT_SHEET = N_("Statement")
ADJUSTMENTS_SHEET = N_("Adjustments of closed periods")


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
    #: The language of this workbook and every language the statement is issued in (the
    #: first first), and the words in this one (English message id -> text; issue 17).
    language: str = "en"
    languages: Sequence[str] = ("en",)
    translate: Callable[[str], str] = field(default=str, compare=False)


def statement_front(sheet: StatementSheet) -> Callable[[Workbook, Styles], None]:
    """The ``front=`` callable of :func:`reports.cost_split.write_cost_split`."""

    def write(wb: Workbook, styles: Styles) -> None:
        t = sheet.translate
        # the document's title says what it is, in its language (the cost report's
        # properties, its language among them, stay as it wrote them)
        wb.properties.title = (t("Statement %(number)s of %(reference)s") % {
            "number": sheet.number, "reference": sheet.reference} + f": {sheet.title}")[:250]
        _write_statement(wb.create_sheet(t(STATEMENT_SHEET)), styles, sheet)
        _write_adjustments(wb.create_sheet(t(ADJUSTMENTS_SHEET)), styles, sheet)

    return write


#: Each language in its own words, as the front sheet names the workbook's (issue 17).
LANGUAGE_WORDS = {"en": N_("English"), "fr": N_("French")}


def _headers(t: Callable[[str], str]) -> list[str]:
    return [t("Organization"), t("Name"), t("Opening balance"), t("Share"), t("Paid"),
            t("Balance of the period (paid - share)"), t("Payments made"),
            t("Payments received"), t("Closing balance")]


def _write_statement(ws: Any, styles: Styles, data: StatementSheet) -> None:
    t = data.translate
    places = minor_units(data.currency)
    prepare_sheet(ws, [16, 30, 16, 16, 16, 20, 16, 16, 18], landscape=True)
    f = CellFactory(ws, styles)
    out = RowWriter(ws)
    amount = styles.amount(places)
    out.append([f.title(t("Statement %(number)s of %(reference)s") % {
        "number": data.number, "reference": data.reference})])
    out.append([f.text(data.title)])
    out.blank()
    out.append([f.label(t("Period")), f.date(data.date_from), f.text(t("to")),
                f.date(data.date_to)])
    out.append([f.label(t("Currency")), f.text(data.currency)])
    out.append([f.label(t("Due date")), f.date(data.due_date)])
    out.append([f.label(t("Issued")), f.styled(excel_datetime(data.issued_at), Styles.DATETIME),
                f.text(data.issued_by)])
    out.append([f.label(t("Expenses in the period")), data.expense_count])
    out.append([f.label(t("Share versions in force")),
                f.text(", ".join(str(n) for n in data.share_versions))])
    # The language of this copy (its code beside, for a program), and the others issued
    # with it (issue 17: two files, two SHA-256, one statement).
    out.append([f.label(t("Language")), f.text(t(LANGUAGE_WORDS[data.language])),
                f.text(data.language)])
    others = [t(LANGUAGE_WORDS[code]) for code in data.languages if code != data.language]
    if others:
        out.append([f.label(t("Also issued in")), f.text(", ".join(others)),
                    f.text(t("each text being equally authentic"))])
    out.blank()
    out.append([f.section(t("Parties"))])
    out.append(f.header(_headers(t)))
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
    out.append([f.label(t("Total")), None] + [
        f.formula(f"=ROUND(SUM({col}{first}:{col}{last}),{places})", total)
        for col in "CDEFGHI"])
    out.append([f.label(t("Unallocated (ceilings)")), None, None, None, None,
                f.amount(data.unallocated, places)])
    out.blank()
    out.append([f.section(t("Settlement transfers of the closing balances (rule 7)"))])
    out.append(f.header((t("From"), t("To"), t("Amount"))))
    if not data.transfers:
        out.append([f.text(t("Nothing to transfer: every closing balance is zero."))])
    for tr in data.transfers:
        out.append([f.text(tr.from_org), f.text(tr.to_org), f.amount(tr.amount, places)])
    out.blank()
    out.append([f.section(t(ADJUSTMENTS_SHEET))])
    out.append([f.text(t("%(count)s adjustment(s) recorded in this period: see the sheet "
                         "'%(sheet)s'.") % {"count": len(data.adjustments),
                                            "sheet": t(ADJUSTMENTS_SHEET)})])
    out.blank()
    out.append([f.section(t("Acceptance (rule 12)"))])
    out.append(f.header((t("Organization"), t("Accepts / disputes"), t("Date"),
                         t("Name and title"), t("Signature"), t("Reason of a dispute"))))
    for p in data.parties:
        out.append([f.text(p.organization)])


def _write_adjustments(ws: Any, styles: Styles, data: StatementSheet) -> None:
    t = data.translate
    places = minor_units(data.currency)
    prepare_sheet(ws, [10, 11, 18, 36, 10, 16, 12, 13, 16, 40], freeze="A2",
                  title_rows="1:1")
    f = CellFactory(ws, styles)
    currency = {"currency": data.currency}
    ws.append(f.header((t("Expense"), t("Date"), t("Category"), t("Description"),
                        t("Paid by"), t("Amount (%(currency)s)") % currency,
                        t("Corrects expense"), t("of date"),
                        t("Its amount (%(currency)s)") % currency, t("Reason"))))
    for a in data.adjustments:
        ws.append([a.expense_id, f.date(a.date), f.text(t(label(a.category))),
                   f.text(a.description), f.text(a.paid_by),
                   f.amount(a.reporting_amount, places), a.adjusts_id,
                   f.date(a.adjusts_date), f.amount(a.adjusts_amount, places),
                   f.wrap(a.reason)])
