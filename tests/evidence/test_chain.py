"""The hash chain of the audit log (DOMAIN.md rule 15): every row links to the one before,
and the database refuses to change or remove a row."""

from __future__ import annotations

from itertools import pairwise

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from jointprojects.audit import services as audit
from jointprojects.audit.models import AuditEntry
from jointprojects.expenses import recording
from jointprojects.extensions import db
from reports.evidence import GENESIS, check_chain, row_hash
from tests.evidence.conftest import chain_rows
from tests.expenses.conftest import expense


def test_every_change_joins_one_unbroken_chain(make_arrangement, finance):
    sa = make_arrangement()
    e = recording.record_expense(sa, expense(), finance)
    db.session.commit()
    recording.update_expense(e, expense(amount="150.00"), e.version, finance)
    audit.security_event("login", finance)
    db.session.commit()
    rows = chain_rows()
    assert len(rows) >= 4
    assert rows[0]["prev_hash"] == GENESIS
    assert all(a["hash"] == b["prev_hash"] for a, b in pairwise(rows))
    assert check_chain(rows) is None
    assert rows[-1]["hash"] == row_hash(rows[-1]["prev_hash"], rows[-1])


def test_a_batch_of_rows_joins_the_chain_in_order(make_arrangement):
    sa = make_arrangement()
    audit.record_many("create", [("expense", 9001, {"amount": "1.00"}),
                                 ("expense", 9002, {"amount": "2.00"})], parent=sa)
    audit.security_event("login", None, email="x@example.org")
    db.session.commit()
    rows = chain_rows()
    assert [r["entity_id"] for r in rows[-3:]] == [9001, 9002, 0]
    assert check_chain(rows) is None


def test_a_savepoint_rolled_back_leaves_no_gap_in_the_chain(make_arrangement, finance):
    sa = make_arrangement()
    savepoint = db.session.begin_nested()
    recording.record_expense(sa, expense(), finance)
    savepoint.rollback()
    recording.record_expense(sa, expense(amount="7.00"), finance)
    db.session.commit()
    assert check_chain(chain_rows()) is None


@pytest.mark.parametrize("sql", [
    "UPDATE audit_entry SET action = 'forged'",
    "DELETE FROM audit_entry",
])
def test_the_database_refuses_to_change_or_remove_an_audit_row(make_arrangement, sql):
    make_arrangement()
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(sql))
    db.session.rollback()
    assert db.session.query(AuditEntry).count() > 0


def test_a_changed_row_is_named_by_the_chain_check(make_arrangement, finance):
    sa = make_arrangement()
    recording.record_expense(sa, expense(), finance)
    db.session.commit()
    rows = chain_rows()
    rows[1]["after"] = {**rows[1]["after"], "amount": "1.0000"}
    problem = check_chain(rows)
    assert problem is not None and f"audit row #{rows[1]['id']}" in problem.message
    swapped = [rows[0], rows[2], rows[1], *rows[3:]]
    problem = check_chain(chain_rows()[:1] + swapped[1:])
    assert problem is not None and f"audit row #{rows[2]['id']}" in problem.message
