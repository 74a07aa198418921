"""The cost report the application sends: the API's figures to the cent once a spreadsheet
engine computes the workbook, the period asked for, names and rights."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from jointprojects.auth import policy
from jointprojects.exchange_rates import services as rate_services
from jointprojects.expenses import recording
from jointprojects.expenses.checks import ExpenseData
from jointprojects.extensions import db
from jointprojects.money import minor_units, parse_decimal, quantum
from jointprojects.reporting import cost_report
from jointprojects.vocabulary import label
from tests.reporting.conftest import FORMULA_TEXTS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _exact(value: object, currency: str) -> Decimal:
    """A recalculated number as the Decimal it shows with the currency's minor units."""
    assert isinstance(value, int | float), value
    return Decimal(repr(value)).quantize(quantum(minor_units(currency)))


def _by_label(sheet) -> dict[str, tuple]:
    found: dict[str, tuple] = {}
    for row in sheet.iter_rows(values_only=True):
        if row and row[0] not in (None, ""):
            found.setdefault(row[0], tuple(row))
    return found


def _workbook(response) -> openpyxl.Workbook:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return openpyxl.load_workbook(io.BytesIO(response.data))


def _expense_rows(wb: openpyxl.Workbook) -> list[tuple]:
    return [row for row in wb["Expenses"].iter_rows(min_row=2, values_only=True)
            if row[0] is not None]


@pytest.mark.parametrize("period", ["", "?from=2025-02-01&to=2025-03-31"])
def test_the_recalculated_workbook_equals_the_api_cost_split_to_the_cent(
        api, arrangement, libreoffice, period):
    client = api("finance")
    ref = arrangement.reference
    split = client.get(f"/api/v1/arrangements/{ref}/cost-split{period}").get_json()
    response = client.get(f"/api/v1/arrangements/{ref}/cost-report.xlsx{period}")
    assert response.status_code == 200
    converted = libreoffice(response.data)
    values = openpyxl.load_workbook(converted, data_only=True)
    summary = _by_label(values["Summary"])
    currency = split["currency"]
    for party in split["organizations"]:
        row = summary[party["organization"]]
        assert [_exact(v, currency) for v in row[2:5]] == [
            parse_decimal(party[k]) for k in ("share", "paid", "balance")]
        assert row[8] == "OK"
    assert _exact(summary["Expenses total"][2], currency) == parse_decimal(split["total"])
    assert _exact(summary["Unallocated"][2], currency) == parse_decimal(split["unallocated"])
    assert summary["Total"][8] == "OK"
    assert summary["Expenses"][1] == split["expense_count"]
    # By category adds up to the same total (a second path through the formulas).
    by_category = _by_label(values["By category"])
    assert _exact(by_category["Total"][2], currency) == parse_decimal(split["total"])
    if not period:
        assert parse_decimal(split["unallocated"]) > 0  # the ceiling case is covered
        # Formula-like descriptions came back as the same text, never as a result.
        descriptions = {row[3] for row in _expense_rows(values)}
        assert set(FORMULA_TEXTS) <= descriptions
        formulas = openpyxl.load_workbook(converted)
        kinds = {row[3].value: row[3].data_type
                 for row in formulas["Expenses"].iter_rows(min_row=2)}
        assert all(kinds[text] == "s" for text in FORMULA_TEXTS)


def test_the_period_limits_the_rows_and_names_the_file(api, arrangement):
    client = api("leadership", "INTERPOL")
    ref = arrangement.reference
    response = client.get(f"/api/v1/arrangements/{ref}/cost-report.xlsx"
                          "?from=2025-02-03&to=2025-03-31")
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=cost-split_{ref}_2025-02-03_2025-03-31.xlsx")
    assert int(response.headers["Content-Length"]) == len(response.data)
    rows = _expense_rows(_workbook(response))
    # Two expenses on 3 February (in recording order), two in March; none outside.
    assert [(r[1].date(), r[3]) for r in rows] == [
        (date(2025, 2, 3), FORMULA_TEXTS[1]), (date(2025, 2, 3), FORMULA_TEXTS[2]),
        (date(2025, 3, 3), FORMULA_TEXTS[3]), (date(2025, 3, 31), "Analyst, March")]
    everything = client.get(f"/api/v1/arrangements/{ref}/cost-report.xlsx")
    assert everything.headers["Content-Disposition"].endswith(f"cost-split_{ref}_all.xlsx")
    assert len(_expense_rows(_workbook(everything))) == 8
    open_end = client.get(f"/api/v1/arrangements/{ref}/cost-report.xlsx?from=2025-04-01")
    assert open_end.headers["Content-Disposition"].endswith(
        f"cost-split_{ref}_2025-04-01_end.xlsx")
    assert len(_expense_rows(_workbook(open_end))) == 2


