"""Portfolio figures for leadership, aggregated in SQL with a constant number of queries.

Counts use the same WHERE clauses as the list pages (``project_conditions``,
``arrangement_conditions``), so a figure and the list it links to always agree. Money comes
from ``portfolio_total`` and ``portfolio_budget`` (see :mod:`jointprojects.dashboard.models`),
kept up to date by triggers as expenses and budgets are written; it is grouped by the
arrangements' reporting currency and never added across currencies.

Filters (all optional, kept in the URL): ``from`` and ``to`` months (``YYYY-MM``) bound the
money figures (spend by expense month, budgets by year); ``organization`` keeps the projects
it leads or takes part in, the arrangements it is a party to and the exchanges it sends or
hosts; ``area`` (Art. 1 (a)-(f)) keeps what belongs to projects covering that area. Statuses
are read as they stand on ``today``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select, type_coerce

from jointprojects.auth.models import utcnow
from jointprojects.dashboard.models import PortfolioBudget as PB
from jointprojects.dashboard.models import PortfolioTotal as PT
from jointprojects.errors import Collector
from jointprojects.expenses.models import Budget, ExpenseTotal
from jointprojects.extensions import db
from jointprojects.money import to_json
from jointprojects.organizations.models import Area, Organization
from jointprojects.personnel_exchanges import services as personnel
from jointprojects.personnel_exchanges.models import ExchangeCostItem, PersonnelExchange
from jointprojects.projects.models import Project, project_area
from jointprojects.projects.services import project_conditions
from jointprojects.special_arrangements import services as arrangements
from jointprojects.special_arrangements.models import (
    ArrangementParty,
    Consent,
    ShareVersion,
    Signature,
    SpecialArrangement,
)
from jointprojects.types import Money
from jointprojects.vocabulary import PROJECT_STATUSES, label
from reports.data import (
    ArrangementSummary,
    Party,
    PersonnelExchangeRow,
    PortfolioData,
    ProjectRow,
)

#: Longest list shown for each "needs attention" figure; the count links to the full list.
LIST_LIMIT = 10
ZERO = Decimal(0)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


# --- filters ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    """The dashboard's filters, already checked; ids resolved for the SQL."""

    start: str | None = None  # first month, YYYY-MM
    end: str | None = None  # last month, YYYY-MM
    organization: str | None = None
    area: str | None = None
    organization_id: int | None = None
    area_id: int | None = None

    def args(self) -> dict[str, str]:
        """The filters as URL query parameters (empty ones left out)."""
        pairs = {"from": self.start, "to": self.end, "organization": self.organization,
                 "area": self.area}
        return {k: v for k, v in pairs.items() if v}

    @property
    def budget_years(self) -> tuple[int | None, int | None]:
        return (int(self.start[:4]) if self.start else None,
                int(self.end[:4]) if self.end else None)


def read_filters(args: Mapping[str, str], organizations: list[Organization] | None = None,
                 areas: list[Area] | None = None) -> Filters:
    """Check the query parameters ``from``, ``to``, ``organization``, ``area``.

    Raises :class:`~jointprojects.errors.DomainError` naming each bad parameter.
    """
    errors = Collector()
    months: dict[str, str | None] = {}
    for key in ("from", "to"):
        value = (args.get(key) or "").strip()
        if value and not _MONTH.match(value):
            errors.add(key, f"{key} must be a month written YYYY-MM, e.g. 2025-01.")
            value = ""
        months[key] = value or None
    if months["from"] and months["to"] and months["from"] > months["to"]:
        errors.add("to", "to must not be before from.")
    organization = (args.get("organization") or "").strip() or None
    area = (args.get("area") or "").strip() or None
    organization_id = area_id = None
    if organization:
        orgs = organizations if organizations is not None else list(
            db.session.scalars(select(Organization).where(Organization.code == organization)))
        organization_id = next((o.id for o in orgs if o.code == organization), None)
        if organization_id is None:
            errors.add("organization", f"Unknown organization {organization!r}.")
    if area:
        known = areas if areas is not None else list(
            db.session.scalars(select(Area).where(Area.code == area)))
        area_id = next((a.id for a in known if a.code == area), None)
        if area_id is None:
            errors.add("area", f"Unknown area of cooperation {area!r} (a to f).")
    errors.raise_if_any()
    return Filters(months["from"], months["to"], organization, area, organization_id, area_id)


