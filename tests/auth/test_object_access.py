"""Whose records (DOMAIN.md; issue 10): an arrangement and everything under it exists only for
the users of its parties and for admins; a project for its lead organization and the parties
to its arrangements; a personnel exchange for its home and host organizations.

The defects found by the attacker of issue 10 first (each failed before the policy's object
checks), then the matrix built from ``app.url_map``: every endpoint whose URL names an
arrangement, expense, budget, project or exchange, for a user of a party, a user of a third
organization (WCO, party to nothing) and an admin of that third organization. A route without
an entry in :data:`URLS` or :data:`NO_RECORD_IN_URL` fails the matrix.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from flask import g

from jointprojects.budgets.services import set_budget
from jointprojects.documents import services as documents
from jointprojects.expenses import recording
from jointprojects.expenses.checks import ExpenseData
from jointprojects.extensions import db
from jointprojects.organizations.services import create_organization
from jointprojects.personnel_exchanges import services as exchanges
from jointprojects.personnel_exchanges.services import CostData, ExchangeData
from jointprojects.special_arrangements import amendments
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.special_arrangements.services import ShareData
from jointprojects.statements import payments
from jointprojects.statements import services as statements
from tests.conftest import PASSWORD, csrf_from

ROLES = ("programme_manager", "finance", "leadership")


@dataclass
class World:
    """A UN-led project with a UN-INTERPOL arrangement in force, an expense, a budget line
    and a UN→INTERPOL exchange with a cost item; users of UN (party), WCO (third) and a WCO
    admin."""

    sa: Any
    project: Any
    expense: Any
    budget: Any
    exchange: Any
    cost: Any
    admin: Any
    amendment: int
    document: Any = None
    users: dict[str, Any] = field(default_factory=dict)
    new: dict[str, Callable[[], Any]] = field(default_factory=dict)
    #: An arrangement with statement 1 issued and a payment recorded against it.
    settled: Any = None
    payment: Any = None


def _expense(sa: Any, admin: Any, amount: str = "100.00") -> Any:
    return recording.record_expense(sa, ExpenseData(
        date=date(2025, 2, 3), category="travel", description="Mission", amount=amount,
        currency="USD", paid_by="UN"), admin)


def _document(owner: Any, admin: Any, kind: str = "expense", key: int | None = None) -> Any:
    """A receipt (label ``parties``) of the record."""
    return documents.attach_documents(owner, documents.DocumentData(kind=kind, key=key), [
        documents.Upload(io.BytesIO(b"%PDF-1.4\n%receipt\n"), "receipt.pdf")], admin)[0]


def _exchange(admin: Any, staff_id: str, sa: Any = None) -> Any:
    return exchanges.create_exchange(ExchangeData(
        staff_id=staff_id, person_name="Amina Diallo", home_organization="UN",
        host_organization="INTERPOL", position="Liaison officer", duty_station="Lyon",
        start_date=date(2025, 3, 1), end_date=date(2025, 8, 31),
        arrangement=sa.reference if sa is not None else None,
        costs=[CostData("salary", "UN", "60000", "USD")]), admin)


@pytest.fixture()
def world(app: Any, make_user: Any, make_project: Any, make_arrangement: Any) -> World:
    create_organization("WCO", "World Customs Organization", "EUR")
    db.session.commit()
    admin = make_user("admin", "WCO")
    project = make_project(code="P-UN", lead_organization="UN")
    sa = make_arrangement(project="P-UN", reference="SA-M-R10")
    expense = _expense(sa, admin)
    budget = set_budget(sa, "travel", 2025, None, "5000", admin)
    exchange = _exchange(admin, "UN-1", sa)
    version = amendments.propose_amendment(sa, date(2025, 3, 1), [ShareData("UN", "30"),
                                 ShareData("INTERPOL", "70")], [], "More for INTERPOL", admin)
    document = _document(documents.Owner(arrangement=sa), admin, "expense", expense.id)
    db.session.commit()
    w = World(sa, project, expense, budget, exchange, exchange.cost_items[0], admin,
              version.amendment_number, document)
    for role in ROLES:
        w.users[f"party {role}"] = make_user(role, "UN")
        w.users[f"third {role}"] = make_user(role, "WCO")
    w.users["admin"] = admin
    counter = iter(range(100, 10_000))

    def new_expense() -> Any:
        e = _expense(sa, admin, "1.00")
        db.session.commit()
        return e

    def new_budget() -> Any:
        b = set_budget(sa, "meetings", 2000 + next(counter) % 50, None, "10", admin)
        db.session.commit()
        return b

    def new_exchange() -> Any:
        x = _exchange(admin, f"UN-{next(counter)}")
        db.session.commit()
        return x

    def new_project() -> Any:
        p = make_project(code=f"P-UN-{next(counter)}", lead_organization="UN")
        make_arrangement(project=p.code, signed=False)
        return p

    def new_draft() -> Any:
        return make_arrangement(project="P-UN", signed=False, reference=f"SA-D-{next(counter)}")

    def new_document() -> Any:
        e = _expense(sa, admin, "2.00")
        d = _document(documents.Owner(arrangement=sa), admin, "expense", e.id)
        db.session.commit()
        return d

    def settle() -> Any:
        if w.settled is None:
            w.settled = make_arrangement(project="P-UN", reference="SA-M-ST")
            _expense(w.settled, admin)
            statement = statements.issue_statement(w.settled, date(2025, 2, 28), None, admin)
            w.payment = payments.record_payment(w.settled, statement, payments.PaymentData(
                "INTERPOL", "UN", "1.00", date(2025, 3, 5), "BANK-1"), admin)
            db.session.commit()
        return w.settled

    w.new.update(expense=new_expense, budget=new_budget, exchange=new_exchange,
                 project=new_project, draft=new_draft, settled=settle,
                 document=new_document)
    return w


def _forget_user() -> None:
    """The tests run inside one app context: Flask-Login's user cached on ``g`` by the last
    request (and Flask-WTF's token) would answer the next client's request."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)


class Web:
    """A signed-in browser; form posts carry the session's CSRF token (so that a 404 is the
    policy's answer, not the CSRF check's)."""

    def __init__(self, app: Any, user: Any) -> None:
        self.client = client = app.test_client()
        _forget_user()
        response = client.post("/login", data={
            "csrf_token": csrf_from(client.get("/login").get_data(as_text=True)),
            "email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        self.token = csrf_from(client.get("/").get_data(as_text=True))

    def open(self, method: str, url: str) -> Any:
        data = {"csrf_token": self.token} if method != "GET" else None
        _forget_user()
        return self.client.open(url, method=method, data=data)


# --- (a) the defects of issue 10, reproduced -----------------------------------------------

def test_a_third_organization_finance_user_cannot_record_change_or_delete_expenses(
        world: World, api: Any) -> None:
    third = api(user=world.users["third finance"])
    base = f"/api/v1/arrangements/{world.sa.reference}/expenses"
    body = {"date": "2025-02-04", "category": "travel", "amount": "10.00", "currency": "USD",
            "paid_by": "UN", "description": "x"}
    assert third.post(base, body).status_code == 404
    assert third.put(f"{base}/{world.expense.id}", {**body, "version": 1}).status_code == 404
    assert third.delete(f"{base}/{world.expense.id}").status_code == 404
    assert third.get(base).status_code == 404
    assert third.get(f"{base}/{world.expense.id}").status_code == 404
    db.session.expire_all()
    assert world.expense.amount == world.expense.amount  # still there
    assert db.session.get(type(world.expense), world.expense.id) is not None
    # the party's own finance user still can
    party = api(user=world.users["party finance"])
    assert party.post(base, body).status_code == 201


def test_a_third_organization_cannot_read_anything_under_the_arrangement(
        world: World, api: Any, app: Any) -> None:
    third = api(user=world.users["third finance"])
    ref = world.sa.reference
    for url in (f"/api/v1/arrangements/{ref}", f"/api/v1/arrangements/{ref}/cost-split",
                f"/api/v1/arrangements/{ref}/cost-report.xlsx",
                f"/api/v1/arrangements/{ref}/budgets",
                f"/api/v1/personnel-exchanges/{world.exchange.id}",
                f"/api/v1/personnel-exchanges/costs?arrangement={ref}"):
        assert third.get(url).status_code == 404, url
    web = Web(app, world.users["third finance"])
    for url in (f"/arrangements/{ref}", f"/expenses/arrangements/{ref}",
                f"/expenses/{world.expense.id}", f"/expenses/arrangements/{ref}/budgets",
                f"/expenses/arrangements/{ref}/cost-report.xlsx",
                f"/personnel-exchanges/{world.exchange.id}", "/projects/P-UN"):
        assert web.open("GET", url).status_code == 404, url


def test_lists_searches_dashboard_and_workbook_leave_out_what_a_user_may_not_see(
        world: World, api: Any, app: Any) -> None:
    third = api(user=world.users["third leadership"])
    for url in ("/api/v1/arrangements", "/api/v1/arrangements?q=SA-M",
                "/api/v1/projects", "/api/v1/projects?q=P-UN", "/api/v1/personnel-exchanges"):
        response = third.get(url)
        assert response.status_code == 200 and response.get_json() == [], url
    costs = third.get("/api/v1/personnel-exchanges/costs").get_json()
    assert costs["rows"] == []
    figures = third.get("/api/v1/dashboard").get_json()
    assert "SA-M-R10" not in str(figures) and "60000" not in str(figures)
    party = api(user=world.users["party leadership"])
    assert [a["reference"] for a in party.get("/api/v1/arrangements").get_json()] == ["SA-M-R10"]
    assert len(party.get("/api/v1/personnel-exchanges").get_json()) == 1
    assert party.get("/api/v1/dashboard").get_json() != figures

    web = Web(app, world.users["third leadership"])
    for url in ("/arrangements/?q=SA-M", "/projects/?q=Police", "/expenses/",
                "/personnel-exchanges/", "/personnel-exchanges/costs",
                "/personnel-exchanges/timeline?organization=UN"):
        page = web.open("GET", url)
        assert page.status_code == 200, url
        html = page.get_data(as_text=True)
        assert "SA-M-R10" not in html and "P-UN" not in html and "Amina" not in html, url
    workbook = web.open("GET", "/portfolio.xlsx")
    assert workbook.status_code == 200
    assert b"SA-M-R10" not in _xlsx_text(workbook.data)
    admin = Web(app, world.admin)
    assert b"SA-M-R10" in _xlsx_text(admin.open("GET", "/portfolio.xlsx").data)


def _xlsx_text(data: bytes) -> bytes:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))


def test_a_third_organization_programme_manager_cannot_change_budgets_exchanges_or_projects(
        world: World, api: Any) -> None:
    third = api(user=world.users["third programme_manager"])
    ref, x = world.sa.reference, world.exchange.id
    assert third.put(f"/api/v1/arrangements/{ref}/budgets",
                     {"category": "travel", "year": 2025, "amount": "1"}).status_code == 404
    assert third.put(f"/api/v1/personnel-exchanges/{x}", {"version": 1}).status_code == 404
    assert third.post(f"/api/v1/personnel-exchanges/{x}/extensions",
                      {"end_date": "2025-12-31"}).status_code == 404
    assert third.post(f"/api/v1/personnel-exchanges/{x}/cancellation", {}).status_code == 404
    assert third.post(f"/api/v1/personnel-exchanges/{x}/costs", {}).status_code == 404
    # a new exchange between two other organizations: refused (403, the user's own is neither)
    response = third.post("/api/v1/personnel-exchanges", {
        "staff_id": "UN-9", "person_name": "X", "home_organization": "UN",
        "host_organization": "INTERPOL", "position": "P", "start_date": "2025-03-01",
        "end_date": "2025-04-30"})
    assert response.status_code == 403, response.get_json()
    # a new project led by another organization: refused
    response = third.post("/api/v1/projects", {
        "code": "P-X", "title": "T", "areas": ["a"], "lead_organization": "UN",
        "start_date": "2025-01-01"})
    assert response.status_code == 403
    db.session.expire_all()
    assert world.exchange.status == "proposed"


def test_projects_are_changed_only_by_programme_managers_of_the_lead_organization(
        world: World, app: Any) -> None:
    project = world.new["project"]()
    third = Web(app, world.users["third programme_manager"])
    assert third.open("POST", f"/projects/{project.code}/delete").status_code == 404
    assert third.open("GET", f"/projects/{project.code}/edit").status_code == 404
    # INTERPOL is a party to the project's arrangement: it reads it, it does not change it
    interpol = Web(app, _user(world, "programme_manager", "INTERPOL"))
    assert interpol.open("GET", f"/projects/{project.code}").status_code == 200
    assert interpol.open("GET", f"/projects/{project.code}/edit").status_code == 403
    assert interpol.open("POST", f"/projects/{project.code}/delete").status_code == 403
    db.session.expire_all()
    assert db.session.get(type(project), project.id) is not None
    # nor is a project created for another lead organization through the form
    form = {"code": "P-WCO", "title": "T", "areas": ["b"], "lead_organization": "UN",
            "start_date": "2025-01-01", "status": "planned", "csrf_token": third.token}
    _forget_user()
    response = third.client.post("/projects/new", data=form)
    assert response.status_code in (403, 422)
    assert "only be created for your own organization" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(type(project)).filter_by(code="P-WCO")) is None


