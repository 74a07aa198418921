"""Web sessions: one ``user_session`` row per logged-in browser, idle and absolute timeouts.

At login (:func:`start`) a row is created and a random token kept in Flask's signed cookie
session (``_jp_sid``); the row's id is the token's SHA-256 digest. Every request of a
logged-in browser (:func:`check_session`) looks the row up: a missing or ended row logs the
browser out, and so does a session past ``SESSION_IDLE_MINUTES`` (default 30) since it was
last seen or ``SESSION_MAX_HOURS`` (default 12) since login (audited as ``session_end``).
``last_seen_at`` is written at most once a minute. The user lists their open sessions and ends
any of them (:func:`open_sessions`, :func:`end`); a password change ends the others
(:func:`end_others`).
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta

from flask import current_app, flash, g, session
from flask_login import current_user, logout_user
from sqlalchemy import select

from jointprojects.audit import services as audit
from jointprojects.auth.models import User, UserSession, hash_token
from jointprojects.extensions import db

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


def _close(row: UserSession, reason: str) -> None:
    row.ended_at = _now()
    row.end_reason = reason


def end_current(reason: str = "logout") -> None:
    """End this browser's row (at logout)."""
    sid = current_id()
    row = db.session.get(UserSession, sid) if sid else None
    if row is not None and row.ended_at is None:
        _close(row, reason)


def open_sessions(user: User) -> list[UserSession]:
    """``user``'s sessions not ended, the most recently seen first (expired ones included
    until their browser comes back: they are ended then)."""
    return list(db.session.scalars(
        select(UserSession)
        .filter_by(user_id=user.id, ended_at=None)
        .order_by(UserSession.last_seen_at.desc(), UserSession.created_at.desc())
    ))


def end(user: User, session_id: str) -> bool:
    """End ``user``'s open session ``session_id`` (audited); False when it is not theirs or
    not open (the page answers 404)."""
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user.id or row.ended_at is not None:
        return False
    _close(row, "ended_by_user")
    audit.security_event("session_end", user, reason="ended_by_user",
                         current=session_id == current_id())
    return True


def end_others(user: User, reason: str = "password_change") -> int:
    """End every open session of ``user`` but this browser's; return how many."""
    keep = current_id()
    count = 0
    for row in open_sessions(user):
        if row.id != keep:
            _close(row, reason)
            count += 1
    return count


def expired_reason(row: UserSession | None) -> str | None:
    """Why this browser's session no longer holds (``"ended"``, ``"absolute"``, ``"idle"``),
    or None."""
    if row is None or row.ended_at is not None:
        return "ended"
    stamp = _now()
    if stamp - row.created_at > timedelta(hours=float(current_app.config["SESSION_MAX_HOURS"])):
        return "absolute"
    if stamp - row.last_seen_at > timedelta(
            minutes=float(current_app.config["SESSION_IDLE_MINUTES"])):
        return "idle"
    return None


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
            row.last_seen_at = stamp
        return
    if row is not None and row.ended_at is None:
        _close(row, reason)
        audit.security_event("session_end", current_user._get_current_object(), reason=reason)
    logout_user()
    forget()
    flash("Your session has ended; please log in again.", "info")
