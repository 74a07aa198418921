"""The cost report as an auditor prints it (issue 11 item 12): the workbook the API sends,
printed to PDF by LibreOffice in the test. A4 pages, the header and footer on every page
(arrangement, sheet, classification; period, "Page x of y"), headers clear of the first data
row, a Summary readable at its printed size, the document's properties; the settlement and
the budget's actual as formulas that LibreOffice recalculates to the application's figures;
the edits and deletions of the period on their own sheet."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import openpyxl

from jointprojects.budgets.services import set_budget
from jointprojects.expenses import recording
from jointprojects.expenses.checks import ExpenseData
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.money import parse_decimal
from jointprojects.reporting import cost_report
from reports.cost_split import CHANGES_SHEET, expense_columns
from tests.libreoffice import (
    fragments,
    header_clear_of_first_row,
    is_a4,
    pdf_metadata,
    pdf_pages,
    sheet_of,
)


def _report(client, ref: str, period: str = "") -> bytes:
    response = client.get(f"/api/v1/arrangements/{ref}/cost-report.xlsx{period}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.data


def test_the_printed_report_has_a4_pages_headers_footers_and_clear_headers(
        api, arrangement, libreoffice):
    ref = arrangement.reference
    data = _report(api("finance"), ref, "?from=2025-01-01&to=2025-06-30")
    pdf = libreoffice(data, "pdf")
    pages = pdf_pages(pdf)
    assert len(pages) >= 7  # every sheet prints
    assert all(is_a4(page) for page in pages)
    # Wide sheets print landscape; About and, with two parties, the sums by category and by
    # month are narrow enough for portrait.
    sheets = [sheet_of(page) for page in pages]
    narrow = {"About", "By category", "By month"}
    for page, sheet in zip(pages, sheets, strict=True):
        landscape = float(page.mediabox.width) > float(page.mediabox.height)
        assert landscape == (sheet not in narrow), sheet
    assert sheets[0] == "Summary" and "Expenses" in sheets and CHANGES_SHEET in sheets
    # Header and footer on every page: arrangement, classification, period, page x of y.
    for number, page in enumerate(pages, 1):
        text = page.extract_text()
        assert f"Page {number} of {len(pages)}" in text
        assert f"{ref}: {arrangement.title}" in text
        assert "Confidential \u2014 parties only" in text
        assert "Period: 1 January 2025 to 30 June 2025" in text
    # The document's properties.
    meta = pdf_metadata(pdf)
    assert meta["/Title"] == f"Cost split: {ref}: {arrangement.title}"
    assert meta["/Author"] == "jointprojects"
    assert ref in meta["/Subject"] and "1 January 2025 to 30 June 2025" in meta["/Subject"]

    # Wrapped headers stand above the first data row on Expenses, By category, By month.
    wb = openpyxl.load_workbook(io.BytesIO(data))
    first_page = {sheet: pages[sheets.index(sheet)] for sheet in set(sheets)}
    headers = [h for h in expense_columns(cost_report.cost_report(
        arrangement, date(2025, 1, 1), date(2025, 6, 30))) if h != "Month key"]  # hidden
    assert header_clear_of_first_row(first_page["Expenses"], headers, "2025-01-15") == []
    category = [c.value for c in wb["By category"][1]]
    first_category = wb["By category"]["A2"].value
    assert header_clear_of_first_row(first_page["By category"], category,
                                     first_category) == []
    month = [c.value for c in wb["By month"][1]]
    assert header_clear_of_first_row(first_page["By month"], month, "2025-01") == []

    # The Summary prints at a readable size (it used to shrink to about 5 pt under a chart
    # placed beside the tables).
    summary = fragments(first_page["Summary"])
    label = next(f for f in summary if f.text == "Arrangement")
    assert label.size >= 7.5


def test_a_header_too_short_for_its_lines_is_caught(api, arrangement, libreoffice):
    """The overlap check can fail: the same workbook with the header row's height taken
    away prints "reference" of "Document reference" on the first row's line."""
    data = _report(api("finance"), arrangement.reference)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Expenses"]
    ws.row_dimensions[1].height = None
    buffer = io.BytesIO()
    wb.save(buffer)
    pages = pdf_pages(libreoffice(buffer.getvalue(), "pdf"))
    page = next(p for p in pages if sheet_of(p) == "Expenses")
    headers = [c.value for c in ws[1]][:-1]
    assert header_clear_of_first_row(page, headers, "2025-01-15") != []


