"""The JSON API of expenses, exchange rates, budgets and the cost split (API.md)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

from jointprojects.extensions import db
from jointprojects.special_arrangements.services import CeilingData
from tests.conftest import ApiClient

BASE = "/api/v1/arrangements"


def body(**overrides):  # type: ignore[no-untyped-def]
    data = {"date": "2025-02-03", "category": "training", "description": "Trainer travel",
            "amount": "100.00", "currency": "USD", "paid_by": "UN",
            "document_reference": "INV-001"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def errors(response):  # type: ignore[no-untyped-def]
    return {e["field"]: e["message"] for e in response.get_json()["errors"]}


@pytest.fixture()
def sa(make_arrangement):  # type: ignore[no-untyped-def]
    return make_arrangement()


@pytest.fixture()
def fin(api):  # type: ignore[no-untyped-def]
    return api("finance", "UN")


def test_recording_an_expense_answers_its_allocation(sa, fin):
    r = fin.post(f"{BASE}/{sa.reference}/expenses",
                 json=body(amount="500.00", currency="EUR", exchange_rate="0.8",
                           paid_by="INTERPOL"))
    assert r.status_code == 201, r.get_json()
    e = r.get_json()
    assert e["reporting_amount"] == "625.00" and e["amount"] == "500.00"
    assert e["exchange_rate"] == "0.8" and e["rate_source"] == "given"
    assert e["allocation"] == [{"organization": "UN", "amount": "343.75"},
                               {"organization": "INTERPOL", "amount": "281.25"}]
    assert e["unallocated"] == "0.00" and e["share_version"] == 1 and e["version"] == 1
    assert (e["date"], e["category"], e["paid_by"], e["document_reference"]) == (
        "2025-02-03", "training", "INTERPOL", "INV-001")
    assert isinstance(e["id"], int)
    again = fin.get(f"{BASE}/{sa.reference}/expenses/{e['id']}").get_json()
    assert {k: again[k] for k in e if k != "budget_warnings"} == {
        k: e[k] for k in e if k != "budget_warnings"}


def test_the_months_rate_is_entered_then_used(sa, fin):
    r = fin.put("/api/v1/exchange-rates/JPY/2025-02", json={"rate": "151.25",
                                                            "source": "UN treasury"})
    assert r.status_code == 200
    assert r.get_json()["rate"] == "151.25" and r.get_json()["source"] == "UN treasury"
    r = fin.post(f"{BASE}/{sa.reference}/expenses", json=body(currency="JPY", amount="30250"))
    assert r.status_code == 201
    assert r.get_json()["reporting_amount"] == "200.00"
    assert r.get_json()["rate_source"] == "table"
    listed = fin.get("/api/v1/exchange-rates?currency=JPY")
    assert listed.headers["X-Total-Count"] == "1"
    assert listed.get_json()[0]["entered_by"].startswith("finance.un")


def test_a_missing_rate_is_a_422_naming_currency_and_month(sa, fin):
    r = fin.post(f"{BASE}/{sa.reference}/expenses", json=body(currency="EUR"))
    assert r.status_code == 422
    assert "EUR" in errors(r)["exchange_rate"] and "2025-02" in errors(r)["exchange_rate"]
    assert fin.get(f"{BASE}/{sa.reference}/expenses").headers["X-Total-Count"] == "0"


def test_bad_fields_are_named_together(sa, fin):
    r = fin.post(f"{BASE}/{sa.reference}/expenses", json={
        "date": "03/02/2025", "category": "food", "amount": 12.5, "currency": "EURO",
        "paid_by": "UNODC"})
    assert r.status_code == 422
    e = errors(r)
    assert set(e) >= {"date", "category", "amount", "currency", "paid_by"}
    assert "floating-point" in e["amount"]


def test_jpy_amount_with_decimals_and_a_zero_amount_are_refused(make_arrangement, fin):
    sa = make_arrangement(currency="JPY")
    r = fin.post(f"{BASE}/{sa.reference}/expenses", json=body(currency="JPY", amount="10.5"))
    assert r.status_code == 422 and "0 decimals" in errors(r)["amount"]
    r = fin.post(f"{BASE}/{sa.reference}/expenses", json=body(currency="JPY", amount="1001"))
    assert [a["amount"] for a in r.get_json()["allocation"]] == ["551", "450"]


def test_a_refund_is_allocated_negated(sa, fin):
    r = fin.post(f"{BASE}/{sa.reference}/expenses", json=body(amount="-100.01"))
    assert r.status_code == 201
    assert [a["amount"] for a in r.get_json()["allocation"]] == ["-55.01", "-45.00"]


def test_the_list_is_ordered_paginated_filtered_and_counted(sa, fin):
    for day, category, payer in [("2025-03-01", "travel", "UN"),
                                 ("2025-02-01", "travel", "INTERPOL"),
                                 ("2025-03-01", "equipment", "UN"),
                                 ("2025-04-01", "travel", "UN")]:
        assert fin.post(f"{BASE}/{sa.reference}/expenses", json=body(
            date=day, category=category, paid_by=payer)).status_code == 201
    r = fin.get(f"{BASE}/{sa.reference}/expenses?per_page=2&page=1")
    assert r.headers["X-Total-Count"] == "4"
    assert [(e["date"], e["category"]) for e in r.get_json()] == [
        ("2025-02-01", "travel"), ("2025-03-01", "travel")]
    r = fin.get(f"{BASE}/{sa.reference}/expenses?per_page=2&page=2")
    assert [(e["date"], e["category"]) for e in r.get_json()] == [
        ("2025-03-01", "equipment"), ("2025-04-01", "travel")]
    assert all(len(e["allocation"]) == 2 for e in r.get_json())
    r = fin.get(f"{BASE}/{sa.reference}/expenses?from=2025-03-01&to=2025-03-31&category=travel")
    assert r.headers["X-Total-Count"] == "1"
    r = fin.get(f"{BASE}/{sa.reference}/expenses?paid_by=INTERPOL")
    assert [e["date"] for e in r.get_json()] == ["2025-02-01"]


def test_the_list_loads_the_parts_in_a_constant_number_of_queries(sa, fin, app):
    def queries_for(n: int) -> int:
        statements: list[str] = []

        def count(*args):  # type: ignore[no-untyped-def]
            statements.append(args[2])

        engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert fin.get(f"{BASE}/{sa.reference}/expenses?per_page={n}").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    for _ in range(12):
        fin.post(f"{BASE}/{sa.reference}/expenses", json=body())
    assert queries_for(2) == queries_for(12)


def test_an_edit_with_the_version_read_succeeds_and_a_stale_one_is_409(sa, fin):
    created = fin.post(f"{BASE}/{sa.reference}/expenses", json=body()).get_json()
    url = f"{BASE}/{sa.reference}/expenses/{created['id']}"
    r = fin.put(url, json=body(amount="200.00", version=created["version"]))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["version"] == 2
    assert [a["amount"] for a in r.get_json()["allocation"]] == ["110.00", "90.00"]
    stale = fin.put(url, json=body(amount="300.00", version=created["version"]))
    assert stale.status_code == 409
    assert "Someone else changed" in stale.get_json()["errors"][0]["message"]
    assert fin.get(url).get_json()["amount"] == "200.00"
    missing = fin.put(url, json=body(amount="300.00", category="food"))
    assert missing.status_code == 422 and {"version", "category"} <= set(errors(missing))


def test_delete_checks_the_version_then_removes(sa, fin):
    created = fin.post(f"{BASE}/{sa.reference}/expenses", json=body()).get_json()
    url = f"{BASE}/{sa.reference}/expenses/{created['id']}"
    assert fin.delete(f"{url}?version=7").status_code == 409
    assert fin.delete(f"{url}?version=x").status_code == 422
    assert fin.delete(f"{url}?version=1").status_code == 204
    assert fin.get(url).status_code == 404
    assert fin.delete(url).status_code == 404


def test_unknown_references_are_404(sa, fin, make_arrangement):
    other = make_arrangement()
    created = fin.post(f"{BASE}/{other.reference}/expenses", json=body()).get_json()
    assert fin.get(f"{BASE}/NOPE/expenses").status_code == 404
    assert fin.post(f"{BASE}/NOPE/expenses", json=body()).status_code == 404
    assert fin.get(f"{BASE}/NOPE/cost-split").status_code == 404
    assert fin.get(f"{BASE}/{sa.reference}/expenses/999999").status_code == 404
    # an expense is only reachable under its own arrangement
    assert fin.get(f"{BASE}/{sa.reference}/expenses/{created['id']}").status_code == 404
    assert fin.put(f"{BASE}/{sa.reference}/expenses/{created['id']}",
                   json=body(version=1)).status_code == 404


def test_a_draft_arrangement_refuses_expenses_with_409(make_arrangement, fin):
    draft = make_arrangement(signed=False)
    r = fin.post(f"{BASE}/{draft.reference}/expenses", json=body())
    assert r.status_code == 409 and "not in force" in r.get_json()["errors"][0]["message"]


def test_malformed_json_is_400(sa, fin):
    for method, url in [("post", f"{BASE}/{sa.reference}/expenses"),
                        ("put", "/api/v1/exchange-rates/EUR/2025-01"),
                        ("put", f"{BASE}/{sa.reference}/budgets")]:
        r = getattr(fin.client, method)(url, data="{not json", headers={
            **fin._headers(), "Content-Type": "application/json"})
        assert r.status_code == 400, url
        assert r.get_json()["errors"][0]["field"] is None


def test_query_parameters_are_validated(sa, fin):
    r = fin.get(f"{BASE}/{sa.reference}/cost-split?from=2025-13-01")
    assert r.status_code == 422 and "from" in errors(r)
    r = fin.get(f"{BASE}/{sa.reference}/cost-split?from=2025-05-01&to=2025-04-01")
    assert r.status_code == 422 and "to" in errors(r)
    assert fin.get(f"{BASE}/{sa.reference}/expenses?per_page=0").status_code == 422
    assert fin.get(f"{BASE}/{sa.reference}/expenses?to=yesterday").status_code == 422


def test_a_bad_rate_is_422(fin):
    r = fin.put("/api/v1/exchange-rates/EUR/2025-13", json={"rate": "-1"})
    assert r.status_code == 422 and {"month", "rate"} <= set(errors(r))
    r = fin.put("/api/v1/exchange-rates/EUR/2025-01", json={})
    assert r.status_code == 422 and "rate" in errors(r)
    r = fin.put("/api/v1/exchange-rates/USD/2025-01", json={"rate": "1"})
    assert r.status_code == 422 and "currency" in errors(r)


ENDPOINTS = [
    ("put", "/api/v1/exchange-rates/EUR/2025-01", {"rate": "0.9"}),
    ("get", "/api/v1/exchange-rates", None),
    ("post", "{base}/expenses", body()),
    ("get", "{base}/expenses", None),
    ("get", "{base}/expenses/{id}", None),
    ("put", "{base}/expenses/{id}", body(version=1)),
    ("delete", "{base}/expenses/{id}", None),
    ("get", "{base}/cost-split", None),
    ("get", "{base}/budgets", None),
    ("put", "{base}/budgets", {"category": "travel", "year": 2025, "amount": "100"}),
]


@pytest.fixture()
def one_expense(sa, api):  # type: ignore[no-untyped-def]
    return api("admin").post(f"{BASE}/{sa.reference}/expenses", json=body()).get_json()


@pytest.mark.parametrize(("method", "url", "json"), ENDPOINTS)
def test_every_endpoint_needs_a_token(sa, one_expense, api, method, url, json):
    client = ApiClient(api("admin").client, "")  # no Authorization header at all
    url = url.format(base=f"{BASE}/{sa.reference}", id=one_expense["id"])
    kwargs = {"json": json} if json is not None else {}
    r = getattr(client, method)(url, **kwargs)
    assert r.status_code == 401
    bad = ApiClient(client.client, "not-a-token")
    assert getattr(bad, method)(url, **kwargs).status_code == 401


WRITES = {("put", "/api/v1/exchange-rates/EUR/2025-01"): {"finance"},
          ("post", "{base}/expenses"): {"finance"},
          ("put", "{base}/expenses/{id}"): {"finance"},
          ("delete", "{base}/expenses/{id}"): {"finance"},
          ("put", "{base}/budgets"): {"finance", "programme_manager"}}


@pytest.mark.parametrize("role", ["leadership", "programme_manager", "finance"])
@pytest.mark.parametrize(("method", "url", "json"), ENDPOINTS)
def test_roles_are_checked_on_every_endpoint(sa, one_expense, api, role, method, url, json):
    client = api(role, "INTERPOL")
    allowed = WRITES.get((method, url), {"leadership", "programme_manager", "finance"})
    url = url.format(base=f"{BASE}/{sa.reference}", id=one_expense["id"])
    r = getattr(client, method)(url, **({"json": json} if json is not None else {}))
    if role in allowed:
        assert r.status_code in (200, 201, 204), (r.status_code, r.get_data(as_text=True))
    else:
        assert r.status_code == 403
        assert r.get_json()["errors"][0]["message"] == "Your role does not allow this action."


def test_the_cost_split_shape_and_figures(sa, fin):
    fin.post(f"{BASE}/{sa.reference}/expenses", json=body(amount="1000.00", paid_by="UN"))
    fin.post(f"{BASE}/{sa.reference}/expenses",
             json=body(amount="200.00", paid_by="INTERPOL", date="2025-03-15"))
    r = fin.get(f"{BASE}/{sa.reference}/cost-split")
    assert r.status_code == 200
    assert r.get_json() == {
        "currency": "USD", "from": None, "to": None, "total": "1200.00",
        "unallocated": "0.00", "expense_count": 2,
        "organizations": [
            {"organization": "UN", "share": "660.00", "paid": "1000.00", "balance": "340.00"},
            {"organization": "INTERPOL", "share": "540.00", "paid": "200.00",
             "balance": "-340.00"}],
        "settlements": [{"from": "INTERPOL", "to": "UN", "amount": "340.00"}],
    }
    march = fin.get(f"{BASE}/{sa.reference}/cost-split?from=2025-03-01&to=2025-03-31")
    assert march.get_json()["total"] == "200.00"
    assert march.get_json()["settlements"] == [
        {"from": "UN", "to": "INTERPOL", "amount": "110.00"}]


def test_ceilings_show_as_unallocated(make_arrangement, fin):
    sa = make_arrangement(ceilings=[CeilingData("UN", "55.00"), CeilingData("INTERPOL", "45.00")])
    fin.post(f"{BASE}/{sa.reference}/expenses", json=body())
    r = fin.post(f"{BASE}/{sa.reference}/expenses", json=body(amount="10.00"))
    assert r.get_json()["unallocated"] == "10.00"
    assert [a["amount"] for a in r.get_json()["allocation"]] == ["0.00", "0.00"]
    split = fin.get(f"{BASE}/{sa.reference}/cost-split").get_json()
    assert split["unallocated"] == "10.00" and split["total"] == "110.00"


def test_amendment_by_consent_changes_the_parts_after_the_last_consent(sa, api, fin):
    pm_un, pm_ip = api("programme_manager", "UN"), api("programme_manager", "INTERPOL")
    created = fin.post(f"{BASE}/{sa.reference}/expenses",
                       json=body(date="2025-04-10")).get_json()
    url = f"{BASE}/{sa.reference}/expenses/{created['id']}"
    r = pm_un.post(f"{BASE}/{sa.reference}/amendments", json={
        "effective_date": "2025-03-01", "reason": "INTERPOL takes the larger share",
        "shares": [{"organization": "UN", "percent": "40"},
                   {"organization": "INTERPOL", "percent": "60"}]})
    assert r.status_code == 201
    number = r.get_json()["number"]
    consents = f"{BASE}/{sa.reference}/amendments/{number}/consents"
    assert pm_un.post(consents, json={"organization": "UN", "date": "2025-05-01"}).status_code \
        == 201
    assert [a["amount"] for a in fin.get(url).get_json()["allocation"]] == ["55.00", "45.00"]
    assert pm_ip.post(consents, json={"organization": "INTERPOL",
                                      "date": "2025-05-02"}).status_code == 201
    after = fin.get(url).get_json()
    assert [a["amount"] for a in after["allocation"]] == ["40.00", "60.00"]
    assert after["share_version"] == 2
    split = fin.get(f"{BASE}/{sa.reference}/cost-split").get_json()
    assert [o["share"] for o in split["organizations"]] == ["40.00", "60.00"]


def test_after_termination_later_expenses_are_refused(sa, api, fin):
    pm = api("programme_manager", "UN")
    r = pm.post(f"{BASE}/{sa.reference}/termination",
                json={"organization": "UN", "notice_date": "2025-06-15"})
    assert r.get_json()["effective_date"] == "2025-12-15"
    ok = fin.post(f"{BASE}/{sa.reference}/expenses", json=body(date="2025-12-14"))
    assert ok.status_code == 201
    refused = fin.post(f"{BASE}/{sa.reference}/expenses", json=body(date="2025-12-15"))
    assert refused.status_code == 422 and "2025-12-15" in errors(refused)["date"]


def test_budgets_and_the_overrun_flag(sa, fin):
    r = fin.put(f"{BASE}/{sa.reference}/budgets",
                json={"category": "training", "year": 2025, "amount": "150.00"})
    assert r.status_code == 200 and r.get_json()["budget"] == "150.00"
    first = fin.post(f"{BASE}/{sa.reference}/expenses", json=body()).get_json()
    second = fin.post(f"{BASE}/{sa.reference}/expenses", json=body()).get_json()
    assert first["over_budget"] is False and first["budget_warnings"] == []
    assert second["over_budget"] is True and "200.00" in second["budget_warnings"][0]
    listed = fin.get(f"{BASE}/{sa.reference}/expenses").get_json()
    assert [e["over_budget"] for e in listed] == [False, True]
    lines = fin.get(f"{BASE}/{sa.reference}/budgets").get_json()
    assert lines == [{"id": lines[0]["id"], "category": "training", "year": 2025,
                      "organization": None, "budget": "150.00", "actual": "200.00",
                      "remaining": "-50.00", "over": True, "note": ""}]
    bad = fin.put(f"{BASE}/{sa.reference}/budgets",
                  json={"category": "x", "year": "y", "amount": "-1", "organization": "ZZ"})
    assert bad.status_code == 422
    assert set(errors(bad)) == {"category", "year", "amount", "organization"}


def test_the_openapi_document_lists_the_endpoints(fin):
    paths = fin.get("/api/v1/openapi.json").get_json()["paths"]
    assert "put" in paths["/api/v1/exchange-rates/{currency}/{month}"]
    assert {"get", "post"} <= set(paths["/api/v1/arrangements/{reference}/expenses"])
    assert {"get", "put", "delete"} <= set(paths["/api/v1/arrangements/{reference}/expenses/{id}"])
    assert "get" in paths["/api/v1/arrangements/{reference}/cost-split"]


def test_expenses_of_a_date_are_taken_in_recording_order(make_arrangement, fin):
    sa = make_arrangement(ceilings=[CeilingData("INTERPOL", "50.00")])
    ids = [fin.post(f"{BASE}/{sa.reference}/expenses", json=body()).get_json()["id"]
           for _ in range(2)]
    listed = fin.get(f"{BASE}/{sa.reference}/expenses").get_json()
    assert [e["id"] for e in listed] == ids
    assert [e["allocation"][1]["amount"] for e in listed] == ["45.00", "5.00"]
    assert date.fromisoformat(listed[0]["date"]) == date(2025, 2, 3)


def test_kwd_keeps_three_decimals_through_conversion_and_allocation(make_arrangement, fin):
    sa = make_arrangement(currency="KWD")
    r = fin.post(f"{BASE}/{sa.reference}/expenses", json=body(currency="KWD", amount="10.001"))
    assert r.get_json()["reporting_amount"] == "10.001"
    assert [a["amount"] for a in r.get_json()["allocation"]] == ["5.501", "4.500"]
    assert fin.put("/api/v1/exchange-rates/KWD/2025-02", json={"rate": "0.3071"}).status_code \
        == 200
    r = fin.post(f"{BASE}/{sa.reference}/expenses", json=body(currency="USD", amount="100.00"))
    assert (r.get_json()["exchange_rate"], r.get_json()["reporting_amount"]) == (
        "3.2562683165", "30.710")
    split = fin.get(f"{BASE}/{sa.reference}/cost-split").get_json()
    assert split["total"] == "40.711"
    assert [o["share"] for o in split["organizations"]] == ["22.392", "18.319"]
    r = fin.post(f"{BASE}/{sa.reference}/expenses", json=body(currency="KWD", amount="1.0001"))
    assert r.status_code == 422 and "3 decimals" in errors(r)["amount"]
