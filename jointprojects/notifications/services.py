"""Mail rules: who is told what, once; preferences; the daily digest; one delivery attempt.

Plain data in, rows flushed, never committed: :mod:`.dispatch` (the queue's tasks and the
command line) commits between the steps, because a message is claimed (committed) before it
is handed to the server, so that a second worker skips it.

Idempotency: :func:`announce` inserts (event key, user) into ``mail_announcement`` with
``ON CONFLICT DO NOTHING`` and makes a message only when its own insert took. Two workers
announcing the same event at once: the second insert waits for the first transaction and
then does nothing (PostgreSQL, SQLite alike), so each user receives one mail per event.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email import message_from_string
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from jointprojects.audit import services as audit
from jointprojects.auth.models import User, utcnow
from jointprojects.errors import Collector, Message, NotFound
from jointprojects.extensions import db
from jointprojects.i18n import msg, translate
from jointprojects.inbox.awaited import Item, awaited_all, kinds_for
from jointprojects.locales import DEFAULT_LANGUAGE, LongDate, normalize_language
from jointprojects.notifications import transport
from jointprojects.notifications.awaited import announceable
from jointprojects.notifications.models import (
    MailAnnouncement,
    MailDigest,
    MailMessage,
    MailPreference,
)
from jointprojects.organizations.models import Organization
from jointprojects.vocabulary import AWAITED_KIND_LABELS, MAIL_MODE_LABELS, MAIL_MODES

#: Kinds of awaited items that are news rather than work: the digest by default; every
#: other kind (something to do) a mail at once (issue 16 item 3).
INFORMATION_KINDS = frozenset({"notice_given", "ending"})
PREFERENCES_PATH = "/account/notifications"
#: A message held by a worker for longer than this is taken as lost and queued again.
SENDING_LOST_AFTER = timedelta(minutes=15)


def default_mode(kind: str) -> str:
    """Immediate for "to do" kinds, the digest for information."""
    return "digest" if kind in INFORMATION_KINDS else "immediate"


# --- preferences ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preference:
    kind: str
    label: str
    mode: str
    default: str


def preferences(user: User) -> list[Preference]:
    """The user's choice for every kind their role can receive (the default where they
    made none): a programme manager is never told of a payment to confirm."""
    chosen = _chosen([user.id])
    return [Preference(kind, AWAITED_KIND_LABELS[kind],
                       chosen.get((user.id, kind), default_mode(kind)), default_mode(kind))
            for kind in kinds_for(user.role)]


def set_preferences(user: User, modes: Mapping[str, str | None]) -> int:
    """Keep ``modes`` (kind -> immediate / digest / none) for ``user``; every unknown kind or
    mode is refused at once. Returns how many changed (each audited)."""
    errors = Collector()
    receivable = set(kinds_for(user.role))
    for kind, mode in modes.items():
        if kind not in receivable:
            errors.add(kind, "This is not a kind of item you can receive mail about.")
        elif mode not in MAIL_MODES:
            errors.add(kind, Message("Choose one of: %(modes)s.",
                                     modes=[Message(m) for m in MAIL_MODE_LABELS.values()]))
    errors.raise_if_any()
    rows = {p.kind: p for p in db.session.scalars(
        select(MailPreference).where(MailPreference.user_id == user.id))}
    changed = 0
    for kind, mode in modes.items():
        assert mode is not None  # noqa: S101 - checked above
        row = rows.get(kind)
        current = row.mode if row is not None else default_mode(kind)
        if current == mode:
            continue
        if row is None:
            row = MailPreference(user_id=user.id, kind=kind, mode=mode)
            db.session.add(row)
            audit.record("create", row, user=user)
        else:
            before = audit.snapshot(row)
            row.mode = mode
            audit.record("update", row, before=before, user=user)
        changed += 1
    db.session.flush()
    return changed


def _chosen(user_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    ids = list(user_ids)
    if not ids:
        return {}
    return {(p.user_id, p.kind): p.mode for p in db.session.scalars(
        select(MailPreference).where(MailPreference.user_id.in_(ids)))}


# --- who is told --------------------------------------------------------------------------


def recipients(items: Sequence[Item]) -> dict[tuple[int, str], list[User]]:
    """Per (organization id, role): its active users (one query for all the items)."""
    wanted = {(item.organization_id, role) for item in items for role in item.roles}
    if not wanted:
        return {}
    users = db.session.scalars(
        select(User).where(User.active.is_(True),
                           User.organization_id.in_({o for o, _ in wanted}),
                           User.role.in_({r for _, r in wanted}))
        .order_by(User.id)).all()
    found: dict[tuple[int, str], list[User]] = {key: [] for key in wanted}
    for user in users:
        if (user.organization_id, user.role) in found:
            found[(user.organization_id, user.role)].append(user)
    return found


def _users_of(item: Item, by_group: dict[tuple[int, str], list[User]]) -> list[User]:
    seen: dict[int, User] = {}
    for role in item.roles:
        for user in by_group.get((item.organization_id, role), []):
            seen.setdefault(user.id, user)
    return list(seen.values())


def _insert_once(model: Any, values: dict[str, Any], keys: list[str]) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id: the new row's id, or None when the
    row was already there (another worker's, committed or about to be)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model.__table__).values(**values).on_conflict_do_nothing(
        index_elements=keys).returning(model.__table__.c.id)
    row = db.session.execute(statement).first()
    return None if row is None else int(row[0])


def announce(today: date | None = None, items: Sequence[Item] | None = None) -> list[int]:
    """Announce what is newly awaited: for every open item and every user of its
    organization and role not yet told, an announcement row and, when their preference is
    "immediate", a queued message. Returns the ids of the new messages."""
    items = announceable(awaited_all(today) if items is None else items)
    by_group = recipients(items)
    chosen = _chosen(u.id for users in by_group.values() for u in users)
    done = _announced({item.key for item in items})
    new_messages: list[int] = []
    for item in items:
        for user in _users_of(item, by_group):
            if (item.key, user.id) in done:
                continue
            mode = chosen.get((user.id, item.kind), default_mode(item.kind))
            announcement_id = _insert_once(MailAnnouncement, {
                "event_key": item.key, "user_id": user.id, "item_kind": item.kind,
                "mode": mode, "announced_at": utcnow()}, ["event_key", "user_id"])
            if announcement_id is None or mode != "immediate":
                continue
            message = _event_message(item, user)
            db.session.add(message)
            db.session.flush()
            db.session.execute(update(MailAnnouncement).where(
                MailAnnouncement.id == announcement_id).values(message_id=message.id))
            new_messages.append(message.id)
    db.session.flush()
    return new_messages


def _announced(keys: set[str]) -> set[tuple[str, int]]:
    if not keys:
        return set()
    return {(k, u) for k, u in db.session.execute(
        select(MailAnnouncement.event_key, MailAnnouncement.user_id)
        .where(MailAnnouncement.event_key.in_(keys)))}


# --- the messages -------------------------------------------------------------------------


def absolute(path: str) -> str:
    """A link in a mail: ``JOINTPROJECTS_BASE_URL`` and the path."""
    base = str(current_app.config.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    return base + (path if path.startswith("/") else "/" + path)


def _compose(user: User, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = str(current_app.config.get("MAIL_FROM") or "jointprojects@localhost")
    message["To"] = user.email
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Message-ID"] = make_msgid(domain="jointprojects")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


def _organization_code(organization_id: int) -> str:
    organization = db.session.get(Organization, organization_id)
    return organization.code if organization is not None else ""


def language_of(user: User) -> str:
    """The language of ``user``'s mail: theirs, else the instance's default (English)."""
    return (normalize_language(user.language)
            or normalize_language(str(current_app.config.get("BABEL_DEFAULT_LOCALE") or ""))
            or DEFAULT_LANGUAGE)


def event_subject(item: Item) -> str:
    """The subject in the current language (the recipient's, under ``force_locale``)."""
    if item.action:
        return translate(item.title)
    return msg("For information: %(title)s", title=item.title)


def _event_message(item: Item, user: User) -> MailMessage:
    with force_locale(language_of(user)):
        subject = event_subject(item)
        body = render_template(
            "notifications/mail/event.txt", user=user, item=item, subject=subject,
            title=translate(item.title), organization=_organization_code(item.organization_id),
            to_do=item.action, link=absolute(item.url), preferences=absolute(PREFERENCES_PATH),
            kind_label=translate(AWAITED_KIND_LABELS.get(item.kind, item.kind)))
    return _message_row(user, "event", item.key, subject, body)


def _message_row(user: User, kind: str, key: str, subject: str, body: str) -> MailMessage:
    composed = _compose(user, subject[:300], body)
    return MailMessage(user_id=user.id, recipient=user.email, kind=kind, event_key=key,
                       subject=subject[:300], raw=composed.as_string(), status="queued",
                       attempts=0)


# --- the digest ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestLine:
    title: str
    link: str
    due: date | None
    to_do: bool
    #: Not in the user's previous digest.
    new: bool = False


def make_digests(today: date | None = None, items: Sequence[Item] | None = None) -> list[int]:
    """Today's digest for every user with something open or something done since their last
    digest (kinds set to "none" left out): everything open, what is new, what was done.
    One per user and day (UNIQUE): a second run the same day makes none."""
    today = today or date.today()
    if items is None:
        items = awaited_all(today)
    by_group = recipients(items)
    open_for: dict[int, list[Item]] = {}
    users: dict[int, User] = {}
    for item in items:
        for user in _users_of(item, by_group):
            open_for.setdefault(user.id, []).append(item)
            users[user.id] = user
    previous = _previous_digests(today)
    for user_id in previous:
        if user_id not in users:
            former = db.session.get(User, user_id)
            if former is not None and former.active:
                users[user_id] = former
    chosen = _chosen(users)
    made: list[int] = []
    for user_id, user in sorted(users.items()):
        mine = [i for i in open_for.get(user_id, [])
                if chosen.get((user_id, i.kind), default_mode(i.kind)) != "none"]
        before = previous.get(user_id, {})
        # each title as the user reads it: what is done tomorrow is named in their words
        with force_locale(language_of(user)):
            current = {i.key: translate(i.title) for i in mine}
        new = [i for i in mine if i.key not in before]
        gone = [title for key, title in before.items() if key not in current]
        digest_id = _insert_once(MailDigest, {"user_id": user_id, "day": today,
                                             "items": current, "created_at": utcnow()},
                                 ["user_id", "day"])
        if digest_id is None or not (mine or gone):
            continue
        message = _digest_message(user, today, mine, new, gone)
        db.session.add(message)
        db.session.flush()
        db.session.execute(update(MailDigest).where(MailDigest.id == digest_id)
                           .values(message_id=message.id))
        made.append(message.id)
    db.session.flush()
    return made


def _previous_digests(today: date) -> dict[int, dict[str, str]]:
    """Per user, the items of their last digest before ``today``."""
    latest = (select(MailDigest.user_id, db.func.max(MailDigest.day).label("day"))
              .where(MailDigest.day < today).group_by(MailDigest.user_id).subquery())
    rows = db.session.scalars(select(MailDigest).join(latest, and_(
        MailDigest.user_id == latest.c.user_id, MailDigest.day == latest.c.day)))
    return {row.user_id: dict(row.items or {}) for row in rows}


def _line(item: Item, new: bool = False) -> DigestLine:
    return DigestLine(translate(item.title), absolute(item.url), item.due, item.action, new)


def _digest_message(user: User, today: date, mine: list[Item], new: list[Item],
                    gone: list[str]) -> MailMessage:
    """Every open item once (to do, then for information), those that are new since the
    last digest marked as such; then what was done since. In the user's language."""
    to_do = sum(1 for i in mine if i.action)
    fresh = {i.key for i in new}
    with force_locale(language_of(user)):
        subject = msg("Your daily digest, %(day)s: %(to_do)s to do, %(information)s for "
                      "information", day=LongDate(today), to_do=to_do,
                      information=len(mine) - to_do)
        body = render_template(
            "notifications/mail/digest.txt", user=user, today=today,
            to_do=[_line(i, i.key in fresh) for i in mine if i.action],
            information=[_line(i, i.key in fresh) for i in mine if not i.action],
            new=len(fresh), gone=gone, preferences=absolute(PREFERENCES_PATH),
            inbox=absolute("/"))
    return _message_row(user, "digest", f"digest:{today.isoformat()}", subject, body)


# --- delivery -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    status: str
    #: Seconds until the next attempt (a refusal with attempts left).
    retry_in: float | None = None


def claim(message_id: int) -> bool:
    """Take a queued message whose attempt is due (``sending``, one more attempt counted);
    False when another worker has it or it is done."""
    now = utcnow()
    result = db.session.execute(
        update(MailMessage)
        .where(MailMessage.id == message_id, MailMessage.status == "queued",
               or_(MailMessage.next_attempt_at.is_(None), MailMessage.next_attempt_at <= now))
        .values(status="sending", attempts=MailMessage.attempts + 1, next_attempt_at=now)
        .execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0) == 1)


