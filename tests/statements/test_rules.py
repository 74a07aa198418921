"""Statements, closed periods, acceptance, withdrawal and payments (DOMAIN.md rules 10-13)
through the services, and the frozen workbook."""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest

from jointprojects.audit.models import AuditEntry
from jointprojects.errors import Conflict, DomainError, Forbidden
from jointprojects.exchange_rates.services import set_rate
from jointprojects.expenses import recording
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.reporting.imports import ImportFailed, import_expenses
from jointprojects.special_arrangements import amendments
from jointprojects.special_arrangements.services import ShareData
from jointprojects.statements import payments, services
from jointprojects.statements.models import Statement
from tests.statements.conftest import expense

D = Decimal
Q1 = date(2025, 3, 31)


def _issue(sa, user, to=Q1):
    st = services.issue_statement(sa, to, None, user)
    db.session.commit()
    return st


def test_a_statement_freezes_the_period_and_its_workbook(quarter, finance):
    st = _issue(quarter, finance)
    assert (st.number, st.date_from, st.date_to, st.status) == (1, date(2025, 1, 1), Q1,
                                                                 "issued")
    assert st.due_date == date.today() + timedelta(days=30)
    lines = {p.organization.code: p for p in st.parties}
    assert (lines["UN"].share, lines["UN"].paid, lines["UN"].closing_balance) == (
        D("660.00"), D("1000.00"), D("340.00"))
    assert [(t.from_organization.code, t.to_organization.code, t.amount)
            for t in st.transfers] == [("INTERPOL", "UN", D("340.00"))]
    assert st.share_versions == "1"
    workbook = services.workbook_of(st)
    assert hashlib.sha256(workbook.content).hexdigest() == st.sha256 == workbook.sha256
    wb = openpyxl.load_workbook(io.BytesIO(workbook.content))
    assert wb.sheetnames[:2] == ["Statement", "Adjustments of closed periods"]
    assert "Summary" in wb.sheetnames and "Expenses" in wb.sheetnames
    assert quarter.closed_through == Q1 and quarter.closed_by_statement == 1
    entry = db.session.scalar(db.select(AuditEntry).filter_by(entity="statement",
                                                              action="issue"))
    assert entry.after["parties"]["UN"]["closing_balance"] == "340.00"


def test_the_period_follows_the_previous_statement_and_ends_by_today(quarter, finance):
    with pytest.raises(DomainError) as error:
        services.issue_statement(quarter, date.today() + timedelta(days=1), None, finance)
    assert error.value.errors[0].field == "to"
    _issue(quarter, finance, date(2025, 1, 31))
    with pytest.raises(Conflict, match="statement 1 of SA-Q"):  # already closed: 409
        services.issue_statement(quarter, date(2025, 1, 15), None, finance)
    second = _issue(quarter, finance)
    assert (second.number, second.date_from) == (2, date(2025, 2, 1))


def test_only_finance_users_and_admins_issue(quarter, make_user):
    with pytest.raises(Forbidden):
        services.issue_statement(quarter, Q1, None, make_user("programme_manager", "UN"))
    with pytest.raises(Forbidden):
        services.issue_statement(quarter, Q1, None, make_user("leadership", "INTERPOL"))


def test_a_closed_period_refuses_every_expense_write(quarter, finance):
    _issue(quarter, finance)
    closed = db.session.scalar(db.select(Expense).filter_by(arrangement_id=quarter.id,
                                                            date=date(2025, 2, 10)))
    with pytest.raises(Conflict, match="closed by statement 1 of SA-Q, up to 31 March 2025"):
        recording.record_expense(quarter, expense(date(2025, 3, 31)), finance)
    with pytest.raises(Conflict):
        recording.update_expense(closed, expense(date(2025, 2, 10), "900.00"), None, finance)
    open_one = recording.record_expense(quarter, expense(date(2025, 4, 2)), finance)
    with pytest.raises(Conflict):  # nor moved into it
        recording.update_expense(open_one, expense(date(2025, 3, 30)), None, finance)
    with pytest.raises(Conflict):
        recording.delete_expense(closed, None, finance)
    with pytest.raises(DomainError) as error:  # a batch names its rows, nothing stored
        recording.record_expenses(quarter, [expense(date(2025, 4, 3)),
                                            expense(date(2025, 1, 3))], finance)
    assert [e.field for e in error.value.errors] == ["rows[1].date"]
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Expense).where(
        Expense.arrangement_id == quarter.id)) == 2


def test_an_import_names_the_rows_of_a_closed_period_and_stores_nothing(quarter, finance):
    _issue(quarter, finance)
    csv = (b"date,category,description,amount,currency,paid_by\n"
           b"2025-04-02,travel,Open,10.00,USD,UN\n"
           b"2025-03-02,travel,Closed,10.00,USD,UN\n")
    with pytest.raises(ImportFailed) as failed:
        import_expenses(quarter, "expenses.csv", csv, finance)
    assert [p.row for p in failed.value.problems] == [3]
    assert "statement 1 of SA-Q" in failed.value.problems[0].message
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Expense)) == 2


