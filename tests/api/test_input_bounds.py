"""Input bounds over the API (issue 10, item 6): what was tried as an attacker answered 500;
each is now a 422 naming the field (or a 400 for a body that is too deep), on both databases."""

from __future__ import annotations

from typing import Any

import pytest

from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.personnel_exchanges.models import PersonnelExchange
from jointprojects.projects.models import Project
from jointprojects.special_arrangements.models import SpecialArrangement

BASE = "/api/v1/arrangements"
HUGE = "1" + "0" * 28  # 29 digits: decimal.InvalidOperation before
BAD_TEXT = ["a\x00b", "a\ud800b", "a\x07b", "a\x1bb", "a\u202eb"]
#: A URL cannot carry a lone surrogate (its UTF-8 bytes are decoded as U+FFFD).
BAD_QUERY = ["a\x00b", "a\x07b", "a\x1bb", "a\u202eb"]


def expense(**overrides: Any) -> dict[str, Any]:
    data = {"date": "2025-02-03", "category": "training", "description": "Trainer travel",
            "amount": "100.00", "currency": "USD", "paid_by": "UN",
            "document_reference": "INV-001"}
    data.update(overrides)
    return data


def exchange(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "staff_id": "IP-0001", "person_name": "Jean Martin", "home_organization": "INTERPOL",
        "host_organization": "UN", "position": "Liaison officer", "duty_station": "New York",
        "start_date": "2025-04-01", "end_date": "2025-09-30",
        "costs": [{"category": "salary", "borne_by": "INTERPOL", "amount": "30000.00",
                   "currency": "EUR"}],
    }
    data.update(overrides)
    return data


def arrangement(project: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "reference": "SA-NEW-1", "project": project, "title": "Modules", "kind": "joint_action",
        "parties": ["UN", "INTERPOL"], "currency": "USD", "start_date": "2025-01-01",
        "shares": [{"organization": "UN", "percent": "55"},
                   {"organization": "INTERPOL", "percent": "45"}],
    }
    data.update(overrides)
    return data


def errors_of(response: Any) -> dict[str, str]:
    assert response.status_code == 422, (response.status_code, response.get_data(as_text=True))
    return {e["field"]: e["message"] for e in response.get_json()["errors"]}


def count(model: type) -> int:
    return int(db.session.scalar(db.select(db.func.count()).select_from(model)) or 0)


@pytest.fixture()
def sa(make_arrangement: Any) -> Any:
    return make_arrangement()


@pytest.fixture()
def admin(api: Any) -> Any:
    return api("admin", "UN")


# --- amounts -----------------------------------------------------------------------------------

@pytest.mark.parametrize("amount", [HUGE, "-" + HUGE, "1000000000000", "9" * 40 + ".5"])
def test_an_expense_amount_beyond_the_maximum_is_a_422_naming_amount(sa, admin, amount):
    errors = errors_of(admin.post(f"{BASE}/{sa.reference}/expenses", json=expense(amount=amount)))
    assert "too large" in errors["amount"]
    assert count(Expense) == 0


def test_an_amount_just_below_the_maximum_is_accepted(sa, admin):
    response = admin.post(f"{BASE}/{sa.reference}/expenses",
                          json=expense(amount="999999999999.99"))
    assert response.status_code == 201, response.get_json()


def test_an_expense_rate_beyond_the_maximum_is_a_422_naming_it(sa, admin):
    errors = errors_of(admin.post(f"{BASE}/{sa.reference}/expenses",
                                  json=expense(currency="EUR", exchange_rate=HUGE)))
    assert "exchange_rate" in errors


def test_a_ceiling_beyond_the_maximum_is_a_422_naming_it(make_project, admin):
    project = make_project()
    body = arrangement(project.code, ceilings=[{"organization": "INTERPOL", "amount": HUGE}])
    errors = errors_of(admin.post(BASE, json=body))
    assert "too large" in errors["ceilings[0].amount"]
    assert count(SpecialArrangement) == 0


def test_a_personnel_cost_beyond_the_maximum_is_a_422_naming_it(api):
    pm = api("programme_manager", "INTERPOL")
    body = exchange(costs=[{"category": "salary", "borne_by": "INTERPOL", "amount": HUGE,
                            "currency": "EUR"}])
    errors = errors_of(pm.post("/api/v1/personnel-exchanges", json=body))
    assert "too large" in errors["costs[0].amount"]
    assert count(PersonnelExchange) == 0


def test_a_budget_beyond_the_maximum_is_a_422_naming_amount(sa, admin):
    errors = errors_of(admin.put(f"{BASE}/{sa.reference}/budgets",
                                 json={"category": "training", "year": 2025, "amount": HUGE}))
    assert "too large" in errors["amount"]


# --- dates -------------------------------------------------------------------------------------