def claim_many(message_ids: Sequence[int]) -> list[int]:
    """:func:`claim` for several at once (one statement): the ids this worker took."""
    if not message_ids:
        return []
    now = utcnow()
    taken = db.session.scalars(
        update(MailMessage)
        .where(MailMessage.id.in_(list(message_ids)), MailMessage.status == "queued",
               or_(MailMessage.next_attempt_at.is_(None), MailMessage.next_attempt_at <= now))
        .values(status="sending", attempts=MailMessage.attempts + 1, next_attempt_at=now)
        .returning(MailMessage.id)
        .execution_options(synchronize_session=False))
    return sorted(int(i) for i in taken)


def connection() -> transport.SmtpConnection | None:
    """A connection for several messages (None without an SMTP server)."""
    smtp_url = str(current_app.config.get("MAIL_SMTP_URL") or "")
    if not smtp_url:
        return None
    return transport.SmtpConnection(smtp_url,
                                    float(current_app.config.get("MAIL_TIMEOUT_SECONDS", 30)))


def mail_folder() -> Path:
    return Path(current_app.instance_path) / "mail"


def describe() -> str:
    """Where mail goes, in words."""
    return transport.describe(str(current_app.config.get("MAIL_SMTP_URL") or ""), mail_folder())


def readable(raw: str) -> str:
    """A stored message as a person reads it (the admin's mail page): its headers decoded
    (``=?utf-8?q?P=C3=A9rez?=`` -> ``Pérez``) and its plain-text body without the
    transfer encoding's soft line breaks."""
    email = message_from_string(raw, policy=email_policy.default)
    lines = [f"{name}: {email[name]}" for name in ("From", "To", "Date", "Subject")
             if email[name] is not None]
    body = email.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    return "\n".join(lines) + "\n\n" + str(text)


