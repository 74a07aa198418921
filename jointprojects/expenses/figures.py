"""Figures of an arrangement's expenses: the cost split with its settlement (DOMAIN.md rule
7), exact integer SQL sums of the stored parts (whole months from ``expense_total``, the
days at either end from the expenses), and the queries behind the expense lists. Reads
only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Select, func, lateral, select, true, type_coerce
from sqlalchemy.orm import selectinload

from jointprojects.dates import month_of
from jointprojects.dates import next_month as _next_month
from jointprojects.errors import DomainError, Message
from jointprojects.expenses.models import Expense, ExpensePart, ExpenseTotal
from jointprojects.expenses.services import _dialect
from jointprojects.extensions import db
from jointprojects.money import round_money
from jointprojects.organizations.models import Organization
from jointprojects.special_arrangements import allocation
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.types import from_storage
from reports.data import CostSplit, PartyFigures


@dataclass
class _Sums:
    share: dict[int, int]
    paid: dict[int, int]
    unallocated: int = 0
    count: int = 0


def _full_month_span(date_from: date | None, date_to: date | None
                     ) -> tuple[date | None, date | None] | None:
    """The whole months inside [date_from, date_to] as [start, end) or None if none."""
    start = date_from if date_from is None or date_from.day == 1 else _next_month(date_from)
    if date_to is None:
        end = None
    else:
        after = date_to + timedelta(days=1)
        end = after if after.day == 1 else date(date_to.year, date_to.month, 1)
    if start is not None and end is not None and start >= end:
        return None
    return start, end


def _sums(sa: SpecialArrangement, date_from: date | None = None, date_to: date | None = None,
          category: str | None = None, paid_by_id: int | None = None) -> _Sums:
    """Exact integer sums (storage scale) over the expenses of ``sa`` in the period.

    Whole months come from ``expense_total`` (kept equal to the expenses in the same
    transaction); the days of partial months at either end, or every day when filtering by
    payer, from ``expense`` and ``expense_part`` directly.
    """
    sums = _Sums(share={}, paid={})
    ranges: list[tuple[date | None, date | None]] = []  # [start, end) over the base tables
    span = None if paid_by_id is not None else _full_month_span(date_from, date_to)
    if span is None:
        ranges.append((date_from, None if date_to is None else date_to + timedelta(days=1)))
    else:
        start, end = span
        if date_from is not None and start is not None and date_from < start:
            ranges.append((date_from, start))
        if date_to is not None and end is not None and end <= date_to:
            ranges.append((end, date_to + timedelta(days=1)))
        total = ExpenseTotal
        condition = [total.arrangement_id == sa.id]
        if start is not None:
            condition.append(total.month >= month_of(start))
        if end is not None:
            condition.append(total.month < month_of(end))
        if category:
            condition.append(total.category == category)
        for org, share, paid, unallocated, count in db.session.execute(
            select(total.organization_id,
                   func.sum(type_coerce(total.share_amount, BigInteger)),
                   func.sum(type_coerce(total.paid_amount, BigInteger)),
                   func.sum(type_coerce(total.unallocated, BigInteger)),
                   func.sum(total.expense_count))
            .where(*condition).group_by(total.organization_id)
        ):
            _add(sums, org, share, paid, unallocated, count)
    for start, end in ranges:
        condition = [Expense.arrangement_id == sa.id]
        if start is not None:
            condition.append(Expense.date >= start)
        if end is not None:
            condition.append(Expense.date < end)
        if category:
            condition.append(Expense.category == category)
        if paid_by_id is not None:
            condition.append(Expense.paid_by_id == paid_by_id)
        short = start is not None and end is not None and (end - start).days <= 31
        for org, share in db.session.execute(_parts_sum(condition, short)):
            _add(sums, org, share, 0, 0, 0)
        for org, paid, unallocated, count in db.session.execute(
            select(Expense.paid_by_id, func.sum(type_coerce(Expense.reporting_amount, BigInteger)),
                   func.sum(type_coerce(Expense.unallocated, BigInteger)), func.count())
            .where(*condition).group_by(Expense.paid_by_id)
        ):
            _add(sums, org, 0, paid, unallocated, count)
    return sums


def _parts_sum(condition: list[Any], short: bool) -> Select[int, int]:
    """``(organization_id, SUM(part))`` over the expenses matching ``condition``.

    For a few weeks of expenses PostgreSQL would still hash-join the whole ``expense_part``
    table (its cost model prefers one sequential scan to thousands of index look-ups, ten
    times slower here on a million expenses); a LATERAL subquery behind ``OFFSET 0`` (which
    the planner does not flatten) makes it look the parts up by primary key instead. SQLite
    does that by itself.
    """
    if short and _dialect() == "postgresql":
        parts = lateral(
            select(ExpensePart.organization_id.label("organization_id"),
                   type_coerce(ExpensePart.amount, BigInteger).label("amount"))
            .where(ExpensePart.expense_id == Expense.id).offset(0)
        )
        return (select(parts.c.organization_id, func.sum(parts.c.amount))
                .select_from(Expense).join(parts, true()).where(*condition)
                .group_by(parts.c.organization_id))
    return (select(ExpensePart.organization_id,
                   func.sum(type_coerce(ExpensePart.amount, BigInteger)))
            .join(Expense, Expense.id == ExpensePart.expense_id).where(*condition)
            .group_by(ExpensePart.organization_id))


def _add(sums: _Sums, org: int, share: Any, paid: Any, unallocated: Any, count: Any) -> None:
    sums.share[org] = sums.share.get(org, 0) + int(share or 0)
    sums.paid[org] = sums.paid.get(org, 0) + int(paid or 0)
    sums.unallocated += int(unallocated or 0)
    sums.count += int(count or 0)


def money_from_storage(raw: int, currency: str) -> Decimal:
    """A sum in raw storage integers as money of ``currency`` (its minor units)."""
    return round_money(from_storage(raw), currency)


def cost_split(sa: SpecialArrangement, date_from: date | None = None,
               date_to: date | None = None, *, category: str | None = None,
               paid_by: str | None = None) -> CostSplit:
    """Per party its share, what it paid and its balance over the period, with the
    settlement transfers (rule 7). Exact: the figures are integer SQL sums of the stored
    parts, so they equal the sum of the expenses' parts to the cent."""
    if date_from and date_to and date_to < date_from:
        raise DomainError("The period ends before it starts.", "to")
    paid_by_id = None
    if paid_by:
        party = sa.party(paid_by)
        if party is None:
            raise DomainError(Message("%(paid_by)s is not a party to %(reference)s.",
                                      paid_by=paid_by, reference=sa.reference), "paid_by")
        paid_by_id = party.organization_id
    sums = _sums(sa, date_from, date_to, category, paid_by_id)
    currency = sa.currency
    zero = Decimal(0)
    lines = []
    for p in sa.parties:
        share = money_from_storage(sums.share.get(p.organization_id, 0), currency)
        paid = money_from_storage(sums.paid.get(p.organization_id, 0), currency)
        lines.append(PartyFigures(p.organization.code, share, paid, paid - share))
    total = sum((line.paid for line in lines), zero)
    settlements = allocation.settle({line.organization: line.balance for line in lines})
    return CostSplit(
        currency=currency, date_from=date_from, date_to=date_to,
        total=round_money(total, currency),
        unallocated=money_from_storage(sums.unallocated, currency),
        expense_count=sums.count, organizations=tuple(lines), settlements=tuple(settlements),
    )


