"""What was announced to whom, what each user wants to receive, and every mail sent.

* :class:`MailAnnouncement` is the idempotency record: one row per (event key, user),
  UNIQUE in the database, inserted before the message is made. Two workers computing the
  same event at once insert the same row; only one insert takes, so only one mail goes out.
* :class:`MailMessage` is the mail log the admin page reads: one message per recipient,
  its state (queued, sending, sent, failed), the attempts made and where it went (the
  SMTP server, or the .eml file of the embedded default).
* :class:`MailPreference`: immediate / digest / none per user and kind of item (no row: the
  kind's default).
* :class:`MailDigest`: one row per user and day a digest was made (UNIQUE), with the items
  it listed, so the next one says what is new and what was done since.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jointprojects.auth.models import utcnow
from jointprojects.extensions import NEVER_REUSED, Model
from jointprojects.vocabulary import MAIL_KINDS, MAIL_MODES, MAIL_STATUSES, check_in

if TYPE_CHECKING:
    from jointprojects.auth.models import User



class MailMessage(Model):
    __tablename__ = "mail_message"
    __table_args__ = (
        CheckConstraint(check_in("kind", MAIL_KINDS), name="kind"),
        CheckConstraint(check_in("status", MAIL_STATUSES), name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index("ix_mail_message_status_next", "status", "next_attempt_at"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(20))
    #: The awaited item's key for an event mail; ``digest:<day>`` for a digest.
    event_key: Mapped[str] = mapped_column(String(300), default="")
    subject: Mapped[str] = mapped_column(String(300))
    #: The whole message as sent (RFC 5322 text), shown on the admin page.
    raw: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    #: When the next attempt is due (after a refusal: backoff).
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    #: The last refusal in plain words.
    error: Mapped[str | None] = mapped_column(Text)
    #: ``smtp`` or ``file`` (the .eml of the embedded default), and where: host or path.
    transport: Mapped[str] = mapped_column(String(20), default="")
    location: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User | None] = relationship()


class MailAnnouncement(Model):
    __tablename__ = "mail_announcement"
    __table_args__ = (
        UniqueConstraint("event_key", "user_id", name="uq_mail_announcement_event_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_key: Mapped[str] = mapped_column(String(300))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    item_kind: Mapped[str] = mapped_column(String(40))
    #: What the user's preference said at the time: ``immediate`` made a message.
    mode: Mapped[str] = mapped_column(String(20))
    announced_at: Mapped[datetime] = mapped_column(default=utcnow)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("mail_message.id", ondelete="SET NULL"))


class MailPreference(Model):
    __tablename__ = "mail_preference"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", name="uq_mail_preference_user_kind"),
        CheckConstraint(check_in("mode", MAIL_MODES), name="mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(20))


class MailDigest(Model):
    __tablename__ = "mail_digest"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_mail_digest_user_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    #: The items open for the user that day: {key: title}.
    items: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("mail_message.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