@pytest.mark.parametrize("day", ["9999-12-31", "1900-01-01", "2101-01-01"])
def test_an_expense_date_outside_the_range_is_a_422_naming_date(sa, admin, day):
    errors = errors_of(admin.post(f"{BASE}/{sa.reference}/expenses", json=expense(date=day)))
    assert "1990-01-01" in errors["date"] and "2100-12-31" in errors["date"]
    assert count(Expense) == 0


def test_an_exchange_ending_in_9999_is_a_422_naming_end_date(api):
    pm = api("programme_manager", "INTERPOL")
    errors = errors_of(pm.post("/api/v1/personnel-exchanges",
                               json=exchange(start_date="9999-01-01", end_date="9999-12-31")))
    assert "start_date" in errors and "end_date" in errors


# --- text: NUL, lone surrogates, control characters --------------------------------------------

@pytest.mark.parametrize("text", BAD_TEXT)
def test_a_bad_character_in_a_stored_field_is_a_422_naming_it(sa, admin, text):
    errors = errors_of(admin.post(f"{BASE}/{sa.reference}/expenses",
                                  json=expense(description=text)))
    assert "must not contain" in errors["description"]
    assert count(Expense) == 0


@pytest.mark.parametrize("text", BAD_TEXT)
def test_a_bad_character_in_a_nested_field_is_named_by_its_path(api, text):
    pm = api("programme_manager", "INTERPOL")
    body = exchange(person_name=text)
    errors = errors_of(pm.post("/api/v1/personnel-exchanges", json=body))
    assert "must not contain" in errors["person_name"]


@pytest.mark.parametrize("text", BAD_QUERY)
@pytest.mark.parametrize("url", ["/api/v1/projects", "/api/v1/arrangements"])
def test_a_bad_character_in_a_search_is_a_422_naming_q(admin, url, text):
    errors = errors_of(admin.get(url, query_string={"q": text}))
    assert "must not contain" in errors["q"]


def test_the_utf8_bytes_of_a_lone_surrogate_in_a_search_are_no_500(admin):
    response = admin.get("/api/v1/projects?q=a%ED%A0%80b")
    assert response.status_code in (200, 422)


def test_free_text_keeps_its_line_breaks_and_tabs(sa, admin):
    response = admin.post(f"{BASE}/{sa.reference}/expenses",
                          json=expense(description="Line one\r\nline\ttwo"))
    assert response.status_code == 201, response.get_json()


# --- JSON depth and size -----------------------------------------------------------------------

def test_json_nested_50000_deep_is_a_400_with_a_clear_message(sa, admin):
    body = '{"description": ' + "[" * 50_000 + "]" * 50_000 + "}"
    response = admin.client.post(f"{BASE}/{sa.reference}/expenses", data=body,
                                 content_type="application/json", headers=admin._headers())
    assert response.status_code == 400
    assert "nested too deeply" in response.get_json()["errors"][0]["message"]


def test_a_json_body_over_a_megabyte_is_a_400(sa, admin):
    body = '{"description": "' + "x" * (1024 * 1024 + 1) + '"}'
    response = admin.client.post(f"{BASE}/{sa.reference}/expenses", data=body,
                                 content_type="application/json", headers=admin._headers())
    assert response.status_code == 400
    assert "too large" in response.get_json()["errors"][0]["message"]


def test_brackets_inside_strings_do_not_count_as_depth(sa, admin):
    response = admin.post(f"{BASE}/{sa.reference}/expenses",
                          json=expense(description="[[[[" * 100 + '\\"{'))
    assert response.status_code == 201, response.get_json()


# --- codes and references ----------------------------------------------------------------------

@pytest.mark.parametrize("reference", ["SA/../../x", "SA-\u202e1", "SA 1", "SA-\x001", ".hidden",
                                       "SA?x"])
def test_a_reference_outside_letters_digits_and_dash_underscore_dot_is_a_422(make_project, admin,
                                                                           reference):
    project = make_project()
    errors = errors_of(admin.post(BASE, json=arrangement(project.code, reference=reference)))
    assert "reference" in errors
    assert count(SpecialArrangement) == 0


@pytest.mark.parametrize("code", ["P/../x", "P-\u202e1", "P 1"])
def test_a_project_code_outside_the_pattern_is_a_422(admin, code):
    body = {"code": code, "title": "Training", "areas": ["b"], "lead_organization": "UN",
            "start_date": "2025-01-01"}
    errors = errors_of(admin.post("/api/v1/projects", json=body))
    assert "code" in errors
    assert count(Project) == 0


def test_a_reference_of_letters_digits_dash_underscore_dot_is_accepted(make_project, admin):
    project = make_project()
    response = admin.post(BASE, json=arrangement(project.code, reference="SA_2025-v1.2"))
    assert response.status_code == 201, response.get_json()


# --- 405 ---------------------------------------------------------------------------------------

def test_a_405_from_the_api_says_which_methods_are_allowed(admin):
    response = admin.delete("/api/v1/projects")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
