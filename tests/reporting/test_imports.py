"""The import page: templates, a preview of what a file stores, confirmation, all rows or
none with every bad row named, exchange rates, unsafe files, rights and CSRF."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from jointprojects.audit.models import AuditEntry
from jointprojects.exchange_rates.models import ExchangeRate
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.reporting.models import PendingImport
from tests.conftest import csrf_from
from tests.reporting.conftest import GOOD_ROWS, csv_bytes, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture()
def sa(make_arrangement, rates):  # rates: the table's EUR and JPY rates of 2025
    return make_arrangement()


@pytest.fixture()
def web(login, finance):
    return login(finance)


def upload(web, sa, data: bytes, name: str = "february.xlsx", kind: str = "expenses"):
    html = web.get("/expenses/imports").get_data(as_text=True)
    return web.client.post("/expenses/imports", data={
        "csrf_token": csrf_from(html), "kind": kind,
        "arrangement": sa.reference if sa is not None else "",
        "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def token_of(html: str) -> str:
    return re.search(r'action="/expenses/imports/([^/"]+)/confirm"', html).group(1)


def confirm(web, html: str, follow: bool = True):
    return web.client.post(f"/expenses/imports/{token_of(html)}/confirm",
                           data={"csrf_token": csrf_from(html)}, follow_redirects=follow)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def problems(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr data-row="(\d*)" data-column="([^"]*)">', html)


def test_the_navbar_and_the_arrangement_page_lead_to_the_import_page(web, sa):
    home = web.get("/").get_data(as_text=True)
    assert 'href="/expenses/imports"' in home
    page = web.get(f"/arrangements/{sa.reference}").get_data(as_text=True)
    assert f'href="/expenses/imports?arrangement={sa.reference}"' in page
    form = web.get(f"/expenses/imports?arrangement={sa.reference}").get_data(as_text=True)
    assert f'<option selected value="{sa.reference}">' in form


@pytest.mark.parametrize("kind, first_columns", [
    ("expenses", ["date", "category", "description", "amount"]),
    ("rates", ["currency", "month", "rate", "source"]),
])
def test_templates_download(web, sa, kind, first_columns):
    response = web.get(f"/expenses/imports/template-{kind}.xlsx?arrangement={sa.reference}")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert f"{kind}-template" in response.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    header = [c.value for c in wb.worksheets[0][1]]
    assert header[:4] == first_columns
    if kind == "expenses":
        payers = [c.value for c in wb["Lists"]["C"][1:] if c.value]
        assert payers == ["UN", "INTERPOL"]  # the arrangement's parties
    assert web.get("/expenses/imports/template-other.xlsx").status_code == 404


def test_the_preview_shows_each_party_part_and_stores_nothing(web, sa):
    audit_rows = count(AuditEntry)
    response = upload(web, sa, xlsx(GOOD_ROWS))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:2000]
    assert "Preview: 3 expenses from february.xlsx into" in html
    # Row 2: 412.50 EUR at 0.9234 per USD = 446.72 USD; 55 % = 245.696, 45 % = 201.024:
    # the missing cent goes to the larger remainder, UN's.
    line = re.search(r'<tr data-row="2">.*?</tr>', html, re.S).group(0)
    assert "446.72" in line
    assert 'data-org="UN">245.70<' in line and 'data-org="INTERPOL">201.02<' in line
    # Row 4: 180,000 JPY at 150 = 1,200.00 USD: UN 660.00, INTERPOL 540.00.
    line = re.search(r'<tr data-row="4">.*?</tr>', html, re.S).group(0)
    assert "1,200.00" in line
    assert 'data-org="UN">660.00<' in line and 'data-org="INTERPOL">540.00<' in line
    total = re.search(r'data-figure="total">([^<]+)<', html).group(1)
    assert total == "2,896.72"  # 446.72 + 1,250.00 + 1,200.00
    assert count(Expense) == 0 and count(AuditEntry) == audit_rows  # only the pending file
    assert count(PendingImport) == 1


def test_confirming_stores_every_row_with_its_audit_row(web, sa, finance):
    before = count(AuditEntry)
    preview = upload(web, sa, xlsx(GOOD_ROWS)).get_data(as_text=True)
    response = confirm(web, preview)
    html = response.get_data(as_text=True)
    assert "3 expenses from february.xlsx recorded in" in html
    expenses = db.session.scalars(select(Expense).order_by(Expense.date)).all()
    assert [(e.date, e.reporting_amount) for e in expenses] == [
        (date(2025, 2, 10), Decimal("446.72")), (date(2025, 2, 11), Decimal("1250.00")),
        (date(2025, 2, 12), Decimal("1200.00"))]
    assert expenses[2].description == "=1+2 laptops"  # text, kept as typed
    assert {e.created_by_id for e in expenses} == {finance.id}
    created = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "expense")).all()
    assert len(created) == 3 and count(AuditEntry) == before + 3
    assert {a.user_id for a in created} == {finance.id}
    assert count(PendingImport) == 0


def test_a_second_confirmation_stores_nothing_more(web, sa):
    preview = upload(web, sa, xlsx(GOOD_ROWS)).get_data(as_text=True)
    confirm(web, preview)
    again = confirm(web, preview)
    assert "no longer waiting for confirmation" in again.get_data(as_text=True)
    assert count(Expense) == 3


def test_cancelling_drops_the_upload(web, sa):
    preview = upload(web, sa, xlsx(GOOD_ROWS)).get_data(as_text=True)
    response = web.client.post(f"/expenses/imports/{token_of(preview)}/cancel",
                               data={"csrf_token": csrf_from(preview)}, follow_redirects=True)
    assert "Import cancelled; nothing was stored." in response.get_data(as_text=True)
    assert count(PendingImport) == 0
    assert "no longer waiting" in confirm(web, preview).get_data(as_text=True)
    assert count(Expense) == 0


def test_only_the_uploader_can_confirm(web, sa, make_user):
    """(At the service: within one test, Flask-Login keeps its user on the app context that
    every test client shares, so a second browser cannot be simulated here.)"""
    from jointprojects.errors import NotFound
    from jointprojects.reporting import uploads

    preview = upload(web, sa, xlsx(GOOD_ROWS)).get_data(as_text=True)
    other = make_user("finance", "INTERPOL")
    with pytest.raises(NotFound, match="no longer waiting for confirmation"):
        uploads.take_upload(token_of(preview), other)
    db.session.rollback()
    assert count(PendingImport) == 1
    confirm(web, preview)
    assert count(Expense) == 3


def test_a_file_with_bad_rows_stores_nothing_and_names_every_row(web, sa):
    rows = [
        *GOOD_ROWS,
        [date(2025, 2, 13), "travle", "Typo in the category", 10, "USD", None, "UN", ""],
        [date(2024, 12, 31), "travel", "Before entry into force", 10, "USD", None, "UN", ""],
        [date(2025, 9, 1), "travel", "No EUR rate for September", 10, "EUR", None, "UN", ""],
        ["31/02/2025", "travel", "Not a date", "ten", "USD", None, "UNODC", ""],
    ]
    response = upload(web, sa, xlsx(rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was stored from february.xlsx" in html
    assert problems(html) == [
        ("5", "category"), ("6", "date"), ("7", "exchange_rate"),
        ("8", "amount"), ("8", "date"), ("8", "paid_by")]
    assert "&#39;travle&#39; is not one of" in html
    assert "is before" in html and "entered into force" in html
    assert "No exchange rate for EUR in 2025-09" in html
    assert count(Expense) == 0 and count(PendingImport) == 0


def test_rows_the_rules_refuse_are_named_too(web, make_arrangement, rates):
    """Cells all good, but the arrangement's rules refuse two rows: the date after its end,
    a month without a rate."""
    sa = make_arrangement(end_date=date(2025, 12, 31))
    rows = [*GOOD_ROWS,
            [date(2026, 1, 2), "travel", "After the end", 10, "USD", None, "UN", ""],
            [date(2025, 9, 1), "travel", "No rate", 10, "JPY", None, "UN", ""]]
    html = upload(web, sa, xlsx(rows)).get_data(as_text=True)
    assert problems(html) == [("5", "date"), ("6", "exchange_rate")]
    assert "is after the end of" in html and "No exchange rate for JPY in 2025-09" in html
    assert count(Expense) == 0 and count(PendingImport) == 0


def test_the_typo_fixed_the_file_goes_in(web, sa):
    rows = [[date(2025, 2, 13), "travle", "Taxi", 10, "USD", None, "UN", ""]]
    assert upload(web, sa, xlsx(rows)).status_code == 422
    rows[0][1] = "travel"
    preview = upload(web, sa, xlsx(rows))
    assert preview.status_code == 200
    confirm(web, preview.get_data(as_text=True))
    assert count(Expense) == 1


def test_csv_with_semicolons_and_decimal_commas(web, sa):
    rows = [["2025-02-10", "travel", "Train", "412,50", "EUR", "", "INTERPOL", "T-1"],
            ["2025-02-11", "meetings", "Room", "1250", "USD", "", "UN", ""]]
    preview = upload(web, sa, csv_bytes(rows, delimiter=";"), "february.csv")
    assert preview.status_code == 200, preview.get_data(as_text=True)[:2000]
    confirm(web, preview.get_data(as_text=True))
    assert sorted(e.amount for e in db.session.scalars(select(Expense))) == [
        Decimal("412.50"), Decimal("1250.00")]


def test_a_missing_column_is_named(web, sa):
    data = xlsx([[date(2025, 2, 10), "travel", "Train", 10, "EUR"]],
                header=["date", "category", "description", "amount", "currency"])
    html = upload(web, sa, data).get_data(as_text=True)
    assert problems(html) == [("1", "paid_by")]
    assert "the column is missing from row 1" in html


@pytest.mark.parametrize("name, data, message", [
    ("report.pdf", b"%PDF-1.4 not a spreadsheet", "Only .xlsx and .csv files can be imported."),
    ("expenses.xlsx", b"date,category\n2025-01-01,travel\n",
     "The file is not an .xlsx workbook"),
    ("old.xls", b"\xd0\xcf\x11\xe0 OLE2", "Save the file as an Excel workbook (.xlsx)"),
])
def test_a_file_that_is_not_a_spreadsheet_is_refused(web, sa, name, data, message):
    response = upload(web, sa, data, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(PendingImport) == 0


def test_a_file_over_the_limit_is_refused(web, sa, monkeypatch):
    from jointprojects.reporting import uploads

    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1000)
    response = upload(web, sa, xlsx(GOOD_ROWS * 20))
    assert response.status_code == 422
    assert "MB; the limit is" in response.get_data(as_text=True)
    assert count(PendingImport) == 0


def test_a_request_over_max_content_length_is_refused(app, web, sa):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    try:
        response = upload(web, sa, b"x" * 5000, "big.csv")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)


def test_expenses_need_an_arrangement_in_force(web, make_arrangement, rates):
    draft = make_arrangement(signed=False)
    html = upload(web, draft, xlsx(GOOD_ROWS)).get_data(as_text=True)
    assert "is not in force yet" in html
    html = upload(web, None, xlsx(GOOD_ROWS)).get_data(as_text=True)
    assert "Choose the arrangement the expenses belong to." in html
    assert count(Expense) == 0


def test_rates_import_preview_then_confirm(web):
    db.session.add(ExchangeRate(currency="EUR", month="2025-03", rate=Decimal("0.95")))
    db.session.commit()
    data = xlsx([["eur", "2025-03", "0.9234", "UN ORE"],
                 ["JPY", date(2025, 3, 1), 151.37, ""]],
                header=["Currency", "Month", "Rate", "Source"])
    preview = upload(web, None, data, "rates.xlsx", kind="rates")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html[:2000]
    assert "2 exchange rates from rates.xlsx (1 new, 1 corrected)" in html
    assert db.session.scalar(select(ExchangeRate.rate).filter_by(currency="EUR")) == \
        Decimal("0.95")
    response = confirm(web, html)
    assert "2 exchange rates from rates.xlsx saved (1 new, 1 corrected)." in \
        response.get_data(as_text=True)
    saved = {(r.currency, r.month): r.rate for r in db.session.scalars(select(ExchangeRate))}
    assert saved == {("EUR", "2025-03"): Decimal("0.9234"), ("JPY", "2025-03"): Decimal("151.37")}
    assert count(AuditEntry) >= 2


def test_a_bad_rate_row_stores_no_rate(web):
    data = csv_bytes([["EUR", "2025-03", "0.9234", ""], ["USD", "2025-03", "1", ""],
                      ["GBP", "2025-13", "-1", ""]], header=["currency", "month", "rate", "source"])
    response = upload(web, None, data, "rates.csv", kind="rates")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert problems(html) == [("3", "currency"), ("4", "month"), ("4", "rate")]
    assert "USD is always 1" in html
    assert count(ExchangeRate) == 0


def test_the_page_is_for_finance(login, make_user, sa):
    manager = login(make_user("programme_manager", "UN"))
    assert manager.get("/expenses/imports").status_code == 403
    assert manager.get("/expenses/imports/template-expenses.xlsx").status_code == 403
    assert 'href="/expenses/imports"' not in manager.get("/").get_data(as_text=True)


def test_the_page_needs_a_login(client):
    response = client.get("/expenses/imports")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_csrf_is_checked_on_upload_and_confirmation(web, sa):
    response = web.client.post("/expenses/imports", data={
        "kind": "expenses", "arrangement": sa.reference,
        "file": (io.BytesIO(xlsx(GOOD_ROWS)), "february.xlsx")},
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert count(PendingImport) == 0
    preview = upload(web, sa, xlsx(GOOD_ROWS)).get_data(as_text=True)
    response = web.client.post(f"/expenses/imports/{token_of(preview)}/confirm", data={})
    assert response.status_code == 400
    assert count(Expense) == 0


def test_big_files_are_recorded_in_chunks_of_one_transaction(web, make_arrangement, rates,
                                                             monkeypatch):
    """Chunks (PostgreSQL caps the values of an IN list) store what one call would: under
    ceilings too; a bad row in a later chunk stores nothing and every bad row is named."""
    from jointprojects.reporting import imports
    from jointprojects.special_arrangements.services import CeilingData

    ceilings = [CeilingData("INTERPOL", "700")]
    rows = [[date(2025, 2, day), "travel", f"Mission {day}", 500, "USD", None, "UN", ""]
            for day in range(1, 6)]
    whole = make_arrangement(ceilings=ceilings)
    confirm(web, upload(web, whole, xlsx(rows)).get_data(as_text=True))
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    chunked = make_arrangement(ceilings=ceilings)
    preview = upload(web, chunked, xlsx(rows)).get_data(as_text=True)
    assert re.search(r'data-figure="total">([^<]+)<', preview).group(1) == "2,500.00"
    confirm(web, preview)

    def parts(sa):
        return [(e.date, e.unallocated, sorted((p.organization.code, p.amount) for p in e.parts))
                for e in db.session.scalars(select(Expense).filter_by(arrangement_id=sa.id)
                                            .order_by(Expense.date))]

    assert parts(chunked) == parts(whole)
    assert sum(p for _, _, ps in parts(chunked) for code, p in ps if code == "INTERPOL") == 700

    bad = [*rows, [date(2024, 1, 1), "travel", "Too early", 1, "USD", None, "UN", ""],
           [date(2025, 9, 1), "travel", "No rate", 1, "JPY", None, "UN", ""]]
    third = make_arrangement()
    html = upload(web, third, xlsx(bad)).get_data(as_text=True)
    assert problems(html) == [("7", "date"), ("8", "exchange_rate")]
    assert db.session.scalar(select(func.count()).select_from(Expense)
                             .filter_by(arrangement_id=third.id)) == 0


def test_the_arrangement_list_offers_only_arrangements_in_force_today(web, make_arrangement,
                                                                     rates):
    current = make_arrangement()
    expired = make_arrangement(start_date=date(2024, 1, 1), end_date=date(2024, 12, 31))
    draft = make_arrangement(signed=False)
    html = web.get("/expenses/imports").get_data(as_text=True)
    offered = re.findall(r'<option value="(SA-[^"]+)"', html)
    assert offered == [current.reference]
    assert expired.reference not in html and draft.reference not in html
    # Nor can an expired one be chosen by hand: the form refuses it, nothing is stashed.
    response = upload(web, expired, xlsx(GOOD_ROWS))
    assert response.status_code == 422
    assert count(PendingImport) == 0