# --- the figures -----------------------------------------------------------------------------

@dataclass
class Count:
    key: str
    label: str
    count: int


@dataclass
class ArrangementItem:
    reference: str
    title: str
    day: date | None  # the date that matters: effective termination, last day
    note: str = ""


@dataclass
class AmendmentItem:
    reference: str
    title: str
    number: int
    effective_date: date
    awaiting: list[str] = field(default_factory=list)


@dataclass
class ArrangementFigures:
    total: int = 0
    in_force: int = 0
    partly_signed: int = 0
    unsigned: int = 0
    under_notice: int = 0
    expiring: int = 0
    terminated: int = 0
    expired: int = 0
    under_notice_items: list[ArrangementItem] = field(default_factory=list)
    expiring_items: list[ArrangementItem] = field(default_factory=list)

    @property
    def awaiting_signature(self) -> int:
        return self.partly_signed + self.unsigned


@dataclass
class AmendmentFigures:
    awaiting_consent: int = 0
    by_organization: list[Count] = field(default_factory=list)
    items: list[AmendmentItem] = field(default_factory=list)


@dataclass
class PartyMoney:
    organization: str
    name: str
    budget: Decimal = ZERO
    share: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def balance(self) -> Decimal:
        """Positive: the others owe this party (DOMAIN.md rule 7)."""
        return self.paid - self.share


@dataclass
class MonthSpend:
    month: str
    spend: Decimal
    cumulative: Decimal

    @property
    def first_day(self) -> date:
        return date(int(self.month[:4]), int(self.month[5:]), 1)

    @property
    def last_day(self) -> date:
        first = self.first_day
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return date.fromordinal(following.toordinal() - 1)


@dataclass
class CurrencyMoney:
    """Budget and spend of the arrangements reporting in one currency."""

    currency: str
    budget: Decimal = ZERO
    budget_unassigned: Decimal = ZERO  # budget lines not assigned to one party
    spend: Decimal = ZERO
    unallocated: Decimal = ZERO
    expense_count: int = 0
    parties: list[PartyMoney] = field(default_factory=list)
    burn: list[MonthSpend] = field(default_factory=list)

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.spend

    @property
    def share_total(self) -> Decimal:
        return sum((p.share for p in self.parties), ZERO)

    @property
    def balance_total(self) -> Decimal:
        """Balances sum to zero, plus what ceilings left unallocated (DOMAIN.md rule 7)."""
        return sum((p.balance for p in self.parties), ZERO)


@dataclass
class PersonnelItem:
    exchange_id: int
    staff: str
    home: str
    host: str
    position: str
    end_date: date


@dataclass
class PersonnelFigures:
    ending_within_days: int
    on_exchange: int = 0
    on_exchange_by_host: list[Count] = field(default_factory=list)
    ending_soon: int = 0
    ending_items: list[PersonnelItem] = field(default_factory=list)
    awaiting_approval: int = 0


@dataclass
class Figures:
    today: date
    filters: Filters
    projects_by_status: list[Count]
    projects_by_area: list[Count]
    arrangements: ArrangementFigures
    amendments: AmendmentFigures
    money: list[CurrencyMoney]
    personnel: PersonnelFigures

    @property
    def projects_total(self) -> int:
        return sum(c.count for c in self.projects_by_status)


