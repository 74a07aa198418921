"""Organizations, the framework agreement's lifecycle (Art. 10) and the reference data."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from jointprojects import bounds
from jointprojects.audit import services as audit
from jointprojects.auth import policy
from jointprojects.dates import termination_effective_date
from jointprojects.errors import Collector, Conflict, DomainError, Message, NotFound
from jointprojects.extensions import db
from jointprojects.money import is_currency
from jointprojects.organizations.models import (
    Agreement,
    AgreementAmendment,
    AgreementConsent,
    AgreementParty,
    Area,
    Organization,
)

REFERENCE_FILE = Path(__file__).resolve().parent.parent / "seed" / "reference.json"
#: The reference agreement records both written notifications on the day of signature.
REFERENCE_NOTIFICATION = date(1997, 7, 8)


def get_organization(code: str, field: str = "organization") -> Organization:
    org = db.session.scalar(select(Organization).filter_by(code=code))
    if org is None:
        raise NotFound(Message("Unknown organization %(code)r.", code=code), field=field)
    return org


def organizations_by_code(codes: list[str]) -> dict[str, Organization]:
    rows = db.session.scalars(select(Organization).where(Organization.code.in_(codes)))
    return {o.code: o for o in rows}


def list_organizations() -> list[Organization]:
    return list(db.session.scalars(select(Organization).order_by(Organization.code)))


def create_organization(code: str | None, name: str | None, currency: str | None) -> Organization:
    errors = Collector()
    code = (code or "").strip().upper()
    if not code or len(code) > 20 or bounds.code_problem(code) or "." in code:
        errors.add("code", "Enter a code of letters, digits, - or _ (at most 20).")
    if not (name or "").strip():
        errors.add("name", "Enter the name.")
    currency = (currency or "").strip().upper()
    if not is_currency(currency):
        errors.add("currency", "Choose a known currency (an ISO 4217 code such as USD or EUR).")
    if code and db.session.scalar(select(Organization).filter_by(code=code)):
        errors.conflict("code", Message("Organization %(code)s already exists.", code=code))
    errors.raise_if_any()
    org = Organization(code=code, name=(name or "").strip(), currency=currency)
    db.session.add(org)
    audit.record("create", org)
    return org


def load_reference_data() -> bool:
    """Load the 1997 agreement, UN, INTERPOL and areas (a)-(f). Safe to run twice.

    Returns True when anything was added.
    """
    data = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
    changed = False
    orgs = {}
    for item in data["organizations"]:
        org = db.session.scalar(select(Organization).filter_by(code=item["code"]))
        if org is None:
            org = Organization(**item)
            db.session.add(org)
            changed = True
        orgs[item["code"]] = org
    spec = data["agreement"]
    agreement = db.session.scalar(select(Agreement).filter_by(code=spec["code"]))
    if agreement is None:
        agreement = Agreement(
            code=spec["code"],
            title=spec["title"],
            signed_place=spec["signed_place"],
            signed_date=date.fromisoformat(spec["signed_date"]),
        )
        agreement.parties = [
            AgreementParty(organization=orgs[c], notification_date=REFERENCE_NOTIFICATION)
            for c in ("UN", "INTERPOL")
        ]
        db.session.add(agreement)
        update_entry_into_force(agreement)
        changed = True
    known = {a.code for a in agreement.areas}
    for item in data["areas"]:
        if item["code"] not in known:
            db.session.add(Area(agreement=agreement, **item))
            changed = True
    db.session.flush()
    return changed


def reference_agreement() -> Agreement | None:
    return db.session.scalar(select(Agreement).order_by(Agreement.id))


def update_entry_into_force(agreement: Agreement) -> None:
    """Art. 10.1: in force on the date of the later of the parties' notifications."""
    dates = [p.notification_date for p in agreement.parties]
    if dates and all(dates):
        agreement.entry_into_force = max(d for d in dates if d)
        if agreement.status == "signed":
            agreement.status = "in_force"


def agreement_snapshot(agreement: Agreement) -> dict[str, Any]:
    """Every column of the agreement and each party's notification (Art. 10.1), as the log
    replays it (docs/EVIDENCE.md)."""
    return audit.snapshot(agreement, extra={"parties": {
        p.organization.code: audit.jsonable(p.notification_date) for p in agreement.parties}})


def record_notification(agreement: Agreement, organization_code: str, on: date) -> None:
    party = next((p for p in agreement.parties if p.organization.code == organization_code), None)
    if party is None:
        raise DomainError(Message("%(code)s is not a party to this agreement.",
                                  code=organization_code), "organization")
    before = agreement_snapshot(agreement)
    party.notification_date = on
    update_entry_into_force(agreement)
    audit.record("notify", agreement, before=before, after=agreement_snapshot(agreement))


def give_agreement_notice(agreement: Agreement, organization_code: str, notice: date) -> None:
    """Art. 10.3: termination effective six calendar months after the notice."""
    if agreement.termination_notice_date:
        raise Conflict("Notice of termination has already been given.", "notice_date")
    org = get_organization(organization_code)
    before = agreement_snapshot(agreement)
    agreement.termination_notice_date = notice
    agreement.termination_effective_date = termination_effective_date(notice)
    agreement.termination_notified_by_id = org.id
    audit.record("notice", agreement, before=before, after=agreement_snapshot(agreement))


def propose_agreement_amendment(
    agreement: Agreement, title: str | None, text: str | None, user: Any = None
) -> AgreementAmendment:
    """Art. 10.2: an amendment to the agreement, awaiting every party's written consent."""
    errors = Collector()
    if not (title or "").strip():
        errors.add("title", "Give the amendment a title.")
    if not (text or "").strip():
        errors.add("text", "Give the text of the amendment.")
    errors.raise_if_any()
    if agreement.termination_effective_date:
        raise Conflict("Notice of termination has been given; the agreement is not amended.")
    amendment = AgreementAmendment(title=(title or "").strip(), text=(text or "").strip())
    agreement.amendments.append(amendment)
    audit.record("propose", amendment, parent=agreement, user=user)
    return amendment


def consent_to_agreement_amendment(
    agreement: Agreement,
    amendment: AgreementAmendment,
    organization_code: str,
    on: date | None,
    user: Any,
) -> AgreementConsent:
    """A party's written consent; the amendment is adopted on the date of the last one."""
    if on is None:
        raise DomainError("date is required.", "date")
    if on > date.today():
        raise DomainError("date cannot be in the future.", "date")
    party = next((p for p in agreement.parties if p.organization.code == organization_code), None)
    if party is None:
        raise DomainError(Message("%(code)s is not a party to this agreement.",
                                  code=organization_code), "organization")
    policy.ensure(user, policy.AMENDMENT_CONSENT, organization_code)
    if amendment.adopted_on is not None:
        raise Conflict("This amendment is already adopted.")
    if any(c.organization_id == party.organization_id for c in amendment.consents):
        raise Conflict(Message("%(code)s has already consented.", code=organization_code),
                       "organization")
    consent = AgreementConsent(organization=party.organization, date=on)
    amendment.consents.append(consent)
    audit.record("consent", consent, parent=agreement, user=user)
    if {c.organization_id for c in amendment.consents} == {
        p.organization_id for p in agreement.parties
    }:
        before = audit.snapshot(amendment)
        amendment.adopted_on = max(c.date for c in amendment.consents)
        audit.record("update", amendment, parent=agreement, before=before, user=user)
    return consent


def areas_by_code() -> dict[str, Area]:
    return {a.code: a for a in db.session.scalars(select(Area).order_by(Area.code))}
