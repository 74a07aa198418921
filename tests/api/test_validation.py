"""Every input field is validated, nested ones too, with its path; nothing is stored."""

import pytest

from jointprojects.personnel_exchanges.models import PersonnelExchange
from jointprojects.special_arrangements.models import SpecialArrangement

PROJECT = {"code": "P-1", "title": "Training", "areas": ["b"], "lead_organization": "UN",
           "start_date": "2025-01-01"}
ARRANGEMENT = {
    "reference": "SA-1", "project": "P-1", "title": "Modules", "kind": "joint_action",
    "parties": ["UN", "INTERPOL"], "currency": "USD", "start_date": "2025-01-01",
    "modalities": [{"organization": "UN", "role": "funding", "responsibilities": "Venue"},
                   {"organization": "INTERPOL", "role": "lead"}],
    "shares": [{"organization": "UN", "percent": "55"},
               {"organization": "INTERPOL", "percent": "45"}],
    "ceilings": [{"organization": "INTERPOL", "amount": "1000"}],
}


def errors_of(response):
    assert response.status_code == 422, response.get_json()
    return {e["field"]: e["message"] for e in response.get_json()["errors"]}


@pytest.fixture()
def admin(api):
    client = api("admin", "UN")
    assert client.post("/api/v1/projects", PROJECT).status_code == 201
    return client


def _with(**changes):
    body = {k: [dict(i) for i in v] if isinstance(v, list) and v and isinstance(v[0], dict)
            else v for k, v in ARRANGEMENT.items()}
    for path, value in changes.items():
        key, index, field = path.split("__")
        body[key][int(index)][field] = value
    return body


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"modalities__1__role": 5}, "modalities[1].role", "must be a string"),
    ({"modalities__1__responsibilities": "x" * 5001}, "modalities[1].responsibilities",
     "at most 5000"),
    ({"modalities__0__organization": ["UN"]}, "modalities[0].organization", "string"),
    ({"shares__1__percent": 45.0}, "shares[1].percent", "floating-point"),
    ({"shares__1__percent": "forty"}, "shares[1].percent", "not a number"),
    ({"shares__0__category": {"a": 1}}, "shares[0].category", "must be a string"),
    ({"ceilings__0__amount": True}, "ceilings[0].amount", "number written as a string"),
])
def test_a_bad_nested_value_is_named_by_its_path_and_nothing_is_stored(admin, db, changes,
                                                                       field, words):
    errors = errors_of(admin.post("/api/v1/arrangements", _with(**changes)))
    assert field in errors and words in errors[field]
    assert db.session.query(SpecialArrangement).count() == 0


def test_shape_errors_and_the_services_rules_come_in_one_answer(admin, db):
    body = _with(modalities__1__role=5)
    body["shares"] = [{"organization": "UN", "percent": "55"},
                      {"organization": "INTERPOL", "percent": "40"}]
    errors = errors_of(admin.post("/api/v1/arrangements", body))
    assert "modalities[1].role" in errors and "95.00" in errors["shares"]
    assert db.session.query(SpecialArrangement).count() == 0


def test_an_item_that_is_not_an_object_is_named_by_its_index(admin):
    body = {**ARRANGEMENT, "modalities": [ARRANGEMENT["modalities"][0], "lead"]}
    errors = errors_of(admin.post("/api/v1/arrangements", body))
    assert errors == {"modalities[1]": "modalities[1] must be an object."}


def test_integers_are_tolerated_for_percentages_and_unknown_keys_ignored(admin):
    body = {**ARRANGEMENT, "shares": [{"organization": "UN", "percent": 55},
                                      {"organization": "INTERPOL", "percent": "45"}],
            "comment": "not part of the shape"}
    created = admin.post("/api/v1/arrangements", body)
    assert created.status_code == 201
    stored = created.get_json()
    assert stored["versions"][0]["shares"][0]["percent"] == "55"
    assert stored["modalities"][1] == {"organization": "INTERPOL", "role": "lead",
                                       "responsibilities": "", "in_kind_contribution": ""}