def portfolio_figures(filters: Filters | None = None, today: date | None = None) -> Figures:
    """Every figure of the dashboard, in a constant number of queries."""
    filters = filters or Filters()
    today = today or date.today()
    return Figures(
        today=today,
        filters=filters,
        projects_by_status=_projects_by_status(filters),
        projects_by_area=_projects_by_area(filters),
        arrangements=_arrangement_figures(filters, today),
        amendments=_amendment_figures(filters),
        money=_money(filters),
        personnel=_personnel(filters, today),
    )


# --- projects and arrangements ---------------------------------------------------------------

def _project_where(filters: Filters) -> list[Any]:
    return project_conditions(area=filters.area or "", organization=filters.organization or "")


def _arrangement_where(filters: Filters) -> list[Any]:
    return arrangements.arrangement_conditions(organization=filters.organization or "",
                                               area=filters.area or "")


def _projects_by_status(filters: Filters) -> list[Count]:
    counts = dict(db.session.execute(
        select(Project.status, func.count()).where(*_project_where(filters))
        .group_by(Project.status)).all())
    return [Count(s, label(s), int(counts.get(s, 0)))
            for s in PROJECT_STATUSES]


def _projects_by_area(filters: Filters) -> list[Count]:
    """Projects per area of cooperation; a project covering two areas counts in both."""
    projects = select(Project.id).where(*_project_where(filters))
    counted = (
        select(project_area.c.area_id, func.count().label("n"))
        .where(project_area.c.project_id.in_(projects))
        .group_by(project_area.c.area_id).subquery()
    )
    query = (select(Area.code, Area.title, func.coalesce(counted.c.n, 0))
             .outerjoin(counted, counted.c.area_id == Area.id).order_by(Area.code))
    if filters.area_id:
        query = query.where(Area.id == filters.area_id)
    return [Count(code, f"({code}) {title}", int(n))
            for code, title, n in db.session.execute(query)]


def _arrangement_figures(filters: Filters, today: date) -> ArrangementFigures:
    sa = SpecialArrangement
    in_force = arrangements.in_force_on_clause(today)
    status = arrangements.status_on_clause(today)
    signed = exists().where(Signature.arrangement_id == sa.id)
    row = db.session.execute(
        select(
            func.count(),
            func.count().filter(in_force),
            func.count().filter(sa.status == "draft", signed),
            func.count().filter(sa.status == "draft", ~signed),
            func.count().filter(arrangements.due_clause("notice", today)),
            func.count().filter(arrangements.due_clause("expiring", today)),
            func.count().filter(status == "terminated"),
            func.count().filter(status == "expired"),
        ).where(*_arrangement_where(filters))
    ).one()
    figures = ArrangementFigures(*(int(n or 0) for n in row))
    figures.under_notice_items = [
        ArrangementItem(ref, title, effective,
                        f"notice by {by} on {notice.isoformat()}" if notice else "")
        for ref, title, effective, notice, by in db.session.execute(
            select(sa.reference, sa.title, sa.termination_effective_date,
                   sa.termination_notice_date, Organization.code)
            .outerjoin(Organization, Organization.id == sa.terminated_by_id)
            .where(arrangements.due_clause("notice", today), *_arrangement_where(filters))
            .order_by(sa.termination_effective_date, sa.reference).limit(LIST_LIMIT))
    ]
    # The day it stops: the end date, or the day a termination takes effect if sooner.
    ends = _ends_on()
    figures.expiring_items = [
        ArrangementItem(ref, title, day, "termination takes effect" if noticed else "end date")
        for ref, title, day, noticed in db.session.execute(
            select(sa.reference, sa.title, ends, ends == sa.termination_effective_date)
            .where(arrangements.due_clause("expiring", today), *_arrangement_where(filters))
            .order_by(ends, sa.reference).limit(LIST_LIMIT))
    ]
    return figures


def _ends_on() -> Any:
    sa = SpecialArrangement
    return case(
        (and_(sa.termination_effective_date.is_not(None),
              or_(sa.end_date.is_(None), sa.termination_effective_date <= sa.end_date)),
         sa.termination_effective_date),
        else_=sa.end_date,
    )


