"""Helpers for the expense tests: a finance user, expense data, totals recomputed in Python."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from jointprojects.expenses.checks import ExpenseData
from jointprojects.expenses.models import Expense, ExpensePart, ExpenseTotal
from jointprojects.extensions import db


@pytest.fixture()
def finance(make_user: Callable[..., Any]) -> Any:
    return make_user("finance", "UN")


def expense(**overrides: Any) -> ExpenseData:
    """A travel expense of 100.00 USD paid by UN on 3 February 2025, unless overridden."""
    data = ExpenseData(date=date(2025, 2, 3), category="travel", amount="100.00",
                       currency="USD", paid_by="UN", description="Trainer travel")
    for key, value in overrides.items():
        setattr(data, key, value)
    return data


def parts(e: Expense) -> dict[str, Decimal]:
    """The expense's parts by organization code, read from the database."""
    db.session.expire(e)
    return {p.organization.code: p.amount for p in e.parts}


def totals_table(arrangement_id: int) -> dict[tuple[str, str, int], tuple[Decimal, ...]]:
    rows = db.session.scalars(db.select(ExpenseTotal).filter_by(arrangement_id=arrangement_id))
    return {
        (t.month, t.category, t.organization_id):
            (t.share_amount, t.paid_amount, t.unallocated, Decimal(t.expense_count))
        for t in rows
    }


def totals_fresh(arrangement_id: int) -> dict[tuple[str, str, int], tuple[Decimal, ...]]:
    """The monthly totals computed in Python from every expense and part."""
    zero = Decimal(0)
    result: dict[tuple[str, str, int], list[Decimal]] = {}
    expenses = db.session.scalars(db.select(Expense).filter_by(arrangement_id=arrangement_id))
    for e in expenses:
        month = e.date.strftime("%Y-%m")
        payer = result.setdefault((month, e.category, e.paid_by_id), [zero] * 4)
        payer[1] += e.reporting_amount
        payer[2] += e.unallocated
        payer[3] += 1
        for p in db.session.scalars(db.select(ExpensePart).filter_by(expense_id=e.id)):
            result.setdefault((month, e.category, p.organization_id), [zero] * 4)[0] += p.amount
    return {key: tuple(values) for key, values in result.items()}