# --- listing ---------------------------------------------------------------------------------

@dataclass
class ExpenseFilter:
    date_from: date | None = None
    date_to: date | None = None
    category: str | None = None
    paid_by: str | None = None
    arrangement: str | None = None


def expense_query(sa: SpecialArrangement | None, filters: ExpenseFilter) -> Select[Any]:
    """Expenses in the order of rule 6 (date, then recording order)."""
    query = select(Expense).order_by(Expense.date, Expense.id)
    if sa is not None:
        query = query.where(Expense.arrangement_id == sa.id)
    elif filters.arrangement:
        query = query.join(SpecialArrangement, SpecialArrangement.id == Expense.arrangement_id) \
            .where(SpecialArrangement.reference == filters.arrangement)
    if filters.date_from:
        query = query.where(Expense.date >= filters.date_from)
    if filters.date_to:
        query = query.where(Expense.date <= filters.date_to)
    if filters.category:
        query = query.where(Expense.category == filters.category)
    if filters.paid_by:
        query = query.join(Organization, Organization.id == Expense.paid_by_id) \
            .where(Organization.code == filters.paid_by)
    return query.options(selectinload(Expense.paid_by))


def parts_of(expense_ids: Sequence[int]) -> dict[int, dict[str, Decimal]]:
    """Each expense's parts by organization code, in one query."""
    result: dict[int, dict[str, Decimal]] = {expense_id: {} for expense_id in expense_ids}
    if not expense_ids:
        return result
    for expense_id, code, amount in db.session.execute(
        select(ExpensePart.expense_id, Organization.code, ExpensePart.amount)
        .join(Organization, Organization.id == ExpensePart.organization_id)
        .where(ExpensePart.expense_id.in_(list(expense_ids)))
    ):
        result[expense_id][code] = amount
    return result



def adjustments_of(expense_ids: Sequence[int]) -> dict[int, list[int]]:
    """The ids of the adjustments correcting each of ``expense_ids`` (rule 11), one query."""
    result: dict[int, list[int]] = {}
    if not expense_ids:
        return result
    for original, adjustment in db.session.execute(
        select(Expense.adjusts_id, Expense.id)
        .where(Expense.adjusts_id.in_(list(expense_ids))).order_by(Expense.id)
    ):
        if original is not None:
            result.setdefault(original, []).append(adjustment)
    return result
