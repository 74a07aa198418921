"""Concurrent writers on PostgreSQL never fork the chain: the chain-head row is locked by
the first append of a transaction until it ends."""

from __future__ import annotations

from typing import Any

from jointprojects.auth.models import User
from jointprojects.expenses import recording
from jointprojects.extensions import db
from jointprojects.special_arrangements.models import SpecialArrangement
from reports.evidence import check_chain
from tests.concurrency import POSTGRES_ONLY, in_other_session
from tests.evidence.conftest import chain_rows
from tests.expenses.conftest import expense

pytestmark = POSTGRES_ONLY


def test_two_sessions_recording_expenses_at_once_leave_one_chain(app, make_arrangement,
                                                                  finance):
    sa = make_arrangement()
    db.session.commit()
    sa_id, finance_id = sa.id, finance.id
    recording.record_expense(sa, expense(), finance)  # holds the chain head, not committed

    def second() -> Any:
        return recording.record_expense(db.session.get(SpecialArrangement, sa_id),
                                        expense(amount="9.00"), db.session.get(User, finance_id))

    threads = [in_other_session(app, second) for _ in range(3)]
    threads[0].join(timeout=1)
    assert threads[0].is_alive(), "the other appends must wait for the chain head"
    db.session.commit()
    for thread in threads:
        thread.join(timeout=20)
        assert thread.error is None, thread.error
    rows = chain_rows()
    assert sum(1 for r in rows if r["entity"] == "expense" and r["action"] == "create") == 4
    assert check_chain(rows) is None
    assert len({r["prev_hash"] for r in rows}) == len(rows)  # no two rows share a parent
