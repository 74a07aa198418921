"""GET /api/v1/dashboard: the same figures as the page, decimals as strings."""

from __future__ import annotations

import re


def test_the_json_twin_gives_the_figures_with_money_as_strings(api, portfolio):
    response = api("leadership").get("/api/v1/dashboard")
    assert response.status_code == 200
    data = response.get_json()
    assert data["projects"]["total"] == 3
    assert data["arrangements"]["in_force"] == 6
    assert data["arrangements"]["awaiting_signature"] == {
        "total": 2, "partly_signed": 1, "unsigned": 1, "partly_signed_items": [
            {"reference": "A6", "title": "Training modules",
             "awaited": "Awaiting INTERPOL's signature"}]}
    assert data["arrangements"]["signed"] == 0
    assert [m["currency"] for m in data["money"]] == ["EUR", "USD"]
    usd = data["money"][1]
    assert usd["spend"] == "120.00" and usd["budget"] == "2499.00"
    assert all(isinstance(p[k], str) for p in usd["parties"]
               for k in ("budget", "share", "paid", "balance"))
    assert data["personnel"]["on_exchange_today"] == 0


def test_the_filters_are_query_parameters(api, portfolio):
    client = api("finance", "UNODC")  # another organization's portfolio is not INTERPOL's
    data = client.get("/api/v1/dashboard?from=2025-02&to=2025-12&organization=UNODC").get_json()
    assert data["filters"] == {"from": "2025-02", "to": "2025-12", "organization": "UNODC",
                               "area": None}
    assert data["arrangements"]["total"] == 1 and data["money"] == []


def test_bad_filters_are_422_with_errors_naming_them(api):
    response = api("leadership").get("/api/v1/dashboard?from=June&area=z")
    assert response.status_code == 422
    assert {e["field"] for e in response.get_json()["errors"]} == {"from", "area"}


def test_no_token_is_401(client):
    assert client.get("/api/v1/dashboard").status_code == 401


def test_it_is_in_the_openapi_document(api):
    doc = api("leadership").get("/api/v1/openapi.json").get_json()
    assert "get" in doc["paths"]["/api/v1/dashboard"]


def test_the_page_and_the_api_show_the_same_amounts(api, login, make_user, portfolio):
    """Figures that match to the cent: every money string of the JSON is on the page."""
    data = api("leadership").get("/api/v1/dashboard").get_json()
    html = login(make_user("leadership")).get("/").get_data(as_text=True)
    page = re.sub(r'<script type="application/json".*?</script>', "", html, flags=re.S)
    for m in data["money"]:
        for key in ("budget", "spend", "remaining"):
            whole, _, cents = m[key].partition(".")
            assert f"{int(whole):,}.{cents} {m['currency']}" in page
