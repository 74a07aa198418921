"""No lost updates: two users at once, each with its own session and connection to
PostgreSQL (threads with their own application context), behave as one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, text

from jointprojects.errors import Conflict
from jointprojects.expenses import recording
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.projects.models import Project
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.special_arrangements.services import CeilingData
from tests.concurrency import POSTGRES_ONLY, in_other_session
from tests.expenses.conftest import expense, parts, totals_fresh, totals_table

pytestmark = POSTGRES_ONLY


def _user(user_id: int) -> Any:
    from jointprojects.auth.models import User

    return db.session.get(User, user_id)


def test_two_users_saving_one_expense_at_once_do_not_overwrite_each_other(
        app, make_arrangement, finance):
    sa = make_arrangement()
    e = recording.record_expense(sa, expense(), finance)
    db.session.commit()
    expense_id, finance_id = e.id, finance.id
    recording.update_expense(e, expense(amount="150.00"), 1, finance)  # not committed yet

    def second() -> Any:
        mine = db.session.get(Expense, expense_id)
        assert mine.version == 1  # read before the first save is committed
        return recording.update_expense(mine, expense(amount="999.00"), 1, _user(finance_id))

    thread = in_other_session(app, second)
    thread.join(timeout=1)
    assert thread.is_alive(), "the second save must wait for the first one's lock"
    db.session.commit()
    thread.join(timeout=10)
    assert isinstance(thread.error, Conflict)
    assert "Someone else changed" in str(thread.error)
    db.session.expire_all()
    saved = db.session.get(Expense, expense_id)
    assert (saved.amount, saved.version) == (Decimal("150.00"), 2)
    assert parts(saved) == {"UN": Decimal("82.50"), "INTERPOL": Decimal("67.50")}


def test_a_save_based_on_a_version_changed_meanwhile_is_a_conflict(app, make_arrangement,
                                                                    finance):
    sa = make_arrangement()
    e = recording.record_expense(sa, expense(), finance)
    db.session.commit()
    assert e.version == 1  # loaded in this session, then someone else saves and commits
    expense_id, finance_id = e.id, finance.id
    thread = in_other_session(app, lambda: recording.update_expense(
        db.session.get(Expense, expense_id), expense(amount="120.00"), 1, _user(finance_id)))
    thread.join(timeout=10)
    assert thread.error is None
    # the UPDATE ... WHERE version = 1 finds no row
    with pytest.raises(Conflict, match="Someone else changed or deleted this expense"):
        recording.update_expense(e, expense(amount="999.00"), None, finance)
    db.session.rollback()
    assert db.session.get(Expense, expense_id).amount == Decimal("120.00")


def test_deleting_an_expense_someone_else_just_changed_is_a_conflict(app, make_arrangement,
                                                                     finance):
    sa = make_arrangement()
    e = recording.record_expense(sa, expense(), finance)
    db.session.commit()
    assert e.version == 1
    expense_id, finance_id = e.id, finance.id
    in_other_session(app, lambda: recording.update_expense(
        db.session.get(Expense, expense_id), expense(amount="120.00"), 1,
        _user(finance_id))).join(timeout=10)
    with pytest.raises(Conflict, match="Someone else changed or deleted this expense"):
        recording.delete_expense(e, None, finance)
    db.session.rollback()
    assert db.session.get(Expense, expense_id) is not None


def test_expenses_recorded_at_once_are_allocated_in_order_under_ceilings(
        app, make_arrangement, finance):
    sa = make_arrangement(ceilings=[CeilingData("INTERPOL", "50.00")])
    sa_id, finance_id = sa.id, finance.id
    first = recording.record_expense(sa, expense(date=date(2025, 2, 1)), finance)

    def second() -> Any:
        mine = db.session.get(SpecialArrangement, sa_id)
        return recording.record_expense(mine, expense(date=date(2025, 2, 2)),
                                       _user(finance_id)).id

    thread = in_other_session(app, second)
    thread.join(timeout=1)
    assert thread.is_alive(), "the second expense must wait for the first one's allocation"
    db.session.commit()
    thread.join(timeout=10)
    assert thread.error is None
    assert parts(first) == {"UN": Decimal("55.00"), "INTERPOL": Decimal("45.00")}
    later = db.session.get(Expense, thread.result)
    assert parts(later) == {"UN": Decimal("95.00"), "INTERPOL": Decimal("5.00")}
    assert totals_table(sa_id) == totals_fresh(sa_id)


def _change_in_another_connection(sql: str, **params: Any) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)


def _race_on_first_flush(table: str, row_id: int, column: str, value: str) -> Any:
    """Just before this session's first flush, another connection changes the row and
    bumps its version: the two saves overlap at the worst moment."""
    session = db.session()
    fired: list[bool] = []

    def before_flush(*_args: Any) -> None:
        if not fired:
            fired.append(True)
            _change_in_another_connection(
                f'UPDATE "{table}" SET {column} = :v, version = version + 1 '
                "WHERE id = :id", v=value, id=row_id)

    event.listen(session, "before_flush", before_flush)
    return lambda: event.remove(session, "before_flush", before_flush)


def test_a_project_saved_by_two_users_at_once_keeps_the_first_save(login, make_user,
                                                                   make_project):
    project = make_project(title="Original title")
    web = login(make_user("programme_manager", "INTERPOL"))  # the lead organization's
    page = web.get(f"/projects/{project.code}/edit").get_data(as_text=True)
    from tests.conftest import csrf_from

    stop = _race_on_first_flush("project", project.id, "title", "Saved first")
    try:
        r = web.client.post(f"/projects/{project.code}/edit", data={
            "csrf_token": csrf_from(page), "code": project.code, "title": "Saved second",
            "description": "", "areas": ["b"], "lead_organization": "INTERPOL",
            "start_date": "2025-01-01", "end_date": "", "status": "planned", "version": "1"})
    finally:
        stop()
    assert r.status_code == 409
    assert "Someone else changed this record" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Project, project.id).title == "Saved first"


def test_a_draft_arrangement_saved_by_two_users_at_once_keeps_the_first_save(
        login, make_user, make_arrangement):
    sa = make_arrangement(signed=False, title="Original title")
    web = login(make_user("programme_manager"))
    page = web.get(f"/arrangements/{sa.reference}/edit").get_data(as_text=True)
    from tests.conftest import csrf_from

    form = {
        "csrf_token": csrf_from(page), "reference": sa.reference, "project": sa.project.code,
        "title": "Saved second", "kind": "joint_action", "currency": "USD",
        "start_date": "2025-01-01", "end_date": "", "version": "1",
        "modalities-0-organization": "UN", "modalities-1-organization": "INTERPOL",
        "shares-0-category": "", "shares-0-organization": "UN", "shares-0-percent": "55",
        "shares-1-category": "", "shares-1-organization": "INTERPOL", "shares-1-percent": "45",
    }
    stop = _race_on_first_flush("special_arrangement", sa.id, "title", "Saved first")
    try:
        r = web.client.post(f"/arrangements/{sa.reference}/edit", data=form)
    finally:
        stop()
    assert r.status_code == 409
    assert "Someone else changed this record" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SpecialArrangement, sa.id).title == "Saved first"
