"""Input bounds and headers of the pages (issue 10, items 6 and 8): what answered 500 through
the web forms is a form error (or a 422 page naming the field); HSTS in production; downloads
never cached; a 405 says which methods are allowed."""

from __future__ import annotations

from typing import Any

import pytest
from flask import url_for

import config
from jointprojects import create_app
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.projects.models import Project
from jointprojects.special_arrangements.models import SpecialArrangement

HUGE = "1" + "0" * 28  # 29 digits
EXPENSE = {"date": "2025-02-03", "category": "training", "amount": "100", "currency": "USD",
           "exchange_rate": "", "paid_by": "UN", "description": "Venue hire",
           "document_reference": "INV-9"}
#: Characters a form can carry; a lone surrogate cannot travel in a form (its UTF-8 bytes are
#: read as U+FFFD), it is refused in JSON (tests/api/test_input_bounds.py).
BAD_TEXT = ["a\x00b", "a\x07b", "a\x1bb", "a\x7fb"]


def count(model: type) -> int:
    return int(db.session.scalar(db.select(db.func.count()).select_from(model)) or 0)


@pytest.fixture()
def sa(make_arrangement: Any) -> Any:
    return make_arrangement()


@pytest.fixture()
def web(login: Any, make_user: Any) -> Any:
    return login(make_user("admin", "UN"))


def new_expense_url(sa: Any) -> str:
    return f"/expenses/arrangements/{sa.reference}/new"


# --- amounts and dates in forms ----------------------------------------------------------------

@pytest.mark.parametrize("field", ["amount", "exchange_rate"])
def test_a_29_digit_amount_in_the_expense_form_is_a_form_error(sa, web, field):
    form = {**EXPENSE, field: HUGE, "currency": "EUR" if field == "exchange_rate" else "USD"}
    response = web.post_form(new_expense_url(sa), form)
    assert response.status_code == 422
    assert "too large" in response.get_data(as_text=True)
    assert count(Expense) == 0


def test_an_expense_dated_9999_12_31_in_the_form_is_a_form_error(sa, web):
    response = web.post_form(new_expense_url(sa), {**EXPENSE, "date": "9999-12-31"})
    assert response.status_code == 422
    assert "must be between 1990-01-01 and 2100-12-31" in response.get_data(as_text=True)
    assert count(Expense) == 0


def test_a_project_starting_in_9999_is_a_form_error(web):
    form = {"code": "P-WEB", "title": "Cybercrime", "description": "", "areas": ["b"],
            "lead_organization": "INTERPOL", "start_date": "9999-12-31", "end_date": "",
            "status": "active"}
    response = web.post_form("/projects/new", form)
    assert response.status_code == 422
    assert "2100-12-31" in response.get_data(as_text=True)
    assert count(Project) == 0


# --- control characters in forms and searches ---------------------------------------------------

@pytest.mark.parametrize("text", BAD_TEXT)
def test_a_control_character_in_a_form_field_is_refused_naming_it(sa, web, text):
    response = web.post_form(new_expense_url(sa), {**EXPENSE, "description": text})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "description must not contain" in html
    assert count(Expense) == 0


@pytest.mark.parametrize("text", BAD_TEXT)
@pytest.mark.parametrize("url", ["/projects/", "/arrangements/", "/personnel-exchanges/"])
def test_a_control_character_in_a_search_is_a_422_page(web, url, text):
    response = web.get(url, query_string={"q": text})
    assert response.status_code == 422
    assert "q must not contain" in response.get_data(as_text=True)


