"""Budgets of special arrangements: planned amounts (reporting currency) per cost category,
year and, optionally, the party funding them; budget versus actual from the monthly totals
(``expense_total``), and the overrun flags and warnings of the expense pages and API.

Services take plain data, validate everything first and raise one :class:`DomainError`;
they flush, never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, and_, func, or_, select, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from jointprojects.audit import services as audit
from jointprojects.budgets.models import Budget
from jointprojects.errors import Collector, Conflict, Message, NotFound, message_of
from jointprojects.expenses.figures import money_from_storage
from jointprojects.expenses.models import Expense, ExpensePart, ExpenseTotal
from jointprojects.expenses.recording import lock_arrangement
from jointprojects.extensions import db
from jointprojects.money import MAX_AMOUNT, MoneyError, minor_units, parse_decimal, round_money
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.totals import month_expression
from jointprojects.types import from_storage
from jointprojects.vocabulary import EXPENSE_CATEGORIES, phrase
from reports.data import BudgetLine


def set_budget(sa: SpecialArrangement, category: str | None, year: Any,
               organization: str | None, amount: Any, user: Any, note: str = "") -> Budget:
    """Plan ``amount`` (reporting currency) for a category and year, for the arrangement as
    a whole (``organization`` None) or for the party funding it. Replaces the line if it
    exists."""
    errors = Collector()
    if not category:
        errors.add("category", "Choose a category.")
    elif category not in EXPENSE_CATEGORIES:
        errors.add("category", Message("Unknown expense category %(category)r.",
                                       category=category))
    try:
        year_value = int(str(year).strip())
        if not 1900 <= year_value <= 9999:
            raise ValueError
    except ValueError:
        errors.add("year", "The year must be a year such as 2025.")
        year_value = 0
    party = None
    if organization:
        party = sa.party(organization)
        if party is None:
            errors.add("organization", Message("%(organization)s is not a party to "
                                               "%(reference)s.",
                                               organization=organization,
                                               reference=sa.reference))
    value = None
    try:
        value = parse_decimal(amount, places=minor_units(sa.currency))
        if value < 0:
            errors.add("amount", "A budget cannot be negative.")
        elif value >= MAX_AMOUNT:
            errors.add("amount", "The amount is too large.")
    except MoneyError as exc:
        errors.add("amount", Message("The amount %(problem)s.", problem=message_of(exc)))
    errors.raise_if_any()
    lock_arrangement(sa)  # NULL organizations escape the unique constraint: serialize the writers
    organization_id = party.organization_id if party else None
    budget = db.session.scalar(select(Budget).where(
        Budget.arrangement_id == sa.id, Budget.category == category, Budget.year == year_value,
        Budget.organization_id.is_(None) if organization_id is None
        else Budget.organization_id == organization_id))
    if budget is None:
        budget = Budget(arrangement_id=sa.id, category=category, year=year_value,
                        organization_id=organization_id, amount=value, note=(note or "").strip())
        db.session.add(budget)
        try:
            db.session.flush()
        except IntegrityError:
            raise Conflict("This budget line was entered by someone else just now; reload.",
                           "amount") from None
        audit.record("create", budget, parent=sa, user=user)
    else:
        before = audit.snapshot(budget)
        budget.amount, budget.note = value, (note or "").strip()  # type: ignore[assignment]  # not None: raise_if_any() raised otherwise
        audit.record("update", budget, parent=sa, before=before, user=user)
    return budget


def delete_budget(sa: SpecialArrangement, budget_id: int, user: Any) -> None:
    budget = db.session.get(Budget, budget_id)
    if budget is None or budget.arrangement_id != sa.id:
        raise NotFound(Message("Unknown budget line %(budget_id)s.", budget_id=budget_id), "id")
    audit.record("delete", budget, parent=sa, before=audit.snapshot(budget), after=None,
                 user=user)
    db.session.delete(budget)
    db.session.flush()


def _year_expression(column: Any) -> Any:
    return func.substr(column, 1, 4)


def budget_vs_actual(sa: SpecialArrangement) -> list[BudgetLine]:
    """Every budget line of ``sa`` with its actual, from the monthly totals."""
    budgets = db.session.scalars(
        select(Budget).where(Budget.arrangement_id == sa.id)
        .options(selectinload(Budget.organization))
        .order_by(Budget.year, Budget.category, Budget.organization_id.is_not(None),
                  Budget.organization_id)
    ).all()
    if not budgets:
        return []
    total = ExpenseTotal
    year = _year_expression(total.month)
    actual: dict[tuple[str, str, int], tuple[int, int]] = {}
    for category, y, org, share, paid in db.session.execute(
        select(total.category, year, total.organization_id,
               func.sum(type_coerce(total.share_amount, BigInteger)),
               func.sum(type_coerce(total.paid_amount, BigInteger)))
        .where(total.arrangement_id == sa.id)
        .group_by(total.category, year, total.organization_id)
    ):
        actual[(category, str(y), org)] = (int(share or 0), int(paid or 0))
    lines = []
    for b in budgets:
        key = str(b.year)
        if b.organization_id is None:
            raw = sum(paid for (c, y, _), (_, paid) in actual.items()
                      if c == b.category and y == key)
        else:
            raw = actual.get((b.category, key, b.organization_id), (0, 0))[0]
        lines.append(BudgetLine(
            id=b.id, category=b.category, year=b.year,
            organization=b.organization.code if b.organization else None,
            budget=round_money(b.amount, sa.currency), actual=money_from_storage(raw, sa.currency),
            note=b.note,
        ))
    return lines


def _category_budgets(sa: SpecialArrangement) -> dict[tuple[str, int], Decimal]:
    """Per (category, year): the arrangement-wide line, else the sum of the party lines."""
    whole: dict[tuple[str, int], Decimal] = {}
    parties: dict[tuple[str, int], Decimal] = {}
    for b in db.session.scalars(select(Budget).where(Budget.arrangement_id == sa.id)):
        target = whole if b.organization_id is None else parties
        target[(b.category, b.year)] = target.get((b.category, b.year), Decimal(0)) + b.amount
    return {**parties, **whole}


def budget_overruns(expense: Expense) -> list[str]:
    """Sentences for the budget lines this expense's category is past, counting the
    expenses of its year up to and including this one (date, then recording order)."""
    sa = expense.arrangement
    year = expense.date.year
    lines = db.session.scalars(select(Budget).where(
        Budget.arrangement_id == sa.id, Budget.category == expense.category, Budget.year == year)
        .options(selectinload(Budget.organization))).all()
    if not lines:
        return []
    up_to = [
        Expense.arrangement_id == sa.id, Expense.category == expense.category,
        Expense.date >= date(year, 1, 1),
        or_(Expense.date < expense.date, and_(Expense.date == expense.date,
                                              Expense.id <= expense.id)),
    ]
    messages = []
    label = phrase(expense.category)
    whole = [b for b in lines if b.organization_id is None]
    budget = whole[0].amount if whole else sum((b.amount for b in lines), Decimal(0))
    spent = from_storage(db.session.scalar(
        select(func.sum(type_coerce(Expense.reporting_amount, BigInteger))).where(*up_to)))
    if spent > budget:
        messages.append(
            f"Over budget: {label} for {year} stands at {_fmt(spent, sa.currency)} against "
            f"a budget of {_fmt(budget, sa.currency)} {sa.currency}.")
    for b in lines:
        if b.organization is None:
            continue
        part = from_storage(db.session.scalar(
            select(func.sum(type_coerce(ExpensePart.amount, BigInteger)))
            .join(Expense, Expense.id == ExpensePart.expense_id)
            .where(*up_to, ExpensePart.organization_id == b.organization_id)))
        if part > b.amount:
            messages.append(
                f"Over budget: {b.organization.code}'s part of {label} for {year} stands at "
                f"{_fmt(part, sa.currency)} against its budget of "
                f"{_fmt(b.amount, sa.currency)} {sa.currency}.")
    return messages


def over_budget_ids(sa: SpecialArrangement, expense_ids: Sequence[int]) -> set[int]:
    """Among ``expense_ids``, those after which their category's year is past its budget
    (arrangement-wide line, else the sum of the party lines)."""
    budgets = _category_budgets(sa)
    if not budgets or not expense_ids:
        return set()
    year = _year_expression(month_expression(Expense.date))
    running = (
        select(Expense.id.label("id"), Expense.category.label("category"), year.label("year"),
               func.sum(type_coerce(Expense.reporting_amount, BigInteger)).over(
                   partition_by=(Expense.category, year), order_by=(Expense.date, Expense.id)
               ).label("spent"))
        .where(Expense.arrangement_id == sa.id,
               Expense.category.in_({c for c, _ in budgets}))
        .subquery()
    )
    flagged = set()
    for expense_id, category, y, spent in db.session.execute(
        select(running.c.id, running.c.category, running.c.year, running.c.spent)
        .where(running.c.id.in_(list(expense_ids)))
    ):
        budget = budgets.get((category, int(y)))
        if budget is not None and from_storage(spent) > budget:
            flagged.add(expense_id)
    return flagged


def _fmt(amount: Decimal, currency: str) -> str:
    return f"{round_money(amount, currency):,}"

