from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, text

from jointprojects.audit.models import AuditEntry
from jointprojects.expenses import recording
from jointprojects.extensions import db
from jointprojects.special_arrangements.models import Signature
from jointprojects.statements import services as statements
from reports.evidence import FIELDS
from tests.append_only import triggers_off
from tests.expenses.conftest import expense


@pytest.fixture()
def finance(make_user: Callable[..., Any]) -> Any:
    return make_user("finance")


def chain_rows() -> list[dict[str, Any]]:
    """Every audit row as the verifier reads it, in id order."""
    db.session.expire_all()
    return [{"id": e.id, "prev_hash": e.prev_hash, "hash": e.hash,
             **{name: getattr(e, name) for name in FIELDS}}
            for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


@pytest.fixture()
def books(make_arrangement: Any, finance: Any) -> dict[str, Any]:
    sa = make_arrangement()
    first = recording.record_expense(sa, expense(), finance)
    second = recording.record_expense(sa, expense(amount="40.00", paid_by="INTERPOL"), finance)
    db.session.commit()
    recording.update_expense(first, expense(amount="120.00"), first.version, finance)
    st = statements.issue_statement(sa, date(2025, 3, 31), None, finance)
    db.session.commit()
    signature = db.session.scalar(db.select(Signature).filter_by(arrangement_id=sa.id))
    return {"sa": sa, "first": first.id, "second": second.id, "statement": st.id,
            "signature": signature.id}


def _tamper(*statements_sql: str, **params: Any) -> None:
    conn = db.session.connection()
    with triggers_off(conn):
        for sql in statements_sql:
            conn.execute(text(sql), params)
    db.session.commit()
    db.session.expire_all()


def _rows() -> list[int]:
    return list(db.session.scalars(db.select(AuditEntry.id).order_by(AuditEntry.id)))