def _user(world: World, role: str, organization: str) -> Any:
    from jointprojects.auth.services import create_user

    user = create_user(f"{role}.{organization.lower()}.x@example.org", PASSWORD, role,
                       organization)
    db.session.commit()
    return user


# --- (b) the matrix: every route that names a record ----------------------------------------

Build = Callable[[World], str]

#: endpoint -> how to build its URL from the world (fresh records for the destructive ones,
#: so that one user's delete does not turn the next user's answer into a 404).
URLS: dict[str, Build] = {
    # pages
    "arrangements.detail": lambda w: f"/arrangements/{w.sa.reference}",
    "arrangements.edit": lambda w: f"/arrangements/{w.sa.reference}/edit",
    "arrangements.delete": lambda w: f"/arrangements/{w.new['draft']().reference}/delete",
    "arrangements.sign": lambda w: f"/arrangements/{w.sa.reference}/sign",
    "arrangements.notice": lambda w: f"/arrangements/{w.sa.reference}/notice",
    "arrangements.amend": lambda w: f"/arrangements/{w.sa.reference}/amendments/new",
    "arrangements.amendment": lambda w: f"/arrangements/{w.sa.reference}/amendments/{w.amendment}",
    "expenses.arrangement": lambda w: f"/expenses/arrangements/{w.sa.reference}",
    "expenses.create": lambda w: f"/expenses/arrangements/{w.sa.reference}/new",
    "expenses.detail": lambda w: f"/expenses/{w.expense.id}",
    "expenses.edit": lambda w: f"/expenses/{w.expense.id}/edit",
    "expenses.delete": lambda w: f"/expenses/{w.new['expense']().id}/delete",
    "expenses.retry_reallocation": lambda w: f"/expenses/arrangements/{w.sa.reference}/reallocate",
    "budgets.budgets": lambda w: f"/expenses/arrangements/{w.sa.reference}/budgets",
    "budgets.delete_budget": lambda w: (f"/expenses/arrangements/{w.sa.reference}/budgets/"
                                        f"{w.new['budget']().id}/delete"),
    "reporting.cost_report": lambda w: f"/expenses/arrangements/{w.sa.reference}/cost-report.xlsx",
    "personnel_exchanges.detail": lambda w: f"/personnel-exchanges/{w.exchange.id}",
    "personnel_exchanges.edit": lambda w: f"/personnel-exchanges/{w.exchange.id}/edit",
    "personnel_exchanges.approve": lambda w: f"/personnel-exchanges/{w.exchange.id}/approve",
    "personnel_exchanges.extend": lambda w: f"/personnel-exchanges/{w.exchange.id}/extend",
    "personnel_exchanges.cancel": lambda w: f"/personnel-exchanges/{w.new['exchange']().id}/cancel",
    "personnel_exchanges.add_cost": lambda w: f"/personnel-exchanges/{w.exchange.id}/costs",
    "personnel_exchanges.remove_cost": lambda w: _cost_url(w, "/delete"),
    "projects.detail": lambda w: f"/projects/{w.project.code}",
    "projects.edit": lambda w: f"/projects/{w.project.code}/edit",
    "projects.delete": lambda w: f"/projects/{w.new['project']().code}/delete",
    # API
    "api.get_arrangement": lambda w: f"/api/v1/arrangements/{w.sa.reference}",
    "api.sign_arrangement": lambda w: f"/api/v1/arrangements/{w.sa.reference}/signatures",
    "api.give_notice": lambda w: f"/api/v1/arrangements/{w.sa.reference}/termination",
    "api.propose_amendment": lambda w: f"/api/v1/arrangements/{w.sa.reference}/amendments",
    "api.consent_to_amendment": lambda w: (f"/api/v1/arrangements/{w.sa.reference}"
                                           f"/amendments/{w.amendment}/consents"),
    "api.list_budgets": lambda w: f"/api/v1/arrangements/{w.sa.reference}/budgets",
    "api.put_budget": lambda w: f"/api/v1/arrangements/{w.sa.reference}/budgets",
    "api.get_cost_report": lambda w: f"/api/v1/arrangements/{w.sa.reference}/cost-report.xlsx",
    "api.post_cost_report_job": lambda w: f"/api/v1/arrangements/{w.sa.reference}/cost-report-jobs",
    "api.get_cost_split": lambda w: f"/api/v1/arrangements/{w.sa.reference}/cost-split",
    "api.create_expense": lambda w: f"/api/v1/arrangements/{w.sa.reference}/expenses",
    "api.list_expenses": lambda w: f"/api/v1/arrangements/{w.sa.reference}/expenses",
    "api.get_expense": lambda w: f"/api/v1/arrangements/{w.sa.reference}/expenses/{w.expense.id}",
    "api.update_expense": lambda w: (f"/api/v1/arrangements/{w.sa.reference}/expenses/"
                                     f"{w.expense.id}"),
    "api.delete_expense": lambda w: (f"/api/v1/arrangements/{w.sa.reference}/expenses/"
                                     f"{w.new['expense']().id}"),
    "api.get_exchange": lambda w: f"/api/v1/personnel-exchanges/{w.exchange.id}",
    "api.update_exchange": lambda w: f"/api/v1/personnel-exchanges/{w.exchange.id}",
    "api.approve_exchange": lambda w: f"/api/v1/personnel-exchanges/{w.exchange.id}/approvals",
    "api.extend_exchange": lambda w: f"/api/v1/personnel-exchanges/{w.exchange.id}/extensions",
    "api.cancel_exchange": lambda w: (f"/api/v1/personnel-exchanges/{w.new['exchange']().id}"
                                      "/cancellation"),
    "api.add_cost": lambda w: f"/api/v1/personnel-exchanges/{w.exchange.id}/costs",
    "api.remove_cost": lambda w: "/api/v1" + _cost_url(w, ""),
    "api.get_project": lambda w: f"/api/v1/projects/{w.project.code}",
    # statements and payments (issue 12): the settled arrangement's statement 1
    "statements.issue": lambda w: f"/statements/arrangements/{_st(w)}/issue",
    "statements.payment_term": lambda w: f"/statements/arrangements/{_st(w)}/payment-term",
    "statements.detail": lambda w: f"/statements/arrangements/{_st(w)}/1",
    "statements.workbook": lambda w: f"/statements/arrangements/{_st(w)}/1.xlsx",
    "statements.acknowledge": lambda w: (f"/statements/arrangements/{_st(w)}"
                                         "/1/acknowledge"),
    "statements.withdraw": lambda w: f"/statements/arrangements/{_st(w)}/1/withdraw",
    "statements.pay": lambda w: f"/statements/arrangements/{_st(w)}/1/payments",
    "statements.receipt": lambda w: (f"/statements/arrangements/{_st(w)}/1/"
                                     f"payments/{_payment(w)}/receipt"),
    "api.issue_statement": lambda w: f"/api/v1/arrangements/{_st(w)}/statements",
    "api.list_statements": lambda w: f"/api/v1/arrangements/{_st(w)}/statements",
    "api.preview_statement": lambda w: (f"/api/v1/arrangements/{_st(w)}"
                                        "/statement-preview"),
    "api.get_statement": lambda w: f"/api/v1/arrangements/{_st(w)}/statements/1",
    "api.get_statement_workbook": lambda w: (f"/api/v1/arrangements/{_st(w)}"
                                             "/statements/1.xlsx"),
    "api.acknowledge_statement": lambda w: (f"/api/v1/arrangements/{_st(w)}"
                                            "/statements/1/acknowledgements"),
    "api.withdraw_statement": lambda w: (f"/api/v1/arrangements/{_st(w)}"
                                         "/statements/1/withdrawal"),
    "api.record_payment": lambda w: (f"/api/v1/arrangements/{_st(w)}"
                                     "/statements/1/payments"),
    "api.put_payment_term": lambda w: f"/api/v1/arrangements/{_st(w)}/payment-term",
    "api.confirm_receipt": lambda w: f"/api/v1/payments/{_payment(w)}/receipt",
    # evidence (issue 14)
    "api.arrangement_evidence": lambda w: f"/api/v1/arrangements/{w.sa.reference}/evidence.zip",
    "evidence.bundle": lambda w: f"/evidence/arrangements/{w.sa.reference}/evidence.zip",
    "evidence.decision_json": lambda w: (f"/evidence/arrangements/{_st(w)}/statements/1"
                                         f"/decisions/{_decided(w)}.json"),
    "evidence.sign_decision": lambda w: (f"/evidence/arrangements/{_st(w)}/statements/1"
                                         f"/decisions/{_decided(w)}/signatures"),
    "api.get_sealed_decision": lambda w: (f"/api/v1/arrangements/{_st(w)}/statements/1"
                                          f"/acknowledgements/{_decided(w)}"),
    "api.sign_sealed_decision": lambda w: (f"/api/v1/arrangements/{_st(w)}/statements/1"
                                           f"/acknowledgements/{_decided(w)}/signatures"),
    # documents (issue 13): the label matrix is tests/documents/test_labels.py
    "documents.arrangement": lambda w: f"/documents/arrangements/{w.sa.reference}",
    "documents.upload": lambda w: f"/documents/arrangements/{w.sa.reference}/upload",
    "documents.receipt_rule": lambda w: (f"/documents/arrangements/{w.sa.reference}"
                                         "/receipt-rule"),
    "documents.exchange_upload": lambda w: (f"/documents/personnel-exchanges/{w.exchange.id}"
                                            "/upload"),
    "documents.detail": lambda w: f"/documents/{w.document.id}",
    "documents.content": lambda w: f"/documents/{w.document.id}/content",
    "documents.new_version": lambda w: f"/documents/{w.new['document']().id}/versions",
    "documents.relabel": lambda w: f"/documents/{w.document.id}/label",
    "documents.delete": lambda w: f"/documents/{w.new['document']().id}/delete",
    "api.create_document": lambda w: f"/api/v1/arrangements/{w.sa.reference}/documents",
    "api.list_documents": lambda w: f"/api/v1/arrangements/{w.sa.reference}/documents",
    "api.create_exchange_document": lambda w: (f"/api/v1/personnel-exchanges/{w.exchange.id}"
                                               "/documents"),
    "api.list_exchange_documents": lambda w: (f"/api/v1/personnel-exchanges/{w.exchange.id}"
                                              "/documents"),
    "api.get_document": lambda w: f"/api/v1/documents/{w.document.id}",
    "api.get_document_content": lambda w: f"/api/v1/documents/{w.document.id}/content",
    "api.add_document_version": lambda w: f"/api/v1/documents/{w.new['document']().id}/versions",
    "api.change_document_label": lambda w: f"/api/v1/documents/{w.document.id}/label",
    "api.delete_document": lambda w: f"/api/v1/documents/{w.new['document']().id}",
    # calendars (issue 16): a deadline page's single .ics
    "calendar.arrangement_ics": lambda w: f"/calendar/arrangements/{w.sa.reference}.ics",
    "calendar.exchange_ics": lambda w: f"/calendar/personnel-exchanges/{w.exchange.id}.ics",
    "calendar.statement_ics": lambda w: f"/calendar/statements/{_st(w)}/1.ics",
}

