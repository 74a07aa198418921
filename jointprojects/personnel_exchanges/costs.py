"""Personnel costs in the reporting currency of the organization that bears them (Art. 8).

Each cost item is borne wholly by one organization (never split by an arrangement's shares)
and converted into that organization's reporting currency with the monthly rate table
(:func:`jointprojects.exchange_rates.services.convert_amount`, exactly as expenses are
converted); totals are per bearing organization. Plain data for the pages, the API and
``reports/``, in a constant number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from jointprojects.exchange_rates.services import RateBook, convert_amount
from jointprojects.extensions import db
from jointprojects.personnel_exchanges.models import ExchangeCostItem, PersonnelExchange
from jointprojects.personnel_exchanges.queries import with_relations
from jointprojects.personnel_exchanges.services import current_day

# --- money: reporting currency ----------------------------------------------------------------


def rate_month(item: ExchangeCostItem, exchange: PersonnelExchange) -> str:
    """The month whose rate converts a cost item: its period's start, else the exchange's."""
    return (item.period_start or exchange.start_date).strftime("%Y-%m")


@dataclass(frozen=True)
class PersonnelCostRow:
    """One cost item of one exchange, as plain data for reports and pages."""

    exchange_id: int
    cost_item_id: int
    staff_id: str
    person_name: str
    home: str
    host: str
    position: str
    duty_station: str
    start: date
    end: date
    status: str
    arrangement: str | None
    category: str
    borne_by: str
    amount: Decimal
    currency: str
    period_start: date | None
    period_end: date | None
    #: The month whose rate applies (YYYY-MM).
    rate_month: str
    #: The currency the bearing organization reports in.
    reporting_currency: str
    #: ``amount`` in ``reporting_currency``; None when the month's rate is missing.
    reporting_amount: Decimal | None


@dataclass(frozen=True)
class OrganizationCostTotal:
    organization: str
    currency: str
    #: Sum of the converted items (exact SUM of rounded amounts, as the rows show them).
    amount: Decimal
    items: int
    #: Items left out of ``amount`` because their month's rate is missing.
    missing_rates: int


@dataclass(frozen=True)
class PersonnelCosts:
    rows: list[PersonnelCostRow]
    totals: list[OrganizationCostTotal]
    #: (currency, month) pairs with no rate in the table, sorted.
    missing_rates: list[tuple[str, str]]

    @property
    def complete(self) -> bool:
        return not self.missing_rates


def cost_lines(exchanges: list[PersonnelExchange], on: date | None = None) -> PersonnelCosts:
    """The cost rows and per-organization totals of ``exchanges`` (cancelled ones included
    only if passed in). One query for the rates."""
    on = on or current_day()
    pairs: set[tuple[str, str]] = set()
    for ex in exchanges:
        for item in ex.cost_items:
            month = rate_month(item, ex)
            pairs.add((item.currency, month))
            pairs.add((item.borne_by.currency, month))
    book = RateBook(pairs)
    rows: list[PersonnelCostRow] = []
    missing: set[tuple[str, str]] = set()
    for ex in exchanges:
        for item in ex.cost_items:
            month = rate_month(item, ex)
            target = item.borne_by.currency
            converted = convert_amount(item.amount, item.currency, target, month, book)
            if converted is None:
                missing.update((cur, month) for cur in (item.currency, target)
                               if book.per_usd(cur, month) is None)
            rows.append(PersonnelCostRow(
                exchange_id=ex.id, cost_item_id=item.id, staff_id=ex.staff_id,
                person_name=ex.person_name,
                home=ex.home_organization.code, host=ex.host_organization.code,
                position=ex.position, duty_station=ex.duty_station, start=ex.start_date,
                end=ex.end_date, status=ex.status_on(on),
                arrangement=ex.arrangement.reference if ex.arrangement else None,
                category=item.category, borne_by=item.borne_by.code, amount=item.amount,
                currency=item.currency, period_start=item.period_start,
                period_end=item.period_end, rate_month=month, reporting_currency=target,
                reporting_amount=converted,
            ))
    totals = totals_of(rows)
    return PersonnelCosts(rows, totals, sorted(missing))


def totals_of(rows: list[PersonnelCostRow]) -> list[OrganizationCostTotal]:
    """Per bearing organization, the sum of the rows' reporting amounts (in its reporting
    currency), by organization code."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    missing: dict[str, int] = defaultdict(int)
    currencies: dict[str, str] = {}
    for row in rows:
        currencies[row.borne_by] = row.reporting_currency
        counts[row.borne_by] += 1
        if row.reporting_amount is None:
            missing[row.borne_by] += 1
        else:
            sums[row.borne_by] += row.reporting_amount
    return [
        OrganizationCostTotal(organization=code, currency=currencies[code], amount=sums[code],
                              items=counts[code], missing_rates=missing[code])
        for code in sorted(counts)
    ]


def cost_loader_options() -> list[Any]:
    """Loader options so that costs of many exchanges come in a constant number of queries."""
    return [
        selectinload(PersonnelExchange.cost_items).selectinload(ExchangeCostItem.borne_by),
        selectinload(PersonnelExchange.extensions),
    ]


def personnel_cost_rows(arrangement_id: int | None = None,
                        on: date | None = None, visible: Any = None) -> PersonnelCosts:
    """Every cost item of the exchanges that are not cancelled (those linked to the special
    arrangement ``arrangement_id`` when given), with per-organization totals in each
    organization's reporting currency. Plain data for reports/ (no Flask, no ORM objects).
    A constant number of queries. ``visible``: the viewer's
    ``policy.visible_exchanges_clause`` (None: the operator, every exchange)."""
    query = (
        select(PersonnelExchange)
        .where(PersonnelExchange.status != "cancelled")
        .options(*cost_loader_options())
        .order_by(PersonnelExchange.start_date, PersonnelExchange.id)
    )
    if arrangement_id is not None:
        query = query.where(PersonnelExchange.arrangement_id == arrangement_id)
    if visible is not None:
        query = query.where(visible)
    exchanges = list(db.session.scalars(with_relations(query)))
    return cost_lines(exchanges, on)
