"""The JSON API v1 contract for organizations, projects, arrangements and signatures."""

import pytest

from jointprojects.audit.models import AuditEntry
from jointprojects.projects.models import Project
from jointprojects.special_arrangements.models import SpecialArrangement

PROJECT = {
    "code": "P-1",
    "title": "Police training on environmental crime",
    "areas": ["b", "c"],
    "lead_organization": "INTERPOL",
    "start_date": "2025-01-01",
}
ARRANGEMENT = {
    "reference": "SA-1",
    "project": "P-1",
    "title": "Training modules",
    "kind": "joint_action",
    "parties": ["UN", "INTERPOL"],
    "currency": "USD",
    "start_date": "2025-01-01",
    "modalities": [
        {"organization": "UN", "role": "funding", "responsibilities": "Venue"},
        {"organization": "INTERPOL", "role": "lead", "responsibilities": "Trainers"},
    ],
    "shares": [
        {"organization": "UN", "percent": "55"},
        {"organization": "INTERPOL", "percent": "45"},
        {"organization": "UN", "category": "travel", "percent": "70"},
        {"organization": "INTERPOL", "category": "travel", "percent": "30"},
    ],
    "ceilings": [{"organization": "INTERPOL", "amount": "100000"}],
}


def errors_of(response):
    body = response.get_json()
    assert set(body) == {"errors"}
    assert all(set(e) == {"field", "message"} and e["message"] for e in body["errors"])
    return {e["field"]: e["message"] for e in body["errors"]}


@pytest.fixture()
def admin(api):
    return api("admin", "UN")


def test_no_token_or_a_bad_token_is_401(client, api):
    assert client.get("/api/v1/organizations").status_code == 401
    response = client.get("/api/v1/projects", headers={"Authorization": "Bearer jp_wrong"})
    assert response.status_code == 401
    assert errors_of(response) == {None: response.get_json()["errors"][0]["message"]}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_organizations_list_and_create(admin):
    response = admin.get("/api/v1/organizations")
    assert response.status_code == 200 and response.headers["X-Total-Count"] == "2"
    assert {"code": "UN", "name": "United Nations", "currency": "USD"} in response.get_json()
    created = admin.post(
        "/api/v1/organizations", {"code": "UNODC", "name": "UNODC", "currency": "USD"}
    )
    assert created.status_code == 201 and created.get_json()["code"] == "UNODC"
    assert (
        admin.post(
            "/api/v1/organizations", {"code": "UNODC", "name": "x", "currency": "USD"}
        ).status_code
        == 409
    )
    bad = admin.post("/api/v1/organizations", {"code": "X", "name": "", "currency": "ABC"})
    assert bad.status_code == 422 and {"name", "currency"} <= set(errors_of(bad))


def test_create_and_read_a_project(admin):
    response = admin.post("/api/v1/projects", PROJECT)
    assert response.status_code == 201
    body = response.get_json()
    assert body["areas"] == ["b", "c"] and body["lead_organization"] == "INTERPOL"
    assert body["status"] == "planned" and body["end_date"] is None
    assert admin.get("/api/v1/projects/P-1").get_json() == body
    listing = admin.get("/api/v1/projects")
    assert listing.headers["X-Total-Count"] == "1" and listing.get_json()[0]["code"] == "P-1"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({**PROJECT, "code": None}, 422, "code"),
        ({**PROJECT, "start_date": "2025-13-01"}, 422, "start_date"),
        ({**PROJECT, "start_date": 20250101}, 422, "start_date"),
        ({**PROJECT, "title": ["list"]}, 422, "title"),
        ({**PROJECT, "areas": ["z"]}, 422, "areas[0]"),
        ({**PROJECT, "areas": "b"}, 422, "areas"),
        ({**PROJECT, "lead_organization": "NOPE"}, 422, "lead_organization"),
        ({**PROJECT, "end_date": "2024-01-01"}, 422, "end_date"),
    ],
)
def test_project_validation_names_the_field(admin, db, body, status, field):
    response = admin.post("/api/v1/projects", body)
    assert response.status_code == status
    assert field in errors_of(response)
    assert db.session.query(Project).count() == 0