#: Endpoints whose URL names no arrangement, project or exchange, and why they are not in the
#: matrix (lists and searches are filtered in SQL: the list test above).
NO_RECORD_IN_URL = {
    "static", "auth.login", "auth.logout", "auth.health",
    # a session is its user's own: another user's id is 404 (tests/auth/test_sessions.py)
    "auth.sessions_list", "auth.end_session",
    "auth.language",  # the signed-in user's own language (issue 17)
    "dashboard.index", "dashboard.portfolio_xlsx", "api.dashboard",  # the list test
    "arrangements.index", "arrangements.create", "api.list_arrangements", "api.create_arrangement",
    "projects.index", "projects.create", "api.list_projects", "api.create_project",
    "expenses.index", "personnel_exchanges.index", "personnel_exchanges.timeline",
    "personnel_exchanges.costs", "personnel_exchanges.create", "api.list_exchanges",
    "api.create_exchange", "api.personnel_costs",
    # reference data and rates are shared (DOMAIN.md); users and the audit trail are admin's
    "exchange_rates.rates", "api.list_exchange_rates", "api.put_exchange_rate",
    "organizations.index", "organizations.create", "organizations.agreement",
    "organizations.agreement_act", "users.me",
    "organizations.propose_amendment", "organizations.consent", "api.list_organizations",
    "api.create_organization", "users.index", "users.create", "users.toggle_active",
    "audit.index", "api.openapi_json",
    # the settlement overview lists only the arrangements the user sees (its own test)
    "statements.settlement",
    # an upload is its uploader's own (PendingImport.user_id), the arrangement checked again
    "reporting.imports", "reporting.import_confirm", "reporting.import_cancel",
    "reporting.import_template",
    # a job is its owner's (and admins'): anyone else's is 404, a party's user included
    # (tests/jobs/test_jobs.py, test_only_the_owner_and_admins_see_a_job)
    "jobs.index", "jobs.detail", "jobs.status", "jobs.result", "jobs.cancel",
    "api.get_job", "api.get_job_result",
    # the inbox is the user's own, computed from what the user sees (tests/inbox); the feed
    # is named by its secret, and shows only what its user sees (tests/inbox/test_calendar.py)
    "inbox.index", "inbox.read", "api.inbox", "calendar.settings", "calendar.regenerate",
    "calendar.revoke", "calendar.feed",
    "api.list_jobs", "api.cancel_job", "reporting.import_job_preview",
    # a user's own mail preferences; the mail log is admin's (tests/notifications/test_pages.py)
    "notifications.preferences", "notifications.mail_log", "notifications.mail_message",
    # evidence (issue 14): checkpoints are of the one shared chain (hashes, no content) and
    # every organization keeps them; public keys are public; registering a key or signing is
    # an organization's own (policy.EVIDENCE_SIGN, tests/evidence/test_keys.py); verifying
    # the whole database is an admin's
    "evidence.keys", "evidence.register_key", "evidence.checkpoints",
    "evidence.make_checkpoint", "evidence.checkpoints_json", "evidence.checkpoint_json",
    "evidence.sign_checkpoint", "evidence.verify_now",
    "api.organization_keys", "api.register_organization_key", "api.list_checkpoints",
    "api.get_checkpoint", "api.sign_checkpoint",
}


