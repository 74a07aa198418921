"""What a new user tripped over on the statement pages: amounts in the messages written as
the pages write them, the payment term set on the arrangement page."""

from __future__ import annotations

from datetime import date

from jointprojects.expenses import recording
from jointprojects.extensions import db
from jointprojects.statements import services
from jointprojects.statements.models import Payment
from tests.statements.conftest import expense


def _flashes(web, response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return str(web.get(response.headers["Location"]).get_data(as_text=True))


def test_the_payment_message_writes_the_amount_as_the_pages_do(quarter, finance, make_user,
                                                               login):
    recording.record_expense(quarter, expense(date(2025, 3, 1), "10000.00", "UN"), finance)
    services.issue_statement(quarter, date(2025, 3, 31), None, finance)
    db.session.commit()
    web = login(make_user("finance", "INTERPOL"))
    page = web.get("/statements/arrangements/SA-Q/1").get_data(as_text=True)
    assert "INTERPOL pays UN (outstanding 4,840.00 USD)" in page
    html = _flashes(web, web.post_form("/statements/arrangements/SA-Q/1/payments", {
        "payment-transfer": "INTERPOL>UN", "payment-amount": "1234.5",
        "payment-date": "2025-04-05", "payment-reference": "BANK-7"},
        page="/statements/arrangements/SA-Q/1"))
    assert "Payment of 1,234.50 USD from INTERPOL to UN recorded" in html
    assert db.session.scalar(db.select(Payment.amount)) == 1234.5


def test_the_receipt_rule_message_writes_the_amount_as_the_pages_do(quarter, finance, login):
    web = login(finance)
    html = _flashes(web, web.post_form("/documents/arrangements/SA-Q/receipt-rule",
                                       {"threshold": "2500"},
                                       page="/documents/arrangements/SA-Q"))
    assert "a receipt is required for expenses of at least 2,500.00 USD." in html


def test_the_payment_term_is_set_on_the_arrangement_page(quarter, finance, make_user, login):
    web = login(finance)
    page = web.get("/arrangements/SA-Q").get_data(as_text=True)
    assert 'id="payment-term-form"' in page and 'value="30"' in page
    html = _flashes(web, web.post_form("/statements/arrangements/SA-Q/payment-term",
                                       {"days": "45"}, page="/arrangements/SA-Q"))
    assert "Payment term saved: a statement of SA-Q is due 45 days after its issue." in html
    assert "(default: in 45 days)" in html
    db.session.expire_all()
    assert quarter.statement_due_days == 45
    st = services.issue_statement(quarter, date(2025, 3, 31), None, finance)
    assert (st.due_date - st.issued_at.date()).days == 45
    # bad input: a message in the user's words, nothing stored
    for bad in ("", "0", "forty", "400"):
        html = _flashes(web, web.post_form("/statements/arrangements/SA-Q/payment-term",
                                           {"days": bad}, page="/arrangements/SA-Q"))
        assert "Enter the payment term: a whole number of days from 1 to 366." in html, bad
    db.session.expire_all()
    assert quarter.statement_due_days == 45


def test_the_payment_term_is_shown_but_not_offered_without_the_right_to_issue(
        quarter, make_user, login):
    page = login(make_user("programme_manager", "UN")).get("/arrangements/SA-Q").get_data(
        as_text=True)
    assert 'id="payment-term-form"' not in page
    assert "a statement is due 30 days after its issue" in page