def send_claimed(message_id: int,
                 through: transport.SmtpConnection | None = None) -> Delivery:
    """One attempt to deliver a claimed message: through SMTP, or as an .eml file. A refusal
    queues it again after a backoff (the first wait doubled at each attempt) until the
    attempts run out; then it is failed, with the server's reason kept."""
    message = db.session.get(MailMessage, message_id)
    if message is None or message.status != "sending":
        return Delivery("skipped")
    config = current_app.config
    smtp_url = str(config.get("MAIL_SMTP_URL") or "")
    email = message_from_string(message.raw, policy=email_policy.default)
    try:
        if through is not None:
            message.location, message.transport = through.send(email), "smtp"
        elif smtp_url:
            message.location = transport.send_smtp(
                email, smtp_url, float(config.get("MAIL_TIMEOUT_SECONDS", 30)))
            message.transport = "smtp"
        else:
            path = transport.write_eml(email, mail_folder(), _eml_name(message))
            message.location, message.transport = str(path), "file"
    except transport.MailRefused as exc:
        message.error = str(exc)[:2000]
        if message.attempts >= int(config.get("MAIL_MAX_ATTEMPTS", 6)):
            message.status = "failed"
            db.session.flush()
            return Delivery("failed")
        wait = float(config.get("MAIL_RETRY_SECONDS", 60)) * 2 ** (message.attempts - 1)
        message.status = "queued"
        message.next_attempt_at = utcnow() + timedelta(seconds=wait)
        db.session.flush()
        return Delivery("retry", wait)
    message.status, message.sent_at, message.error = "sent", utcnow(), None
    db.session.flush()
    return Delivery("sent")


