"""Special arrangements: creation, signature, termination notice (amendments by mutual consent
are in :mod:`~jointprojects.special_arrangements.amendments`, the list's queries in
:mod:`~jointprojects.special_arrangements.queries`).

Services take plain data, validate everything first and raise one :class:`DomainError`;
they flush, never commit (the view or the API call commits once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from jointprojects import bounds
from jointprojects.audit import services as audit
from jointprojects.auth import policy
from jointprojects.dates import termination_effective_date
from jointprojects.errors import Collector, Conflict, DomainError, Message, NotFound, message_of
from jointprojects.extensions import db
from jointprojects.money import MoneyError, is_currency, parse_decimal, parse_money
from jointprojects.organizations.models import Organization
from jointprojects.projects.models import Project
from jointprojects.special_arrangements import allocation
from jointprojects.special_arrangements.models import (
    ArrangementParty,
    Ceiling,
    Share,
    ShareVersion,
    Signature,
    SpecialArrangement,
)
from jointprojects.vocabulary import ARRANGEMENT_KINDS, EXPENSE_CATEGORIES, KINDS, N_, phrase

CONFLICT_MESSAGE = (
    "Someone else changed this arrangement while you were editing it. "
    "Reload the page to see their changes, then apply yours again."
)


@dataclass
class ModalityData:
    organization: str | None
    role: str = ""
    responsibilities: str = ""
    in_kind_contribution: str = ""


@dataclass
class ShareData:
    organization: str | None
    percent: Any  # a Decimal, or text to parse
    category: str | None = None


@dataclass
class CeilingData:
    organization: str | None
    amount: Any


@dataclass
class ArrangementData:
    reference: str | None = None
    project: str | None = None
    title: str | None = None
    kind: str | None = "joint_action"
    parties: list[str] = field(default_factory=list)
    currency: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    modalities: list[ModalityData] = field(default_factory=list)
    shares: list[ShareData] = field(default_factory=list)
    ceilings: list[CeilingData] = field(default_factory=list)


def get_arrangement(reference: str) -> SpecialArrangement:
    sa = db.session.scalar(select(SpecialArrangement).filter_by(reference=reference))
    if sa is None:
        raise NotFound(Message("Unknown special arrangement %(reference)r.",
                               reference=reference), field="reference")
    return sa


def _organizations(codes: list[str]) -> dict[str, Organization]:
    rows = db.session.scalars(select(Organization).where(Organization.code.in_(codes)))
    return {o.code: o for o in rows}


def validate_shares(
    parties: list[str], shares: list[ShareData], errors: Collector, prefix: str = "shares"
) -> list[tuple[str | None, str, Decimal]]:
    """Parse and check a share table (DOMAIN.md rule 3); every problem goes to ``errors``."""
    rows: list[tuple[str | None, str, Decimal]] = []
    index_of: list[int] = []
    for index, share in enumerate(shares):
        name = f"{prefix}[{index}]"
        category = share.category or None
        if category is not None and category not in EXPENSE_CATEGORIES:
            errors.add(f"{name}.category", Message("Unknown expense category %(category)r.",
                                                   category=category))
            continue
        if not share.organization:
            errors.add(f"{name}.organization", "Choose the party.")
            continue
        try:
            percent = parse_decimal(share.percent)
        except MoneyError as exc:
            errors.add(f"{name}.percent", Message("The percentage %(problem)s.",
                                                  problem=message_of(exc)))
            continue
        rows.append((category, share.organization, percent))
        index_of.append(index)
    if not shares:
        errors.add(prefix, "Give the expense shares: a default set that sums to 100.")
        return rows
    for row_index, message in allocation.share_set_errors(parties, rows):
        if row_index is None:
            errors.add(prefix, message)
        else:
            original = index_of[row_index]
            errors.add(f"{prefix}[{original}]", message)
    return rows


def validate_ceilings(
    parties: list[str],
    ceilings: list[CeilingData],
    currency: str | None,
    errors: Collector,
    prefix: str = "ceilings",
) -> list[tuple[str, Decimal]]:
    result: list[tuple[str, Decimal]] = []
    seen: set[str] = set()
    for index, ceiling in enumerate(ceilings):
        name = f"{prefix}[{index}]"
        if ceiling.organization not in parties:
            errors.add(f"{name}.organization", Message("%(organization)r is not a party.",
                                                       organization=ceiling.organization))
            continue
        if ceiling.organization in seen:
            errors.add(f"{name}.organization", Message("Two ceilings for %(organization)s.",
                                                       organization=ceiling.organization))
            continue
        seen.add(ceiling.organization)
        try:
            amount = (
                parse_money(ceiling.amount, currency) if currency else parse_decimal(ceiling.amount)
            )
        except MoneyError as exc:
            errors.add(f"{name}.amount", Message("The ceiling %(problem)s.",
                                                 problem=message_of(exc)))
            continue
        if amount < 0:
            errors.add(f"{name}.amount", "A ceiling cannot be negative.")
            continue
        result.append((ceiling.organization, amount))
    return result


def _validate(
    data: ArrangementData, errors: Collector, user: Any = None
) -> tuple[Project | None, dict[str, Organization]]:
    """``user`` (None: the operator) must see the project: one it may not see is as unknown
    to it as one that does not exist (DOMAIN.md "Whose records")."""
    if not data.reference or len(data.reference) > 60:
        errors.add("reference", "Enter a reference of at most 60 characters.")
    elif problem := bounds.code_problem(data.reference):
        errors.add("reference", Message("The reference %(problem)s.", problem=problem))
    if not data.title:
        errors.add("title", "Enter a title.")
    if data.kind not in ARRANGEMENT_KINDS:
        errors.add("kind", "Choose a kind: " + "; ".join(
            f"{k.label} ({k.article})" for k in KINDS.values()) + ".")
    if not is_currency(data.currency):
        errors.add("currency", "Choose a known currency (an ISO 4217 code such as USD or EUR).")
    if data.start_date is None:
        errors.add("start_date", "Enter the start date.")
    if data.start_date and data.end_date and data.end_date < data.start_date:
        errors.add("end_date", "The end date must not be before the start date.")
    bounds.check_dates(errors, start_date=data.start_date, end_date=data.end_date)
    project = None
    if not data.project:
        errors.add("project", "Choose the joint project.")
    else:
        project = db.session.scalar(select(Project).filter_by(code=data.project))
        if project is None or (user is not None and not policy.can_see_project(user, project)):
            errors.add("project", Message("Unknown project %(code)r.", code=data.project))
            project = None
    parties = [p for p in data.parties if isinstance(p, str)]
    orgs = _organizations(parties)
    if len(parties) != len(data.parties):
        errors.add("parties", "Give the parties as a list of organization codes.")
    if len(set(parties)) < 2:
        errors.add("parties", "A special arrangement needs at least two different parties.")
    if len(set(parties)) != len(parties):
        errors.add("parties", "A party is listed twice.")
    for index, code in enumerate(parties):
        if code not in orgs:
            errors.add(f"parties[{index}]", Message("Unknown organization %(code)r.", code=code))
    seen = set()
    for index, modality in enumerate(data.modalities):
        if modality.organization not in parties:
            errors.add(
                f"modalities[{index}].organization",
                Message("%(organization)r is not a party to this arrangement.",
                        organization=modality.organization),
            )
        elif modality.organization in seen:
            errors.add(
                f"modalities[{index}].organization",
                Message("Modalities for %(organization)s are given twice.",
                        organization=modality.organization),
            )
        seen.add(modality.organization)
    return project, orgs


def reference_taken(reference: str | None, except_id: int | None = None) -> bool:
    """References are unique without regard to case: "sa-1" is taken when "SA-1" exists."""
    query = select(SpecialArrangement.id).where(
        func.upper(SpecialArrangement.reference) == (reference or "").upper()
    )
    if except_id is not None:
        query = query.where(SpecialArrangement.id != except_id)
    return db.session.scalar(query) is not None


def create_arrangement(data: ArrangementData, user: Any = None) -> SpecialArrangement:
    """Create a draft arrangement with its parties, modalities and version 1 of its shares."""
    errors = Collector()
    project, orgs = _validate(data, errors, user)
    share_rows = validate_shares(data.parties, data.shares, errors)
    ceiling_rows = validate_ceilings(data.parties, data.ceilings, data.currency, errors)
    if data.reference and reference_taken(data.reference):
        errors.conflict("reference", Message("A special arrangement %(reference)s already "
                                             "exists.", reference=data.reference))
    errors.raise_if_any()
    if user is not None:
        policy.ensure_party_member(user, data.parties)
    modalities = {m.organization: m for m in data.modalities}
    sa = SpecialArrangement(
        reference=data.reference,
        project=project,
        title=data.title,
        kind=data.kind,
        currency=data.currency,
        start_date=data.start_date,
        end_date=data.end_date,
        status="draft",
    )
    db.session.add(sa)
    for code in data.parties:
        m = modalities.get(code, ModalityData(code))
        sa.parties.append(
            ArrangementParty(
                organization=orgs[code],
                role=m.role or "",
                responsibilities=m.responsibilities or "",
                in_kind_contribution=m.in_kind_contribution or "",
            )
        )
    version = ShareVersion(
        number=1,
        effective_date=data.start_date,
        status="in_force",
        reason="Original arrangement",
        proposed_by_id=getattr(user, "id", None),
    )
    _fill_version(version, share_rows, ceiling_rows, orgs)
    sa.share_versions.append(version)
    db.session.flush()  # the snapshot holds the ids and defaults the log replays
    audit.record("create", sa, after=arrangement_snapshot(sa), user=user)
    return sa


def _fill_version(
    version: ShareVersion,
    share_rows: list[tuple[str | None, str, Decimal]],
    ceiling_rows: list[tuple[str, Decimal]],
    orgs: dict[str, Organization],
) -> None:
    version.shares = [
        Share(category=category, organization=orgs[code], percent=percent.quantize(Decimal("0.01")))
        for category, code, percent in share_rows
    ]
    version.ceilings = [
        Ceiling(organization=orgs[code], amount=amount) for code, amount in ceiling_rows
    ]


def update_arrangement(
    sa: SpecialArrangement, data: ArrangementData, expected_version: int | None, user: Any = None
) -> SpecialArrangement:
    """Change a draft arrangement. Once signed, shares change only by amendment."""
    if user is not None:
        policy.ensure_party_member(user, sa.party_codes)
    if expected_version is not None and expected_version != sa.version:
        raise Conflict(CONFLICT_MESSAGE)
    if sa.status != "draft" or sa.signatures:
        raise Conflict(
            "A signed arrangement cannot be edited: its shares change by amendment "
            "with the consent of every party.",
        )
    errors = Collector()
    project, orgs = _validate(data, errors, user)
    share_rows = validate_shares(data.parties, data.shares, errors)
    ceiling_rows = validate_ceilings(data.parties, data.ceilings, data.currency, errors)
    if data.reference and reference_taken(data.reference, except_id=sa.id):
        errors.conflict("reference", Message("A special arrangement %(reference)s already "
                                             "exists.", reference=data.reference))
    errors.raise_if_any()
    if user is not None:
        policy.ensure_party_member(user, data.parties)
    before = arrangement_snapshot(sa)
    sa.reference, sa.project, sa.title, sa.kind = data.reference, project, data.title, data.kind  # type: ignore[assignment]  # not None: raise_if_any() raised otherwise
    sa.currency, sa.start_date, sa.end_date = data.currency, data.start_date, data.end_date  # type: ignore[assignment]  # not None: raise_if_any() raised otherwise
    modalities = {m.organization: m for m in data.modalities}
    sa.parties = []
    db.session.flush()
    for code in data.parties:
        m = modalities.get(code, ModalityData(code))
        sa.parties.append(
            ArrangementParty(
                organization=orgs[code],
                role=m.role or "",
                responsibilities=m.responsibilities or "",
                in_kind_contribution=m.in_kind_contribution or "",
            )
        )
    version = sa.share_versions[0]
    version.effective_date = data.start_date  # type: ignore[assignment]  # not None: raise_if_any() raised otherwise
    version.shares = []
    version.ceilings = []
    db.session.flush()
    _fill_version(version, share_rows, ceiling_rows, orgs)
    audit.record("update", sa, before=before, after=arrangement_snapshot(sa), user=user)
    return sa


def delete_arrangement(sa: SpecialArrangement, user: Any = None) -> None:
    if user is not None:
        policy.ensure_party_member(user, sa.party_codes)
    if sa.status != "draft" or sa.signatures:
        raise Conflict("Only an unsigned draft can be deleted; terminate a signed arrangement.")
    audit.record("delete", sa, before=arrangement_snapshot(sa), after=None, user=user)
    db.session.delete(sa)


def _acting_party(
    sa: SpecialArrangement,
    organization_code: str | None,
    on: date | None,
    date_field: str,
    user: Any,
    action: str,
    errors: Collector | None = None,
) -> ArrangementParty:
    """The party an act is done for, once the date is given and the user may act for it.
    ``errors`` may already hold the caller's own problems: all are raised together."""
    errors = errors if errors is not None else Collector()
    notice = date_field == "notice_date"
    if on is None:
        errors.add(date_field, Message(N_("The notice date is required.") if notice
                                       else N_("The date is required.")))
    elif on > date.today():
        errors.add(date_field, Message(
            N_("The notice date cannot be in the future: record an act once done.") if notice
            else N_("The date cannot be in the future: record an act once done.")))
    elif sa.end_date and on > sa.end_date:
        errors.add(date_field, Message(
            N_("The notice date is after the arrangement's end date (%(end)s).") if notice
            else N_("The date is after the arrangement's end date (%(end)s)."), end=sa.end_date))
    party = sa.party(organization_code) if organization_code else None
    if not organization_code:
        errors.add("organization", "organization is required.")
    elif party is None:
        errors.add("organization", Message("%(code)s is not a party to %(reference)s.",
                                           code=organization_code, reference=sa.reference))
    errors.raise_if_any()
    policy.ensure(user, action, organization_code)
    assert party is not None  # noqa: S101 - narrowed by the errors above
    return party