def _st(w: World) -> str:
    """The reference of the arrangement with a statement (made on first use)."""
    return str(w.new["settled"]().reference)


def _decided(w: World) -> str:
    """An organization that decided on the settled arrangement's statement 1."""
    sa = w.new["settled"]()
    st = statements.get_statement(sa, 1)
    if not st.acknowledgements:
        statements.acknowledge(sa, st, sa.party_codes[0], "accept", "", w.admin)
        db.session.commit()
    return str(st.acknowledgements[0].organization.code)


def _payment(w: World) -> int:
    w.new["settled"]()
    return int(w.payment.id)


def _cost_url(w: World, suffix: str) -> str:
    x = w.new["exchange"]()
    return f"/personnel-exchanges/{x.id}/costs/{x.cost_items[0].id}{suffix}"


def _status(app: Any, client: Any, web: dict[str, Web], tokens: dict[str, str], who: str, user: Any,
            method: str, url: str) -> int:
    if url.startswith("/api/"):
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        body = {} if method in ("POST", "PUT") else None
        return int(client.open(url, method=method, json=body, headers=headers).status_code)
    if who not in web:
        web[who] = Web(app, user)
    return int(web[who].open(method, url).status_code)


def test_every_route_has_an_entry(app: Any) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = endpoints - set(URLS) - NO_RECORD_IN_URL
    assert not missing, f"add these endpoints to URLS or NO_RECORD_IN_URL: {sorted(missing)}"
    names = re.compile(
        r"<(?:int:)?(reference|expense_id|exchange_id|code|id|budget_id|document_id)>")
    for rule in app.url_map.iter_rules():
        if names.search(rule.rule) and rule.endpoint not in {"api.put_exchange_rate"}:
            assert rule.endpoint in URLS, rule.rule
    assert not set(URLS) - endpoints, "stale entries"