def test_an_amendment_cannot_take_effect_in_a_closed_period(quarter, finance, make_user):
    pm = make_user("programme_manager", "UN")
    shares = [ShareData("UN", "50"), ShareData("INTERPOL", "50")]
    pending = amendments.propose_amendment(quarter, date(2025, 3, 1), shares, [], "Even", pm)
    db.session.commit()
    _issue(quarter, finance)
    with pytest.raises(Conflict, match="statement 1 of SA-Q"):
        amendments.propose_amendment(quarter, Q1, shares, [], "Even", pm)
    # a pending amendment effective inside the closed period cannot come into force either
    with pytest.raises(Conflict, match="statement 1 of SA-Q"):
        amendments.consent(quarter, pending, "UN", date(2025, 4, 1), pm)


def test_reallocation_and_rate_changes_never_touch_a_closed_expense(
        make_arrangement, finance, make_user):
    admin = make_user("admin", "UN")
    sa = make_arrangement(reference="SA-R")
    usd = recording.record_expense(sa, expense(date(2025, 3, 5)), finance)
    set_rate("EUR", "2025-03", "0.9", "test", admin)
    in_euros = recording.record_expense(sa, _eur(date(2025, 3, 6)), finance)
    db.session.commit()
    before = {e.id: ({p.organization.code: p.amount for p in e.parts}, e.reporting_amount)
              for e in (usd, in_euros)}
    _issue(sa, finance)
    set_rate("EUR", "2025-03", "0.5", "corrected", admin)  # a rate corrected later
    recording.reallocate(sa)  # a full re-allocation (as after an amendment)
    db.session.commit()
    db.session.expire_all()
    for e in (usd, in_euros):
        e = db.session.get(Expense, e.id)
        assert ({p.organization.code: p.amount for p in e.parts}, e.reporting_amount) == \
            before[e.id]


def _eur(day):
    data = expense(day, "90.00")
    data.currency = "EUR"
    return data


def test_adjustments_name_the_expense_and_a_reason_and_appear_in_the_next_workbook(
        quarter, finance):
    _issue(quarter, finance)
    original = db.session.scalar(db.select(Expense).filter_by(date=date(2025, 2, 10)))
    with pytest.raises(DomainError) as error:
        recording.record_expense(quarter, expense(date(2025, 4, 2), "-100.00",
                                                  adjusts=original.id), finance)
    assert {e.field for e in error.value.errors} == {"reason"}
    with pytest.raises(DomainError) as error:
        recording.record_expense(quarter, expense(date(2025, 4, 2), "-100.00", adjusts=99999,
                                                  reason="x"), finance)
    assert {e.field for e in error.value.errors} == {"adjusts"}
    adjustment = recording.record_expense(quarter, expense(
        date(2025, 4, 2), "-100.00", adjusts=original.id, reason="Hotel refund"), finance)
    db.session.commit()
    assert adjustment.adjusts_id == original.id and original.adjustments == [adjustment]
    st2 = _issue(quarter, finance, date(2025, 6, 30))
    wb = openpyxl.load_workbook(io.BytesIO(services.workbook_of(st2).content))
    rows = list(wb["Adjustments of closed periods"].iter_rows(values_only=True))
    assert rows[1][0] == adjustment.id and rows[1][6] == original.id
    assert rows[1][9] == "Hotel refund"


def test_acceptance_per_party_disputes_and_the_right_organization(quarter, finance,
                                                                   make_user):
    st = _issue(quarter, finance)
    interpol = make_user("finance", "INTERPOL")
    with pytest.raises(Forbidden):
        services.acknowledge(quarter, st, "UN", "accept", None, interpol)
    with pytest.raises(DomainError) as error:
        services.acknowledge(quarter, st, "INTERPOL", "dispute", "", interpol)
    assert error.value.errors[0].field == "reason"
    with pytest.raises(Forbidden):
        services.acknowledge(quarter, st, "UN", "accept", None,
                             make_user("programme_manager", "UN"))
    services.acknowledge(quarter, st, "UN", "accept", None, finance)
    assert st.status == "issued"
    services.acknowledge(quarter, st, "INTERPOL", "dispute", "Hotel invoice twice", interpol)
    assert st.status == "disputed"
    with pytest.raises(Conflict):
        services.acknowledge(quarter, st, "INTERPOL", "accept", None, interpol)
    admin = make_user("admin", "UN")
    st_b = _issue(quarter, finance, date(2025, 4, 30))
    ack = services.acknowledge(quarter, st_b, "INTERPOL", "accept", None, admin)
    assert ack.recorded_by_admin is True
    services.acknowledge(quarter, st_b, "UN", "accept", None, finance)
    assert st_b.status == "agreed"


