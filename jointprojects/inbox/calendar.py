"""Calendars (issue 16, item 4): a private iCalendar feed per user, and a single .ics of one
record's deadlines.

**The deadlines** (:func:`deadlines_for`), of the records the user may see
(``policy.visible_*_clause``), each an all-day event with a stable UID:

- ``arrangement-<id>-entry-into-force@jointprojects``: once every party signed;
- ``arrangement-<id>-notice-effective@jointprojects``: the day a notice of termination
  takes effect (Art. 10.3);
- ``arrangement-<id>-end@jointprojects``: the end date, unless a termination takes effect
  before it;
- ``exchange-<id>-end@jointprojects``: a personnel exchange's end date (not cancelled);
- ``statement-<id>-due@jointprojects``: a statement's due date (not withdrawn).

**How a change is known** (:func:`publish`): a user's feed keeps what it published
(:class:`~jointprojects.inbox.models.CalendarEvent`: day, summary, link, sequence). Each time
it is read, the deadlines are computed afresh from the records and compared: a new one is
published with ``SEQUENCE:0``; one whose day, summary or link changed gets the next
``SEQUENCE`` and a new ``LAST-MODIFIED``; one that no longer exists (its arrangement
deleted or terminated before its end date, the statement withdrawn, the exchange cancelled,
or the user no longer allowed to see it) is published from then on with
``STATUS:CANCELLED`` and the next sequence, so that calendars remove it.

**The secret** (:func:`create_feed`): 32 random bytes in the URL, only their SHA-256 kept;
regenerating revokes the previous one; a revoked or unknown secret is a 404.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from flask import current_app
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from jointprojects.audit import services as audit
from jointprojects.auth import policy
from jointprojects.auth.models import User, utcnow
from jointprojects.dates import long_date
from jointprojects.errors import NotFound
from jointprojects.extensions import db
from jointprojects.inbox.models import CalendarEvent, CalendarFeed
from jointprojects.personnel_exchanges.models import PersonnelExchange
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.statements.models import Statement

DOMAIN = "jointprojects"
PRODID = "-//jointprojects//deadlines//EN"


@dataclass(frozen=True)
class Deadline:
    uid: str
    day: date
    summary: str
    url: str


def _path(endpoint: str, **values: Any) -> str:
    return str(current_app.url_map.bind("localhost").build(endpoint, values))


def _uid(kind: str, record_id: int, what: str) -> str:
    return f"{kind}-{record_id}-{what}@{DOMAIN}"


# --- the deadlines, from the records --------------------------------------------------------


def arrangement_deadlines(rows: Iterable[Any]) -> list[Deadline]:
    """Deadlines of arrangements given as rows or records with ``id, reference, title,
    status, entry_into_force, end_date, termination_effective_date``."""
    result = []
    for sa in rows:
        url = _path("arrangements.detail", reference=sa.reference)
        name = f"{sa.reference} ({sa.title})"
        if sa.status != "draft" and sa.entry_into_force is not None:
            result.append(Deadline(_uid("arrangement", sa.id, "entry-into-force"),
                                   sa.entry_into_force, f"{name} enters into force", url))
        effective = sa.termination_effective_date
        if effective is not None:
            result.append(Deadline(_uid("arrangement", sa.id, "notice-effective"), effective,
                                   f"{name}: termination takes effect", url))
        if sa.end_date is not None and sa.status != "draft" and (
                effective is None or sa.end_date < effective):
            result.append(Deadline(_uid("arrangement", sa.id, "end"), sa.end_date,
                                   f"{name} ends", url))
    return result


def exchange_deadlines(rows: Iterable[Any]) -> list[Deadline]:
    return [Deadline(_uid("exchange", x.id, "end"), x.end_date,
                     f"The exchange of {x.person_name} ({x.position}) ends",
                     _path("personnel_exchanges.detail", exchange_id=x.id))
            for x in rows if x.status != "cancelled"]


class StatementRow(NamedTuple):
    id: int
    number: int
    due_date: date
    status: str
    reference: str


def statement_deadlines(rows: Iterable[Any]) -> list[Deadline]:
    """Rows with ``id, number, due_date, status, reference`` (:class:`StatementRow`)."""
    return [Deadline(_uid("statement", st.id, "due"), st.due_date,
                     f"{st.reference} statement {st.number} is due",
                     _path("statements.detail", reference=st.reference, number=st.number))
            for st in rows if st.status != "withdrawn"]


def deadlines_for(user: Any) -> list[Deadline]:
    """Every deadline of the records ``user`` may see (three queries)."""
    sa = SpecialArrangement
    arrangements = db.session.execute(
        select(sa.id, sa.reference, sa.title, sa.status, sa.entry_into_force, sa.end_date,
               sa.termination_effective_date)
        .where(sa.status != "draft", policy.visible_arrangements_clause(user)))
    x = PersonnelExchange
    exchanges = db.session.execute(
        select(x.id, x.person_name, x.position, x.end_date, x.status)
        .where(x.status != "cancelled", policy.visible_exchanges_clause(user)))
    st = Statement
    statements = db.session.execute(
        select(st.id, st.number, st.due_date, st.status, sa.reference)
        .join(sa, sa.id == st.arrangement_id)
        .where(st.status != "withdrawn", policy.visible_arrangements_clause(user)))
    return sorted([*arrangement_deadlines(arrangements), *exchange_deadlines(exchanges),
                   *statement_deadlines(statements)], key=lambda d: (d.day, d.uid))


# --- what the feed published ----------------------------------------------------------------


def publish(user: Any, deadlines: list[Deadline], now: datetime | None = None
            ) -> list[CalendarEvent]:
    """Compare ``deadlines`` with what ``user``'s feed published and record the changes
    (module docstring); the events to serve, cancelled ones included, by day. Flushes; two
    readers at the same moment: the second finds the first's rows and serves them."""
    now = now or utcnow()
    current = {d.uid: d for d in deadlines}
    try:
        with db.session.begin_nested():
            published = _published(user)
            for uid, deadline in current.items():
                event = published.get(uid)
                if event is None:
                    event = CalendarEvent(user_id=user.id, uid=uid, day=deadline.day,
                                          summary=deadline.summary[:300],
                                          url=deadline.url[:300], sequence=0,
                                          modified_at=now, cancelled=False)
                    db.session.add(event)
                    published[uid] = event
                elif event.cancelled or (event.day, event.summary, event.url) != (
                        deadline.day, deadline.summary[:300], deadline.url[:300]):
                    event.day, event.summary = deadline.day, deadline.summary[:300]
                    event.url, event.cancelled = deadline.url[:300], False
                    event.sequence += 1
                    event.modified_at = now
            for uid, event in published.items():
                if uid not in current and not event.cancelled:
                    event.cancelled = True
                    event.sequence += 1
                    event.modified_at = now
    except IntegrityError:
        published = _published(user)
    return sorted(published.values(), key=lambda e: (e.day, e.uid))


