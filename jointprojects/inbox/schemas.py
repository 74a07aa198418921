"""API shapes of the inbox (issue 16): ``GET /api/v1/inbox``."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from jointprojects.api.schemas import OutputSchema
from jointprojects.i18n import translate
from jointprojects.inbox.awaited import Item
from jointprojects.inbox.services import Inbox
from jointprojects.vocabulary import AWAITED_KINDS


class InboxItemOut(OutputSchema):
    __component__ = "InboxItem"

    key = fields.String(required=True, metadata={
        "description": "stable per event and organization, e.g. "
                       "signature:SA-2025-007:INTERPOL"})
    kind = fields.String(required=True, metadata={"enum": list(AWAITED_KINDS)})
    action = fields.Boolean(required=True, metadata={
        "description": "true: to do; false: for information"})
    organization = fields.String(required=True, metadata={
        "description": "the organization that must act or is told"})
    roles = fields.List(fields.String(), required=True)
    title = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "where it is done (a path)"})
    due = fields.Date(required=True, allow_none=True)
    read = fields.Boolean(required=True, metadata={
        "description": "an information item the user marked as read"})


class InboxOut(OutputSchema):
    __component__ = "Inbox"

    count = fields.Integer(required=True, metadata={"description": "items to do"})
    to_do = fields.List(fields.Nested(InboxItemOut), required=True)
    for_information = fields.List(fields.Nested(InboxItemOut), required=True,
                                  metadata={"description": "unread first, then read"})


def item_json(item: Item, read: bool = False) -> dict[str, Any]:
    return {"key": item.key, "kind": item.kind, "action": item.action,
            "organization": item.organization, "roles": sorted(item.roles),
            "title": translate(item.title), "url": item.url,
            "due": item.due.isoformat() if item.due else None, "read": read}


def inbox_json(inbox: Inbox) -> dict[str, Any]:
    return {"count": inbox.count,
            "to_do": [item_json(i) for i in inbox.to_do],
            "for_information": [*(item_json(i) for i in inbox.information),
                                *(item_json(i, read=True) for i in inbox.read)]}
