"""Organization keys, checkpoints of the chain head, the organizations' signatures of
checkpoints and of acceptances, and the runs of the chain's verification (docs/EVIDENCE.md)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jointprojects.auth.models import utcnow
from jointprojects.extensions import NEVER_REUSED, Model
from jointprojects.organizations.models import Organization

if TYPE_CHECKING:
    from jointprojects.auth.models import User
    from jointprojects.statements.models import StatementAcknowledgement


class OrganizationKey(Model):
    """An organization's Ed25519 public key. Replacing it retires the old one, which stays:
    what it signed while in use still verifies."""

    __tablename__ = "organization_key"
    __table_args__ = (UniqueConstraint("fingerprint"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    public_key: Mapped[str] = mapped_column(Text)
    #: SHA-256 of the key's 32 raw bytes, hex (reports.evidence.fingerprint).
    fingerprint: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    retired_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship()
    registered_by: Mapped[User | None] = relationship("User")


class Checkpoint(Model):
    """The chain head (the newest audit row's id and hash) at a time, signed by the
    instance's key (reports.evidence.checkpoint_payload)."""

    __tablename__ = "checkpoint"
    __table_args__ = (NEVER_REUSED,)

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    instance_signature: Mapped[str] = mapped_column(String(100))
    instance_fingerprint: Mapped[str] = mapped_column(String(64))
    #: Who made it: "command line", "daily job", or a user's name.
    made_by: Mapped[str] = mapped_column(String(200))

    signatures: Mapped[list[CheckpointSignature]] = relationship(
        back_populates="checkpoint", order_by="CheckpointSignature.id",
        cascade="all, delete-orphan")


class CheckpointSignature(Model):
    """An organization's signature of a checkpoint, by its registered key."""

    __tablename__ = "checkpoint_signature"
    __table_args__ = (UniqueConstraint("checkpoint_id", "organization_id"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoint.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    key_id: Mapped[int] = mapped_column(ForeignKey("organization_key.id"))
    signature: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    checkpoint: Mapped[Checkpoint] = relationship(back_populates="signatures")
    organization: Mapped[Organization] = relationship()
    key: Mapped[OrganizationKey] = relationship()
    recorded_by: Mapped[User | None] = relationship("User")


class AcceptanceSignature(Model):
    """An organization's signature of an acceptance's sealed digest (a statement's figures,
    its workbook's SHA-256 and the chain head when it was accepted)."""

    __tablename__ = "acceptance_signature"
    __table_args__ = (UniqueConstraint("acknowledgement_id", "organization_id"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    acknowledgement_id: Mapped[int] = mapped_column(
        ForeignKey("statement_acknowledgement.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    key_id: Mapped[int] = mapped_column(ForeignKey("organization_key.id"))
    signature: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    acknowledgement: Mapped[StatementAcknowledgement] = relationship()
    organization: Mapped[Organization] = relationship()
    key: Mapped[OrganizationKey] = relationship()
    recorded_by: Mapped[User | None] = relationship("User")


class ChainVerification(Model):
    """One run of ``verify --database`` (the audit page's "Verify now", a job): what the
    pages show without replaying the log on every view."""

    __tablename__ = "chain_verification"
    __table_args__ = (Index("ix_chain_verification_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool]
    message: Mapped[str] = mapped_column(Text)
    #: The newest audit row when the run started (rows after it were not checked).
    last_row: Mapped[int] = mapped_column(default=0)
    #: The first broken row, when the message names one.
    broken_row: Mapped[int | None]
