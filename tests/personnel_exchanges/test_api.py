"""JSON API for personnel exchanges (API.md): happy paths and every error path."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jointprojects.exchange_rates.models import ExchangeRate
from jointprojects.extensions import db
from jointprojects.personnel_exchanges.models import ExchangeCostItem, PersonnelExchange

URL = "/api/v1/personnel-exchanges"


def body(**overrides):
    data = {
        "staff_id": "IP-0001", "person_name": "Jean Martin", "home_organization": "INTERPOL",
        "host_organization": "UN", "position": "Liaison officer", "duty_station": "New York",
        "start_date": "2025-04-01", "end_date": "2025-09-30",
        "costs": [{"category": "salary", "borne_by": "INTERPOL", "amount": "30000.00",
                   "currency": "EUR"},
                  {"category": "daily_subsistence", "borne_by": "UN", "amount": "12 000,5",
                   "currency": "USD", "period_start": "2025-04-01",
                   "period_end": "2025-06-30"}],
    }
    data.update(overrides)
    return data


def edit(**overrides):
    """A PUT body: the exchange without its costs (those have their own endpoints)."""
    data = body(**overrides)
    data.pop("costs")
    return data


def stored() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(PersonnelExchange))


def test_create_answers_201_with_money_as_strings(api):
    response = api("programme_manager", "INTERPOL").post(URL, json=body())
    assert response.status_code == 201, response.json
    x = response.json
    assert (x["staff_id"], x["home_organization"], x["host_organization"]) == (
        "IP-0001", "INTERPOL", "UN")
    assert (x["start_date"], x["end_date"], x["status"]) == ("2025-04-01", "2025-09-30",
                                                            "proposed")
    assert x["article"] == "Art. 8"
    assert x["awaiting_approval_from"] == ["INTERPOL", "UN"]
    assert [(c["category"], c["borne_by"], c["amount"], c["currency"]) for c in x["costs"]] == [
        ("salary", "INTERPOL", "30000.00", "EUR"), ("daily_subsistence", "UN", "12000.50", "USD")]
    assert x["costs"][1]["period_end"] == "2025-06-30"
    assert x["totals"] == [
        {"organization": "INTERPOL", "currency": "EUR", "amount": "30000.00", "items": 1,
         "complete": True},
        {"organization": "UN", "currency": "USD", "amount": "12000.50", "items": 1,
         "complete": True}]
    assert api().get(f"{URL}/{x['id']}").json == x


def test_list_active_on_keeps_exchanges_covering_that_day(api):
    client = api()
    first = client.post(URL, json=body()).json
    second = client.post(URL, json=body(staff_id="IP-0002", start_date="2025-10-01",
                                        end_date="2026-03-31", costs=[])).json
    cancelled = client.post(URL, json=body(staff_id="IP-0003")).json
    assert client.post(f"{URL}/{cancelled['id']}/cancellation", json={}).status_code == 201

    def ids(day):
        response = client.get(f"{URL}?active_on={day}")
        assert response.status_code == 200
        assert response.headers["X-Total-Count"] == str(len(response.json))
        return [x["id"] for x in response.json]

    assert ids("2025-03-31") == []
    assert ids("2025-04-01") == [first["id"]]
    assert ids("2025-09-30") == [first["id"]]
    assert ids("2025-10-01") == [second["id"]]
    all_items = client.get(URL).json
    assert [x["id"] for x in all_items] == [first["id"], cancelled["id"], second["id"]]
    assert all_items[1]["status"] == "cancelled"


def test_list_filters_and_pagination(api):
    client = api()
    for n in range(3):
        assert client.post(URL, json=body(staff_id=f"IP-{n}", costs=[])).status_code == 201
    client.post(URL, json=body(staff_id="UN-1", home_organization="UN",
                               host_organization="INTERPOL", costs=[]))
    page = client.get(f"{URL}?organization=INTERPOL&per_page=2&page=2")
    assert page.headers["X-Total-Count"] == "4" and len(page.json) == 2
    assert client.get(f"{URL}?status=proposed").headers["X-Total-Count"] == "4"
    assert client.get(f"{URL}?status=active").json == []
    assert client.get(f"{URL}?ending_within=60").json == []


@pytest.mark.parametrize(("query", "field"), [
    ("active_on=2025-13-01", "active_on"), ("status=asleep", "status"),
    ("ending_within=soon", "ending_within"), ("per_page=0", "per_page"),
])
def test_bad_list_parameters_are_422(api, query, field):
    response = api().get(f"{URL}?{query}")
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == field


def test_approvals_per_organization(api, make_user):
    x = api().post(URL, json=body()).json
    url = f"{URL}/{x['id']}/approvals"
    un = api(user=make_user("programme_manager", "UN"))
    interpol = api(user=make_user("programme_manager", "INTERPOL"))
    refused = un.post(url, json={"organization": "INTERPOL", "date": "2025-03-01"})
    assert refused.status_code == 403
    assert "Only a user of INTERPOL" in refused.json["errors"][0]["message"]
    assert un.post(url, json={"organization": "UN", "date": "2025-03-01"}).status_code == 201
    again = un.post(url, json={"organization": "UN", "date": "2025-03-02"})
    assert again.status_code == 409
    done = interpol.post(url, json={"organization": "INTERPOL", "date": "2025-03-03"})
    assert done.status_code == 201
    assert done.json["approvals"] == [
        {"organization": "UN", "date": "2025-03-01", "recorded_by_admin": False},
        {"organization": "INTERPOL", "date": "2025-03-03", "recorded_by_admin": False}]
    assert done.json["awaiting_approval_from"] == []
    assert done.json["status"] in ("approved", "active", "completed")
    assert api("finance").post(url, json={"organization": "UN", "date": "2025-03-01"}
                               ).status_code == 403


def test_an_admin_approval_for_another_organization_is_marked(api):
    x = api("admin", "UN").post(URL, json=body()).json
    response = api("admin", "UN").post(f"{URL}/{x['id']}/approvals",
                                       json={"organization": "INTERPOL", "date": "2025-03-01"})
    assert response.status_code == 201
    assert response.json["approvals"][0]["recorded_by_admin"] is True


def test_approval_needs_organization_and_date(api):
    x = api().post(URL, json=body()).json
    response = api().post(f"{URL}/{x['id']}/approvals", json={"organization": "UNODC"})
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"date"}
    response = api().post(f"{URL}/{x['id']}/approvals",
                          json={"organization": "UNODC", "date": "2025-01-01"})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "organization"


def test_overlap_is_refused_with_a_clear_message_and_nothing_stored(api):
    client = api()
    first = client.post(URL, json=body()).json
    response = client.post(URL, json=body(start_date="2025-09-30", end_date="2026-01-31",
                                          costs=[]))
    assert response.status_code == 422
    [error] = response.json["errors"]
    assert error["field"] == "start_date"
    assert f"already on exchange no. {first['id']}" in error["message"]
    assert stored() == 1
    assert client.post(URL, json=body(start_date="2025-10-01", end_date="2026-01-31",
                                      costs=[])).status_code == 201


@pytest.mark.parametrize(("overrides", "fields"), [
    ({"end_date": None}, {"end_date"}),
    ({"end_date": "2025-04-01", "costs": []}, {"end_date"}),
    ({"end_date": "2027-04-01"}, {"end_date"}),
    ({"host_organization": "INTERPOL"}, {"host_organization"}),
    ({"home_organization": "WHO"}, {"home_organization"}),
    ({"start_date": "1 April 2025"}, {"start_date"}),
    ({"staff_id": 42, "person_name": ""}, {"staff_id", "person_name"}),
    ({"arrangement": "SA-NONE"}, {"arrangement"}),
    ({"costs": "salary"}, {"costs"}),
    ({"costs": [{"category": "salary", "borne_by": "UN", "amount": 1000.5,
                 "currency": "USD"}]}, {"costs[0].amount"}),
    ({"costs": [{"category": "bonus", "borne_by": "UN", "amount": "-1",
                 "currency": "USD"}]}, {"costs[0].category", "costs[0].amount"}),
    ({"costs": [{"category": "travel", "borne_by": "UN", "amount": "10",
                 "currency": "USD", "period_start": "2026-01-01"}]}, {"costs[0].period_start"}),
    ({"costs": ["salary"]}, {"costs[0]"}),
])
def test_every_broken_rule_is_422_naming_the_field(api, overrides, fields):
    response = api().post(URL, json=body(**overrides))
    assert response.status_code == 422, response.json
    assert {e["field"] for e in response.json["errors"]} == fields
    assert all(e["message"] for e in response.json["errors"])
    assert stored() == 0


def test_malformed_json_is_400(api):
    response = api().post(URL, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert api().post(URL, json=["a list"]).status_code == 400


def test_no_token_is_401(client):
    assert client.get(URL).status_code == 401
    assert client.post(URL, json=body()).status_code == 401


@pytest.mark.parametrize("role", ["finance", "leadership"])
def test_roles_that_may_not_write_get_403(api, role):
    client = api(role)
    assert client.get(URL).status_code == 200
    assert client.post(URL, json=body()).status_code == 403
    assert stored() == 0


def test_unknown_exchange_is_404(api):
    client = api()
    assert client.get(f"{URL}/999").status_code == 404
    assert client.post(f"{URL}/999/approvals", json={"organization": "UN",
                                                     "date": "2025-01-01"}).status_code == 404
    assert client.put(f"{URL}/999", json=body()).status_code == 404
    x = client.post(URL, json=body()).json
    assert client.delete(f"{URL}/{x['id']}/costs/999").status_code == 404
    assert client.get(f"{URL}/costs?arrangement=SA-NONE").status_code == 404


def test_put_with_a_stale_version_is_409(api):
    client = api()
    x = client.post(URL, json=body()).json
    changed = client.put(f"{URL}/{x['id']}", json=edit(position="Senior liaison officer",
                                                        version=x["version"]))
    assert changed.status_code == 200 and changed.json["position"] == "Senior liaison officer"
    stale = client.put(f"{URL}/{x['id']}", json=edit(position="Analyst", version=x["version"]))
    assert stale.status_code == 409
    assert "Someone else changed" in stale.json["errors"][0]["message"]
    assert client.get(f"{URL}/{x['id']}").json["position"] == "Senior liaison officer"
    with_costs = client.put(f"{URL}/{x['id']}", json=body(version="1"))
    assert with_costs.status_code == 422
    assert {e["field"] for e in with_costs.json["errors"]} == {"version", "costs"}


def test_extension_cancellation_and_costs(api):
    client = api()
    x = client.post(URL, json=body(costs=[])).json
    extended = client.post(f"{URL}/{x['id']}/extensions",
                           json={"end_date": "2025-12-31", "reason": "Prolonged"})
    assert extended.status_code == 201
    assert extended.json["end_date"] == "2025-12-31"
    assert extended.json["extensions"][0]["old_end_date"] == "2025-09-30"
    too_long = client.post(f"{URL}/{x['id']}/extensions", json={"end_date": "2027-04-01"})
    assert too_long.status_code == 422 and too_long.json["errors"][0]["field"] == "end_date"
    cost = client.post(f"{URL}/{x['id']}/costs", json={
        "category": "travel", "borne_by": "UN", "amount": "850", "currency": "USD"})
    assert cost.status_code == 201 and cost.json["amount"] == "850.00"
    assert client.post(f"{URL}/{x['id']}/costs", json={
        "category": "travel", "borne_by": "UN", "amount": "0", "currency": "USD"}
    ).status_code == 422
    assert client.delete(f"{URL}/{x['id']}/costs/{cost.json['id']}").status_code == 204
    assert db.session.scalar(db.select(db.func.count()).select_from(ExchangeCostItem)) == 0
    assert client.post(f"{URL}/{x['id']}/cancellation", json={"reason": "Recalled"}
                       ).json["status"] == "cancelled"
    assert client.post(f"{URL}/{x['id']}/cancellation", json={}).status_code == 409
    assert client.post(f"{URL}/{x['id']}/costs", json={
        "category": "travel", "borne_by": "UN", "amount": "1", "currency": "USD"}
    ).status_code == 409


def test_totals_convert_into_each_organization_reporting_currency(api):
    db.session.add_all([ExchangeRate(currency="EUR", month="2025-04", rate=Decimal("0.9")),
                        ExchangeRate(currency="JPY", month="2025-04", rate=Decimal("150"))])
    db.session.commit()
    x = api().post(URL, json=body(costs=[
        {"category": "travel", "borne_by": "UN", "amount": "100.01", "currency": "EUR"},
        {"category": "insurance", "borne_by": "INTERPOL", "amount": "500", "currency": "USD"},
        {"category": "relocation", "borne_by": "INTERPOL", "amount": "150000",
         "currency": "JPY"},
        {"category": "other", "borne_by": "UN", "amount": "10", "currency": "EUR",
         "period_start": "2025-05-01"},
    ])).json
    # EUR->USD: 100.01 / 0.9 = 111.122.. ; USD->EUR: 500 * 0.9 ; JPY->EUR: 150000 * 0.9 / 150
    assert [c["reporting_amount"] for c in x["costs"]] == ["111.12", "450.00", "900.00", None]
    assert x["totals"] == [
        {"organization": "INTERPOL", "currency": "EUR", "amount": "1350.00", "items": 2,
         "complete": True},
        {"organization": "UN", "currency": "USD", "amount": "111.12", "items": 2,
         "complete": False}]
    report = api("leadership").get(f"{URL}/costs").json
    assert report["complete"] is False
    assert report["missing_rates"] == [{"currency": "EUR", "month": "2025-05"}]
    assert [t["amount"] for t in report["totals"]] == ["1350.00", "111.12"]


def test_the_openapi_document_lists_the_endpoints(api):
    spec = api("leadership").get("/api/v1/openapi.json").json
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/personnel-exchanges"])
    assert "post" in paths["/api/v1/personnel-exchanges/{id}/approvals"]
    schema = spec["components"]["schemas"]["PersonnelExchange"]
    assert {"staff_id", "start_date", "end_date"} <= set(schema["required"])
