"""Web pages for personnel exchanges, with CSRF on."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from jointprojects.dates import long_date
from jointprojects.extensions import db
from jointprojects.personnel_exchanges.models import ExchangeCostItem, PersonnelExchange
from jointprojects.personnel_exchanges.services import CostData

BASE = "/personnel-exchanges"


def form_data(**overrides):
    data = {
        "staff_id": "UN-4711", "person_name": "Amina Diallo", "home_organization": "UN",
        "host_organization": "INTERPOL", "position": "Liaison officer", "duty_station": "Lyon",
        "start_date": "2025-03-01", "end_date": "2025-08-31", "arrangement": "",
        "return_right_note": "Returns to her post.",
        "costs-0-category": "salary", "costs-0-borne_by": "UN", "costs-0-amount": "60 000,00",
        "costs-0-currency": "USD",
        "costs-1-category": "travel", "costs-1-borne_by": "UN", "costs-1-amount": "",
        "costs-1-currency": "USD",
        "costs-2-category": "daily_subsistence", "costs-2-borne_by": "INTERPOL",
        "costs-2-amount": "18000", "costs-2-currency": "EUR",
    }
    data.update(overrides)
    return data


def stored() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(PersonnelExchange))


def feedback_after(html: str, name: str) -> str:
    """The validation message shown right after the field ``name``."""
    rest = html[html.index(f'name="{name}"'):]
    match = re.search(r'<div class="invalid-feedback[^>]*>([^<]+)</div>', rest)
    assert match, f"no message beside {name}"
    assert ' name="' not in rest[1:match.start()], f"the message is not beside {name}"
    return match.group(1).replace("&#39;", "'")


@pytest.fixture()
def manager(login, make_user):
    return login(make_user("programme_manager", "UN"))


def test_pages_need_login(client):
    for url in (f"{BASE}/", f"{BASE}/timeline", f"{BASE}/new", f"{BASE}/costs"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_create_with_cost_rows(manager):
    response = manager.post_form(f"{BASE}/new", form_data())
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    exchange = db.session.scalar(db.select(PersonnelExchange))
    assert exchange.status == "proposed" and exchange.duty_station == "Lyon"
    assert [(c.category, c.borne_by.code, str(c.amount), c.currency)
            for c in exchange.cost_items] == [
        ("salary", "UN", "60000.0000", "USD"),
        ("daily_subsistence", "INTERPOL", "18000.0000", "EUR")]
    page = manager.get(response.headers["Location"]).get_data(as_text=True)
    assert "Art. 8" in page and "awaiting approval: UN, INTERPOL" in page
    assert "60,000.00 USD" in page and "18,000.00 EUR" in page
    assert "History" in page and "created" in page


def test_validation_messages_appear_beside_the_fields_and_nothing_is_stored(manager):
    response = manager.post_form(f"{BASE}/new", form_data(
        host_organization="UN", end_date="2027-04-01", **{"costs-2-amount": "-5"}),
        page=f"{BASE}/new")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "must differ" in feedback_after(html, "host_organization")
    assert "at most 24 months" in html
    # the third row was the second one kept (the empty travel row is dropped)
    assert feedback_after(html, "costs-2-amount") == "Enter an amount greater than zero."
    assert 'value="Amina Diallo"' in html  # what was typed is kept
    assert stored() == 0


def test_a_form_posted_without_its_csrf_token_is_refused(client, manager):
    response = client.post(f"{BASE}/new", data=form_data())
    assert response.status_code == 400 and b"security token" in response.data
    assert stored() == 0


def test_leadership_reads_but_cannot_write(login, make_user, make_exchange):
    exchange = make_exchange()
    web = login(make_user("leadership", "UN"))
    assert web.get(f"{BASE}/").status_code == 200
    assert web.get(f"{BASE}/{exchange.id}").status_code == 200
    assert web.get(f"{BASE}/new").status_code == 403
    page = web.get(f"{BASE}/{exchange.id}").get_data(as_text=True)
    assert "Record approval" not in page and "Add cost" not in page
    response = web.post_form(f"{BASE}/{exchange.id}/approve",
                             {"approval-organization": "UN", "approval-date": "2025-02-01"},
                             page=f"{BASE}/")
    assert response.status_code == 403


def test_list_filters_marks_and_pagination(manager, make_exchange, admin):
    today = date.today()
    soon = make_exchange(approved=True, staff_id="UN-1", person_name="Ending Soon",
                         start_date=today - timedelta(days=100),
                         end_date=today + timedelta(days=10))
    make_exchange(approved=True, staff_id="UN-2", person_name="Far Away",
                  start_date=today - timedelta(days=10), end_date=today + timedelta(days=300))
    make_exchange(staff_id="IP-3", person_name="Awaiting Both", home_organization="INTERPOL",
                  host_organization="UN", start_date=today + timedelta(days=30),
                  end_date=today + timedelta(days=90))
    html = manager.get(f"{BASE}/").get_data(as_text=True)
    assert "ends in 10 days" in html and "awaiting approval: INTERPOL, UN" in html
    ending = manager.get(f"{BASE}/?ending=1").get_data(as_text=True)
    assert "Ending Soon" in ending and "Far Away" not in ending
    on = manager.get(f"{BASE}/?on={(today + timedelta(days=40)).isoformat()}").get_data(
        as_text=True)
    assert "Far Away" in on and "Awaiting Both" in on and "Ending Soon" not in on
    hosted = manager.get(f"{BASE}/?organization=INTERPOL&status=proposed").get_data(
        as_text=True)
    assert "Awaiting Both" in hosted and "Far Away" not in hosted
    active = manager.get(f"{BASE}/?status=active").get_data(as_text=True)
    assert "Ending Soon" in active and "Awaiting Both" not in active
    paged = manager.get(f"{BASE}/?per_page=1&page=2").get_data(as_text=True)
    assert "Page 2 of 3" in paged
    bad = manager.get(f"{BASE}/?on=tomorrow").get_data(as_text=True)
    assert "tomorrow is not a valid date. Write the date as YYYY-MM-DD" in bad
    # the ending exchange links to its own page
    assert f'<a href="{BASE}/{soon.id}">Ending Soon</a>' in ending


def test_approval_rights_per_organization_in_the_page(login, make_user, make_exchange):
    exchange = make_exchange()
    un = login(make_user("programme_manager", "UN"))
    page = un.get(f"{BASE}/{exchange.id}").get_data(as_text=True)
    assert '<option value="UN"' in page and '<option value="INTERPOL"' not in page
    refused = un.post_form(f"{BASE}/{exchange.id}/approve",
                           {"approval-organization": "INTERPOL", "approval-date": "2025-02-01"},
                           page=f"{BASE}/{exchange.id}")
    assert refused.status_code == 403
    done = un.post_form(f"{BASE}/{exchange.id}/approve",
                        {"approval-organization": "UN", "approval-date": "2025-02-01"},
                        page=f"{BASE}/{exchange.id}")
    assert done.status_code == 302
    db.session.expire_all()
    assert [a.organization.code for a in exchange.approvals] == ["UN"]


def test_admin_approval_is_marked_in_the_page(login, make_user, make_exchange):
    exchange = make_exchange()
    web = login(make_user("admin", "UN"))
    response = web.post_form(f"{BASE}/{exchange.id}/approve",
                             {"approval-organization": "INTERPOL",
                              "approval-date": "2025-02-01"}, page=f"{BASE}/{exchange.id}")
    assert response.status_code == 302
    page = web.get(f"{BASE}/{exchange.id}").get_data(as_text=True)
    assert "recorded by an admin" in page


def test_edit_with_a_stale_version_shows_the_conflict(manager, make_exchange, admin):
    exchange = make_exchange()
    data = form_data(position="Senior liaison officer", version=str(exchange.version))
    first = manager.post_form(f"{BASE}/{exchange.id}/edit", data)
    assert first.status_code == 302
    stale = manager.post_form(f"{BASE}/{exchange.id}/edit", form_data(
        position="Analyst", version=str(exchange.version - 1 if exchange.version > 1 else 1)))
    assert stale.status_code == 422
    assert "Someone else changed this exchange" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert exchange.position == "Senior liaison officer"


def test_costs_are_added_and_removed_from_the_detail_page(manager, make_exchange):
    exchange = make_exchange()
    url = f"{BASE}/{exchange.id}"
    bad = manager.post_form(f"{url}/costs", {"cost-category": "travel", "cost-borne_by": "UN",
                                             "cost-amount": "12.3456", "cost-currency": "USD"},
                            page=url)
    assert bad.status_code == 422
    assert "more than 2 decimal places" in feedback_after(bad.get_data(as_text=True),
                                                          "cost-amount")
    ok = manager.post_form(f"{url}/costs", {"cost-category": "travel", "cost-borne_by": "UN",
                                            "cost-amount": "850", "cost-currency": "USD"},
                           page=url)
    assert ok.status_code == 302
    item = db.session.scalar(db.select(ExchangeCostItem))
    page = manager.get(url).get_data(as_text=True)
    assert "data-confirm=\"Remove the travel cost of 850.00 USD?\"" in page
    removed = manager.post_form(f"{url}/costs/{item.id}/delete", {}, page=url)
    assert removed.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(ExchangeCostItem)) == 0
    assert manager.post_form(f"{url}/costs/{item.id}/delete", {}, page=url).status_code == 404


def test_extend_and_cancel_from_the_detail_page(manager, make_exchange):
    start = date.today() + timedelta(days=10)
    exchange = make_exchange(approved=True, start_date=start, end_date=start + timedelta(days=90))
    url = f"{BASE}/{exchange.id}"
    old_end, new_end = exchange.end_date.isoformat(), (start + timedelta(days=200)).isoformat()
    shown = [long_date(date.fromisoformat(d)) for d in (old_end, new_end)]
    too_long = manager.post_form(f"{url}/extend", {"extension-end_date": "2099-03-01"}, page=url)
    assert too_long.status_code == 422
    assert "at most 24 months" in feedback_after(too_long.get_data(as_text=True),
                                                 "extension-end_date")
    ok = manager.post_form(f"{url}/extend", {"extension-end_date": new_end,
                                             "extension-reason": "Prolonged"}, page=url)
    assert ok.status_code == 302
    page = manager.get(url).get_data(as_text=True)
    assert f"{shown[0]} → <strong>{shown[1]}</strong>" in page
    cancelled = manager.post_form(f"{url}/cancel", {"cancel-reason": ""}, page=url)
    assert cancelled.status_code == 302
    db.session.expire_all()
    assert exchange.status == "cancelled"
    page = manager.get(url).get_data(as_text=True)
    assert "Cancel exchange" not in page and "Amend the end date" not in page


def test_timeline_shows_bars_and_a_table(manager, make_exchange):
    make_exchange(approved=True)
    make_exchange(staff_id="IP-9", person_name="Jean Martin", home_organization="INTERPOL",
                  host_organization="UN", start_date=date(2025, 5, 1),
                  end_date=date(2025, 6, 30))
    html = manager.get(f"{BASE}/timeline?organization=UN&from=2025-01&months=12").get_data(
        as_text=True)
    assert "Staff of UN away on exchange" in html and "Staff hosted by UN" in html
    # 2025-03-01 is day 59 of 365; 184 days in post
    assert 'style="left: 16.16%; width: 50.41%"' in html
    assert "<caption" in html and "Jean Martin" in html
    assert 'aria-hidden="true"' in html


def test_costs_page_per_arrangement(manager, make_exchange, make_arrangement):
    sa = make_arrangement(kind="personnel")
    make_exchange(arrangement=sa.reference, costs=[CostData("salary", "UN", "60000", "USD")])
    make_exchange(staff_id="UN-2", costs=[CostData("travel", "UN", "999", "USD")])
    html = manager.get(f"{BASE}/costs?arrangement={sa.reference}").get_data(as_text=True)
    assert "60,000.00 USD" in html and "999.00" not in html
    assert manager.get(f"{BASE}/costs?arrangement=SA-NONE").status_code == 404


@pytest.mark.parametrize("query", ["active_on=2026-02-30", "on=2026-02-30"])
def test_an_impossible_date_in_the_register_filter_is_explained(login, make_user,
                                                                 make_exchange, query):
    make_exchange()
    manager = login(make_user("programme_manager", "UN"))
    response = manager.get(f"{BASE}/?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2026-02-30 is not a valid date. Write the date as YYYY-MM-DD" in html
    assert "not filtered by date" in html


def test_the_apis_active_on_filters_the_register_page(login, make_user, make_exchange):
    today = date.today()
    make_exchange(person_name="Later Person", staff_id="S-LATER",
                  start_date=today + timedelta(days=30), end_date=today + timedelta(days=90))
    manager = login(make_user("programme_manager", "UN"))
    day = (today + timedelta(days=40)).isoformat()
    assert "Later Person" in manager.get(f"{BASE}/?active_on={day}").get_data(as_text=True)
    assert "Later Person" not in manager.get(
        f"{BASE}/?active_on={today.isoformat()}").get_data(as_text=True)


def test_the_approvals_name_home_and_host_in_the_readers_language(manager, make_exchange):
    exchange = make_exchange()  # UN (home) -> INTERPOL (host)
    english = manager.get(f"{BASE}/{exchange.id}").get_data(as_text=True)
    assert "UN (home):" in english and "INTERPOL (host):" in english
    french = manager.get(f"{BASE}/{exchange.id}?lang=fr").get_data(as_text=True)
    assert "UN (origine):" in french and "INTERPOL (accueil):" in french
    assert "(home)" not in french and "(host)" not in french
