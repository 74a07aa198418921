"""What a mail may announce of what is awaited: ``jointprojects.inbox.awaited`` owns the
rules (issue 16 item 1) and the notifications call it directly.

One rule of the mail's own: a signature is asked by mail once a party has signed the draft
(it was sent for signature). While nobody has signed, the draft is still being shaped: the
inbox and the digest list it, but nobody receives an immediate mail about it yet.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from jointprojects.extensions import db
from jointprojects.inbox.awaited import Item
from jointprojects.special_arrangements.models import Signature


def announceable(items: Sequence[Item]) -> list[Item]:
    """The items a mail may announce now (see the module's docstring)."""
    drafts = {i.arrangement_id for i in items if i.kind == "signature"}
    signed = set(db.session.scalars(select(Signature.arrangement_id).where(
        Signature.arrangement_id.in_(drafts)))) if drafts else set()
    return [i for i in items if i.kind != "signature" or i.arrangement_id in signed]
