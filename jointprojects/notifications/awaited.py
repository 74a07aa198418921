"""What is awaited, as the mail sees it: the interface of ``jointprojects.inbox.awaited``
(``Item``, ``awaited_all``), which owns the rules (issue 16 item 1).

This adapter stands in until that module is merged, and is the only place the notifications
read awaited items from: swap the body of :func:`awaited_all` for the inbox's and nothing
else changes. Until then it derives from the records the two acts the arrangement page
already names (``special_arrangements.queries.awaited_by_arrangement``): a party's signature
once another party has signed (the draft was sent for signature), and a party's consent to a
pending amendment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from jointprojects.extensions import db
from jointprojects.organizations.models import Organization
from jointprojects.special_arrangements.models import ArrangementParty, ShareVersion, Signature
from jointprojects.special_arrangements.models import SpecialArrangement as Arrangement
from jointprojects.special_arrangements.queries import awaited_by_arrangement

#: "to do" items: the organization must act; others are "for information".
TO_DO = "to_do"
INFORMATION = "information"


@dataclass(frozen=True)
class Item:
    """Something an organization's users in ``roles`` must do (``action`` ``to_do``) or know
    (``information``). ``key`` is stable while the item is open and names it uniquely; ``url``
    is the path of the page where it is done."""

    key: str
    kind: str
    action: str
    organization_id: int
    roles: tuple[str, ...]
    title: str
    url: str
    due: date | None
    arrangement_id: int | None


def awaited_all(today: date | None = None) -> list[Item]:
    """Every item open today, for every organization."""
    candidates = db.session.scalars(
        select(Arrangement.id).where(
            (Arrangement.status == "draft")
            & Arrangement.id.in_(select(Signature.arrangement_id))
            | Arrangement.id.in_(select(ShareVersion.arrangement_id)
                                 .where(ShareVersion.status == "pending"))
        ).order_by(Arrangement.id)).all()
    awaited = awaited_by_arrangement(list(candidates))
    if not candidates:
        return []
    references = dict(db.session.execute(
        select(Arrangement.id, Arrangement.reference).where(Arrangement.id.in_(candidates))
    ).all())
    titles = dict(db.session.execute(
        select(Arrangement.id, Arrangement.title).where(Arrangement.id.in_(candidates))
    ).all())
    org_ids = dict(db.session.execute(
        select(Organization.code, Organization.id)
        .join(ArrangementParty, ArrangementParty.organization_id == Organization.id)
        .where(ArrangementParty.arrangement_id.in_(candidates))
    ).all())
    items: list[Item] = []
    for arrangement_id in candidates:
        reference = references[arrangement_id]
        for a in awaited[arrangement_id]:
            if a.what == "signature":
                items.append(Item(
                    key=f"signature:{reference}:{a.organization}", kind="signature",
                    action=TO_DO, organization_id=org_ids[a.organization],
                    roles=("programme_manager",),
                    title=f"{a.organization}'s signature of {reference} "
                          f"({titles[arrangement_id]})",
                    url=f"/arrangements/{reference}#sign-h", due=None,
                    arrangement_id=arrangement_id))
            elif a.what == "consent":
                items.append(Item(
                    key=f"consent:{reference}:{a.version}:{a.organization}", kind="consent",
                    action=TO_DO, organization_id=org_ids[a.organization],
                    roles=("programme_manager",),
                    title=f"{a.organization}'s consent to amendment {a.version} of "
                          f"{reference}",
                    url=f"/arrangements/{reference}/amendments/{a.version}", due=None,
                    arrangement_id=arrangement_id))
    return items
