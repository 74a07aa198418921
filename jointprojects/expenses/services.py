"""Expenses of special arrangements (Art. 5: a special arrangement "shall determine the
expenses payable by each" Organization): the getters and the database's dialect that the
expense modules share. The rest has one module per job:

* :mod:`jointprojects.expenses.checks`: an expense validated against its arrangement
  (rules 1, 2, 5), converted with :mod:`jointprojects.exchange_rates`;
* :mod:`jointprojects.expenses.recording`: record, update, delete (one by one or the bulk
  path), and the parts of each expense kept derived (rules 4-6);
* :mod:`jointprojects.expenses.figures`: the cost split with its settlement (rule 7) and the
  expense queries of the lists;
* :mod:`jointprojects.totals`: the monthly totals (``expense_total``) and roll-ups;
* :mod:`jointprojects.budgets` and :mod:`jointprojects.exchange_rates`: their own features.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from jointprojects.audit.models import AuditEntry
from jointprojects.errors import Message, NotFound
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.special_arrangements.models import SpecialArrangement
from reports.evidence import REALLOCATION, reallocated_expense

# --- reading ---------------------------------------------------------------------------------

def get_expense(expense_id: int, sa: SpecialArrangement | None = None) -> Expense:
    """The expense, or NotFound (also when it belongs to another arrangement than ``sa``)."""
    expense = db.session.get(Expense, expense_id)
    if expense is None or (sa is not None and expense.arrangement_id != sa.id):
        raise NotFound(Message("Unknown expense %(expense_id)s.", expense_id=expense_id), "id")
    return expense


def expense_history(expense: Expense) -> list[AuditEntry]:
    """The audit rows of one expense, newest first, with its share of each re-allocation
    that changed it: the re-allocation's batch row that lists it (action ``reallocate`` on
    the arrangement, found by the batch's first and last expense id), as an entry of the
    expense's own (not stored: ``after`` is the expense's figures and the cause)."""
    own = list(db.session.scalars(
        select(AuditEntry).filter_by(entity="expense", entity_id=expense.id)
        .order_by(AuditEntry.id.desc())))
    batch = AuditEntry.after[REALLOCATION]
    shares = []
    for row in db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "reallocate", AuditEntry.entity == "special_arrangement",
            AuditEntry.entity_id == expense.arrangement_id,
            batch["first"].as_integer() <= expense.id, batch["last"].as_integer() >= expense.id)
    ):
        figures = dict(reallocated_expense(row.after or {}, expense.id) or {})
        if not figures:
            continue  # in the batch's span, but not changed by it
        figures["cause"] = (row.after or {})[REALLOCATION].get("cause")
        entry = AuditEntry(id=row.id, at=row.at, user_id=row.user_id, action=row.action,
                           entity="expense", entity_id=expense.id,
                           parent_entity=row.parent_entity, parent_id=row.parent_id,
                           before=None, after=figures)
        set_committed_value(entry, "user", row.user)
        shares.append(entry)
    return sorted([*own, *shares], key=lambda e: e.id, reverse=True)


# --- the database's dialect (months in SQL: jointprojects.totals) ------------------------------

def _dialect() -> str:
    return db.session.get_bind().dialect.name
