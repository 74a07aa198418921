"""One submission of an invalid form returns every error (issue 11 item 4): the required
fields, the rules between fields and the duplicate code come together, each beside its
field, in the users' words; nothing is stored."""

from __future__ import annotations

import re

from jointprojects.projects.models import Project
from jointprojects.special_arrangements.models import SpecialArrangement
from tests.projects.test_pages import project_form
from tests.special_arrangements.test_pages import arrangement_form


def _beside(page: str, field: str) -> list[str]:
    """The messages shown under the field named ``field`` (``macros.field``: id FIELD-help)."""
    return re.findall(rf'class="invalid-feedback d-block" id="{field}-help">([^<]+)<', page)


def test_the_project_form_gives_the_empty_title_the_dates_and_the_taken_code_at_once(
        login, make_user, make_project, db):
    make_project(code="JP-TAKEN")
    web = login(make_user("programme_manager"))
    response = web.post_form("/projects/new", project_form(
        code="jp-taken", title="", start_date="2025-06-01", end_date="2025-01-01"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _beside(page, "title") == ["Enter a title."]
    assert _beside(page, "end_date") == ["The end date must not be before the start date."]
    assert _beside(page, "code") == ["A project with the code jp-taken already exists."]
    assert "end_date" not in re.sub(r'(name|id|for|aria-describedby)="[^"]*"', "", page)
    assert db.session.query(Project).count() == 1


def test_the_arrangement_form_gives_every_problem_at_once(login, make_user, make_arrangement, db):
    existing = make_arrangement()
    web = login(make_user("programme_manager"))
    response = web.post_form("/arrangements/new", arrangement_form(
        existing.project.code, reference=existing.reference, title="",
        start_date="2025-06-01", end_date="2025-01-01", **{"shares-1-percent": "40"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _beside(page, "title") == ["Enter a title."]
    assert _beside(page, "end_date") == ["The end date must not be before the start date."]
    assert _beside(page, "reference") == [
        f"A special arrangement {existing.reference} already exists."]
    assert "Shares for default set sum to 95.00, not 100.00" in page
    assert db.session.query(SpecialArrangement).count() == 1


def test_a_date_that_does_not_parse_keeps_its_own_message_and_the_others_come_too(
        login, make_user, db):
    web = login(make_user("programme_manager"))
    response = web.post_form("/projects/new", project_form(
        title="", start_date="not a date", areas=[]))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _beside(page, "start_date") == [
        "Start date is not a date: pick one, or type it as 2025-01-06."]
    assert _beside(page, "title") == ["Enter a title."]
    assert "Choose at least one area of cooperation" in page
    assert db.session.query(Project).count() == 0


def test_the_api_still_answers_409_for_a_taken_code_alone_and_422_with_all_otherwise(api, db):
    admin = api("admin")
    body = {"code": "JP-API", "title": "T", "areas": ["a"], "lead_organization": "UN",
            "start_date": "2025-01-01"}
    assert admin.post("/api/v1/projects", body).status_code == 201
    assert admin.post("/api/v1/projects", body).status_code == 409
    both = admin.post("/api/v1/projects", {**body, "title": "", "end_date": "2024-01-01"})
    assert both.status_code == 422
    fields = {e["field"] for e in both.get_json()["errors"]}
    assert {"code", "end_date"} <= fields
