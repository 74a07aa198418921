"""The pages' one transaction boundary (jointprojects.transaction): a page stores all of what
it did or nothing, a service's NotFound is the 404 page, and no view handles commits itself.

Within a test the requests share the test's database session (they run in its app context),
so "stored" is checked the way a fresh request would see it: after ``db.session.rollback()``
only what a request committed is left.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

import jointprojects
from jointprojects.errors import DomainError, NotFound
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.projects import services as project_services
from jointprojects.projects.models import Project
from jointprojects.reporting import imports as reporting_imports
from jointprojects.reporting.models import PendingImport
from tests.conftest import csrf_from
from tests.projects.test_pages import project_form
from tests.reporting.conftest import csv_bytes

PACKAGE = Path(jointprojects.__file__).parent


def committed(model, **filters) -> int:
    """How many rows of ``model`` a fresh transaction sees."""
    db.session.rollback()
    query = select(func.count()).select_from(model)
    for name, value in filters.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


@pytest.fixture()
def manager(login, make_user):
    return login(make_user("programme_manager"))


# --- commit on success, roll back on a DomainError -----------------------------------------------

def test_a_saved_form_is_committed(manager):
    response = manager.post_form("/projects/new", project_form(code="P-KEPT"))
    assert response.status_code == 302
    assert committed(Project, code="P-KEPT") == 1


def test_a_domain_error_after_a_flush_stores_nothing_and_shows_the_form_again(
        manager, monkeypatch):
    """The service stored the project (flushed), then refused: the page answers 422 with the
    message beside the field, and the project is not in the database."""
    create = project_services.create_project

    def create_then_refuse(data):
        create(data)  # flushed: without the boundary's rollback it would be committed
        raise DomainError("This title is refused by the test.", field="title")

    monkeypatch.setattr(project_services, "create_project", create_then_refuse)
    response = manager.post_form("/projects/new", project_form(code="P-GONE"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="title-help">This title is refused by the test.<' in html
    assert 'value="P-GONE"' in html  # the form keeps what was typed
    assert committed(Project, code="P-GONE") == 0


def test_a_refused_action_that_redirects_stores_nothing(manager, make_project, monkeypatch):
    """A DomainError shown as a flash (the delete button) is rolled back although the
    answer is a redirect, not an error status."""
    project = make_project(lead_organization="UN")  # the manager's own (whose records)
    delete = project_services.delete_project

    def delete_then_refuse(p):
        delete(p)
        raise DomainError("Deleting is refused by the test.")

    monkeypatch.setattr(project_services, "delete_project", delete_then_refuse)
    page = f"/projects/{project.code}"
    response = manager.post_form(f"{page}/delete", {}, page=page)
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    assert "Deleting is refused by the test." in manager.get(page).get_data(as_text=True)
    assert committed(Project, code=project.code) == 1


def test_an_exception_after_a_flush_stores_nothing(manager, monkeypatch):
    create = project_services.create_project

    def create_then_fail(data):
        create(data)
        raise RuntimeError("boom")

    monkeypatch.setattr(project_services, "create_project", create_then_fail)
    response = manager.post_form("/projects/new", project_form(code="P-BOOM"))
    assert response.status_code == 500
    assert "nothing was stored" in response.get_data(as_text=True)
    assert committed(Project, code="P-BOOM") == 0


def test_the_logout_is_committed(login, make_user, client):
    """A page with no form of its own is committed too: the logout ends this browser's
    session row, and replaying the old cookie does not work."""
    from jointprojects.auth.models import UserSession

    user = make_user("programme_manager")
    web = login(user)
    html = web.get("/projects/").get_data(as_text=True)
    assert web.client.post("/logout", data={"csrf_token": csrf_from(html)}).status_code == 302
    db.session.rollback()
    rows = db.session.scalars(db.select(UserSession).filter_by(user_id=user.id)).all()
    assert rows and all(r.ended_at is not None and r.end_reason == "logout" for r in rows)


# --- the import page: a preview is undone, a failed confirmation uses up its upload ---------------

ROWS = [[date(2025, 2, day), "travel", f"Mission {day}", 100, "USD", None, "UN", ""]
        for day in (3, 4)]


@pytest.fixture()
def importer(login, make_user):
    return login(make_user("finance", "UN"))


def _preview(web, sa) -> str:
    html = web.get("/expenses/imports").get_data(as_text=True)
    response = web.client.post("/expenses/imports", data={
        "csrf_token": csrf_from(html), "kind": "expenses", "arrangement": sa.reference,
        "file": (io.BytesIO(csv_bytes(ROWS)), "february.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _confirm(web, preview: str):
    token = re.search(r'action="/expenses/imports/([^/"]+)/confirm"', preview).group(1)
    return web.client.post(f"/expenses/imports/{token}/confirm",
                           data={"csrf_token": csrf_from(preview)})


def test_the_preview_stores_the_upload_and_none_of_its_expenses(importer, make_arrangement):
    sa = make_arrangement()
    _preview(importer, sa)
    assert committed(PendingImport) == 1
    assert committed(Expense) == 0
    assert _confirm(importer, _preview(importer, sa)).status_code == 302
    assert committed(Expense, arrangement_id=sa.id) == 2


def test_a_confirmation_that_fails_stores_no_expense_and_uses_up_the_upload(
        importer, make_arrangement, monkeypatch):
    sa = make_arrangement()
    preview = _preview(importer, sa)
    real_record = reporting_imports.record_checked  # what the confirmation calls

    def import_then_fail(*args, **kwargs):
        real_record(*args, **kwargs)  # the rows flushed, then something changed since
        raise reporting_imports.ImportFailed(
            [reporting_imports.RowProblem(2, "date", "Changed since the preview.")])

    monkeypatch.setattr(reporting_imports, "record_checked", import_then_fail)
    response = _confirm(importer, preview)
    assert response.status_code == 422
    assert "Changed since the preview." in response.get_data(as_text=True)
    assert committed(Expense) == 0
    assert committed(PendingImport) == 0
    assert "no longer waiting" in importer.client.get(
        _confirm(importer, preview).headers["Location"]).get_data(as_text=True)


# --- a service's NotFound is the 404 page; the API keeps its JSON ---------------------------------

@pytest.mark.parametrize("url", [
    "/projects/NOPE",
    "/projects/NOPE/edit",
    "/arrangements/NOPE",
    "/arrangements/NOPE/edit",
    "/expenses/arrangements/NOPE",
    "/expenses/arrangements/NOPE/budgets",
    "/expenses/arrangements/NOPE/cost-report.xlsx",
    "/expenses/987654",
    "/personnel-exchanges/987654",
])
def test_an_unknown_reference_is_the_404_page(login, make_user, url):
    web = login(make_user("admin"))
    response = web.get(url)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "There is nothing at this address." in response.get_data(as_text=True)


def test_an_unknown_amendment_of_a_known_arrangement_is_the_404_page(manager, make_arrangement):
    sa = make_arrangement()
    response = manager.get(f"/arrangements/{sa.reference}/amendments/99")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_an_unknown_reference_in_the_api_is_its_json_404(api):
    from jointprojects.special_arrangements.services import get_arrangement

    with pytest.raises(NotFound) as raised:
        get_arrangement("NOPE")
    response = api("admin").get("/api/v1/arrangements/NOPE")
    assert response.status_code == 404 and response.is_json
    assert response.get_json() == {"errors": [e.as_dict() for e in raised.value.errors]}


# --- the shape: one boundary, no view of its own --------------------------------------------------

def _page_modules() -> list[Path]:
    return [*PACKAGE.glob("**/views.py"), PACKAGE / "auth" / "admin.py"]


def test_the_source_scan_sees_the_page_modules():
    names = {p.relative_to(PACKAGE).as_posix() for p in _page_modules()}
    assert {"projects/views.py", "expenses/views.py", "auth/admin.py",
            "reporting/views.py", "personnel_exchanges/views.py"} <= names


@pytest.mark.parametrize("path", _page_modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_page_module_commits_rolls_back_or_wraps_a_getter(path):
    source = path.read_text()
    for needle in ("commit(", "rollback(", "def _load("):
        assert needle not in source, f"{path.name}: {needle}"


def test_every_page_endpoint_runs_in_the_boundary(app):
    outside = [endpoint for endpoint, view in app.view_functions.items()
               if not endpoint.startswith("api.") and endpoint != "static"
               and not getattr(view, "transactional", False)]
    assert outside == []
    assert not getattr(app.view_functions["api.get_arrangement"], "transactional", False)


def test_the_arrangement_page_context_is_composed_by_the_signal(app, make_arrangement):
    """The arrangement page asks, the finance feature answers (connected by the factory)."""
    from jointprojects.special_arrangements.views import arrangement_detail_context, detail_extras

    sa = make_arrangement()

    def probe(sender, *, arrangement):
        return {"probe": arrangement.reference}

    arrangement_detail_context.connect(probe, sender=app)
    try:
        with app.test_request_context(f"/arrangements/{sa.reference}"):
            from flask_login import login_user

            from jointprojects.auth.models import User

            login_user(db.session.scalar(select(User).filter_by(role="admin")))
            extras = detail_extras(sa)
    finally:
        arrangement_detail_context.disconnect(probe, sender=app)
    assert extras["probe"] == sa.reference
    assert extras["finance"]["split"] is not None


def test_a_commit_that_fails_is_the_409_page_without_the_success_message(
        manager, monkeypatch):
    """A conflict found only at the commit (a versioned row changed meanwhile) answers 409,
    and the "created" message the view had flashed is not shown."""
    from flask import request
    from sqlalchemy.orm.exc import StaleDataError

    real_commit = db.session.commit

    def commit_conflicts():
        if request.method == "POST":
            raise StaleDataError("changed meanwhile")
        real_commit()

    monkeypatch.setattr(db.session, "commit", commit_conflicts)
    response = manager.post_form("/projects/new", project_form(code="P-RACE"))
    monkeypatch.setattr(db.session, "commit", real_commit)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Changed by someone else" in html
    assert "Project P-RACE created." not in html
    assert "Project P-RACE created." not in manager.get("/projects/").get_data(as_text=True)
    assert committed(Project, code="P-RACE") == 0