def _amendment_figures(filters: Filters) -> AmendmentFigures:
    """Amendments awaiting consent (Art. 10.2 by analogy) and the parties still to consent."""
    sa, sv, ap = SpecialArrangement, ShareVersion, ArrangementParty
    # The few pending versions first, then their parties (the planner starts from them).
    pending = (select(sv.id).join(sa, sa.id == sv.arrangement_id)
               .where(sv.status == "pending", *_arrangement_where(filters)))
    missing = ~exists().where(Consent.share_version_id == sv.id,
                              Consent.organization_id == ap.organization_id)
    figures = AmendmentFigures()
    figures.awaiting_consent = int(db.session.scalar(
        select(func.count()).select_from(pending.subquery())) or 0)
    if not figures.awaiting_consent:
        return figures
    figures.by_organization = [
        Count(code, name, int(n)) for code, name, n in db.session.execute(
            select(Organization.code, Organization.name, func.count())
            .select_from(sv).join(ap, ap.arrangement_id == sv.arrangement_id)
            .join(Organization, Organization.id == ap.organization_id)
            .where(sv.id.in_(pending), missing).group_by(Organization.code, Organization.name)
            .order_by(Organization.code))
    ]
    first = pending.order_by(sv.effective_date, sa.reference).limit(LIST_LIMIT)
    items: dict[int, AmendmentItem] = {}
    for version_id, ref, title, number, effective, code in db.session.execute(
        select(sv.id, sa.reference, sa.title, sv.number, sv.effective_date, Organization.code)
        .join(sa, sa.id == sv.arrangement_id)
        .join(ap, ap.arrangement_id == sa.id)
        .join(Organization, Organization.id == ap.organization_id)
        .where(sv.id.in_(first), missing)
        .order_by(sv.effective_date, sa.reference, Organization.code)
    ):
        item = items.setdefault(version_id, AmendmentItem(ref, title, number, effective))
        item.awaiting.append(code)
    figures.items = list(items.values())
    return figures


# --- money -----------------------------------------------------------------------------------

def _rollup_where(filters: Filters) -> list[Any]:
    where = [PT.member_id == (filters.organization_id or 0), PT.area_id == (filters.area_id or 0)]
    if filters.start:
        where.append(PT.month >= filters.start)
    if filters.end:
        where.append(PT.month <= filters.end)
    return where


def _money(filters: Filters) -> list[CurrencyMoney]:
    """Budget, spend, shares, payments and the monthly burn, per reporting currency."""
    by_currency: dict[str, CurrencyMoney] = {}

    def money(currency: str) -> CurrencyMoney:
        return by_currency.setdefault(currency, CurrencyMoney(currency))

    def party(entry: CurrencyMoney, code: str, name: str) -> PartyMoney:
        found = next((p for p in entry.parties if p.organization == code), None)
        if found is None:
            found = PartyMoney(code, name)
            entry.parties.append(found)
        return found

    def total(column: Any) -> Any:
        return type_coerce(func.sum(column), Money)

    for currency, code, name, share, paid, unallocated, count in db.session.execute(
        select(PT.currency, Organization.code, Organization.name, total(PT.share_amount),
               total(PT.paid_amount), total(PT.unallocated), func.sum(PT.expense_count))
        .join(Organization, Organization.id == PT.organization_id)
        .where(*_rollup_where(filters))
        .group_by(PT.currency, Organization.code, Organization.name)
        .order_by(PT.currency, Organization.code)
    ):
        if not (share or paid or unallocated or count):
            continue  # rows that fell back to zero after a deletion
        entry = money(currency)
        entry.spend += paid or ZERO
        entry.unallocated += unallocated or ZERO
        entry.expense_count += int(count or 0)
        figures = party(entry, code, name)
        figures.share, figures.paid = share or ZERO, paid or ZERO

    first_year, last_year = filters.budget_years
    budget_where = [PB.member_id == (filters.organization_id or 0),
                    PB.area_id == (filters.area_id or 0)]
    if first_year:
        budget_where.append(PB.year >= first_year)
    if last_year:
        budget_where.append(PB.year <= last_year)
    for currency, code, name, amount in db.session.execute(
        select(PB.currency, Organization.code, Organization.name, total(PB.amount))
        .outerjoin(Organization, Organization.id == PB.organization_id)
        .where(*budget_where)
        .group_by(PB.currency, Organization.code, Organization.name)
    ):
        if not amount:
            continue
        entry = money(currency)
        entry.budget += amount or ZERO
        if code is None:
            entry.budget_unassigned += amount or ZERO
        else:
            party(entry, code, name).budget = amount or ZERO

    burn: dict[str, dict[str, Decimal]] = {}
    for currency, month, paid in db.session.execute(
        select(PT.currency, PT.month, total(PT.paid_amount))
        .where(*_rollup_where(filters)).group_by(PT.currency, PT.month)
    ):
        if paid:
            burn.setdefault(currency, {})[month] = paid
    for currency, months in burn.items():
        entry = money(currency)
        running = ZERO
        for month in _month_range(filters.start or min(months), filters.end or max(months)):
            spend = months.get(month, ZERO)
            running += spend
            entry.burn.append(MonthSpend(month, spend, running))

    for entry in by_currency.values():
        entry.parties.sort(key=lambda p: p.organization)
    return [by_currency[c] for c in sorted(by_currency)]


