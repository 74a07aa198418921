"""The statements feature answers the documents feature's record hooks (issue 13: statements
and payments take documents).

:mod:`jointprojects.documents.records` comes earlier in the feature order and cannot know
statements; it sends two signals the factory connects to these receivers
(``register_compositions`` in ``jointprojects/__init__.py``):

- :func:`statement_or_payment_exists`: a document attached to a ``statement`` (by number)
  or a ``payment`` (by id) names a record of the arrangement, or it is refused (404 naming
  the field);
- :func:`statement_or_payment_locked`: the documents of an agreed (or withdrawn) statement
  and of a payment whose receipt is confirmed stay: they can no longer be deleted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from jointprojects.extensions import db
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.statements.models import Payment, Statement


def _statement(sa: SpecialArrangement, number: int) -> Statement | None:
    return db.session.scalar(select(Statement).where(Statement.arrangement_id == sa.id,
                                                     Statement.number == number))


def _payment(sa: SpecialArrangement, payment_id: int) -> Payment | None:
    payment = db.session.get(Payment, payment_id)
    return payment if payment is not None and payment.arrangement_id == sa.id else None


def statement_or_payment_exists(_app: Any, *, kind: str, arrangement: SpecialArrangement,
                                key: int | None, **_: Any) -> bool | None:
    """Receiver of ``documents.records.record_exists``: True when ``arrangement`` has the
    statement number / payment id ``key``, False when not, None for another kind."""
    if kind not in ("statement", "payment"):
        return None
    if key is None or not 0 < key < 2**31:
        return False
    if kind == "statement":
        return _statement(arrangement, key) is not None
    return _payment(arrangement, key) is not None


def statement_or_payment_locked(_app: Any, *, kind: str, arrangement: SpecialArrangement,
                                key: int | None, **_: Any) -> str | None:
    """Receiver of ``documents.records.record_locked``: why a statement's or a payment's
    documents stay, or None while they may still be deleted."""
    if key is None or kind not in ("statement", "payment"):
        return None
    if kind == "statement":
        st = _statement(arrangement, key)
        if st is None:
            return None
        if st.status == "agreed":
            return (f"Statement {st.number} is agreed by every party: its documents stay.")
        if st.status == "withdrawn":
            return (f"Statement {st.number} is withdrawn and stays readable as it was: its "
                    "documents stay.")
        return None
    payment = _payment(arrangement, key)
    if payment is not None and payment.status == "received":
        return (f"The receipt of payment {payment.id} is confirmed: its documents (the bank "
                "advice) stay.")
    return None