def test_each_row_shows_the_expense_as_allocated(api, arrangement, finance):
    client = api("finance")
    ref = arrangement.reference
    listed = client.get(f"/api/v1/arrangements/{ref}/expenses").get_json()
    rows = _expense_rows(_workbook(client.get(f"/api/v1/arrangements/{ref}/cost-report.xlsx")))
    assert len(rows) == len(listed)
    sources = {"given": "Given with the expense", "table": "Rates table",
               "same": "Same currency"}
    for row, expense in zip(rows, listed, strict=True):
        assert row[0] == expense["id"]
        assert row[1].date().isoformat() == expense["date"]
        assert (row[2], row[4], row[5], row[7]) == (
            label(expense["category"]), expense["document_reference"], expense["paid_by"],
            expense["currency"])
        assert Decimal(str(row[6])) == parse_decimal(expense["amount"])
        assert Decimal(str(row[8])) == parse_decimal(expense["exchange_rate"])
        assert row[9] == sources[expense["rate_source"]]
        assert Decimal(str(row[10])) == parse_decimal(expense["reporting_amount"])
        parts = {a["organization"]: parse_decimal(a["amount"]) for a in expense["allocation"]}
        assert [Decimal(str(v)) for v in row[11:13]] == [parts["UN"], parts["INTERPOL"]]
        assert Decimal(str(row[13])) == parse_decimal(expense["unallocated"])
        assert row[14] == expense["share_version"]
        # Who recorded it and when (the finance officer of the fixture, UTC).
        assert row[15] == f"{finance.name} (UN)"
        assert isinstance(row[16], datetime) and row[16].year >= 2025


def test_the_rates_sheet_lists_the_rates_used_with_their_source(api, arrangement):
    wb = _workbook(api("finance").get(
        f"/api/v1/arrangements/{arrangement.reference}/cost-report.xlsx"))
    rates = [row for row in wb["Rates"].iter_rows(min_row=2, values_only=True)]
    found = {(r[0], r[1], Decimal(str(r[2]))): r[4] for r in rates}
    assert found[("EUR", "2025-01", Decimal("0.9234"))] == "rates table: UN ORE (1 expense)"
    assert found[("EUR", "2025-02", Decimal("0.91"))] == "entered with the expense (1 expense)"
    assert found[("JPY", "2025-05", Decimal("150"))] == "entered with the expense (1 expense)"
    assert ("USD", "2025-02") not in {(r[0], r[1]) for r in rates}  # same currency: no rate


def test_paging_returns_every_expense_once_in_order(app, arrangement):
    """Keyset pages of two rows (a page boundary falls between two expenses of one day)
    give the same lines as one page."""
    one_page = list(cost_report.expense_lines(arrangement))
    paged = list(cost_report.expense_lines(arrangement, page_size=2))
    assert paged == one_page
    assert len(one_page) == 8
    assert [e.date for e in one_page] == sorted(e.date for e in one_page)
    window = list(cost_report.expense_lines(arrangement, date(2025, 2, 3), date(2025, 3, 31),
                                         page_size=1))
    assert [e.description for e in window] == [*FORMULA_TEXTS[1:], "Analyst, March"]


def test_the_report_streams_from_pages(app, arrangement, monkeypatch):
    """The rows come from one query per page, not from one query for them all."""
    from sqlalchemy import event

    statements = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if "FROM expense" in statement and "LIMIT" in statement:
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        list(cost_report.expense_lines(arrangement, page_size=3))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 3  # 3 + 3 + 2 rows