def test_amendment_shares_are_checked_with_their_paths(admin, api, make_arrangement):
    sa = make_arrangement()
    response = admin.post(f"/api/v1/arrangements/{sa.reference}/amendments", {
        "effective_date": "2025-07-01", "reason": "More work for UN",
        "shares": [{"organization": "UN", "percent": "60"},
                   {"organization": "INTERPOL", "percent": 40.5}]})
    assert set(errors_of(response)) == {"shares[1].percent"}
    assert len(admin.get(f"/api/v1/arrangements/{sa.reference}").get_json()["versions"]) == 1


EXCHANGE = {"staff_id": "S-1", "person_name": "A. Officer", "home_organization": "UN",
            "host_organization": "INTERPOL", "position": "Liaison officer",
            "start_date": "2025-04-01", "end_date": "2025-09-30"}


@pytest.mark.parametrize(("cost", "fields"), [
    ({"category": "salary", "borne_by": 1, "amount": "10", "currency": "USD"},
     {"costs[1].borne_by"}),
    ({"category": "salary", "borne_by": "UN", "amount": "10", "currency": "USD",
      "period_start": "April"}, {"costs[1].period_start"}),
    ({"category": "salary", "borne_by": "UN", "currency": "USD"}, {"costs[1].amount"}),
])
def test_personnel_cost_items_are_checked_with_their_paths(api, db, cost, fields):
    good = {"category": "salary", "borne_by": "UN", "amount": "1000", "currency": "USD"}
    response = api("admin").post("/api/v1/personnel-exchanges",
                                 {**EXCHANGE, "costs": [good, cost]})
    assert set(errors_of(response)) == fields
    assert db.session.query(PersonnelExchange).count() == 0


@pytest.mark.parametrize(("query", "field"), [
    ("page=0", "page"), ("per_page=1001", "per_page"), ("page=two", "page"),
    ("from=2025-02-30", "from"), ("to=soon", "to"),
])
def test_list_query_parameters_are_named(api, make_arrangement, query, field):
    sa = make_arrangement()
    response = api("finance").get(f"/api/v1/arrangements/{sa.reference}/expenses?{query}")
    assert field in errors_of(response)


def test_a_nul_character_is_refused_by_name_rather_than_failing_the_database(api, db):
    from jointprojects.projects.models import Project

    client = api("admin", "UN")
    errors = errors_of(client.post("/api/v1/projects", {**PROJECT, "title": "Train\x00ing"}))
    assert "NUL" in errors["title"]
    assert db.session.query(Project).count() == 0
    assert "q" in errors_of(client.get("/api/v1/projects?q=a%00b"))
    assert "organization" in errors_of(client.get("/api/v1/dashboard?organization=U%00N"))
    assert client.get("/api/v1/arrangements/SA%001").status_code == 404


@pytest.mark.parametrize(("url", "body", "field"), [
    ("/api/v1/organizations", {"code": "UNODC", "name": "N" * 201, "currency": "USD"}, "name"),
    ("/api/v1/arrangements", {**ARRANGEMENT, "modalities": [
        {"organization": "UN", "role": "r" * 121}]}, "modalities[0].role"),
])
def test_text_longer_than_its_column_is_refused_by_name(admin, url, body, field):
    """PostgreSQL would refuse the row (a 500); the shape says which field is too long."""
    assert "at most" in errors_of(admin.post(url, body))[field]


def test_signatory_name_and_title_are_kept_with_the_signature(admin, db, make_arrangement):
    from jointprojects.special_arrangements.models import Signature

    sa = make_arrangement(signed=False)
    response = admin.post(f"/api/v1/arrangements/{sa.reference}/signatures", {
        "organization": "UN", "date": "2025-01-03", "signatory_name": "A. Guterres",
        "signatory_title": "Secretary-General"})
    assert response.status_code == 201, response.get_json()
    row = db.session.query(Signature.signatory, Signature.signatory_title,
                           Signature.signed_by_recorder).one()
    assert tuple(row) == ("A. Guterres", "Secretary-General", False)
    assert response.get_json()["signatory_name"] == "A. Guterres"
    too_long = admin.post(f"/api/v1/arrangements/{sa.reference}/signatures", {
        "organization": "INTERPOL", "date": "2025-01-03", "signatory": "s" * 201})
    assert "signatory" in errors_of(too_long)