def test_withdrawal_reopens_the_period_and_keeps_the_number(quarter, finance, make_user):
    st1 = _issue(quarter, finance, date(2025, 1, 31))
    st2 = _issue(quarter, finance)
    interpol = make_user("finance", "INTERPOL")
    with pytest.raises(Forbidden):  # only the issuer's organization (or an admin)
        services.withdraw_statement(quarter, st2, "wrong", interpol)
    with pytest.raises(DomainError):
        services.withdraw_statement(quarter, st2, " ", finance)
    with pytest.raises(Conflict, match="latest"):
        services.withdraw_statement(quarter, st1, "not the latest", finance)
    services.withdraw_statement(quarter, st2, "The March invoices were missing", finance)
    db.session.commit()
    assert st2.status == "withdrawn" and quarter.closed_through == date(2025, 1, 31)
    recording.record_expense(quarter, expense(date(2025, 3, 31)), finance)  # open again
    st3 = _issue(quarter, finance)
    assert (st3.number, st3.date_from) == (3, date(2025, 2, 1))
    assert services.get_statement(quarter, 2).status == "withdrawn"


def test_payments_partial_refused_above_outstanding_and_only_by_the_payer(
        quarter, finance, make_user):
    st = _issue(quarter, finance)
    interpol = make_user("finance", "INTERPOL")
    data = payments.PaymentData("INTERPOL", "UN", "100.00", date(2025, 4, 3), "B-1")
    with pytest.raises(Forbidden):
        payments.record_payment(quarter, st, data, finance)
    with pytest.raises(DomainError) as error:
        payments.record_payment(quarter, st, payments.PaymentData(
            "UN", "INTERPOL", "1.00", date(2025, 4, 3), "B-0"), make_user("admin", "UN"))
    assert error.value.errors[0].field == "to"  # no such transfer
    with pytest.raises(DomainError) as error:
        payments.record_payment(quarter, st, payments.PaymentData(
            "INTERPOL", "UN", "1.00", date(2025, 3, 31), "B-0"), interpol)
    assert error.value.errors[0].field == "date"  # in the closed period
    payments.record_payment(quarter, st, data, interpol)
    payments.record_payment(quarter, st, payments.PaymentData(
        "INTERPOL", "UN", "200.00", date(2025, 4, 4), "B-2"), interpol)
    with pytest.raises(DomainError, match=r"more than the 40\.00 USD outstanding"):
        payments.record_payment(quarter, st, payments.PaymentData(
            "INTERPOL", "UN", "40.01", date(2025, 4, 5), "B-3"), interpol)
    state = payments.transfer_states(st)[0]
    assert (state.paid, state.outstanding, state.status) == (D("300.00"), D("40.00"),
                                                             "partly_paid")
    payment = st.payments[0]
    with pytest.raises(DomainError):  # only the receiving party
        payments.confirm_receipt(payment, "INTERPOL", date(2025, 4, 6), interpol)
    with pytest.raises(Forbidden):
        payments.confirm_receipt(payment, "UN", date(2025, 4, 6), interpol)
    payments.confirm_receipt(payment, "UN", date(2025, 4, 6), finance)
    assert payment.status == "received" and payment.received_on == date(2025, 4, 6)
    with pytest.raises(Conflict):
        payments.confirm_receipt(payment, "UN", date(2025, 4, 6), finance)
    assert payments.transfer_states(st, st.due_date + timedelta(days=1))[0].overdue
    assert not payments.transfer_states(st, st.due_date)[0].overdue


def test_payment_messages_name_fields_in_words_and_write_amounts_as_the_pages(
        quarter, finance, make_user):
    st = _issue(quarter, finance)
    interpol = make_user("finance", "INTERPOL")
    with pytest.raises(DomainError) as error:
        payments.record_payment(quarter, st, payments.PaymentData(
            "", "", "", None, ""), interpol)
    assert {(e.field, e.message) for e in error.value.errors} == {
        ("from", "Choose the paying party."), ("to", "Choose the receiving party."),
        ("amount", "Enter the amount."), ("date", "Enter the date of the payment."),
        ("reference", "Enter the bank reference of the payment.")}
    with pytest.raises(DomainError) as error:
        payments.record_payment(quarter, st, payments.PaymentData(
            "INTERPOL", "UN", "1234567.00", date(2025, 4, 3), "B-1"), interpol)
    assert str(error.value).startswith(
        "The amount 1,234,567.00 USD is more than the 340.00 USD outstanding"), str(error.value)


