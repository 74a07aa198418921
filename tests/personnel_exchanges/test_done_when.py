"""Issue 4, "Done when", as one story through the pages, the API and the report feed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from jointprojects.extensions import db
from jointprojects.personnel_exchanges.costs import personnel_cost_rows
from jointprojects.personnel_exchanges.models import PersonnelExchange


def test_six_month_secondment_of_a_un_officer_to_interpol_in_lyon(
        login_as, make_user, make_arrangement, api):
    arrangement = make_arrangement(kind="personnel", title="Liaison officers in Lyon")

    # A UN programme manager registers the secondment with its two costs.
    un = login_as(make_user("programme_manager", "UN"))
    response = un.post_form("/personnel-exchanges/new", {
        "staff_id": "UN-4711", "person_name": "Amina Diallo", "home_organization": "UN",
        "host_organization": "INTERPOL", "position": "Liaison officer",
        "duty_station": "Lyon", "start_date": "2025-03-01", "end_date": "2025-08-31",
        "arrangement": arrangement.reference, "return_right_note": "Returns to UNODC Vienna.",
        "costs-0-category": "salary", "costs-0-borne_by": "UN",
        "costs-0-amount": "54,000.00", "costs-0-currency": "USD",
        "costs-1-category": "daily_subsistence", "costs-1-borne_by": "INTERPOL",
        "costs-1-amount": "21 600,00", "costs-1-currency": "EUR",
    })
    assert response.status_code == 302
    exchange = db.session.scalar(db.select(PersonnelExchange))
    url = f"/personnel-exchanges/{exchange.id}"

    # Both organizations approve, each through one of its own users.
    interpol = login_as(make_user("programme_manager", "INTERPOL"))
    for web, org, day in ((un, "UN", "2025-02-10"), (interpol, "INTERPOL", "2025-02-12")):
        answer = web.post_form(f"{url}/approve", {"approval-organization": org,
                                                  "approval-date": day}, page=url)
        assert answer.status_code == 302
    db.session.expire_all()
    assert exchange.status == "approved"
    assert [(a.organization.code, a.recorded_by_admin) for a in exchange.approvals] == [
        ("UN", False), ("INTERPOL", False)]

    # It shows as active on the right dates, and in the API's active_on list.
    client = api("leadership", "INTERPOL")
    for day, expected in (("2025-02-28", []), ("2025-03-01", [exchange.id]),
                          ("2025-08-31", [exchange.id]), ("2025-09-01", [])):
        listed = client.get(f"/api/v1/personnel-exchanges?active_on={day}").json
        assert [x["id"] for x in listed] == expected, day
        if expected:
            assert listed[0]["status"] in ("active", "completed")
    read = client.get(f"/api/v1/personnel-exchanges/{exchange.id}").json
    assert [a["organization"] for a in read["approvals"]] == ["UN", "INTERPOL"]
    assert exchange.status_on(date(2025, 2, 28)) == "approved"
    assert exchange.status_on(date(2025, 3, 1)) == "active"
    assert exchange.status_on(date(2025, 8, 31)) == "active"
    assert exchange.status_on(date(2025, 9, 1)) == "completed"

    # An overlapping second secondment of the same officer is refused with a clear message.
    refused = un.post_form("/personnel-exchanges/new", {
        "staff_id": "UN-4711", "person_name": "Amina Diallo", "home_organization": "UN",
        "host_organization": "INTERPOL", "position": "Analyst", "start_date": "2025-08-01",
        "end_date": "2026-01-31", "arrangement": "",
    })
    assert refused.status_code == 422
    message = (f"Staff member UN-4711 of UN is already on exchange no. {exchange.id} "
               "(INTERPOL, 2025-03-01 to 2025-08-31); two exchanges of the same person "
               "cannot share a day.")
    assert message in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(PersonnelExchange)) == 1

    # Its costs appear per organization in what feeds the arrangement's cost report.
    report = personnel_cost_rows(arrangement.id)
    assert [(r.person_name, r.category, r.borne_by, r.reporting_amount, r.reporting_currency)
            for r in report.rows] == [
        ("Amina Diallo", "salary", "UN", Decimal("54000.00"), "USD"),
        ("Amina Diallo", "daily_subsistence", "INTERPOL", Decimal("21600.00"), "EUR")]
    assert [(t.organization, t.currency, t.amount) for t in report.totals] == [
        ("INTERPOL", "EUR", Decimal("21600.00")), ("UN", "USD", Decimal("54000.00"))]
    assert report.complete
    costs = client.get(f"/api/v1/personnel-exchanges/costs?arrangement={arrangement.reference}")
    assert [(t["organization"], t["amount"]) for t in costs.json["totals"]] == [
        ("INTERPOL", "21600.00"), ("UN", "54000.00")]
    page = un.get(f"/personnel-exchanges/costs?arrangement={arrangement.reference}")
    assert "21,600.00 EUR" in page.get_data(as_text=True)