def _month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    result = []
    while f"{year:04d}-{month:02d}" <= last:
        result.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


# --- personnel (Art. 8) ----------------------------------------------------------------------

def _personnel(filters: Filters, today: date) -> PersonnelFigures:
    """Exchanges on-going today, ending soon (60 days), and awaiting approval.

    Built on ``personnel_exchanges.services.exchange_query`` (the query its ``ending_within``
    and ``awaiting_approval`` use) so that counts and the short list are filtered and limited
    in SQL rather than loaded whole.
    """
    organization = filters.organization or None

    def filtered(query: Any) -> Any:
        if filters.area_id:
            query = query.where(PersonnelExchange.arrangement_id.in_(
                select(SpecialArrangement.id).where(*_arrangement_where(filters))))
        return query

    def count(query: Any) -> int:
        return int(db.session.scalar(
            select(func.count()).select_from(filtered(query).order_by(None).subquery())) or 0)

    figures = PersonnelFigures(personnel.ENDING_SOON_DAYS)
    active = filtered(personnel.exchange_query(status="active", organization=organization,
                                               on=today)).order_by(None).subquery()
    figures.on_exchange_by_host = [
        Count(code, name, int(n)) for code, name, n in db.session.execute(
            select(Organization.code, Organization.name, func.count())
            .join(active, active.c.host_organization_id == Organization.id)
            .group_by(Organization.code, Organization.name).order_by(Organization.code))
    ]
    figures.on_exchange = sum(c.count for c in figures.on_exchange_by_host)
    ending = personnel.exchange_query(ending_within=figures.ending_within_days,
                                      organization=organization, on=today)
    figures.ending_soon = count(ending)
    if figures.ending_soon:
        rows = db.session.scalars(filtered(ending).order_by(None).order_by(
            PersonnelExchange.end_date, PersonnelExchange.id).limit(LIST_LIMIT))
        figures.ending_items = [
            PersonnelItem(x.id, x.person_name, x.home_organization.code,
                          x.host_organization.code, x.position, x.end_date)
            for x in rows
        ]
    # As personnel.awaiting_approval() reads it: proposed, not ended yet.
    figures.awaiting_approval = count(
        personnel.exchange_query(status="proposed", organization=organization, on=today)
        .where(PersonnelExchange.end_date >= today))
    return figures


# --- JSON ------------------------------------------------------------------------------------