def test_line_breaks_and_tabs_in_free_text_are_kept(sa, web):
    response = web.post_form(new_expense_url(sa), {**EXPENSE, "description": "a\r\nb\tc"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(Expense)).description == "a\r\nb\tc"


# --- references ------------------------------------------------------------------------------

@pytest.mark.parametrize("reference", ["SA/../../x", "SA-\u202e1"])
def test_a_reference_with_a_slash_or_a_direction_override_is_a_form_error(make_project, web,
                                                                          reference):
    project = make_project()
    form = {"reference": reference, "project": project.code, "title": "Modules",
            "kind": "joint_action", "parties": ["UN", "INTERPOL"], "currency": "USD",
            "start_date": "2025-01-01", "end_date": "",
            "shares-0-organization": "UN", "shares-0-percent": "55",
            "shares-1-organization": "INTERPOL", "shares-1-percent": "45"}
    response = web.post_form("/arrangements/new", form)
    assert response.status_code == 422, response.status_code
    html = response.get_data(as_text=True)
    assert "reference may contain only letters, digits" in html or \
        "reference must not contain the direction control character U+202E" in html
    assert count(SpecialArrangement) == 0


def test_a_reference_from_the_cli_is_checked_too(app, runner, make_project):
    """The CLI, the pages and the API share the service's check."""
    from jointprojects.errors import DomainError
    from jointprojects.special_arrangements.services import (
        ArrangementData,
        ShareData,
        create_arrangement,
    )

    project = make_project()
    data = ArrangementData(reference="SA/../../x", project=project.code, title="T",
                           kind="joint_action", parties=["UN", "INTERPOL"], currency="USD",
                           start_date=None, shares=[ShareData("UN", "55"),
                                                    ShareData("INTERPOL", "45")])
    with pytest.raises(DomainError) as caught:
        create_arrangement(data, None)
    assert any(e.field == "reference" for e in caught.value.errors)


# --- headers -----------------------------------------------------------------------------------

def test_hsts_is_sent_in_production(monkeypatch, tmp_path):
    monkeypatch.setenv("JOINTPROJECTS_SECRET_KEY", "a-real-secret-of-32-characters!!")
    app = create_app(config.ProductionConfig, SQLALCHEMY_DATABASE_URI="sqlite://",
                     SESSION_COOKIE_SECURE=True)
    app.instance_path = str(tmp_path)
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_no_hsts_in_testing(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_every_financial_download_is_no_store(app, sa, web):
    with app.test_request_context():
        urls = [
            "/portfolio.xlsx",
            url_for("reporting.cost_report", reference=sa.reference),
            url_for("reporting.import_template", kind="expenses", arrangement=sa.reference),
            url_for("reporting.import_template", kind="rates"),
        ]
    for url in urls:
        response = web.get(url)
        assert response.status_code == 200, url
        assert "attachment" in response.headers["Content-Disposition"], url
        assert "no-store" in response.headers["Cache-Control"], url
        assert "no-cache" not in response.headers["Cache-Control"], url


def test_a_405_page_says_which_methods_are_allowed(web, sa):
    response = web.client.put(f"/expenses/arrangements/{sa.reference}/new")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    response = web.get(f"/expenses/{1}/delete")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


# --- spreadsheet imports (the same bounds, cell by cell) -------------------------------------

@pytest.mark.parametrize(("column", "value", "words"), [
    ("amount", HUGE, "too large"),
    ("date", "9999-12-31", "must be between 1990-01-01 and 2100-12-31"),
    ("description", "Venue\x00hire", "NUL"),
    ("description", "Venue\ud800hire", "lone surrogate"),
    ("description", "Venue\x1bhire", "control character U+001B"),
    ("document_reference", "INV\u202e9", "direction control character U+202E"),
])
def test_an_import_cell_beyond_the_bounds_is_a_row_error_naming_the_column(column, value, words):
    from reports.imports import parse_expense_rows

    row = {"date": "2025-02-03", "category": "training", "description": "Venue hire",
           "amount": "100", "currency": "USD", "paid_by": "UN", "document_reference": "INV-9",
           column: value}
    good, errors = parse_expense_rows([row], currencies=["USD"], parties=["UN", "INTERPOL"])
    assert good == []
    assert [(e.column, words in e.message) for e in errors] == [(column, True)]
