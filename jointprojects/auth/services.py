"""Users, passwords and API tokens."""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from jointprojects.audit import services as audit
from jointprojects.auth.models import ROLES, ApiToken, User, hash_token, new_session_token
from jointprojects.errors import Collector, Conflict, DomainError, NotFound
from jointprojects.extensions import db
from jointprojects.organizations.models import Organization

MIN_PASSWORD_LENGTH = 12


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
        errors.add("role", f"Role must be one of {', '.join(ROLES)}.")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors.add("password", f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    org = db.session.scalar(select(Organization).filter_by(code=organization_code))
    if org is None:
        errors.add("organization", f"Unknown organization {organization_code!r}.")
    errors.raise_if_any()
    if db.session.scalar(select(User).filter_by(email=email)):
        raise Conflict(f"A user with e-mail {email} already exists.", field="email")
    user = User(email=email, name=name, role=role, organization=org, password_hash=_hash(password))
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).filter_by(email=(email or "").strip().lower()))
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
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
        raise NotFound(f"No user with e-mail {email}.", field="email")
    token = "jp_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=hash_token(token)))
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    if not token:
        return None
    row = db.session.scalar(select(ApiToken).filter_by(token_hash=hash_token(token), revoked=False))
    if row is None or not row.user.active:
        return None
    return row.user


def change_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current):
        raise DomainError("The current password is not right.", field="current_password")
    if len(new or "") < MIN_PASSWORD_LENGTH:
        raise DomainError(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters.",
            field="new_password",
        )
    user.password_hash = _hash(new)
    end_session(user)


def set_active(user: User, active: bool, acting: User) -> None:
    """Deactivate or reactivate a user; deactivation ends their sessions and tokens."""
    if user.id == acting.id and not active:
        raise DomainError("You cannot deactivate your own account.", field="active")
    before = audit.snapshot(user)
    user.active = active
    if not active:
        end_session(user)
        for token in db.session.scalars(select(ApiToken).filter_by(user_id=user.id)):
            token.revoked = True
    audit.record(
        "update",
        user,
        before=public_snapshot(before),
        after=public_snapshot(audit.snapshot(user)),
        user=acting,
    )


def public_snapshot(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("password_hash", "session_token")}


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.email)))
