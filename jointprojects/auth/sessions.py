"""Web sessions: one ``user_session`` row per logged-in browser, idle and absolute timeouts.

At login (:func:`start`) a row is created and a random token kept in Flask's signed cookie
session (``_jp_sid``); the row's id is the token's SHA-256 digest. Every request of a
logged-in browser (:func:`check_session`) looks the row up: a missing or ended row logs the
browser out, and so does a session past ``SESSION_IDLE_MINUTES`` (default 30) since it was
last seen or ``SESSION_MAX_HOURS`` (default 12) since login (audited as ``session_end``).
``last_seen_at`` is written at most once a minute. The user lists their open sessions and ends
any of them (:func:`open_sessions`, :func:`end`); a password change ends the others
(:func:`end_others`). An expired session is never listed, and :func:`prune` deletes the rows
that can no longer hold (ended, idle or past their lifetime): ``jointprojects sessions prune``
runs it (periodic-safe: any number of processes may run it at once) and every login does too.

Rows are written with single UPDATE/DELETE statements, never with a flushed ORM change: a row
that another process pruned in between is then simply no longer there (no stale-data error),
and a session that two processes end at once is audited once (the statement's row count).
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta

from flask import current_app, flash, g, session
from flask_login import current_user, logout_user
from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.exc import OperationalError

from jointprojects.audit import services as audit
from jointprojects.auth.models import User, UserSession, hash_token
from jointprojects.database import locked
from jointprojects.extensions import db
from jointprojects.i18n import _

SESSION_ID = "_jp_sid"
#: ``last_seen_at`` is written when it is older than this (not on every request).
SEEN_EVERY = timedelta(minutes=1)


def now() -> float:
    """The clock of the session checks (tests replace it)."""
    return time.time()


def _now() -> datetime:
    return datetime.fromtimestamp(now(), UTC).replace(tzinfo=None)


def forget() -> None:
    """Empty the session (at logout), its CSRF token with it."""
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def start(user: User) -> UserSession:
    """Forget everything the session held before (its CSRF token too) and open a new row."""
    # Flask-WTF caches the request's token in g: forget() drops it too, so that the page
    # shown next carries the new session's token.
    forget()
    session.permanent = True
    token = secrets.token_urlsafe(32)
    address, agent = audit.request_origin()
    stamp = _now()
    row = UserSession(id=hash_token(token), user_id=user.id, created_at=stamp,
                      last_seen_at=stamp, address=address, user_agent=agent)
    db.session.add(row)
    session[SESSION_ID] = token
    return row


def current_id() -> str | None:
    """The id of this browser's ``user_session`` row, if it has one."""
    token = session.get(SESSION_ID)
    return hash_token(token) if isinstance(token, str) and token else None


def _close(row: UserSession, reason: str) -> bool:
    """End ``row`` unless it has ended already (or was pruned); True when this call ended it."""
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.id == row.id, UserSession.ended_at.is_(None))
        .values(ended_at=_now(), end_reason=reason)
        .execution_options(synchronize_session="evaluate"))
    return bool(getattr(result, "rowcount", 0) == 1)


def _limits() -> tuple[timedelta, timedelta]:
    """(idle timeout, absolute lifetime) from the configuration."""
    config = current_app.config
    return (timedelta(minutes=float(config["SESSION_IDLE_MINUTES"])),
            timedelta(hours=float(config["SESSION_MAX_HOURS"])))


def _live_clause(stamp: datetime) -> ColumnElement[bool]:
    """SQL: a row that still holds at ``stamp`` (the same limits as :func:`expired_reason`)."""
    idle, lifetime = _limits()
    return and_(UserSession.ended_at.is_(None),
                UserSession.created_at >= stamp - lifetime,
                UserSession.last_seen_at >= stamp - idle)


def end_current(reason: str = "logout") -> None:
    """End this browser's row (at logout)."""
    sid = current_id()
    row = db.session.get(UserSession, sid) if sid else None
    if row is not None and row.ended_at is None:
        _close(row, reason)