def test_the_workbook_is_served_as_stored(quarter, finance, api):
    st = _issue(quarter, finance)
    client = api("finance", "INTERPOL")
    first = client.get("/api/v1/arrangements/SA-Q/statements/1.xlsx")
    # anything that changes afterwards (a later expense, a rate) does not change the bytes
    recording.record_expense(quarter, expense(date(2025, 4, 2)), finance)
    db.session.commit()
    second = client.get("/api/v1/arrangements/SA-Q/statements/1.xlsx")
    assert first.data == second.data == services.workbook_of(st).content
    assert hashlib.sha256(second.data).hexdigest() == st.sha256
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).filter_by(
        entity="statement", action="download")) == 2


def test_the_statement_sheet_recalculated_equals_the_api(quarter, finance, api, libreoffice):
    client = api("finance", "UN")
    st = client.post("/api/v1/arrangements/SA-Q/statements", {"to": "2025-03-31"}).get_json()
    blob = client.get("/api/v1/arrangements/SA-Q/statements/1.xlsx").data
    values = openpyxl.load_workbook(libreoffice(blob), data_only=True)["Statement"]
    rows: dict = {}
    for r in values.iter_rows(values_only=True):
        if r and r[0]:
            rows.setdefault(r[0], r)  # the parties' figures come before the acceptance block
    for party in st["organizations"]:
        row = rows[party["organization"]]
        got = [D(str(v)).quantize(D("0.01")) for v in row[2:9]]
        assert got == [D(party[k]) for k in (
            "opening_balance", "share", "paid", "balance", "payments_made",
            "payments_received", "closing_balance")]
    total = rows["Total"]
    assert D(str(total[8])).quantize(D("0.01")) == sum(
        D(p["closing_balance"]) for p in st["organizations"])


def test_statements_are_numbered_once_per_arrangement(quarter, finance):
    _issue(quarter, finance, date(2025, 1, 31))
    assert db.session.scalar(db.select(db.func.max(Statement.number))) == 1


def test_the_command_line_issues_and_shows_a_statement(quarter, runner):
    result = runner.invoke(args=["statement", "issue", "SA-Q", "--to", "2025-03-31"])
    assert result.exit_code == 0, result.output
    assert "Statement 1 of SA-Q: 2025-01-01 to 2025-03-31, issued" in result.output
    assert "transfer INTERPOL -> UN 340.00" in result.output
    again = runner.invoke(args=["statement", "issue", "SA-Q", "--to", "2025-03-31"])
    assert again.exit_code == 1 and "statement 1 of SA-Q" in again.output
    shown = runner.invoke(args=["statement", "show", "SA-Q", "1"])
    assert shown.exit_code == 0 and "UN" in shown.output and "340.00" in shown.output
    st = services.get_statement(quarter, 1)
    assert st.issued_for is None and st.issued_by_admin is True
    assert runner.invoke(args=["statement", "show", "SA-Q", "2"]).exit_code == 1


def test_the_payment_term_is_configurable_per_arrangement(quarter, api):
    client = api("finance", "UN")
    assert client.put("/api/v1/arrangements/SA-Q/payment-term", {"days": 0}).status_code == 422
    r = client.put("/api/v1/arrangements/SA-Q/payment-term", {"days": 45})
    assert r.status_code == 200 and r.get_json() == {"arrangement": "SA-Q", "days": 45}
    assert api("programme_manager", "UN").put("/api/v1/arrangements/SA-Q/payment-term",
                                               {"days": 10}).status_code == 403
    st = client.post("/api/v1/arrangements/SA-Q/statements", {"to": "2025-03-31"}).get_json()
    assert st["due_date"] == (date.today() + timedelta(days=45)).isoformat()
    st2 = client.post("/api/v1/arrangements/SA-Q/statements",
                      {"to": "2025-04-30", "due_date": "2099-01-31"}).get_json()
    assert st2["due_date"] == "2099-01-31"


def test_the_issue_form_proposes_to_close_through_last_month_so_payments_can_follow(
        quarter, finance, login):
    """A payment is dated after the period's end (rule 13): the form proposes the last day
    of the previous month (else yesterday, else today), never a day no payment could follow
    until tomorrow."""
    assert services.suggested_end(quarter, today=date(2026, 12, 1)) == date(2026, 11, 30)
    assert services.suggested_end(quarter, today=date(2026, 12, 17)) == date(2026, 11, 30)
    assert services.suggested_end(quarter, today=date(2025, 1, 15)) == date(2025, 1, 14)
    assert services.suggested_end(quarter, today=date(2025, 1, 1)) == date(2025, 1, 1)
    page = login(finance).get("/arrangements/SA-Q").get_data(as_text=True)
    month_end = date.today().replace(day=1) - timedelta(days=1)
    assert f'name="to" value="{month_end.isoformat()}"' in page