def test_matrix_party_and_admin_reach_every_record_a_third_organization_gets_404(
        world: World, app: Any) -> None:
    from jointprojects.auth.services import create_token

    tokens = {who: create_token(user.email) for who, user in world.users.items()}
    db.session.commit()
    problems, cells, seen = [], 0, set()
    order = [f"third {r}" for r in ROLES] + [f"party {r}" for r in ROLES] + ["admin"]
    for who in order:
        client, web = app.test_client(), {}
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if rule.endpoint not in URLS:
                continue
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                url = URLS[rule.endpoint](world)
                status = _status(app, client, web, tokens, who, world.users[who], method, url)
                cells += 1
                seen.add(rule.endpoint)
                third = who.startswith("third")
                if (status != 404) if third else (status == 404 or status >= 500):
                    problems.append(f"{who:28} {method:6} {url} -> {status}")
    assert not problems, "\n".join(problems)
    assert seen == set(URLS) and cells == 102 * len(order)  # 102 (endpoint, method) pairs


def test_the_project_list_counts_only_the_arrangements_its_reader_sees(
        app: Any, make_user: Any, make_project: Any, make_arrangement: Any, login: Any) -> None:
    """A UN-led project with a UN-INTERPOL and a UN-WCO arrangement: the WCO user sees the
    project (party to one of its arrangements) and a count of 1, not 2; UN sees 2."""
    create_organization("WCO", "World Customs Organization", "EUR")
    db.session.commit()
    make_project(code="P-TWO", lead_organization="UN")
    make_arrangement(project="P-TWO")
    make_arrangement(project="P-TWO", parties=["UN", "WCO"],
                     shares=[ShareData("UN", "50"), ShareData("WCO", "50")])
    db.session.commit()

    def count(organization: str) -> str:
        web = login(make_user("finance", organization))
        html = web.get("/projects/").get_data(as_text=True)
        row = re.search(r"P-TWO.*?</tr>", html, re.S)
        assert row, html[:500]
        cells = re.findall(r'<td class="num">\s*(\d+)\s*</td>', row.group(0))
        web.post_form("/logout", {})
        return cells[0]

    assert count("WCO") == "1"
    assert count("UN") == "2"