def _published(user: Any) -> dict[str, CalendarEvent]:
    return {e.uid: e for e in db.session.scalars(
        select(CalendarEvent).where(CalendarEvent.user_id == user.id))}


# --- iCalendar ------------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def ics(events: Iterable[CalendarEvent | Deadline], name: str, base_url: str,
        stamp: datetime | None = None) -> bytes:
    """An iCalendar document (RFC 5545) of all-day events. ``base_url`` makes the links
    absolute; a :class:`Deadline` (a single download) is sequence 0, confirmed."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = _utc(stamp or utcnow())
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("summary", item.summary)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        event.add("url", base_url.rstrip("/") + item.url)
        event.add("description", f"{item.summary} on {long_date(item.day)}.")
        if isinstance(item, CalendarEvent):
            event.add("dtstamp", stamp)
            event.add("last-modified", _utc(item.modified_at))
            event.add("sequence", item.sequence)
            event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        else:
            event.add("dtstamp", stamp)
            event.add("sequence", 0)
            event.add("status", "CONFIRMED")
        calendar.add_component(event)
    return bytes(calendar.to_ical())


# --- the feed's secret ----------------------------------------------------------------------


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def live_feed(user: Any) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(
        CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None)))


def _revoke(user: Any, now: datetime) -> CalendarFeed | None:
    feed = live_feed(user)
    if feed is None:
        return None
    before = audit.snapshot(feed)
    feed.revoked_at = now
    db.session.flush()
    audit.record("revoke", feed, before=before, parent=user, user=user)
    return feed


def create_feed(user: Any) -> str:
    """A new secret feed address for ``user`` (the previous one revoked); returns the
    secret, which is shown once and never stored (only its SHA-256). Audited."""
    policy.ensure(user, policy.READ)
    _revoke(user, utcnow())
    secret = secrets.token_urlsafe(32)
    feed = CalendarFeed(user_id=user.id, token_hash=_hash(secret))
    db.session.add(feed)
    db.session.flush()
    audit.record("create", feed, parent=user, user=user)
    return secret


def revoke_feed(user: Any) -> CalendarFeed:
    """Revoke ``user``'s feed address: the calendars reading it get 404 from now on."""
    feed = _revoke(user, utcnow())
    if feed is None:
        raise NotFound("You have no calendar feed to revoke.", field="feed")
    return feed


def feed_reader(secret: str) -> tuple[CalendarFeed, User]:
    """The live feed of ``secret`` and its user (active), or :class:`NotFound`."""
    feed = db.session.scalar(select(CalendarFeed).where(
        CalendarFeed.token_hash == _hash(secret), CalendarFeed.revoked_at.is_(None)))
    user = db.session.get(User, feed.user_id) if feed is not None else None
    if feed is None or user is None or not user.active:
        raise NotFound("Unknown calendar feed.", field="secret")
    return feed, user


def read_feed(secret: str, base_url: str, now: datetime | None = None) -> bytes:
    """The feed of ``secret``: the user's deadlines, published (:func:`publish`)."""
    feed, user = feed_reader(secret)
    now = now or utcnow()
    events = publish(user, deadlines_for(user), now)
    feed.read_at = now
    db.session.flush()
    return ics(events, f"jointprojects: {user.organization.code} deadlines", base_url, now)