def sign(
    sa: SpecialArrangement,
    organization_code: str,
    on: date | None,
    user: Any,
    signatory: str = "",
    title: str = "",
    *,
    signatory_required: bool = False,
) -> Signature:
    """Record a party's signature; the last one brings the arrangement into force.

    ``signatory`` and ``title`` name the person who signed the instrument (DOMAIN.md). The
    page requires both (``signatory_required``); the API may leave them out, and the
    recording user is then stated as the signatory (``signed_by_recorder``). Every problem
    (date, party, name, title) is raised at once.
    """
    signatory, title = (signatory or "").strip(), (title or "").strip()
    errors = Collector()
    if signatory_required and not signatory:
        errors.add("signatory_name", "Give the name of the person who signed for the party.")
    if signatory_required and not title:
        errors.add("signatory_title", "Give the signatory's title (for example "
                                      "Under-Secretary-General).")
    for name, text in (("signatory_name", signatory), ("signatory_title", title)):
        if len(text) > 200:
            errors.add(name, "At most 200 characters.")
    party = _acting_party(sa, organization_code, on, "date", user, policy.ARRANGEMENT_SIGN,
                          errors)
    if sa.status != "draft":
        raise Conflict(Message("%(reference)s is already %(status)s.", reference=sa.reference,
                               status=Message(phrase(sa.status_on(date.today())))),
                       "organization")
    if any(s.organization.code == organization_code for s in sa.signatures):
        raise Conflict(Message("%(code)s has already signed %(reference)s.",
                               code=organization_code, reference=sa.reference), "organization")
    signature = Signature(
        organization=party.organization,
        date=on,
        signatory=signatory or user.display_name,
        signatory_title=title,
        signed_by_recorder=not signatory,
        recorded_by=user,
        recorded_by_admin=policy.acts_as_admin(user, organization_code),
    )
    before = arrangement_snapshot(sa)
    sa.signatures.append(signature)
    if {s.organization.code for s in sa.signatures} == set(sa.party_codes):
        last = max(s.date for s in sa.signatures)
        sa.entry_into_force = max(last, sa.start_date)
        # Stored "in_force" is "every party signed": status_on reads "signed" until the
        # entry into force.
        sa.status = "in_force"
    audit.record("sign", signature, parent=sa, user=user)
    if sa.status == "in_force":
        audit.record("update", sa, before=before, after=arrangement_snapshot(sa), user=user)
    return signature


