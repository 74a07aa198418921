"""The finance pages: expense forms (CSRF on), lists, rates, budgets, the arrangement's cost
split, which must show the API's figures to the cent."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D

import pytest

from jointprojects.budgets import services as budget_services
from jointprojects.exchange_rates import services as rate_services
from jointprojects.exchange_rates.models import ExchangeRate
from jointprojects.expenses import recording
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.special_arrangements import amendments
from jointprojects.special_arrangements.services import ShareData
from tests.conftest import PASSWORD, WebClient, csrf_from
from tests.expenses.conftest import expense, parts

FORM = {"date": "2025-02-03", "category": "training", "amount": "1 234,56", "currency": "USD",
        "exchange_rate": "", "paid_by": "UN", "description": "Venue hire",
        "document_reference": "INV-9"}


def figures(html: str) -> dict[tuple[str, str], str]:
    """``data-org``/``data-figure`` cells of a page, thousands separators removed."""
    cells = re.findall(r'data-org="(\w+)" data-figure="(\w+)">([^<]+)<', html)
    return {(org, name): value.strip().replace(",", "") for org, name, value in cells}


def login_as(web, user):  # type: ignore[no-untyped-def]
    """Log the browser out, then in again as ``user``."""
    assert web.post_form("/logout", {}, page="/expenses/").status_code == 302
    other = WebClient(web.client, user)
    r = other.post_form("/login", {"email": user.email, "password": PASSWORD})
    assert r.status_code == 302
    return other


@pytest.fixture()
def web(login, finance):  # type: ignore[no-untyped-def]
    return login(finance)


def test_recording_an_expense_shows_its_reporting_amount_and_parts(make_arrangement, web):
    sa = make_arrangement()
    url = f"/expenses/arrangements/{sa.reference}/new"
    r = web.post_form(url, FORM, follow_redirects=True)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Expense recorded: 1,234.56 USD (UN 679.01; INTERPOL 555.55)" in html
    assert figures(html) == {("UN", "part"): "679.01", ("INTERPOL", "part"): "555.55"}
    assert "1,234.56 USD" in html
    e = db.session.scalar(db.select(Expense))
    assert (e.amount, e.document_reference, e.created_by_id) == (
        e.reporting_amount, "INV-9", web.user.id)


def test_a_bad_expense_is_shown_with_its_field_errors_and_not_stored(make_arrangement, web):
    sa = make_arrangement()
    r = web.post_form(f"/expenses/arrangements/{sa.reference}/new",
                      {**FORM, "currency": "EUR", "date": "2025-04-09", "amount": "12.3456"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "No exchange rate for EUR in 2025-04" in html
    assert "at most 2 decimals" in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Expense)) == 0


def test_a_form_without_its_csrf_token_is_refused(make_arrangement, web):
    sa = make_arrangement()
    r = web.client.post(f"/expenses/arrangements/{sa.reference}/new", data=FORM)
    assert r.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(Expense)) == 0


def test_only_finance_records_expenses(make_arrangement, login, make_user):
    sa = make_arrangement()
    leader = login(make_user("leadership"))
    assert leader.get(f"/expenses/arrangements/{sa.reference}/new").status_code == 403
    page = leader.get(f"/expenses/arrangements/{sa.reference}")
    assert page.status_code == 200 and b"Record an expense" not in page.data
    pm = login_as(leader, make_user("programme_manager", "INTERPOL"))
    html = pm.get(f"/expenses/arrangements/{sa.reference}").get_data(as_text=True)
    r = pm.client.post(f"/expenses/arrangements/{sa.reference}/new",
                       data={**FORM, "csrf_token": csrf_from(html)})
    assert r.status_code == 403


def test_an_edit_over_a_newer_version_shows_the_conflict(make_arrangement, web, finance):
    sa = make_arrangement()
    e = recording.record_expense(sa, expense(), finance)
    db.session.commit()
    form_page = web.get(f"/expenses/{e.id}/edit").get_data(as_text=True)
    assert re.search(r'name="version"[^>]*value="1"|value="1"[^>]*name="version"', form_page)
    recording.update_expense(e, expense(amount="150.00"), 1, finance)  # someone else saves
    db.session.commit()
    r = web.client.post(f"/expenses/{e.id}/edit", data={
        **FORM, "amount": "999.00", "version": "1", "csrf_token": csrf_from(form_page)})
    assert r.status_code == 409
    assert "Someone else changed or deleted this expense" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Expense, e.id).amount == 150


def test_editing_changes_the_parts(make_arrangement, web, finance):
    sa = make_arrangement()
    e = recording.record_expense(sa, expense(), finance)
    db.session.commit()
    r = web.post_form(f"/expenses/{e.id}/edit", {**FORM, "amount": "200", "version": "1"},
                      page=f"/expenses/{e.id}/edit", follow_redirects=True)
    assert r.status_code == 200
    assert figures(r.get_data(as_text=True)) == {("UN", "part"): "110.00",
                                                 ("INTERPOL", "part"): "90.00"}


def test_delete_asks_for_confirmation_then_removes(make_arrangement, web, finance):
    sa = make_arrangement()
    e = recording.record_expense(sa, expense(), finance)
    db.session.commit()
    page = web.get(f"/expenses/{e.id}").get_data(as_text=True)
    assert re.search(rf'action="/expenses/{e.id}/delete"[^>]*data-confirm="Delete this expense',
                     page)
    r = web.client.post(f"/expenses/{e.id}/delete",
                        data={"csrf_token": csrf_from(page), "version": "1"})
    assert r.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(Expense)) == 0
    assert web.get(f"/expenses/{e.id}").status_code == 404


def test_a_stale_delete_is_refused_with_a_message(make_arrangement, web, finance):
    sa = make_arrangement()
    e = recording.record_expense(sa, expense(), finance)
    db.session.commit()
    page = web.get(f"/expenses/{e.id}").get_data(as_text=True)
    recording.update_expense(e, expense(amount="5.00"), 1, finance)
    db.session.commit()
    r = web.client.post(f"/expenses/{e.id}/delete",
                        data={"csrf_token": csrf_from(page), "version": "1"},
                        follow_redirects=True)
    assert "Someone else changed or deleted this expense" in r.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Expense)) == 1


def test_the_list_filters_and_totals_per_party(make_arrangement, web, finance):
    sa = make_arrangement()
    recording.record_expense(sa, expense(date=date(2025, 2, 1), category="travel"), finance)
    recording.record_expense(sa, expense(date=date(2025, 3, 1), category="equipment",
                                        paid_by="INTERPOL", amount="300.00"), finance)
    budget_services.set_budget(sa, "equipment", 2025, None, "100.00", finance)
    db.session.commit()
    html = web.get(f"/expenses/arrangements/{sa.reference}").get_data(as_text=True)
    assert figures(html) == {("UN", "share"): "220.00", ("INTERPOL", "share"): "180.00"}
    assert "over budget" in html
    html = web.get(f"/expenses/arrangements/{sa.reference}?from=2025-03-01&to=2025-03-31"
                   "&category=equipment&paid_by=INTERPOL").get_data(as_text=True)
    assert figures(html) == {("UN", "share"): "165.00", ("INTERPOL", "share"): "135.00"}
    assert "Trainer travel" in html and "2025-02-01" not in html
    html = web.get(f"/expenses/arrangements/{sa.reference}?from=junk&paid_by=ZZ") \
        .get_data(as_text=True)
    assert "is not a date" in html and "ZZ is not a party" in html


def test_the_index_lists_expenses_across_arrangements(make_arrangement, web, finance):
    first, second = make_arrangement(), make_arrangement()
    recording.record_expense(first, expense(description="First venue"), finance)
    recording.record_expense(second, expense(description="Second venue"), finance)
    db.session.commit()
    html = web.get("/expenses/").get_data(as_text=True)
    assert "First venue" in html and "Second venue" in html
    html = web.get(f"/expenses/?arrangement={second.reference}").get_data(as_text=True)
    assert "First venue" not in html and "Second venue" in html


def test_the_rates_page_lists_and_takes_rates(web, make_user):
    r = web.post_form("/expenses/rates", {"currency": "JPY", "month": "2025-02",
                                          "rate": "151.25", "source": "UN treasury"},
                      follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "1 USD = 151.25 JPY for 2025-02" in html
    assert "UN treasury" in html and web.user.display_name in html
    r = web.post_form("/expenses/rates", {"currency": "JPY", "month": "2025-2", "rate": "-1"})
    assert r.status_code == 422 and b"YYYY-MM" in r.data
    leader = login_as(web, make_user("leadership"))
    page = leader.get("/expenses/rates")
    assert page.status_code == 200 and b"151.25" in page.data and b"Save rate" not in page.data
    forged = leader.client.post("/expenses/rates", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "currency": "JPY",
        "month": "2025-03", "rate": "1"})
    assert forged.status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(ExchangeRate)) == 1


def test_in_french_the_rates_page_writes_rates_with_a_decimal_comma(web):
    web.post_form("/expenses/rates", {"currency": "EUR", "month": "2025-02",
                                      "rate": "0.9265", "source": "UN treasury"},
                  follow_redirects=True)  # the flash (in English) is read here
    french = web.get("/expenses/rates?lang=fr").get_data(as_text=True)
    assert ">0,9265<" in french and "0.9265" not in french
    assert ">0.9265<" in web.get("/expenses/rates?lang=en").get_data(as_text=True)


def test_in_french_the_budget_form_offers_its_choices_in_french(make_arrangement, web):
    sa = make_arrangement()
    page = web.get(f"/expenses/arrangements/{sa.reference}/budgets?lang=fr").get_data(as_text=True)
    assert '<option selected value="">arrangement entier</option>' in page \
        or '<option value="">arrangement entier</option>' in page
    assert "The arrangement as a whole" not in page and "In USD" not in page


def test_the_budgets_page_sets_a_line_and_shows_actual(make_arrangement, web, finance):
    sa = make_arrangement()
    recording.record_expense(sa, expense(), finance)
    db.session.commit()
    url = f"/expenses/arrangements/{sa.reference}/budgets"
    r = web.post_form(url, {"category": "travel", "year": "2025", "organization": "",
                            "amount": "80.00", "note": ""}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "Budget line saved." in html and "over budget" in html
    r = web.post_form(url, {"category": "travel", "year": "20x5", "organization": "",
                            "amount": "1"})
    assert r.status_code == 422 and b"The year must be a year" in r.data


def test_the_arrangement_page_shows_the_apis_figures_to_the_cent(make_arrangement, web,
                                                                finance, api):
    sa = make_arrangement(shares={"UN": "33.33", "INTERPOL": "66.67"})
    rate_services.set_rate("EUR", "2025-02", "0.9137", "", finance)
    rate_services.set_rate("JPY", "2025-03", "149.7", "", finance)
    for day, currency, amount, payer in [(date(2025, 2, 3), "EUR", "1234.57", "INTERPOL"),
                                         (date(2025, 2, 28), "USD", "0.05", "UN"),
                                         (date(2025, 3, 15), "JPY", "123457", "UN"),
                                         (date(2025, 3, 31), "USD", "-10.01", "INTERPOL")]:
        recording.record_expense(sa, expense(date=day, currency=currency, amount=amount,
                                            paid_by=payer), finance)
    db.session.commit()
    client = api("leadership")
    for query, api_query in [("", ""), ("?split_from=2025-02-10&split_to=2025-03-20",
                                        "?from=2025-02-10&to=2025-03-20")]:
        html = web.get(f"/arrangements/{sa.reference}{query}").get_data(as_text=True)
        split = client.get(f"/api/v1/arrangements/{sa.reference}/cost-split{api_query}") \
            .get_json()
        shown = figures(html)
        for o in split["organizations"]:
            for name in ("share", "paid", "balance"):
                assert shown[(o["organization"], name)] == o[name], (query, o, name)
        total = re.search(r'data-figure="total">([^<]+)<', html).group(1).replace(",", "")
        assert total == split["total"]
        transfers = re.findall(r'data-from="(\w+)" data-to="(\w+)" data-figure="transfer">'
                               r'[^<]*<strong>([^<]+) USD</strong>', html)
        assert [(f, t, a.replace(",", "")) for f, t, a in transfers] == [
            (s["from"], s["to"], s["amount"]) for s in split["settlements"]]


def test_a_bad_period_on_the_arrangement_page_is_explained(make_arrangement, web):
    sa = make_arrangement()
    html = web.get(f"/arrangements/{sa.reference}?split_from=2025-05-01&split_to=2025-04-01") \
        .get_data(as_text=True)
    assert "The period ends before it starts." in html
    assert 'data-figure="total">0.00<' in html


def test_project_and_arrangement_forms_refuse_a_stale_version(login, make_user, make_project,
                                                              make_arrangement):
    from jointprojects.projects import services as project_services
    from jointprojects.special_arrangements import services as sa_services

    web = login(make_user("programme_manager", "INTERPOL"))  # the lead organization's
    project = make_project(title="Original")
    page = web.get(f"/projects/{project.code}/edit").get_data(as_text=True)
    data = project_services.ProjectData(code=project.code, title="Saved first", areas=["b"],
                                        lead_organization="INTERPOL",
                                        start_date=date(2025, 1, 1))
    project_services.update_project(project, data, project.version)
    db.session.commit()
    r = web.client.post(f"/projects/{project.code}/edit", data={
        "csrf_token": csrf_from(page), "code": project.code, "title": "Saved second",
        "areas": ["b"], "lead_organization": "INTERPOL", "start_date": "2025-01-01",
        "status": "planned", "version": "1"})
    assert r.status_code == 422 and b"Someone else changed this project" in r.data
    db.session.expire_all()
    assert db.session.get(type(project), project.id).title == "Saved first"

    sa = make_arrangement(signed=False, title="Original")
    page = web.get(f"/arrangements/{sa.reference}/edit").get_data(as_text=True)
    sa.title = "Saved first"
    sa_services.audit.record("update", sa)
    db.session.commit()
    r = web.client.post(f"/arrangements/{sa.reference}/edit", data={
        "csrf_token": csrf_from(page), "reference": sa.reference, "project": sa.project.code,
        "title": "Saved second", "kind": "joint_action", "currency": "USD",
        "start_date": "2025-01-01", "version": "1",
        "modalities-0-organization": "UN", "modalities-1-organization": "INTERPOL",
        "shares-0-organization": "UN", "shares-0-percent": "55",
        "shares-1-organization": "INTERPOL", "shares-1-percent": "45"})
    assert r.status_code == 422 and b"Someone else changed this arrangement" in r.data
    db.session.expire_all()
    assert db.session.get(type(sa), sa.id).title == "Saved first"


def test_the_cost_split_table_names_the_currency_of_its_amounts(make_arrangement, web):
    sa = make_arrangement(currency="EUR")
    html = web.get(f"/arrangements/{sa.reference}").get_data(as_text=True)
    table = html[html.index('id="cost-split"'):]
    table = table[:table.index("</thead>")]
    headers = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', table)
    assert headers == ["Party", "Share (EUR)", "Paid (EUR)", "Balance (EUR)"]


def test_the_last_consent_recorded_on_the_amendment_page_reallocates_the_expenses(
        make_arrangement, make_user, login, finance):
    # special_arrangements announce the amendment (a signal); the factory connects the
    # expenses' reallocation to it, so the page path re-allocates as the API and CLI do.
    sa = make_arrangement()
    april = recording.record_expense(sa, expense(date=date(2025, 4, 10)), finance)
    admin = make_user(role="admin")
    version = amendments.propose_amendment(
        sa, date(2025, 3, 1), [ShareData("UN", "30"), ShareData("INTERPOL", "70")], [],
        "Revised contributions", admin)
    amendments.consent(sa, version, "UN", date(2025, 5, 1), admin)
    db.session.commit()
    web = login(admin)
    url = f"/arrangements/{sa.reference}/amendments/{version.amendment_number}"
    r = web.post_form(url, {"consent-organization": "INTERPOL", "consent-date": "2025-05-20"},
                      follow_redirects=True)
    assert "the amendment is now in force" in r.get_data(as_text=True)
    db.session.expire_all()
    assert parts(db.session.get(Expense, april.id)) == {"UN": D("30.00"),
                                                         "INTERPOL": D("70.00")}
    page = web.client.get(f"/expenses/arrangements/{sa.reference}").get_data(as_text=True)
    assert figures(page)[("UN", "share")] == "30.00"
