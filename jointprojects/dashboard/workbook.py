"""The plain data of the portfolio workbook (``reports.portfolio``), from the dashboard's
filters and the same SQL aggregates: per arrangement its spend, shares and unallocated from
``expense_total``, its budget; the projects and the personnel exchanges."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, type_coerce

from jointprojects.auth.models import utcnow
from jointprojects.budgets.models import Budget
from jointprojects.dashboard.figures import ZERO
from jointprojects.dashboard.filters import Filters, _arrangement_where, _project_where, describe
from jointprojects.expenses.models import ExpenseTotal
from jointprojects.extensions import db
from jointprojects.i18n import current_language, translate
from jointprojects.organizations.models import Area, Organization
from jointprojects.personnel_exchanges import queries as personnel
from jointprojects.personnel_exchanges.models import ExchangeCostItem, PersonnelExchange
from jointprojects.projects.models import Project, project_area
from jointprojects.special_arrangements import queries as arrangements
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.types import Money
from reports.data import (
    ArrangementSummary,
    Party,
    PersonnelExchangeRow,
    PortfolioData,
    ProjectRow,
)

# --- the portfolio workbook ------------------------------------------------------------------

def portfolio_data(filters: Filters | None = None, today: date | None = None,
                   generated_by: str = "") -> PortfolioData:
    """The plain data of the portfolio workbook (``reports.portfolio``), from the same
    filters and SQL aggregates as the dashboard: per arrangement its spend, shares and
    unallocated from ``expense_total`` (months of the period), its budget (years of the
    period). A constant number of queries."""
    filters = filters or Filters()
    today = today or date.today()
    sa = SpecialArrangement

    areas_of: dict[int, list[str]] = {}
    for project_id, code in db.session.execute(
        select(project_area.c.project_id, Area.code).join(Area)
        .where(project_area.c.project_id.in_(select(Project.id)
                                             .where(*_project_where(filters))))
        .order_by(Area.code)
    ):
        areas_of.setdefault(project_id, []).append(code)
    projects = [
        ProjectRow(code, title, status, tuple(areas_of.get(project_id, ())), lead, start, end)
        for project_id, code, title, status, lead, start, end in db.session.execute(
            select(Project.id, Project.code, Project.title, Project.status, Organization.code,
                   Project.start_date, Project.end_date)
            .join(Organization, Organization.id == Project.lead_organization_id)
            .where(*_project_where(filters)).order_by(Project.code))
    ]

    def total(column: Any) -> Any:
        return type_coerce(func.sum(column), Money)

    sums: dict[int, dict[str, tuple[Decimal, Decimal, Decimal]]] = {}
    et = ExpenseTotal
    month_where = []
    if filters.start:
        month_where.append(et.month >= filters.start)
    if filters.end:
        month_where.append(et.month <= filters.end)
    for arrangement_id, code, share, paid, unallocated in db.session.execute(
        select(et.arrangement_id, Organization.code, total(et.share_amount),
               total(et.paid_amount), total(et.unallocated))
        .join(Organization, Organization.id == et.organization_id)
        .where(et.arrangement_id.in_(select(sa.id).where(*_arrangement_where(filters))),
               *month_where)
        .group_by(et.arrangement_id, Organization.code)
    ):
        sums.setdefault(arrangement_id, {})[code] = (share or ZERO, paid or ZERO,
                                                      unallocated or ZERO)
    first_year, last_year = filters.budget_years
    budget_where: list[Any]
    budget_where = [Budget.arrangement_id.in_(select(sa.id).where(*_arrangement_where(filters)))]
    if first_year:
        budget_where.append(Budget.year >= first_year)
    if last_year:
        budget_where.append(Budget.year <= last_year)
    budgets: dict[int, Decimal] = dict(db.session.execute(
        select(Budget.arrangement_id, total(Budget.amount)).where(*budget_where)
        .group_by(Budget.arrangement_id)).all())
    under_notice = arrangements.due_clause("notice", today)
    rows = db.session.execute(
        select(sa.id, sa.reference, sa.title, Project.code, sa.kind,
               arrangements.status_on_clause(today), sa.currency,
               sa.termination_effective_date, under_notice)
        .join(Project, Project.id == sa.project_id)
        .where(*_arrangement_where(filters)).order_by(sa.reference))
    summaries = []
    for arrangement_id, ref, title, project, kind, status, currency, ends, noticed in rows:
        parts = sums.get(arrangement_id, {})
        summaries.append(ArrangementSummary(
            reference=ref, project=project, kind=kind, status=status, currency=currency,
            spend=sum((p[1] for p in parts.values()), ZERO),
            shares={code: p[0] for code, p in parts.items()},
            budget=budgets.get(arrangement_id),
            under_notice=ends if noticed else None, title=title,
            unallocated=sum((p[2] for p in parts.values()), ZERO),
        ))

    organizations = [Party(code, name) for code, name in db.session.execute(
        select(Organization.code, Organization.name).order_by(Organization.code))]
    # The areas as the dashboard names them (Area.label): "(a) National and ...".
    area_names = {code: f"({code}) {title}" for code, title in db.session.execute(
        select(Area.code, Area.title).order_by(Area.code))}
    return PortfolioData(
        projects=tuple(projects), arrangements=tuple(summaries),
        personnel=tuple(_personnel_rows(filters, today)),
        organizations=tuple(organizations), generated_at=utcnow(), generated_by=generated_by,
        filters=describe(filters), area_names=area_names,
        language=current_language(), translate=translate,  # the reader's (or ?lang=)
    )


def _personnel_rows(filters: Filters, today: date) -> list[PersonnelExchangeRow]:
    query = personnel.exchange_query(organization=filters.organization or None, on=today)
    if filters.area_id:
        query = query.where(PersonnelExchange.arrangement_id.in_(
            select(SpecialArrangement.id).where(*_arrangement_where(filters))))
    exchanges = list(db.session.scalars(query))
    costs: dict[int, list[tuple[str, Decimal]]] = {}
    if exchanges:
        for exchange_id, currency, amount in db.session.execute(
            select(ExchangeCostItem.exchange_id, ExchangeCostItem.currency,
                   type_coerce(func.sum(ExchangeCostItem.amount), Money))
            .where(ExchangeCostItem.exchange_id.in_(query.with_only_columns(
                PersonnelExchange.id).order_by(None)))
            .group_by(ExchangeCostItem.exchange_id, ExchangeCostItem.currency)
            .order_by(ExchangeCostItem.currency)
        ):
            costs.setdefault(exchange_id, []).append((currency, amount))
    return [
        PersonnelExchangeRow(staff=x.person_name, home=x.home_organization.code,
                 host=x.host_organization.code, position=x.position, start_date=x.start_date,
                 end_date=x.end_date, status=x.status_on(today),
                 arrangement=x.arrangement.reference if x.arrangement else "",
                 costs=tuple(costs.get(x.id, ())))
        for x in exchanges
    ]