def _un_only_project_and_wco(make_project: Any) -> None:
    create_organization("WCO", "World Customs Organization", "EUR")
    db.session.commit()
    make_project(code="P-UN-ONLY", title="Secret UN programme", lead_organization="UN")
    db.session.commit()


ARRANGEMENT_BODY = {
    "reference": "SA-WCO-1", "project": "P-UN-ONLY", "title": "Customs data",
    "kind": "joint_action", "parties": ["UN", "WCO"], "currency": "USD",
    "start_date": "2025-01-01",
    "modalities": [{"organization": "UN", "role": "funding"},
                   {"organization": "WCO", "role": "lead"}],
    "shares": [{"organization": "UN", "percent": "50"},
               {"organization": "WCO", "percent": "50"}],
}


def _stored(reference: str) -> Any:
    db.session.rollback()
    return db.session.scalar(db.select(SpecialArrangement).filter_by(reference=reference))


def test_an_arrangement_cannot_be_created_under_a_project_its_author_may_not_see(
        app: Any, api: Any, make_project: Any) -> None:
    """WCO's programme manager, party to the new arrangement, names a UN-led project WCO takes
    no part in: the project is as unknown to it as one that does not exist; nothing stored."""
    _un_only_project_and_wco(make_project)
    wco = api("programme_manager", "WCO")
    response = wco.post("/api/v1/arrangements", ARRANGEMENT_BODY)
    assert response.status_code == 422, response.get_json()
    unknown = {e["field"]: e["message"] for e in response.get_json()["errors"]}
    missing = wco.post("/api/v1/arrangements",
                       ARRANGEMENT_BODY | {"project": "P-NOWHERE"}).get_json()["errors"]
    assert unknown == {"project": "Unknown project 'P-UN-ONLY'."}
    assert [(e["field"], e["message"].replace("P-NOWHERE", "P-UN-ONLY")) for e in missing] \
        == list(unknown.items())  # exactly as a missing one
    assert _stored("SA-WCO-1") is None
    assert api("programme_manager", "UN").post(
        "/api/v1/arrangements", ARRANGEMENT_BODY | {"reference": "SA-UN-1"}).status_code == 201


