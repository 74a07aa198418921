"""Amendments of a special arrangement's shares by mutual consent (Art. 10.2 by analogy).

An amendment is a new version of the shares (and ceilings), pending until every party has
recorded its written consent; the last consent brings it into force and announces it
(:data:`~jointprojects.special_arrangements.signals.amendment_in_force`): the expenses
feature re-allocates the expenses it covers. A pending amendment can be withdrawn. Services
take plain data, validate everything first and raise one :class:`DomainError`; they flush,
never commit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app

from jointprojects.audit import services as audit
from jointprojects.auth import policy
from jointprojects.errors import Collector, Conflict, Message, NotFound
from jointprojects.extensions import db
from jointprojects.special_arrangements.models import (
    Consent,
    ShareVersion,
    SpecialArrangement,
    version_of_amendment,
)
from jointprojects.special_arrangements.services import (
    CeilingData,
    ShareData,
    _acting_party,
    _fill_version,
    validate_ceilings,
    validate_shares,
    version_snapshot,
)
from jointprojects.special_arrangements.signals import amendment_in_force
from jointprojects.vocabulary import phrase

# --- Amendments (Art. 10.2 by analogy) -------------------------------------------------------


def propose_amendment(
    sa: SpecialArrangement,
    effective_date: date | None,
    shares: list[ShareData],
    ceilings: list[CeilingData],
    reason: str | None,
    user: Any,
) -> ShareVersion:
    """A new version of the shares (and ceilings), pending until every party consents."""
    policy.ensure(user, policy.AMENDMENT_PROPOSE)
    policy.ensure_party_member(user, sa.party_codes)
    errors = Collector()
    if effective_date is None:
        errors.add("effective_date", "Enter the effective date.")
    elif effective_date < sa.start_date or (sa.end_date and effective_date > sa.end_date):
        errors.add("effective_date",
                   "The effective date must fall within the arrangement's dates.")
    if not (reason or "").strip():
        errors.add("reason", "Give the reason for the amendment.")
    parties = sa.party_codes
    share_rows = validate_shares(parties, shares, errors)
    ceiling_rows = validate_ceilings(parties, ceilings, sa.currency, errors)
    errors.raise_if_any()
    if sa.status_on(effective_date) in ("terminated", "expired") or sa.status in (  # type: ignore[arg-type]  # not None: raise_if_any() raised otherwise
        "terminated",
        "expired",
    ):
        raise Conflict(Message("%(reference)s is no longer in force; it cannot be amended.",
                               reference=sa.reference))
    _ensure_after_closed_period(sa, effective_date)  # type: ignore[arg-type]  # not None: raised above
    if any(v.status == "pending" for v in sa.share_versions):
        raise Conflict("Another amendment is awaiting consent; settle it first.")
    orgs = {p.organization.code: p.organization for p in sa.parties}
    version = ShareVersion(
        number=max(v.number for v in sa.share_versions) + 1,
        effective_date=effective_date,
        status="pending",
        reason=(reason or "").strip(),
        proposed_by_id=getattr(user, "id", None),
    )
    _fill_version(version, share_rows, ceiling_rows, orgs)
    sa.share_versions.append(version)
    db.session.flush()  # the snapshot the log keeps holds the version's id and arrangement
    audit.record("propose", version, parent=sa, after=version_snapshot(version), user=user)
    return version


def _ensure_after_closed_period(sa: SpecialArrangement, effective_date: date) -> None:
    """No amendment takes effect in a closed period (DOMAIN.md rule 11): 409 naming the
    statement."""
    if sa.closed_through is not None and effective_date <= sa.closed_through:
        raise Conflict(Message("An amendment cannot take effect on %(day)s: that day lies in a "
                               "period %(closed)s. Choose an effective date after it.",
                               day=effective_date, closed=sa.closed_phrase), "effective_date")


def get_amendment(sa: SpecialArrangement, number: int) -> ShareVersion:
    """Amendment ``number`` (1 for the first amendment: version 2) of ``sa``."""
    version = next((v for v in sa.share_versions
                    if number >= 1 and v.number == version_of_amendment(number)), None)
    if version is None:
        raise NotFound(Message("%(reference)s has no amendment number %(number)s.",
                               reference=sa.reference, number=number), "number")
    return version


def consent(
    sa: SpecialArrangement,
    version: ShareVersion,
    organization_code: str,
    on: date | None,
    user: Any,
) -> Consent:
    """Record a party's written consent; the last consent brings the amendment into force
    and sends ``amendment_in_force`` (the expenses it covers are re-allocated)."""
    party = _acting_party(sa, organization_code, on, "date", user, policy.AMENDMENT_CONSENT)
    if version.status != "pending":
        raise Conflict(Message("Amendment %(number)s is already %(status)s.",
                               number=version.amendment_number,
                               status=Message(phrase(version.status))))
    if sa.status != "in_force":
        raise Conflict(Message("%(reference)s is not in force; its amendments cannot take "
                               "effect.", reference=sa.reference))
    _ensure_after_closed_period(sa, version.effective_date)
    if any(c.organization.code == organization_code for c in version.consents):
        raise Conflict(Message("%(code)s has already consented to amendment %(number)s.",
                               code=organization_code, number=version.amendment_number))
    record = Consent(
        organization=party.organization,
        date=on,
        recorded_by=user,
        recorded_by_admin=policy.acts_as_admin(user, organization_code),
    )
    version.consents.append(record)
    audit.record("consent", record, parent=sa, user=user)
    if {c.organization.code for c in version.consents} == set(sa.party_codes):
        before = version_snapshot(version)
        version.status = "in_force"
        version.in_force_since = max(c.date for c in version.consents)
        audit.record(
            "update", version, parent=sa, before=before, after=version_snapshot(version), user=user
        )
        amendment_in_force.send(
            current_app._get_current_object(),  # type: ignore[attr-defined]
            arrangement=sa,
            effective_date=version.effective_date,
            user=user,
        )
    return record


def withdraw_amendment(sa: SpecialArrangement, version: ShareVersion, user: Any) -> None:
    policy.ensure(user, policy.AMENDMENT_PROPOSE)
    policy.ensure_party_member(user, sa.party_codes)
    if version.status != "pending":
        raise Conflict("Only a pending amendment can be withdrawn.")
    before = version_snapshot(version)
    version.status = "withdrawn"
    audit.record(
        "withdraw", version, parent=sa, before=before, after=version_snapshot(version), user=user
    )