# --- Termination (Art. 10.3 by analogy) ------------------------------------------------------


def give_notice(
    sa: SpecialArrangement, organization_code: str, notice_date: date | None, user: Any
) -> SpecialArrangement:
    """A party's written notice; effective six calendar months after the notice date."""
    party = _acting_party(
        sa, organization_code, notice_date, "notice_date", user, policy.TERMINATION_NOTICE
    )
    if sa.status != "in_force":
        raise Conflict(Message("%(reference)s is not in force; there is nothing to terminate.",
                               reference=sa.reference))
    if sa.termination_notice_date:
        raise Conflict(Message("Notice was already given on %(day)s.",
                               day=sa.termination_notice_date))
    if sa.entry_into_force and notice_date < sa.entry_into_force:  # type: ignore[operator]  # not None: _acting_party() raised otherwise
        raise DomainError("The notice cannot predate the entry into force.", "notice_date")
    before = arrangement_snapshot(sa)
    sa.termination_notice_date = notice_date
    sa.termination_effective_date = termination_effective_date(notice_date)  # type: ignore[arg-type]  # not None: _acting_party() raised otherwise
    sa.terminated_by = party.organization
    db.session.flush()  # the snapshot holds the new version and terminated_by_id
    audit.record("notice", sa, before=before, after=arrangement_snapshot(sa), user=user)
    return sa


