"""Reading personnel exchanges: the register's filters, who comes back soon, what awaits an
approval, counts per status (the list page, the API, the timeline, costs and the dashboard).

The rules and the writes are in :mod:`jointprojects.personnel_exchanges.services`; this module
only reads, in a constant number of queries per call.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import selectinload

from jointprojects.errors import DomainError, Message
from jointprojects.extensions import db
from jointprojects.organizations.models import Organization
from jointprojects.personnel_exchanges.models import ExchangeApproval, PersonnelExchange
from jointprojects.personnel_exchanges.services import ENDING_SOON_DAYS, current_day
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.vocabulary import EXCHANGE_DISPLAY_STATUSES

__all__ = [
    "awaiting_approval", "awaiting_approval_clause", "ending_within", "exchange_query",
    "is_ending_soon", "status_counts", "with_relations",
]


def awaiting_approval_clause(organization: str) -> Any:
    """SQL twin of ``services.missing_approvals``: proposed exchanges whose home or host is
    ``organization`` (a code) and that it has not approved yet."""
    org = select(Organization.id).where(Organization.code == organization).scalar_subquery()
    return and_(
        PersonnelExchange.status == "proposed",
        or_(PersonnelExchange.home_organization_id == org,
            PersonnelExchange.host_organization_id == org),
        ~exists().where(ExchangeApproval.exchange_id == PersonnelExchange.id,
                        ExchangeApproval.organization_id == org),
    )


def with_relations(query: Select[PersonnelExchange]) -> Select[PersonnelExchange]:
    """The exchange's organizations, arrangement and approvals loaded with it."""
    return query.options(
        selectinload(PersonnelExchange.home_organization),
        selectinload(PersonnelExchange.host_organization),
        selectinload(PersonnelExchange.arrangement),
        selectinload(PersonnelExchange.approvals).selectinload(ExchangeApproval.organization),
    )


def exchange_query(*, active_on: date | None = None, organization: str | None = None,
                   status: str | None = None, ending_within: int | None = None,
                   arrangement: str | None = None, search: str = "",
                   on: date | None = None,
                   waiting_on: str | None = None) -> Select[PersonnelExchange]:
    """Exchanges filtered as the list page and the API do, ordered by start date then
    recording order.

    * ``active_on``: exchanges that are not cancelled and cover that day (proposed ones
      included: the register shows who is planned to be away, approved or not);
    * ``organization``: the home or the host organization;
    * ``status``: one of :data:`EXCHANGE_DISPLAY_STATUSES`, as read on ``on`` (default today);
    * ``ending_within``: approved exchanges whose end date is from ``on`` to ``on`` + days;
    * ``waiting_on``: proposed exchanges still awaiting the approval of that organization (a
      code), their home or host (:func:`awaiting_approval_clause`).
    """
    on = on or current_day()
    query = select(PersonnelExchange)
    if active_on is not None:
        query = query.where(PersonnelExchange.status != "cancelled",
                            PersonnelExchange.start_date <= active_on,
                            PersonnelExchange.end_date >= active_on)
    if organization:
        ids = select(Organization.id).where(Organization.code == organization).scalar_subquery()
        query = query.where(or_(PersonnelExchange.home_organization_id == ids,
                                PersonnelExchange.host_organization_id == ids))
    if status:
        if status not in EXCHANGE_DISPLAY_STATUSES:
            raise DomainError(Message("Status must be one of %(statuses)s.",
                                      statuses=", ".join(EXCHANGE_DISPLAY_STATUSES)), "status")
        approved = PersonnelExchange.status == "approved"
        query = query.where({
            "proposed": PersonnelExchange.status == "proposed",
            "cancelled": PersonnelExchange.status == "cancelled",
            "approved": and_(approved, PersonnelExchange.start_date > on),
            "active": and_(approved, PersonnelExchange.start_date <= on,
                           PersonnelExchange.end_date >= on),
            "completed": and_(approved, PersonnelExchange.end_date < on),
        }[status])
    if ending_within is not None:
        query = query.where(PersonnelExchange.status == "approved",
                            PersonnelExchange.end_date >= on,
                            PersonnelExchange.end_date <= on + timedelta(days=ending_within))
    if waiting_on:
        query = query.where(awaiting_approval_clause(waiting_on))
    if arrangement:
        query = query.join(SpecialArrangement).where(SpecialArrangement.reference == arrangement)
    if search:
        like = f"%{search}%"
        query = query.where(or_(PersonnelExchange.person_name.ilike(like),
                                PersonnelExchange.staff_id.ilike(like),
                                PersonnelExchange.position.ilike(like)))
    return with_relations(query.order_by(PersonnelExchange.start_date, PersonnelExchange.id))


def ending_within(days: int = ENDING_SOON_DAYS,
                  today: date | None = None) -> list[PersonnelExchange]:
    """Approved exchanges ending from ``today`` to ``today + days`` (who comes back soon),
    soonest first. For the dashboard; a constant number of queries."""
    on = today or current_day()
    query = exchange_query(ending_within=days, on=on).order_by(None).order_by(
        PersonnelExchange.end_date, PersonnelExchange.id)
    return list(db.session.scalars(query))


def awaiting_approval(today: date | None = None) -> list[PersonnelExchange]:
    """Proposed exchanges that have not ended yet and still lack the approval of their home
    or host organization (see :func:`missing_approvals`), earliest start first."""
    on = today or current_day()
    query = exchange_query(status="proposed", on=on).where(PersonnelExchange.end_date >= on)
    return list(db.session.scalars(query))


def is_ending_soon(exchange: PersonnelExchange, on: date | None = None,
                   days: int = ENDING_SOON_DAYS) -> bool:
    on = on or current_day()
    return exchange.status == "approved" and on <= exchange.end_date <= on + timedelta(days=days)


def status_counts(on: date | None = None) -> dict[str, int]:
    """Number of exchanges per status as read on ``on`` (one query)."""
    on = on or current_day()
    phase = case(
        (PersonnelExchange.status != "approved", PersonnelExchange.status),
        (PersonnelExchange.end_date < on, "completed"),
        (PersonnelExchange.start_date <= on, "active"),
        else_="approved",
    ).label("phase")
    inner = select(phase).subquery()
    counts = dict.fromkeys(EXCHANGE_DISPLAY_STATUSES, 0)
    for status, n in db.session.execute(
            select(inner.c.phase, func.count()).group_by(inner.c.phase)):
        counts[status] = n
    return counts