def open_sessions(user: User) -> list[UserSession]:
    """``user``'s sessions that still hold (not ended, not idle, not past their lifetime),
    the most recently seen first."""
    return list(db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, _live_clause(_now()))
        .order_by(UserSession.last_seen_at.desc(), UserSession.created_at.desc())
    ))


def end(user: User, session_id: str) -> bool:
    """End ``user``'s open session ``session_id`` (audited); False when it is not theirs or
    no longer holds (the page answers 404)."""
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user.id or expired_reason(row) is not None:
        return False
    if _close(row, "ended_by_user"):
        audit.security_event("session_end", user, reason="ended_by_user",
                             current=session_id == current_id())
    return True


def end_others(user: User, reason: str = "password_change") -> int:
    """End every open session of ``user`` but this browser's; return how many."""
    keep = current_id()
    count = 0
    for row in open_sessions(user):
        if row.id != keep and _close(row, reason):
            count += 1
    return count


def expired_reason(row: UserSession | None) -> str | None:
    """Why this browser's session no longer holds (``"ended"``, ``"absolute"``, ``"idle"``),
    or None."""
    if row is None or row.ended_at is not None:
        return "ended"
    stamp = _now()
    idle, lifetime = _limits()
    if stamp - row.created_at > lifetime:
        return "absolute"
    if stamp - row.last_seen_at > idle:
        return "idle"
    return None


def prune() -> tuple[int, int]:
    """Delete every row that no longer holds: ended, idle or past its lifetime. A session
    that expired without being ended (its browser never came back) is audited as
    ``session_end`` with its reason, as if its browser had come back; rows already ended were
    audited when they ended. Returns (expired sessions ended, rows deleted).

    Periodic-safe: one DELETE ... RETURNING, so two processes pruning at once delete (and
    audit) each row once; a browser using the row meanwhile finds it gone and logs in again."""
    stamp = _now()
    idle, lifetime = _limits()
    absolute = UserSession.created_at < stamp - lifetime
    gone = db.session.execute(
        delete(UserSession)
        .where(or_(UserSession.ended_at.is_not(None), absolute,
                   UserSession.last_seen_at < stamp - idle))
        .returning(UserSession.user_id, UserSession.ended_at, UserSession.created_at)
        .execution_options(synchronize_session=False)
    ).all()
    expired = [(user_id, "absolute" if stamp - created > lifetime else "idle")
               for user_id, ended_at, created in gone if ended_at is None]
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({user_id for user_id, _ in expired})))} if expired else {}
    for user_id, reason in expired:
        if user_id in users:
            audit.security_event("session_end", users[user_id], reason=reason, pruned=True)
    return len(expired), len(gone)


def _note_seen(row: UserSession, stamp: datetime) -> None:
    """Write when the session was last seen. On SQLite only if the write lock is free at
    once: while another transaction holds it (an import recording 100,000 rows, for
    minutes) a page must not wait for it and answer "busy"; the note waits for a later
    request instead (the idle limit counts in hours, the note is taken once a minute)."""
    statement = (update(UserSession).where(UserSession.id == row.id)
                 .values(last_seen_at=stamp)
                 .execution_options(synchronize_session="evaluate"))
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        db.session.execute(statement)
        return
    previous = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    connection.exec_driver_sql("PRAGMA busy_timeout = 0")
    try:
        db.session.execute(statement)
    except OperationalError as exc:
        if not locked(exc):
            raise
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(previous or 0)}")


def check_session() -> None:
    """Before every request: end a session past its limits, else note that it was seen."""
    if "_user_id" not in session or not current_user.is_authenticated:
        return
    sid = current_id()
    row = db.session.get(UserSession, sid) if sid else None
    if row is not None and row.user_id != current_user.id:
        row = None
    reason = expired_reason(row) or ""
    if not reason and row is not None:
        stamp = _now()
        if stamp - row.last_seen_at >= SEEN_EVERY:
            _note_seen(row, stamp)
        return
    if row is not None and row.ended_at is None and _close(row, reason):
        audit.security_event("session_end", current_user._get_current_object(), reason=reason)
    logout_user()
    forget()
    flash(_("Your session has ended; please log in again."), "info")
