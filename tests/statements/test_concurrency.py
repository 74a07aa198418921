"""Issuing a statement takes the arrangement's lock (issue 12, item 7): an expense recorded
at the same moment on another connection either commits before the statement (and is in
it) or is refused; two issuers at once get one statement and a 409. PostgreSQL, two real
sessions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from jointprojects.errors import Conflict
from jointprojects.expenses import recording
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.statements import services
from jointprojects.statements.models import Statement
from tests.concurrency import POSTGRES_ONLY, in_other_session
from tests.statements.conftest import expense

pytestmark = POSTGRES_ONLY

Q1 = date(2025, 3, 31)


def _user(user_id: int) -> Any:
    from jointprojects.auth.models import User

    return db.session.get(User, user_id)


def _arrangement(sa_id: int) -> SpecialArrangement:
    return db.session.get(SpecialArrangement, sa_id)


def test_an_expense_recorded_first_is_counted_by_the_statement_that_waited(
        app, quarter, finance):
    sa_id, finance_id = quarter.id, finance.id
    recording.record_expense(quarter, expense(date(2025, 3, 30), "50.00"), finance)  # locked

    def issue() -> Any:
        st = services.issue_statement(_arrangement(sa_id), Q1, None, _user(finance_id))
        return st.id

    thread = in_other_session(app, issue)
    thread.join(timeout=1)
    assert thread.is_alive(), "issuing must wait for the expense's lock"
    db.session.commit()
    thread.join(timeout=30)
    assert thread.error is None, thread.error
    db.session.expire_all()
    st = db.session.get(Statement, thread.result)
    assert st.expense_count == 3
    paid = {p.organization.code: p.paid for p in st.parties}
    assert paid["UN"] == Decimal("1050.00")


def test_an_expense_waiting_behind_the_statement_is_refused(app, quarter, finance):
    sa_id, finance_id = quarter.id, finance.id
    services.issue_statement(quarter, Q1, None, finance)  # holds the lock, not committed

    def record() -> Any:
        return recording.record_expense(_arrangement(sa_id), expense(date(2025, 3, 30)),
                                        _user(finance_id)).id

    thread = in_other_session(app, record)
    thread.join(timeout=1)
    assert thread.is_alive(), "the expense must wait for the statement's lock"
    db.session.commit()
    thread.join(timeout=30)
    assert isinstance(thread.error, Conflict), thread.error
    assert "statement 1 of SA-Q" in str(thread.error)
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Expense)) == 2
    assert db.session.scalar(db.select(Statement)).expense_count == 2


def test_two_issuers_at_once_get_one_statement_and_a_409(app, quarter, finance, make_user):
    sa_id = quarter.id
    other = make_user("finance", "INTERPOL")
    other_id = other.id
    services.issue_statement(quarter, Q1, None, finance)

    thread = in_other_session(app, lambda: services.issue_statement(
        _arrangement(sa_id), Q1, None, _user(other_id)).number)
    thread.join(timeout=1)
    assert thread.is_alive()
    db.session.commit()
    thread.join(timeout=30)
    assert isinstance(thread.error, Conflict), thread.error
    assert db.session.scalar(db.select(db.func.count()).select_from(Statement)) == 1
