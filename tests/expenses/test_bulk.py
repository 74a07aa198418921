"""Recording a batch in bulk stores what recording its expenses one by one stores."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from jointprojects.audit.models import AuditEntry
from jointprojects.errors import DomainError
from jointprojects.exchange_rates import services as rate_services
from jointprojects.expenses import checks, recording
from jointprojects.expenses.models import Expense, ExpensePart, ExpenseTotal
from jointprojects.extensions import db
from jointprojects.special_arrangements.services import CeilingData
from tests.expenses.conftest import expense, totals_fresh, totals_table

VOLATILE = {"id", "arrangement_id", "created_at", "updated_at"}


def _items(seed: int, n: int, start: date) -> list[checks.ExpenseData]:
    rng = random.Random(seed)  # noqa: S311 - test data
    items = []
    for _ in range(n):
        currency = rng.choice(["USD", "EUR", "JPY"])
        amount = (f"{rng.randint(1, 40000)}" if currency == "JPY"
                  else f"{rng.randint(1, 90000) / 100:.2f}")
        if rng.random() < 0.1:
            amount = f"-{amount}"  # a refund
        rate = rng.choice([None, "0.9", "150.5"]) if currency != "USD" else None
        if rate is not None:
            rate = "0.9" if currency == "EUR" else "150.5"
        items.append(expense(
            date=start + timedelta(days=rng.randint(0, 80)),
            category=rng.choice(["travel", "training", "equipment"]), amount=amount,
            currency=currency, paid_by=rng.choice(["UN", "INTERPOL"]), exchange_rate=rate,
            description=f"item {rng.randint(0, 10**6)}"))
    return items


def _stored(sa: Any) -> list[tuple[Any, ...]]:
    """Each expense in recording order with its parts, figures and audit row."""
    result = []
    expenses = db.session.scalars(db.select(Expense).filter_by(arrangement_id=sa.id)
                                  .order_by(Expense.id)).all()
    for e in expenses:
        parts = {p.organization.code: p.amount for p in db.session.scalars(
            db.select(ExpensePart).filter_by(expense_id=e.id))}
        # The create row; a reallocation of a recorded expense has rows of its own.
        entries = db.session.scalars(db.select(AuditEntry).filter_by(
            entity="expense", entity_id=e.id, action="create")).all()
        assert len(entries) == 1 and entries[0].parent_id == sa.id
        after = {k: v for k, v in entries[0].after.items() if k not in VOLATILE}
        result.append((e.date, e.category, e.amount, e.currency, e.exchange_rate,
                       e.reporting_amount, e.unallocated, e.share_version_number, parts,
                       entries[0].action, entries[0].before, after))
    return result


def _totals(sa: Any) -> dict[Any, Any]:
    assert totals_table(sa.id) == totals_fresh(sa.id)
    return totals_table(sa.id)


@pytest.mark.parametrize("with_ceilings", [False, True])
def test_bulk_and_one_by_one_store_the_same(make_arrangement, make_user, with_ceilings):
    finance = make_user("finance", "UN")
    ceilings = [CeilingData("INTERPOL", "2500.00")] if with_ceilings else []
    one, bulk = make_arrangement(ceilings=ceilings), make_arrangement(ceilings=ceilings)
    for month in ("2025-03", "2025-04", "2025-05", "2025-06"):
        rate_services.set_rate("EUR", month, "0.9137", "", finance)
        rate_services.set_rate("JPY", month, "151.25", "", finance)
    later, earlier = _items(1, 60, date(2025, 4, 1)), _items(2, 40, date(2025, 3, 1))
    for batch in (later, earlier):  # the second batch is dated before the first
        for item in batch:
            recording.record_expense(one, item, finance)
        stored = recording.record_expenses(bulk, batch, finance)
        assert len(stored) == len(batch)
        assert all(e.parts for e in stored)
    db.session.commit()
    stored_one, stored_bulk = _stored(one), _stored(bulk)
    if with_ceilings:
        # An audit row tells the allocation when the expense was recorded: one by one, an
        # expense of the batch dated earlier moves the parts of those recorded before it.
        for rows in (stored_one, stored_bulk):
            for row in rows:
                row[-1].pop("allocation"), row[-1].pop("unallocated")
                row[-1].pop("share_version_number")
    assert stored_one == stored_bulk
    assert len(_stored(bulk)) == 100
    if with_ceilings:
        assert any(row[8]["INTERPOL"] == 0 for row in stored_bulk)  # the ceiling was reached
    assert _totals(one) == _totals(bulk)


def test_the_import_batch_returns_what_it_stored(make_arrangement, make_user):
    finance = make_user("finance", "UN")
    sa = make_arrangement(ceilings=[CeilingData("UN", "100.00")])
    recorded = recording.record_expense_batch(sa, [expense(amount="150.00"), expense()], finance)
    db.session.commit()
    assert [r.parts for r in recorded] == [
        {"UN": Decimal("82.50"), "INTERPOL": Decimal("67.50")},
        {"UN": Decimal("17.50"), "INTERPOL": Decimal("82.50")},  # UN reached its ceiling
    ]
    e = db.session.get(Expense, recorded[1].id)
    assert {p.organization.code: p.amount for p in e.parts} == recorded[1].parts
    assert e.paid_by.code == recorded[1].paid_by == "UN"


def test_a_bad_row_in_the_middle_of_a_big_batch_stores_nothing(make_arrangement, make_user):
    finance = make_user("finance", "UN")
    sa = make_arrangement()
    items = [expense(description=f"row {i}") for i in range(3000)]
    items[1500] = expense(currency="EUR", date=date(2020, 1, 1))
    items[2000] = expense(paid_by="UNODC")
    for record in (recording.record_expenses, recording.record_expense_batch):
        with pytest.raises(DomainError) as caught:
            record(sa, items, finance)
        fields = {e.field for e in caught.value.errors}
        assert {"rows[1500].date", "rows[2000].paid_by"} <= fields
        assert all(f.startswith(("rows[1500].", "rows[2000].")) for f in fields)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Expense)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(ExpenseTotal)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)
                             .filter_by(entity="expense")) == 0


def test_check_expenses_names_bad_rows_and_stores_nothing(make_arrangement, make_user):
    sa = make_arrangement()
    checks.check_expenses(sa, [expense(), expense(amount="2.50")])
    with pytest.raises(DomainError) as caught:
        checks.check_expenses(sa, [expense(), expense(category="lunch")], prefix="lines")
    assert [e.field for e in caught.value.errors] == ["lines[1].category"]
    db.session.flush()
    assert db.session.scalar(db.select(db.func.count()).select_from(Expense)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)
                             .filter_by(entity="expense")) == 0
