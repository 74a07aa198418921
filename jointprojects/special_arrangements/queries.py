"""Queries over special arrangements: the SQL twins of the status as it stands on a day,
the list's "due" filters, and the WHERE clauses shared by the list page, the API and the
dashboard's figures (so that a figure and the list it links to always agree)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, exists, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from jointprojects.extensions import db
from jointprojects.organizations.models import Area, Organization
from jointprojects.projects.models import Project, project_area
from jointprojects.special_arrangements.models import (
    ArrangementParty,
    Consent,
    ShareVersion,
    Signature,
    SpecialArrangement,
)
from jointprojects.vocabulary import AWAITED_LABELS

#: "Expiring soon" on the list and the dashboard: the end date or the date a termination takes
#: effect falls within this many days.
ENDING_SOON_DAYS = 90
#: The list's ``due`` filters: what needs attention (dashboard links).
DUE_FILTERS = {
    "notice": "under termination notice",
    "expiring": f"ending within {ENDING_SOON_DAYS} days",
    "consent": "amendment awaiting consent",
    "signatures": "partly signed",
    "unsigned": "not signed by any party",
}


def status_on_clause(day: date) -> Any:
    """SQL twin of :meth:`SpecialArrangement.status_on`: the status as it stands on ``day``."""
    sa = SpecialArrangement
    return case(
        (and_(sa.status == "in_force", not_yet_in_force(day)), "signed"),
        (
            and_(
                sa.status == "in_force",
                sa.termination_effective_date.is_not(None),
                sa.termination_effective_date <= day,
            ),
            "terminated",
        ),
        (and_(sa.status == "in_force", sa.end_date.is_not(None), sa.end_date < day), "expired"),
        else_=sa.status,
    )


def not_yet_in_force(day: date) -> Any:
    """Every party signed (stored ``in_force``) but the entry into force is after ``day``."""
    sa = SpecialArrangement
    return or_(sa.entry_into_force.is_(None), sa.entry_into_force > day)


def status_on_condition(status: str, day: date) -> Any:
    """``status_on_clause(day) == status`` written so that the status index can serve it."""
    sa = SpecialArrangement
    terminated = and_(
        sa.termination_effective_date.is_not(None), sa.termination_effective_date <= day
    )
    if status == "in_force":
        return in_force_on_clause(day)
    if status == "signed":
        return and_(sa.status == "in_force", not_yet_in_force(day))
    started = and_(sa.entry_into_force.is_not(None), sa.entry_into_force <= day)
    if status == "terminated":
        return or_(sa.status == "terminated", and_(sa.status == "in_force", started, terminated))
    if status == "expired":
        return or_(
            sa.status == "expired",
            and_(
                sa.status == "in_force",
                started,
                sa.end_date.is_not(None),
                sa.end_date < day,
                or_(sa.termination_effective_date.is_(None), sa.termination_effective_date > day),
            ),
        )
    return sa.status == status


def in_force_on_clause(day: date) -> Any:
    """The arrangements in force on ``day``: every party signed, entered into force on or
    before it, not terminated nor expired."""
    sa = SpecialArrangement
    return and_(
        sa.status == "in_force",
        sa.entry_into_force.is_not(None),
        sa.entry_into_force <= day,
        or_(sa.termination_effective_date.is_(None), sa.termination_effective_date > day),
        or_(sa.end_date.is_(None), sa.end_date >= day),
    )


def due_clause(due: str, day: date, awaiting: str = "") -> Any:
    """The arrangements needing attention on ``day`` (:data:`DUE_FILTERS`)."""
    sa = SpecialArrangement
    signed = exists().where(Signature.arrangement_id == sa.id)
    if due == "notice":
        return and_(in_force_on_clause(day), sa.termination_effective_date.is_not(None))
    if due == "expiring":
        horizon = day + timedelta(days=ENDING_SOON_DAYS)
        return and_(
            in_force_on_clause(day),
            or_(sa.end_date <= horizon, sa.termination_effective_date <= horizon),
        )
    if due == "signatures":
        return and_(sa.status == "draft", signed)
    if due == "unsigned":
        return and_(sa.status == "draft", ~signed)
    if due == "consent":
        pending = exists().where(
            ShareVersion.arrangement_id == sa.id, ShareVersion.status == "pending"
        )
        if awaiting:
            org = (
                select(Organization.id)
                .where(Organization.code == awaiting)
                .correlate(None)
                .scalar_subquery()
            )
            pending = pending.where(
                exists().where(
                    ArrangementParty.arrangement_id == sa.id,
                    ArrangementParty.organization_id == org,
                ),
                ~exists().where(
                    Consent.share_version_id == ShareVersion.id, Consent.organization_id == org
                ),
            )
        return pending
    raise ValueError(f"unknown due filter {due!r}")


def _id_of(model: Any, code: str) -> Any:
    """The id of the organization or area with ``code``, as a scalar subquery."""
    return select(model.id).where(model.code == code).correlate(None).scalar_subquery()


def arrangement_conditions(
    search: str = "",
    status: str = "",
    kind: str = "",
    project: str = "",
    organization: str = "",
    area: str = "",
    currency: str = "",
    due: str = "",
    awaiting: str = "",
    on: date | None = None,
    waiting_on: str = "",
) -> list[Any]:
    """WHERE clauses shared by the list page, the API and the dashboard's figures.

    The subqueries correlate only with ``special_arrangement``, so the clauses keep their
    meaning inside queries that join the other tables too. ``status`` is the stored status,
    or the status as it stands on ``on`` when given. ``organization`` is a party; ``area`` an
    area of cooperation of the project (Art. 1). ``waiting_on``: an organization awaited
    for its signature or a consent (:func:`awaiting_clause`).
    """
    sa = SpecialArrangement
    conditions: list[Any] = []
    if search:
        like = f"%{search}%"
        conditions.append(or_(sa.reference.ilike(like), sa.title.ilike(like)))
    if status:
        conditions.append(status_on_condition(status, on) if on else sa.status == status)
    if kind:
        conditions.append(sa.kind == kind)
    if project:
        conditions.append(
            sa.project_id.in_(select(Project.id).where(Project.code == project).correlate(None))
        )
    if organization:
        # EXISTS with fresh aliases: probes the unique (arrangement, organization) index row by
        # row and never correlates with tables the enclosing query joins itself.
        party = aliased(ArrangementParty)
        conditions.append(
            exists().where(
                party.arrangement_id == sa.id,
                party.organization_id == _id_of(Organization, organization),
            )
        )
    if area:
        covered = project_area.alias()
        conditions.append(
            exists().where(
                covered.c.project_id == sa.project_id,
                covered.c.area_id == _id_of(Area, area),
            )
        )
    if currency:
        conditions.append(sa.currency == currency)
    if due:
        conditions.append(due_clause(due, on or date.today(), awaiting))
    if waiting_on:
        conditions.append(awaiting_clause(waiting_on))
    return conditions


def arrangement_query(**filters: Any) -> Select[SpecialArrangement]:
    """Arrangements matching :func:`arrangement_conditions` (same keyword filters), ordered by
    reference, with what a list row shows loaded up front (a constant number of queries per
    page)."""
    return (
        select(SpecialArrangement)
        .where(*arrangement_conditions(**filters))
        .options(
            joinedload(SpecialArrangement.project),
            selectinload(SpecialArrangement.parties).joinedload(ArrangementParty.organization),
        )
        .order_by(SpecialArrangement.reference)
    )


# --- who is awaited for what ---------------------------------------------------------------
#
# Derived from the records only (parties, signatures, pending versions and their consents):
# nothing is stored beside them. The same two conditions give the per-arrangement list
# (:func:`awaited_by_arrangement`) and the list filter (:func:`awaiting_clause`), so that a
# badge and the "waiting on my organization" filter always agree.


@dataclass(frozen=True)
class Awaited:
    """A party awaited for an act: ``what`` is ``signature`` or ``consent`` (to the pending
    share version ``version``, an amendment) (:data:`~jointprojects.vocabulary.AWAITED_ACTS`)."""

    organization: str
    what: str
    version: int | None = None
    effective_date: date | None = None

    @property
    def sentence(self) -> str:
        """``"Awaiting INTERPOL's signature"``."""
        text = f"Awaiting {self.organization}'s {AWAITED_LABELS[self.what]}"
        if self.what == "consent" and self.effective_date is not None:
            text += f" effective {self.effective_date.isoformat()}"
        return text


def _signature_awaited(party: Any) -> Any:
    """``party`` (an ArrangementParty alias) has not signed its draft arrangement."""
    sa = SpecialArrangement
    return and_(
        sa.id == party.arrangement_id,
        sa.status == "draft",
        ~exists().where(
            Signature.arrangement_id == party.arrangement_id,
            Signature.organization_id == party.organization_id,
        ),
    )


def _consent_awaited(party: Any, version: Any) -> Any:
    """``party`` has not consented to ``version``, a pending amendment of its arrangement."""
    return and_(
        version.arrangement_id == party.arrangement_id,
        version.status == "pending",
        ~exists().where(
            Consent.share_version_id == version.id,
            Consent.organization_id == party.organization_id,
        ),
    )


def awaited_by_arrangement(arrangement_ids: list[int]) -> dict[int, list[Awaited]]:
    """Per arrangement id, which party is awaited for what, in party order (two queries,
    whatever the number of arrangements)."""
    result: dict[int, list[Awaited]] = {i: [] for i in arrangement_ids}
    if not arrangement_ids:
        return result
    party = aliased(ArrangementParty)
    signatures = db.session.execute(
        select(party.arrangement_id, Organization.code)
        .join(Organization, Organization.id == party.organization_id)
        .join(SpecialArrangement, _signature_awaited(party))
        .where(party.arrangement_id.in_(arrangement_ids))
        .order_by(party.arrangement_id, party.id)
    )
    for arrangement_id, code in signatures:
        result[arrangement_id].append(Awaited(code, "signature"))
    version = aliased(ShareVersion)
    consents = db.session.execute(
        select(party.arrangement_id, Organization.code, version.number, version.effective_date)
        .join(Organization, Organization.id == party.organization_id)
        .join(version, _consent_awaited(party, version))
        .where(party.arrangement_id.in_(arrangement_ids))
        .order_by(party.arrangement_id, version.number, party.id)
    )
    for arrangement_id, code, number, effective in consents:
        result[arrangement_id].append(Awaited(code, "consent", number, effective))
    return result


def awaited_parties(sa: SpecialArrangement) -> list[Awaited]:
    """Which party of ``sa`` is awaited for what: a signature while it is a draft, a consent
    to a pending amendment."""
    return awaited_by_arrangement([sa.id])[sa.id]


def awaiting_clause(organization: str) -> Any:
    """Arrangements on which ``organization`` (a code) is awaited: its signature or its
    consent to a pending amendment ("waiting on my organization")."""
    sa = SpecialArrangement
    party = aliased(ArrangementParty)
    version = aliased(ShareVersion)
    is_party = and_(
        party.arrangement_id == sa.id,
        party.organization_id == _id_of(Organization, organization),
    )
    return or_(
        exists().where(is_party, _signature_awaited(party)),
        exists().where(is_party, _consent_awaited(party, version)),
    )
