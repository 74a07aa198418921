"""Web sessions: a fresh session at every login, idle and absolute timeouts.

Flask's signed cookie session holds the timestamps: ``_jp_login`` (when the user logged in)
and ``_jp_seen`` (the last request). Every request of a logged-in browser checks them against
``SESSION_IDLE_MINUTES`` (default 30) and ``SESSION_MAX_HOURS`` (default 12); a session past
either ends (audited as ``session_end``) and the next page asks for a login again.
"""

from __future__ import annotations

import secrets
import time

from flask import current_app, flash, g, session
from flask_login import current_user, logout_user

from jointprojects.audit import services as audit
from jointprojects.auth.models import User

LOGIN_AT = "_jp_login"
SEEN_AT = "_jp_seen"
SESSION_ID = "_jp_sid"


def now() -> float:
    """The clock of the session checks (tests replace it)."""
    return time.time()


def forget() -> None:
    """Empty the session (at logout), its CSRF token with it."""
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def start(user: User) -> None:
    """Forget everything the session held before (its CSRF token too) and stamp it."""
    # Flask-WTF caches the request's token in g: forget() drops it too, so that the page
    # shown next carries the new session's token.
    forget()
    session.permanent = True
    stamp = now()
    session[LOGIN_AT] = stamp
    session[SEEN_AT] = stamp
    session[SESSION_ID] = secrets.token_urlsafe(16)


def expired_reason() -> str | None:
    """``"idle"`` or ``"absolute"`` when the logged-in session is past a limit, else None."""
    stamp = now()
    login_at = session.get(LOGIN_AT)
    seen_at = session.get(SEEN_AT)
    if not isinstance(login_at, (int, float)) or not isinstance(seen_at, (int, float)):
        return "absolute"  # a session from before the timestamps: start again
    if stamp - login_at > float(current_app.config["SESSION_MAX_HOURS"]) * 3600:
        return "absolute"
    if stamp - seen_at > float(current_app.config["SESSION_IDLE_MINUTES"]) * 60:
        return "idle"
    return None


def check_session() -> None:
    """Before every request: end a session past its limits, else note that it was seen."""
    if "_user_id" not in session or not current_user.is_authenticated:
        return
    reason = expired_reason()
    if reason is None:
        session[SEEN_AT] = now()
        return
    audit.security_event("session_end", current_user._get_current_object(), reason=reason)
    logout_user()
    forget()
    flash("Your session has ended; please log in again.", "info")