def test_personnel_costs_of_linked_exchanges_appear(api, arrangement):
    """Each item in the bearing organization's currency, as the personnel API shows it; the
    totals per organization; an item without a rate marked and counted; cancelled exchanges
    left out."""
    client = api("admin")
    exchange = {
        "staff_id": "IP-7", "person_name": "Jane Doe", "home_organization": "INTERPOL",
        "host_organization": "UN", "position": "Analyst", "start_date": "2025-02-01",
        "end_date": "2025-07-31", "arrangement": arrangement.reference,
        "costs": [{"category": "salary", "borne_by": "INTERPOL", "amount": "9234.00",
                   "currency": "EUR"},
                  {"category": "travel", "borne_by": "UN", "amount": "923.40",
                   "currency": "EUR"},
                  # The rates table has no EUR rate for July 2025.
                  {"category": "allowances", "borne_by": "UN", "amount": "100.00",
                   "currency": "EUR", "period_start": "2025-07-01"}]}
    response = client.post("/api/v1/personnel-exchanges", json=exchange)
    assert response.status_code == 201, response.get_json()
    cancelled = client.post("/api/v1/personnel-exchanges", json={
        **exchange, "staff_id": "IP-8", "person_name": "Gone Person",
        "costs": [{"category": "salary", "borne_by": "UN", "amount": "5000.00",
                   "currency": "USD"}]}).get_json()
    assert client.post(f"/api/v1/personnel-exchanges/{cancelled['id']}/cancellation",
                       json={"reason": "withdrawn"}).status_code == 201
    wb = _workbook(client.get(f"/api/v1/arrangements/{arrangement.reference}/cost-report.xlsx"))
    rows = list(wb["Personnel"].iter_rows(values_only=True))
    items = rows[1:4]
    assert [r[1:5] for r in items] == [("Jane Doe (IP-7)", "INTERPOL", "UN", "Analyst")] * 3
    assert [r[7] for r in items] == ["Proposed"] * 3  # the exchange's status, its label
    assert [(r[9], r[13]) for r in items] == [("INTERPOL", "EUR"), ("UN", "USD"),
                                              ("UN", "USD")]
    assert Decimal(str(items[0][14])) == Decimal("9234")
    assert Decimal(str(items[1][14])) == Decimal("1000.00")  # 923.40 EUR / 0.9234 per USD
    assert items[2][14] == "rate missing"
    assert not any("Gone Person" in str(r[1]) for r in rows)
    start = next(i for i, r in enumerate(rows) if str(r[0]).startswith("Totals per bearing"))
    totals = {r[0]: r for r in rows[start + 2:start + 4]}
    assert totals["INTERPOL"][1] == "EUR" and totals["UN"][1] == "USD"
    assert Decimal(str(totals["INTERPOL"][4])) == Decimal("9234.00")
    assert Decimal(str(totals["UN"][4])) == Decimal("1000.00")
    assert totals["UN"][6].startswith("=COUNTIFS(") and "rate missing" in totals["UN"][6]
    # The application's figures are the personnel API's totals, to the cent.
    api_totals = client.get("/api/v1/personnel-exchanges/costs",
                            query_string={"arrangement": arrangement.reference}).get_json()
    assert {t["organization"]: (t["currency"], t["amount"], t["complete"])
            for t in api_totals["totals"]} == {
        "INTERPOL": ("EUR", "9234.00", True), "UN": ("USD", "1000.00", False)}


def test_errors_are_json(api, arrangement):
    client = api("finance")
    missing = client.get("/api/v1/arrangements/NOPE/cost-report.xlsx")
    assert missing.status_code == 404
    assert missing.get_json()["errors"][0]["field"] == "reference"
    bad = client.get(f"/api/v1/arrangements/{arrangement.reference}/cost-report.xlsx"
                     "?from=2025-13-01&to=yesterday")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.get_json()["errors"]} == {"from", "to"}
    backwards = client.get(f"/api/v1/arrangements/{arrangement.reference}/cost-report.xlsx"
                           "?from=2025-03-01&to=2025-02-01")
    assert backwards.status_code == 422
    assert "before it starts" in backwards.get_json()["errors"][0]["message"]


def test_every_role_may_download_and_a_token_is_required(api, arrangement, client):
    url = f"/api/v1/arrangements/{arrangement.reference}/cost-report.xlsx"
    for role in ("admin", "programme_manager", "finance", "leadership"):
        assert api(role).get(url).status_code == 200, role
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_a_role_without_the_download_right_is_refused(api, arrangement, login, make_user,
                                                      monkeypatch):
    monkeypatch.setitem(policy.RIGHTS, "leadership", frozenset({policy.READ}))
    url = f"/api/v1/arrangements/{arrangement.reference}/cost-report.xlsx"
    response = api("leadership").get(url)
    assert response.status_code == 403
    assert response.get_json()["errors"][0]["message"]
    web = login(make_user("leadership", "UN"))
    assert web.get(f"/expenses/arrangements/{arrangement.reference}/cost-report.xlsx"
                   ).status_code == 403
    page = web.get(f"/arrangements/{arrangement.reference}").get_data(as_text=True)
    assert "Download cost report (.xlsx)" not in page


