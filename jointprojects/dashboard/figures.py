"""Portfolio figures for leadership, aggregated in SQL with a constant number of queries.

Counts use the same WHERE clauses as the list pages (:mod:`~jointprojects.dashboard.filters`),
so a figure and the list it links to always agree. Money comes from ``portfolio_total`` and
``portfolio_budget`` (see :mod:`jointprojects.dashboard.models`), kept up to date by triggers
as expenses and budgets are written; it is grouped by the arrangements' reporting currency and
never added across currencies. Statuses are read as they stand on ``today``. The figures as
JSON: :mod:`~jointprojects.dashboard.serialize`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select, type_coerce

from jointprojects.dashboard.filters import Filters, _arrangement_where, _project_where
from jointprojects.dashboard.models import PortfolioBudget as PB
from jointprojects.dashboard.models import PortfolioTotal as PT
from jointprojects.dates import months_of_year_in
from jointprojects.extensions import db
from jointprojects.money import round_money
from jointprojects.organizations.models import Area, Organization
from jointprojects.personnel_exchanges import queries as personnel
from jointprojects.personnel_exchanges.models import PersonnelExchange
from jointprojects.personnel_exchanges.services import ENDING_SOON_DAYS
from jointprojects.projects.models import Project, project_area
from jointprojects.special_arrangements import queries as arrangements
from jointprojects.special_arrangements.models import (
    ArrangementParty,
    Consent,
    ShareVersion,
    Signature,
    SpecialArrangement,
)
from jointprojects.types import Money
from jointprojects.vocabulary import PROJECT_STATUSES, label

#: Longest list shown for each "needs attention" figure; the count links to the full list.
LIST_LIMIT = 10
ZERO = Decimal(0)


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
    number: int  # the amendment's number (1 for the first), not its version's
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
    #: Signed by every party, entry into force still ahead (DOMAIN.md status ``signed``).
    signed: int = 0
    under_notice_items: list[ArrangementItem] = field(default_factory=list)
    expiring_items: list[ArrangementItem] = field(default_factory=list)
    #: The partly signed arrangements, each noting who is awaited ("Awaiting INTERPOL's
    #: signature"), at most LIST_LIMIT.
    partly_signed_items: list[ArrangementItem] = field(default_factory=list)
    #: Every arrangement awaiting a signature (partly or not signed), with who is awaited.
    awaiting_signature_items: list[ArrangementItem] = field(default_factory=list)

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
    #: The budget of the months in the period: each year's budget times the share of its
    #: twelve months that the period holds (``budget`` is the whole years').
    budget_in_period: Decimal = ZERO
    #: Year -> how many of its months the period holds (12: the whole year).
    budget_months: dict[int, int] = field(default_factory=dict)
    spend: Decimal = ZERO
    unallocated: Decimal = ZERO
    expense_count: int = 0
    parties: list[PartyMoney] = field(default_factory=list)
    burn: list[MonthSpend] = field(default_factory=list)

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.spend

    @property
    def used_percent(self) -> Decimal | None:
        """Spend as a percentage of the budget of the months in the period (one decimal);
        None without a budget."""
        if not self.budget_in_period:
            return None
        return (self.spend * 100 / self.budget_in_period).quantize(Decimal("0.1"))

    @property
    def prorated(self) -> bool:
        """Some year's budget counts for part of its months only."""
        return any(months < 12 for months in self.budget_months.values())

    @property
    def parties_have_budgets(self) -> bool:
        """Some budget line is assigned to one party (else budgets are not split by party)."""
        return any(p.budget for p in self.parties)

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
            func.count().filter(status == "signed"),
        ).where(*_arrangement_where(filters))
    ).one()
    figures = ArrangementFigures(*(int(n or 0) for n in row))  # type: ignore[arg-type]  # the row holds the nine counts, in field order
    partly = list(db.session.execute(
        select(sa.id, sa.reference, sa.title)
        .where(arrangements.due_clause("signatures", today), *_arrangement_where(filters))
        .order_by(sa.reference).limit(LIST_LIMIT)))
    unsigned = list(db.session.execute(
        select(sa.id, sa.reference, sa.title)
        .where(sa.status == "draft", ~signed, *_arrangement_where(filters))
        .order_by(sa.reference).limit(LIST_LIMIT)))
    awaited = arrangements.awaited_by_arrangement([i for i, _, _ in partly + unsigned])

    def item(i: int, ref: str, title: str) -> ArrangementItem:
        return ArrangementItem(ref, title, None, "; ".join(
            a.sentence for a in awaited[i] if a.what == "signature"))

    figures.partly_signed_items = [item(*row) for row in partly]
    figures.awaiting_signature_items = sorted(
        figures.partly_signed_items + [item(*row) for row in unsigned],
        key=lambda i: i.reference)[:LIST_LIMIT]
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
        # amendment n is version n + 1 (ShareVersion.amendment_number); pending: never 1
        item = items.setdefault(version_id, AmendmentItem(ref, title, number - 1, effective))
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
    for currency, code, name, year, amount in db.session.execute(
        select(PB.currency, Organization.code, Organization.name, PB.year, total(PB.amount))
        .outerjoin(Organization, Organization.id == PB.organization_id)
        .where(*budget_where)
        .group_by(PB.currency, Organization.code, Organization.name, PB.year)
    ):
        if not amount:
            continue
        entry = money(currency)
        entry.budget += amount
        held = months_of_year_in(int(year), filters.start, filters.end)
        entry.budget_months[int(year)] = held
        entry.budget_in_period += round_money(amount * held / 12, currency)
        if code is None:
            entry.budget_unassigned += amount
        else:
            party(entry, code, name).budget += amount

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

    Built on ``personnel_exchanges.queries.exchange_query`` (the query its ``ending_within``
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

    figures = PersonnelFigures(ENDING_SOON_DAYS)
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