def test_an_arrangement_cannot_be_moved_by_its_edit_under_a_project_its_author_may_not_see(
        app: Any, make_project: Any, make_arrangement: Any, make_user: Any, login: Any) -> None:
    """The page: WCO's draft with UN under a WCO-led project; the form offers no project WCO
    may not see (not even its title) and a forged choice is "Unknown project" on the field."""
    _un_only_project_and_wco(make_project)
    make_project(code="P-WCO", lead_organization="WCO")
    sa = make_arrangement(project="P-WCO", parties=["UN", "WCO"], signed=False,
                          shares=[ShareData("UN", "50"), ShareData("WCO", "50")])
    web = login(make_user("programme_manager", "WCO"))
    url = f"/arrangements/{sa.reference}/edit"
    page = web.get(url).get_data(as_text=True)
    assert 'value="P-WCO"' in page
    assert "P-UN-ONLY" not in page and "Secret UN programme" not in page
    assert "P-UN-ONLY" not in web.get("/arrangements/new").get_data(as_text=True)
    form = {"reference": sa.reference, "project": "P-UN-ONLY", "title": "Customs data",
            "kind": "joint_action", "currency": "USD", "start_date": "2025-01-01",
            "end_date": "", "version": str(sa.version),
            "modalities-0-organization": "UN", "modalities-0-role": "Funding",
            "modalities-1-organization": "WCO", "modalities-1-role": "Lead",
            "shares-0-category": "", "shares-0-organization": "UN", "shares-0-percent": "50",
            "shares-1-category": "", "shares-1-organization": "WCO", "shares-1-percent": "50"}
    response = web.post_form(url, form)
    assert response.status_code == 422
    assert "Unknown project &#39;P-UN-ONLY&#39;." in response.get_data(as_text=True)
    stored = _stored(sa.reference)
    assert stored is not None and stored.project.code == "P-WCO"
    # the same form under the author's own project is accepted
    assert web.post_form(url, form | {"project": "P-WCO", "title": "Renamed"}).status_code == 302
