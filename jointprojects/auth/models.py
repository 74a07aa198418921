"""Users, roles and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jointprojects.extensions import NEVER_REUSED, Model
from jointprojects.vocabulary import N_

if TYPE_CHECKING:
    from jointprojects.organizations.models import Organization

ROLES = ("admin", "programme_manager", "finance", "leadership")
ROLE_LABELS = {
    "admin": N_("Administrator"),
    "programme_manager": N_("Programme manager"),
    "finance": N_("Finance"),
    "leadership": N_("Leadership"),
}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, Model):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'programme_manager', 'finance', 'leadership')", name="role"
        ),
        CheckConstraint("language IN ('en', 'fr')", name="language"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(32))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    active: Mapped[bool] = mapped_column(default=True)
    #: Flask-Login's alternative id: rotated at logout so an old cookie stops working.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: ``"en"`` or ``"fr"`` once chosen (the navigation's switch); None: the browser decides.
    language: Mapped[str | None] = mapped_column(String(2), default=None)

    organization: Mapped[Organization] = relationship("Organization")

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(Model):
    """An API token; only its SHA-256 digest is stored."""

    __tablename__ = "api_token"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship("User")


class UserSession(Model):
    """One logged-in browser. The cookie session holds a random token; ``id`` is its SHA-256
    digest (so the table alone cannot be used to take a session over)."""

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    ended_at: Mapped[datetime | None] = mapped_column()
    end_reason: Mapped[str | None] = mapped_column(String(20))
