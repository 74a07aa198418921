"""The published OpenAPI document: generated from the routes, a superset of API.md."""

import re

import pytest

#: The endpoints of API.md that the application serves today (statements, payments,
#: documents, evidence and jobs come with their features).
CONTRACT = [
    ("get", "/api/v1/organizations"),
    ("post", "/api/v1/organizations"),
    ("get", "/api/v1/projects"),
    ("get", "/api/v1/projects/{code}"),
    ("post", "/api/v1/projects"),
    ("get", "/api/v1/arrangements"),
    ("get", "/api/v1/arrangements/{reference}"),
    ("post", "/api/v1/arrangements"),
    ("post", "/api/v1/arrangements/{reference}/signatures"),
    ("post", "/api/v1/arrangements/{reference}/amendments"),
    ("post", "/api/v1/arrangements/{reference}/amendments/{number}/consents"),
    ("post", "/api/v1/arrangements/{reference}/termination"),
    ("put", "/api/v1/exchange-rates/{currency}/{month}"),
    ("post", "/api/v1/arrangements/{reference}/expenses"),
    ("get", "/api/v1/arrangements/{reference}/expenses"),
    ("get", "/api/v1/arrangements/{reference}/cost-split"),
    ("get", "/api/v1/arrangements/{reference}/cost-report.xlsx"),
    ("post", "/api/v1/personnel-exchanges"),
    ("get", "/api/v1/personnel-exchanges"),
    ("get", "/api/v1/dashboard"),
]


@pytest.fixture()
def spec(api):
    response = api("leadership").get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([A-Za-z_]\w*)>", r"{\1}", rule)


def test_every_api_route_is_in_the_document(app, spec):
    routes = {
        (method.lower(), _openapi_path(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    assert len(routes) > 30
    assert routes - documented == set()
    assert documented - routes == set()


def test_the_document_covers_the_contract(spec):
    documented = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    assert [e for e in CONTRACT if e not in documented] == []


def test_list_endpoints_document_their_paging_and_their_422(spec):
    lists = [(p, op) for p, ops in spec["paths"].items() for m, op in ops.items()
             if m == "get" and "X-Total-Count" in op["responses"]["200"].get("headers", {})]
    assert {p for p, _ in lists} >= {
        "/api/v1/organizations", "/api/v1/projects", "/api/v1/arrangements",
        "/api/v1/arrangements/{reference}/expenses", "/api/v1/personnel-exchanges",
        "/api/v1/exchange-rates"}
    for path, op in lists:
        names = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
        if path != "/api/v1/organizations" and not path.endswith("/budgets"):
            assert {"page", "per_page"} <= names, path
        assert op["responses"]["422"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"}
    expenses = spec["paths"]["/api/v1/arrangements/{reference}/expenses"]["get"]
    assert {"from", "to"} <= {p["name"] for p in expenses["parameters"]}
    split = spec["paths"]["/api/v1/arrangements/{reference}/cost-split"]["get"]
    assert "422" in split["responses"]


def test_request_bodies_come_from_the_schemas_nested_ones_included(spec):
    schemas = spec["components"]["schemas"]
    body = spec["paths"]["/api/v1/arrangements"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    arrangement = schemas[ref]
    assert {"reference", "project", "parties", "shares"} <= set(arrangement["required"])
    share = schemas[arrangement["properties"]["shares"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert share["properties"]["percent"]["type"] == "string"
    assert set(share["required"]) == {"organization", "percent"}
    modality = arrangement["properties"]["modalities"]["items"]["$ref"].rsplit("/", 1)[1]
    assert schemas[modality]["properties"]["role"]["type"] == "string"


def test_responses_document_exactly_the_keys_answered(api, spec, make_arrangement):
    """A response schema forbids keys it does not declare, and requires those it does: a
    field added to an answer without its schema fails schemathesis and this test."""
    sa = make_arrangement()
    read = api("admin").get(f"/api/v1/arrangements/{sa.reference}").get_json()
    op = spec["paths"]["/api/v1/arrangements/{reference}"]["get"]
    ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(read) == set(schema["properties"])


def test_the_document_needs_a_token(client):
    assert client.get("/api/v1/openapi.json").status_code == 401