def test_settlement_and_budget_are_formulas_libreoffice_recalculates_to_the_api(
        api, arrangement, finance, libreoffice):
    set_budget(arrangement, "travel", 2025, None, "3000", finance)
    set_budget(arrangement, "travel", 2025, "UN", "1000", finance)
    db.session.commit()
    client = api("finance")
    ref = arrangement.reference
    split = client.get(f"/api/v1/arrangements/{ref}/cost-split").get_json()
    data = _report(client, ref)
    formulas = openpyxl.load_workbook(io.BytesIO(data))["Summary"]
    values = openpyxl.load_workbook(libreoffice(data), data_only=True)["Summary"]
    rows = list(values.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "From") + 1
    transfers = rows[start:start + len(split["settlements"])]
    assert split["settlements"]
    for row, expected, number in zip(transfers, split["settlements"],
                                     range(start + 1, start + 1 + len(transfers)),
                                     strict=True):
        assert (row[0], row[1]) == (expected["from"], expected["to"])
        assert Decimal(repr(row[2])).quantize(Decimal("0.01")) == parse_decimal(
            expected["amount"])
        assert row[4] == "OK"
        assert str(formulas.cell(number, 3).value).startswith("=ROUND(MIN(-$E$")
    budget = [r for r in rows if r[1] == "Travel" and r[2] == 2025]
    assert len(budget) == 2
    travel_total = sum(parse_decimal(e["reporting_amount"]) for e in client.get(
        f"/api/v1/arrangements/{ref}/expenses").get_json() if e["category"] == "travel")
    whole = next(r for r in budget if r[0] == "All parties")
    assert Decimal(repr(whole[4])).quantize(Decimal("0.01")) == travel_total
    assert whole[8] == "OK"  # the formula equals the application's whole-year actual
    assert all(r[8] == "OK" for r in budget)
    budget_row = next(i for i, r in enumerate(formulas.iter_rows(values_only=True), 1)
                      if r[0] == "All parties")
    assert str(formulas.cell(budget_row, 5).value).startswith("=ROUND(SUMIFS(Expenses!")


def test_changes_in_the_period_list_edits_and_deletions_from_the_audit_trail(
        api, arrangement, finance):
    expenses = {e.description: e for e in db.session.scalars(
        db.select(Expense).where(Expense.arrangement_id == arrangement.id))}
    edited = expenses["Analyst, March"]
    recording.update_expense(edited, ExpenseData(
        date=edited.date, category="personnel", description="Analyst, March (corrected)",
        amount="800.00", currency="USD", exchange_rate=None, paid_by="INTERPOL",
        document_reference=edited.document_reference), None, finance)
    deleted = expenses["Tokyo mission"]
    deleted_id = deleted.id
    recording.delete_expense(deleted, None, finance)
    db.session.commit()
    client = api("finance")
    ref = arrangement.reference

    wb = openpyxl.load_workbook(io.BytesIO(_report(client, ref)))
    rows = [r for r in wb[CHANGES_SHEET].iter_rows(min_row=2, values_only=True) if r[0]]
    who = f"{finance.name} (UN)"
    edits = {r[5]: r for r in rows if r[0] == edited.id}
    assert set(edits) == {"Description", "Amount", "Paid by", "Reporting amount", "Parts"}
    assert edits["Amount"][6:] == ("777.77", "800.00")
    assert edits["Paid by"][6:] == ("UN", "INTERPOL")
    assert all(r[2] == "Edited" and r[3] == who for r in edits.values())
    assert edits["Amount"][1].date() == date(2025, 3, 31)
    gone = [r for r in rows if r[0] == deleted_id]
    assert len(gone) == 1 and gone[0][2] == "Deleted" and gone[0][5] == "Whole expense"
    assert "Tokyo mission" in gone[0][6] and gone[0][7] == "\u2014"
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r[0]}
    assert summary["Changes in the period"].startswith("2 edit(s) or deletion(s)")

    # A period that holds neither expense lists neither change.
    wb = openpyxl.load_workbook(io.BytesIO(_report(client, ref,
                                                   "?from=2025-01-01&to=2025-02-28")))
    texts = [r[0] for r in wb[CHANGES_SHEET].iter_rows(min_row=2, values_only=True) if r[0]]
    assert texts == ["No expense dated in the period was edited or deleted."]
    assert re.match(r"none", str(next(r[1] for r in wb["Summary"].iter_rows(values_only=True)
                                      if r[0] == "Changes in the period")))