def _eml_name(message: MailMessage) -> str:
    """``20261201-161502-00000042-3fa9c1-pm.interpol@un.org``: sorted by time, and a random
    part so that two installations sharing an instance folder never overwrite each other's."""
    safe = "".join(c if c.isalnum() or c in "@.-_" else "_" for c in message.recipient)
    return (f"{message.created_at:%Y%m%d-%H%M%S}-{message.id:08d}-{secrets.token_hex(3)}-"
            f"{safe[:80]}")


def due_messages(now: datetime | None = None) -> list[int]:
    """Messages to send again: queued and due (their queue message may have been lost, or
    their backoff has passed), and those a worker held for too long (it died)."""
    now = now or utcnow()
    db.session.execute(
        update(MailMessage)
        .where(MailMessage.status == "sending",
               MailMessage.next_attempt_at < now - SENDING_LOST_AFTER)
        .values(status="queued").execution_options(synchronize_session=False))
    return list(db.session.scalars(
        select(MailMessage.id).where(
            MailMessage.status == "queued",
            or_(MailMessage.next_attempt_at.is_(None), MailMessage.next_attempt_at <= now))
        .order_by(MailMessage.id)))


def messages_page_query() -> Any:
    return select(MailMessage).order_by(MailMessage.id.desc())


def get_message(message_id: int) -> MailMessage:
    message = db.session.get(MailMessage, message_id)
    if message is None:
        raise NotFound("Unknown message.", field="id")
    return message