def test_malformed_json_is_400_and_stores_nothing(admin, db):
    response = admin.client.post(
        "/api/v1/projects",
        data="{not json",
        headers={**admin._headers(), "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and errors_of(response)
    assert admin.post("/api/v1/projects", ["a", "list"]).status_code == 400
    assert db.session.query(Project).count() == 0


def test_duplicate_project_is_409(admin):
    assert admin.post("/api/v1/projects", PROJECT).status_code == 201
    response = admin.post("/api/v1/projects", PROJECT)
    assert response.status_code == 409 and "code" in errors_of(response)


def test_unknown_references_are_404(admin):
    assert admin.get("/api/v1/projects/NOPE").status_code == 404
    assert admin.get("/api/v1/arrangements/NOPE").status_code == 404
    response = admin.post(
        "/api/v1/arrangements/NOPE/signatures", {"organization": "UN", "date": "2025-01-01"}
    )
    assert response.status_code == 404 and errors_of(response)
    assert admin.get("/api/v1/no-such-thing").status_code == 404


def test_arrangement_lifecycle_through_the_api(api, db):
    admin = api("admin", "UN")
    admin.post("/api/v1/projects", PROJECT)
    created = admin.post("/api/v1/arrangements", ARRANGEMENT)
    assert created.status_code == 201
    body = created.get_json()
    assert body["status"] == "draft" and body["entry_into_force"] is None
    assert body["versions"][0]["shares"][2] == {
        "organization": "UN",
        "category": "travel",
        "percent": "70",
    }
    assert body["versions"][0]["ceilings"] == [{"organization": "INTERPOL", "amount": "100000.00"}]
    un, interpol = api("programme_manager", "UN"), api("programme_manager", "INTERPOL")
    forbidden = un.post(
        "/api/v1/arrangements/SA-1/signatures", {"organization": "INTERPOL", "date": "2025-01-06"}
    )
    assert forbidden.status_code == 403 and "INTERPOL" in errors_of(forbidden)["organization"]
    first = un.post(
        "/api/v1/arrangements/SA-1/signatures", {"organization": "UN", "date": "2025-01-03"}
    )
    assert first.status_code == 201 and first.get_json()["status"] == "draft"
    again = un.post(
        "/api/v1/arrangements/SA-1/signatures", {"organization": "UN", "date": "2025-01-03"}
    )
    assert again.status_code == 409
    last = interpol.post(
        "/api/v1/arrangements/SA-1/signatures", {"organization": "INTERPOL", "date": "2025-01-06"}
    )
    assert last.status_code == 201
    read = admin.get("/api/v1/arrangements/SA-1").get_json()
    assert read["status"] == "in_force" and read["entry_into_force"] == "2025-01-06"
    assert [s["organization"] for s in read["signatures"]] == ["UN", "INTERPOL"]
    listing = admin.get("/api/v1/arrangements?per_page=1&page=1")
    assert listing.headers["X-Total-Count"] == "1" and len(listing.get_json()) == 1


def test_arrangement_with_shares_not_summing_to_100_is_422_and_nothing_is_stored(admin, db):
    admin.post("/api/v1/projects", PROJECT)
    body = {
        **ARRANGEMENT,
        "shares": [
            {"organization": "UN", "percent": "55"},
            {"organization": "INTERPOL", "percent": "40"},
        ],
    }
    response = admin.post("/api/v1/arrangements", body)
    assert response.status_code == 422
    assert "95.00" in errors_of(response)["shares"]
    assert db.session.query(SpecialArrangement).count() == 0
    assert db.session.query(AuditEntry).filter_by(entity="special_arrangement").count() == 0


def test_percent_as_a_float_is_refused(admin):
    admin.post("/api/v1/projects", PROJECT)
    body = {
        **ARRANGEMENT,
        "shares": [
            {"organization": "UN", "percent": 55.5},
            {"organization": "INTERPOL", "percent": "44.5"},
        ],
    }
    response = admin.post("/api/v1/arrangements", body)
    assert response.status_code == 422 and "shares[0].percent" in errors_of(response)


def test_pagination_parameters_are_checked(admin):
    assert admin.get("/api/v1/projects?per_page=1001").status_code == 422
    assert admin.get("/api/v1/projects?page=0").status_code == 422
    assert admin.get("/api/v1/projects?page=x").status_code == 422


def test_openapi_document_lists_the_endpoints(admin):
    spec = admin.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3")
    for path in (
        "/api/v1/organizations",
        "/api/v1/projects",
        "/api/v1/arrangements",
        "/api/v1/arrangements/{reference}/signatures",
    ):
        assert path in spec["paths"]
    assert "post" in spec["paths"]["/api/v1/arrangements"]


def test_the_api_reports_the_status_as_it_stands_today(api, make_arrangement):
    from datetime import date

    sa = make_arrangement(start_date=date(2023, 3, 1), end_date=date(2024, 12, 31))
    admin = api("admin")
    body = admin.get(f"/api/v1/arrangements/{sa.reference}").get_json()
    assert body["status"] == "expired"
    listed = admin.get("/api/v1/arrangements?status=expired").get_json()
    assert [a["reference"] for a in listed] == [sa.reference]
    assert admin.get("/api/v1/arrangements?status=in_force").get_json() == []


def test_a_json_body_that_is_not_an_object_is_refused_with_a_clear_message(admin):
    response = admin.post("/api/v1/projects", ["a", "list"])
    assert response.status_code == 400
    assert "JSON object" in response.get_json()["errors"][0]["message"]


def test_codes_and_references_are_unique_whatever_their_case(admin):
    assert admin.post("/api/v1/projects", PROJECT).status_code == 201
    assert admin.post("/api/v1/projects", {**PROJECT, "code": "p-1"}).status_code == 409
    assert admin.post("/api/v1/arrangements", ARRANGEMENT).status_code == 201
    clash = admin.post("/api/v1/arrangements", {**ARRANGEMENT, "reference": "sa-1"})
    assert clash.status_code == 409