def test_the_openapi_document_lists_the_endpoint(api):
    spec = api("leadership").get("/api/v1/openapi.json").get_json()
    assert "get" in spec["paths"]["/api/v1/arrangements/{reference}/cost-report.xlsx"]


# --- the arrangement page ------------------------------------------------------------------------

def test_the_arrangement_page_offers_the_report_for_the_period_shown(login, make_user,
                                                                      arrangement):
    user = make_user("leadership", "INTERPOL")
    web = login(user)
    ref = arrangement.reference
    page = web.get(f"/arrangements/{ref}?split_from=2025-02-01&split_to=2025-02-28")
    html = page.get_data(as_text=True)
    form = re.search(r'<form[^>]*id="cost-report-form".*?</form>', html, re.S).group(0)
    assert f'action="/expenses/arrangements/{ref}/cost-report.xlsx"' in form
    assert 'name="from" value="2025-02-01"' in form
    assert 'name="to" value="2025-02-28"' in form
    assert "Download cost report (.xlsx)" in form

    response = web.get(f"/expenses/arrangements/{ref}/cost-report.xlsx"
                       "?from=2025-02-01&to=2025-02-28")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=cost-split_{ref}_2025-02-01_2025-02-28.xlsx")
    wb = _workbook(response)
    assert len(_expense_rows(wb)) == 2
    about = _by_label(wb["About"])
    assert about["Period"][1] == "1 February 2025 to 28 February 2025"
    assert about["Generated by"][1] == f"{user.name} ({user.email})"


def test_a_bad_period_on_the_page_is_explained(login, make_user, arrangement):
    web = login(make_user("finance", "UN"))
    ref = arrangement.reference
    response = web.get(f"/expenses/arrangements/{ref}/cost-report.xlsx"
                       "?from=2025-03-01&to=2025-02-01", follow_redirects=True)
    assert response.status_code == 200
    assert "No report: The period ends (2025-02-01) before it starts" in \
        response.get_data(as_text=True)
    assert web.get("/expenses/arrangements/NOPE/cost-report.xlsx").status_code == 404


def test_the_download_needs_a_login(client, arrangement):
    response = client.get(f"/expenses/arrangements/{arrangement.reference}/cost-report.xlsx")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_report_of_an_arrangement_without_expenses(api, make_arrangement):
    sa = make_arrangement()
    wb = _workbook(api("finance").get(f"/api/v1/arrangements/{sa.reference}/cost-report.xlsx"))
    assert _expense_rows(wb) == []
    assert _by_label(wb["About"])["Expenses"][1] == 0
    summary = _by_label(wb["Summary"])
    assert [summary[code][6] for code in ("UN", "INTERPOL")] == [0, 0]  # the API's paid


def test_the_rates_sheet_names_the_stored_source_never_a_guess(api, make_arrangement, finance):
    """A table rate is labelled with the source stored with it; an empty one says so; a rate
    changed in the table since the expense was recorded shows what the table now holds."""
    sa = make_arrangement()
    rate_services.set_rate("EUR", "2025-02", "0.9", "", finance)
    rate_services.set_rate("JPY", "2025-02", "150", "Treasury bulletin 7", finance)
    for currency, amount in (("EUR", "90.00"), ("JPY", "15000")):
        recording.record_expense(sa, ExpenseData(
            date=date(2025, 2, 10), category="travel", description="Mission",
            amount=amount, currency=currency, paid_by="UN"), finance)
    db.session.commit()
    rate_services.set_rate("JPY", "2025-02", "155", "Treasury bulletin 8", finance)
    db.session.commit()
    wb = _workbook(api("finance").get(f"/api/v1/arrangements/{sa.reference}/cost-report.xlsx"))
    found = {(r[0], r[1]): r[4] for r in wb["Rates"].iter_rows(min_row=2, values_only=True)}
    assert found == {
        ("EUR", "2025-02"): "rates table: (no source recorded) (1 expense)",
        ("JPY", "2025-02"): "rates table when the expense was recorded (the table now "
                            "holds 155: Treasury bulletin 8) (1 expense)",
    }
    assert not any("UN operational rates of exchange" in v for v in found.values())