def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def figures_json(figures: Figures) -> dict[str, Any]:
    """The figures as JSON-ready data: money as strings in the currency's minor units."""
    f = figures.filters
    a = figures.arrangements
    result: dict[str, Any] = {
        "as_of": figures.today.isoformat(),
        "filters": {"from": f.start, "to": f.end, "organization": f.organization,
                    "area": f.area},
        "projects": {
            "total": figures.projects_total,
            "by_status": [{"status": c.key, "count": c.count} for c in figures.projects_by_status],
            "by_area": [{"area": c.key, "label": c.label, "count": c.count}
                        for c in figures.projects_by_area],
        },
        "arrangements": {
            "total": a.total,
            "in_force": a.in_force,
            "awaiting_signature": {"total": a.awaiting_signature,
                                   "partly_signed": a.partly_signed, "unsigned": a.unsigned},
            "under_notice": {"count": a.under_notice, "items": [
                {"reference": i.reference, "title": i.title, "effective_date": _iso(i.day),
                 "note": i.note} for i in a.under_notice_items]},
            "expiring_within_days": arrangements.ENDING_SOON_DAYS,
            "expiring": {"count": a.expiring, "items": [
                {"reference": i.reference, "title": i.title, "last_day": _iso(i.day),
                 "reason": i.note} for i in a.expiring_items]},
            "terminated": a.terminated,
            "expired": a.expired,
        },
        "amendments_awaiting_consent": {
            "count": figures.amendments.awaiting_consent,
            "by_organization": [{"organization": c.key, "count": c.count}
                                for c in figures.amendments.by_organization],
            "items": [{"reference": i.reference, "number": i.number,
                       "effective_date": _iso(i.effective_date), "awaiting": i.awaiting}
                      for i in figures.amendments.items],
        },
        "money": [_currency_json(m) for m in figures.money],
    }
    p = figures.personnel
    result["personnel"] = {
        "on_exchange_today": p.on_exchange,
        "on_exchange_by_host": [{"organization": c.key, "count": c.count}
                                for c in p.on_exchange_by_host],
        "ending_within_days": p.ending_within_days,
        "ending": {"count": p.ending_soon, "items": [
            {"staff": i.staff, "home": i.home, "host": i.host, "position": i.position,
             "end_date": _iso(i.end_date)} for i in p.ending_items]},
        "awaiting_approval": p.awaiting_approval,
    }
    return result


def _currency_json(m: CurrencyMoney) -> dict[str, Any]:
    c = m.currency

    def j(amount: Decimal) -> str:
        return to_json(amount, c)

    return {
        "currency": c,
        "budget": j(m.budget),
        "budget_unassigned": j(m.budget_unassigned),
        "spend": j(m.spend),
        "remaining": j(m.remaining),
        "unallocated": j(m.unallocated),
        "expense_count": m.expense_count,
        "parties": [{"organization": p.organization, "budget": j(p.budget), "share": j(p.share),
                     "paid": j(p.paid), "balance": j(p.balance)} for p in m.parties],
        "burn": [{"month": b.month, "spend": j(b.spend), "cumulative": j(b.cumulative)}
                 for b in m.burn],
    }



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
    budget_where = [Budget.arrangement_id.in_(select(sa.id).where(*_arrangement_where(filters)))]
    if first_year:
        budget_where.append(Budget.year >= first_year)
    if last_year:
        budget_where.append(Budget.year <= last_year)
    budgets = dict(db.session.execute(
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
    return PortfolioData(
        projects=tuple(projects), arrangements=tuple(summaries),
        personnel=tuple(_personnel_rows(filters, today)),
        organizations=tuple(organizations), generated_at=utcnow(), generated_by=generated_by,
        filters=describe(filters),
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


def describe(filters: Filters) -> str:
    """The filters in words, for the workbook's About sheet."""
    parts = []
    if filters.start or filters.end:
        parts.append(f"period {filters.start or 'beginning'} to {filters.end or 'today'}")
    if filters.organization:
        parts.append(f"organization {filters.organization}")
    if filters.area:
        parts.append(f"area ({filters.area})")
    return "; ".join(parts)
