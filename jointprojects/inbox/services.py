"""The inbox (issue 16, item 2): a user's awaited items grouped "to do" and "for
information", and the read marks of information items.

A read mark names an item by its key: when the event changes (a new notice, the next
"ending within" threshold) the key changes and the item shows again. Items to do cannot be
marked: they leave the inbox when the record changes (the signature recorded...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from jointprojects.audit import services as audit
from jointprojects.errors import Conflict, DomainError, NotFound
from jointprojects.extensions import db
from jointprojects.inbox.awaited import Item, awaited_for
from jointprojects.inbox.models import InboxRead


@dataclass
class Inbox:
    to_do: list[Item] = field(default_factory=list)
    #: Information items not read yet.
    information: list[Item] = field(default_factory=list)
    #: Information items read (shown greyed, below).
    read: list[Item] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.to_do)


def read_keys(user: Any, keys: list[str]) -> set[str]:
    """Which of ``keys`` ``user`` has marked as read."""
    if not keys:
        return set()
    return set(db.session.scalars(select(InboxRead.item_key).where(
        InboxRead.user_id == user.id, InboxRead.item_key.in_(keys))))


def inbox(user: Any, today: date | None = None, items: list[Item] | None = None) -> Inbox:
    """``user``'s inbox: to do, for information (unread), read (``items``: the user's
    :func:`~jointprojects.inbox.awaited.awaited_for`, when the caller has them already)."""
    items = awaited_for(user, today) if items is None else items
    info = [i for i in items if not i.action]
    read = read_keys(user, [i.key for i in info])
    return Inbox(to_do=[i for i in items if i.action],
                 information=[i for i in info if i.key not in read],
                 read=[i for i in info if i.key in read])


def mark_read(user: Any, key: str | None, today: date | None = None) -> InboxRead:
    """Mark the information item ``key`` of ``user``'s inbox as read (audited); marking it
    again changes nothing. Raises :class:`NotFound` for a key that is not in the inbox (it
    may have gone since the page was shown) and 409 for an item to do."""
    key = (key or "").strip()
    if not key:
        raise DomainError("Choose the item to mark as read.", "key")
    item = next((i for i in awaited_for(user, today) if i.key == key), None)
    if item is None:
        raise NotFound("This item is no longer in your inbox.", field="key")
    if item.action:
        raise Conflict("An item to do leaves the inbox once it is done; it cannot be marked "
                       "as read.", field="key")
    existing = db.session.scalar(select(InboxRead).where(
        InboxRead.user_id == user.id, InboxRead.item_key == key))
    if existing is not None:
        return existing
    mark = InboxRead(user_id=user.id, item_key=key)
    db.session.add(mark)
    db.session.flush()
    audit.record("read", mark, parent=user, user=user)
    return mark