# --- Reading -------------------------------------------------------------------------------


def versions_for_engine(sa: SpecialArrangement) -> list[allocation.ShareVersion]:
    """The versions in force, as the pure engine's data."""
    result = []
    for v in sa.share_versions:
        if v.status != "in_force":
            continue
        default: dict[str, Decimal] = {}
        categories: dict[str, dict[str, Decimal]] = {}
        for s in v.shares:
            target = default if s.category is None else categories.setdefault(s.category, {})
            target[s.organization.code] = s.percent
        result.append(
            allocation.ShareVersion(
                number=v.number,
                effective_date=v.effective_date,
                default=default,
                categories=categories,
                ceilings={c.organization.code: c.amount for c in v.ceilings},
            )
        )
    return result


def share_table(version: ShareVersion) -> list[tuple[str | None, dict[str, Decimal]]]:
    """Shares as rows per category (None = default first)."""
    table: dict[str | None, dict[str, Decimal]] = {}
    for s in version.shares:
        table.setdefault(s.category, {})[s.organization.code] = s.percent
    return sorted(table.items(), key=lambda kv: (kv[0] is not None, kv[0] or ""))


def arrangement_snapshot(sa: SpecialArrangement) -> dict[str, Any]:
    return audit.snapshot(
        sa,
        extra={
            "parties": [
                {
                    "organization": p.organization.code,
                    "role": p.role,
                    "responsibilities": p.responsibilities,
                    "in_kind_contribution": p.in_kind_contribution,
                }
                for p in sa.parties
            ],
            "shares": [version_snapshot(v) for v in sa.share_versions if v.number == 1],
        },
    )


def version_snapshot(version: ShareVersion) -> dict[str, Any]:
    """Every column of the share version (the log replays it, docs/EVIDENCE.md) with its
    shares and ceilings."""
    return {
        **audit.snapshot(version),
        "amendment": version.amendment_number,
        "shares": [
            {
                "organization": s.organization.code,
                "category": s.category,
                "percent": format(s.percent, "f"),
            }
            for s in version.shares
        ],
        "ceilings": [
            {"organization": c.organization.code, "amount": format(c.amount, "f")}
            for c in version.ceilings
        ],
    }
