"""Users, passwords and API tokens."""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from jointprojects.audit import services as audit
from jointprojects.auth.models import (
    ROLES,
    ApiToken,
    User,
    UserSession,
    hash_token,
    new_session_token,
    utcnow,
)
from jointprojects.auth.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    password_problems,
)
from jointprojects.errors import Collector, DomainError, Message, NotFound
from jointprojects.extensions import db
from jointprojects.locales import LANGUAGES
from jointprojects.organizations.models import Organization

__all__ = ["MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH"]


def _hash(password: str) -> str:
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


def create_user(
    email: str, password: str, role: str, organization_code: str, name: str = ""
) -> User:
    errors = Collector()
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254:
        errors.add("email", "Enter a valid e-mail address.")
    if role not in ROLES:
        errors.add("role", Message("Role must be one of %(value)s.", value=', '.join(ROLES)))
    for problem in password_problems(password, email):
        errors.add("password", problem)
    org = db.session.scalar(select(Organization).filter_by(code=organization_code))
    if org is None:
        errors.add("organization", Message("Unknown organization %(code)r.",
                                           code=organization_code))
    if email and db.session.scalar(select(User).filter_by(email=email)):
        errors.conflict("email", Message("A user with e-mail %(email)s already exists.",
                                         email=email))
    errors.raise_if_any()
    user = User(email=email, name=name, role=role, organization=org, password_hash=_hash(password))
    db.session.add(user)
    db.session.flush()
    return user


_dummy_hashes: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash of a random password, made with the configured method: checked against when
    the e-mail is unknown, so that known and unknown e-mails take the same time."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _dummy_hashes:
        _dummy_hashes[method] = _hash(secrets.token_urlsafe(16))
    return _dummy_hashes[method]


def create_user_audited(
    email: str, password: str, role: str, organization_code: str, name: str = "",
    acting: User | None = None,
) -> User:
    """:func:`create_user`, with its audit row (the admin page and the command line)."""
    user = create_user(email, password, role, organization_code, name)
    audit.record("create", user, after=public_snapshot(audit.snapshot(user)), user=acting)
    return user


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).filter_by(email=(email or "").strip().lower()))
    password = (password or "")[: MAX_PASSWORD_LENGTH + 1]  # a 1 MB password is not hashed
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def end_session(user: User) -> None:
    """Rotate the session token so that every cookie issued before stops working."""
    user.session_token = new_session_token()


def load_user_by_session_token(token: str) -> User | None:
    return db.session.scalar(select(User).filter_by(session_token=token, active=True))


def create_token(email: str) -> str:
    """Create an API token for ``email``; return it in clear (only its hash is stored)."""
    user = db.session.scalar(select(User).filter_by(email=(email or "").strip().lower()))
    if user is None:
        raise NotFound(Message("No user with e-mail %(email)s.", email=email), field="email")
    token = "jp_" + secrets.token_urlsafe(32)
    row = ApiToken(user=user, token_hash=hash_token(token))
    db.session.add(row)
    db.session.flush()
    audit.security_event("token_create", user, token_id=row.id)
    return token


def revoke_tokens(user: User) -> int:
    """Revoke every API token of ``user`` still valid (audited); return how many."""
    count = 0
    for token in db.session.scalars(select(ApiToken).filter_by(user_id=user.id, revoked=False)):
        token.revoked = True
        audit.security_event("token_revoke", user, token_id=token.id)
        count += 1
    return count


def user_for_token(token: str) -> User | None:
    if not token:
        return None
    row = db.session.scalar(select(ApiToken).filter_by(token_hash=hash_token(token), revoked=False))
    if row is None or not row.user.active:
        return None
    return row.user


def change_password(user: User, current: str, new: str) -> int:
    """Change ``user``'s password: their other sessions end and their API tokens are
    revoked; return the number of tokens revoked."""
    if not check_password_hash(user.password_hash, (current or "")[: MAX_PASSWORD_LENGTH + 1]):
        raise DomainError("The current password is not right.", field="current_password")
    errors = Collector()
    for problem in password_problems(new, user.email):
        errors.add("new_password", problem)
    errors.raise_if_any()
    user.password_hash = _hash(new)
    end_session(user)
    revoked = revoke_tokens(user)
    audit.security_event("password_change", user, tokens_revoked=revoked)
    return revoked


def set_active(user: User, active: bool, acting: User) -> None:
    """Deactivate or reactivate a user; deactivation ends their sessions and tokens."""
    if user.id == acting.id and not active:
        raise DomainError("You cannot deactivate your own account.", field="active")
    before = audit.snapshot(user)
    user.active = active
    if not active:
        end_session(user)
        for row in db.session.scalars(select(UserSession).filter_by(user_id=user.id,
                                                                    ended_at=None)):
            row.ended_at, row.end_reason = utcnow(), "deactivated"
        revoke_tokens(user)
    audit.record(
        "update",
        user,
        before=public_snapshot(before),
        after=public_snapshot(audit.snapshot(user)),
        user=acting,
    )
    audit.security_event("deactivate" if not active else "reactivate", user,
                         by=acting.email)


def set_language(user: User, language: str) -> None:
    """The language ``user`` reads the application in (``"en"`` or ``"fr"``, issue 17)."""
    if language not in LANGUAGES:
        raise DomainError("Choose English or French.", field="language")
    if user.language == language:
        return
    before = public_snapshot(audit.snapshot(user))
    user.language = language
    audit.record("update", user, before=before, after=public_snapshot(audit.snapshot(user)),
                 user=user)


def public_snapshot(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("password_hash", "session_token")}


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.email)))
