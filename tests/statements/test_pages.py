"""The statement pages: the Statements section of the arrangement page (preview, issue with
confirmation), the statement page (acceptance, payment, receipt, download, withdrawal), the
expense pages of a closed period and the Settlement overview."""

from __future__ import annotations

import hashlib
from datetime import date

from flask import g

from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.statements import services
from jointprojects.statements.models import Payment, Statement
from tests.conftest import PASSWORD, WebClient, csrf_from


class _Browser(WebClient):
    """A browser of its own: the tests share one app context, so Flask-Login's user cached
    on ``g`` by another browser's request is dropped before each request."""

    def get(self, url, **kw):
        g.pop("_login_user", None)
        g.pop("csrf_token", None)
        return super().get(url, **kw)

    def post_form(self, url, data, page=None, **kw):
        html = self.get(page or url).get_data(as_text=True)
        g.pop("_login_user", None)
        return self.client.post(url, data={"csrf_token": csrf_from(html), **data}, **kw)


def _browser(app, user) -> _Browser:
    web = _Browser(app.test_client(), user)
    assert web.post_form("/login", {"email": user.email, "password": PASSWORD}).status_code \
        == 302
    return web


def test_issue_accept_pay_and_confirm_through_the_pages(app, quarter, finance, make_user):
    un = _browser(app, finance)
    page = un.get("/arrangements/SA-Q?statement_to=2025-03-31")
    html = page.get_data(as_text=True)
    assert 'id="statement-preview"' in html and "2025-01-01 to 2025-03-31 (preview)" in html
    assert 'data-org="UN" data-figure="closing">340.00' in html
    # without the confirmation nothing is issued
    r = un.post_form("/statements/arrangements/SA-Q/issue", {"to": "2025-03-31"},
                     page="/arrangements/SA-Q")
    assert r.status_code == 302 and db.session.scalar(db.select(Statement)) is None
    r = un.post_form("/statements/arrangements/SA-Q/issue",
                     {"to": "2025-03-31", "confirm": "y"}, page="/arrangements/SA-Q")
    assert r.status_code == 302 and r.headers["Location"].endswith(
        "/statements/arrangements/SA-Q/1")
    html = un.get("/statements/arrangements/SA-Q/1").get_data(as_text=True)
    assert "Statement 1 of SA-Q" in html and 'data-figure="closing">340.00' in html
    st = db.session.scalar(db.select(Statement))
    assert st.sha256 in html
    blob = un.get("/statements/arrangements/SA-Q/1.xlsx")
    assert hashlib.sha256(blob.data).hexdigest() == st.sha256
    assert blob.headers["Cache-Control"] == "private, no-store"

    # the closed quarter on the expense pages
    closed = db.session.scalar(db.select(Expense).filter_by(date=date(2025, 2, 10)))
    detail = un.get(f"/expenses/{closed.id}").get_data(as_text=True)
    assert "closed by statement 1 of SA-Q, up to 31 March 2025" in detail
    assert "Record an adjustment" in detail
    r = un.post_form(f"/expenses/{closed.id}/edit", {
        "date": "2025-02-10", "category": "travel", "amount": "900.00", "currency": "USD",
        "paid_by": "UN", "version": str(closed.version)})
    assert r.status_code == 409 and "statement 1 of SA-Q" in r.get_data(as_text=True)
    r = un.post_form("/expenses/arrangements/SA-Q/new", {
        "date": "2025-03-02", "category": "travel", "amount": "9.00", "currency": "USD",
        "paid_by": "UN"})
    assert r.status_code == 409 and "statement 1 of SA-Q" in r.get_data(as_text=True)
    r = un.post_form("/expenses/arrangements/SA-Q/new", {
        "date": "2025-04-02", "category": "travel", "amount": "-100.00", "currency": "USD",
        "paid_by": "UN", "adjusts": str(closed.id), "reason": "Hotel refund"},
        page=f"/expenses/arrangements/SA-Q/new?adjusts={closed.id}")
    assert r.status_code == 302
    adjustment = db.session.scalar(db.select(Expense).filter_by(adjusts_id=closed.id))
    assert f"adjusted by expense {adjustment.id}" in un.get(
        "/expenses/arrangements/SA-Q").get_data(as_text=True)
    assert f"adjusts expense {closed.id}" in un.get(
        "/expenses/arrangements/SA-Q").get_data(as_text=True)
    assert "Hotel refund" in un.get(f"/expenses/{closed.id}").get_data(as_text=True)
    assert "Hotel refund" in un.get(f"/expenses/{adjustment.id}").get_data(as_text=True)

    # INTERPOL accepts and pays part; UN confirms on its page
    interpol_user = make_user("finance", "INTERPOL")
    db.session.expire_all()
    interpol = _browser(app, interpol_user)
    settlement = interpol.get("/statements/").get_data(as_text=True)
    assert "SA-Q statement 1" in settlement
    r = interpol.post_form("/statements/arrangements/SA-Q/1/acknowledge", {
        "ack-organization": "INTERPOL", "ack-decision": "accept"},
        page="/statements/arrangements/SA-Q/1")
    assert r.status_code == 302
    # INTERPOL has decided: its page no longer offers a decision (a second one is refused)
    decided = interpol.get("/statements/arrangements/SA-Q/1").get_data(as_text=True)
    assert 'name="ack-decision"' not in decided and 'name="payment-amount"' in decided
    r = interpol.post_form("/statements/arrangements/SA-Q/1/payments", {
        "payment-transfer": "INTERPOL>UN", "payment-amount": "400.00",
        "payment-date": "2025-04-05", "payment-reference": "BANK-1"},
        page="/statements/arrangements/SA-Q/1")
    assert r.status_code == 422 and "outstanding" in r.get_data(as_text=True)
    r = interpol.post_form("/statements/arrangements/SA-Q/1/payments", {
        "payment-transfer": "INTERPOL>UN", "payment-amount": "300,00",
        "payment-date": "2025-04-05", "payment-reference": "BANK-1"},
        page="/statements/arrangements/SA-Q/1")
    assert r.status_code == 302
    payment = db.session.scalar(db.select(Payment))
    # INTERPOL cannot confirm its own payment's receipt
    r = interpol.post_form(f"/statements/arrangements/SA-Q/1/payments/{payment.id}/receipt",
                           {"receipt-date": "2025-04-07"}, page="/statements/arrangements/SA-Q/1")
    assert r.status_code == 403
    assert "SA-Q statement 1" in un.get("/statements/").get_data(as_text=True)  # to confirm
    r = un.post_form(f"/statements/arrangements/SA-Q/1/payments/{payment.id}/receipt",
                     {"receipt-date": "2025-04-07"}, page="/statements/arrangements/SA-Q/1")
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status == "received"
    html = un.get("/statements/arrangements/SA-Q/1").get_data(as_text=True)
    assert "Partly paid" in html and 'data-figure="outstanding">40.00' in html
    # the statement's own History: issued, accepted, the payment and its receipt
    history = html[html.index("History"):]
    assert "No changes recorded yet" not in history
    for line in ("issued", "accepted", "Payment", "receipt confirmed"):
        assert line in history, line


