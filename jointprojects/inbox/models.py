"""What the inbox and the calendar feeds keep beside the records (issue 16).

Nothing here duplicates what is awaited (``awaited.py`` computes it from the records): an
:class:`InboxRead` says that a user has read one information item (by its key: a changed
key, a new event, shows again); a :class:`CalendarFeed` holds the SHA-256 of a user's secret
feed address (the secret itself is shown once, never stored); :class:`CalendarEvent` is what
a user's feed has published, so that a date that moves gets a new ``SEQUENCE`` and
``LAST-MODIFIED`` and an event whose record is gone (withdrawn, terminated, deleted) is
published once more as ``STATUS:CANCELLED``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jointprojects.auth.models import utcnow
from jointprojects.extensions import NEVER_REUSED, Model


class InboxRead(Model):
    """``user`` has read the information item ``item_key`` (audited)."""

    __tablename__ = "inbox_read"
    __table_args__ = (UniqueConstraint("user_id", "item_key"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(200))
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalendarFeed(Model):
    """A user's private feed address: ``token_hash`` is the SHA-256 (hex) of its secret.
    Revoked feeds stay (``revoked_at``) for the audit trail; a user has at most one live."""

    __tablename__ = "calendar_feed"
    __table_args__ = (Index("ix_calendar_feed_user", "user_id", "revoked_at"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    #: The last time the feed was read (a calendar polls it).
    read_at: Mapped[datetime | None]


class CalendarEvent(Model):
    """An event a user's feed has published: its day and summary as last published, the
    ``sequence`` (raised whenever either changes) and whether it is cancelled."""

    __tablename__ = "calendar_event"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    uid: Mapped[str] = mapped_column(String(120), primary_key=True)
    day: Mapped[date]
    summary: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(300), default="")
    sequence: Mapped[int] = mapped_column(default=0)
    modified_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled: Mapped[bool] = mapped_column(default=False)