def test_withdraw_through_the_page(quarter, finance, login):
    services.issue_statement(quarter, date(2025, 3, 31), None, finance)
    db.session.commit()
    un = login(finance)
    r = un.post_form("/statements/arrangements/SA-Q/1/withdraw", {"withdrawal-reason": ""})
    assert r.status_code == 422
    r = un.post_form("/statements/arrangements/SA-Q/1/withdraw",
                     {"withdrawal-reason": "March invoices missing"})
    assert r.status_code == 302
    db.session.expire_all()
    html = un.get("/statements/arrangements/SA-Q/1").get_data(as_text=True)
    assert "Withdrawn: March invoices missing" in html
    assert "Closed up to" not in un.get("/arrangements/SA-Q").get_data(as_text=True)


def test_a_third_organization_sees_no_statement_on_the_settlement_page(
        quarter, finance, make_user, login):
    from jointprojects.organizations.services import create_organization

    services.issue_statement(quarter, date(2025, 3, 31), None, finance)
    create_organization("WCO", "World Customs Organization", "EUR")
    db.session.commit()
    html = login(make_user("finance", "WCO")).get("/statements/").get_data(as_text=True)
    assert "SA-Q" not in html


def test_the_dashboard_shows_outstanding_and_overdue_per_party(app, quarter, finance,
                                                              make_user):
    from datetime import timedelta

    st = services.issue_statement(quarter, date(2025, 3, 31), None, finance)
    db.session.commit()
    un = _browser(app, finance)
    html = un.get("/").get_data(as_text=True)
    assert 'data-org="INTERPOL" data-figure="owes">340.00' in html
    assert 'data-org="INTERPOL" data-figure="overdue">0.00' in html
    st.due_date = date.today() - timedelta(days=1)
    db.session.commit()
    html = un.get("/").get_data(as_text=True)
    assert 'data-org="INTERPOL" data-figure="overdue">340.00' in html
    assert 'href="/statements/"' in html


def test_the_adjustment_form_starts_as_a_copy_of_the_expense_it_corrects(
        quarter, finance, login):
    services.issue_statement(quarter, date(2025, 3, 31), None, finance)
    original = db.session.scalar(db.select(Expense).filter_by(date=date(2025, 3, 20)))
    original.category, original.description = "equipment", "Radios for the joint desk"
    original.document_reference = "INV-2025-77"
    db.session.commit()
    un = login(finance)  # UN's finance user corrects an expense INTERPOL paid
    html = un.get(f"/expenses/arrangements/SA-Q/new?adjusts={original.id}").get_data(
        as_text=True)
    assert '<option selected value="equipment">' in html
    assert "Radios for the joint desk</textarea>" in html
    assert 'value="INV-2025-77"' in html
    assert '<option selected value="INTERPOL">' in html
    assert f'value="{original.id}"' in html
    assert f'value="{date.today().isoformat()}"' in html  # dated in the open period
    # no such expense: nothing copied, the number kept for the service to refuse on saving
    html = un.get("/expenses/arrangements/SA-Q/new?adjusts=99999").get_data(as_text=True)
    assert "Radios" not in html and '<option selected value="UN">' in html
    assert 'value="99999"' in html
